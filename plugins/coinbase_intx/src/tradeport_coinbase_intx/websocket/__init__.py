"""The CoinbaseIntx stream: topics, message models, the venue protocol for
:class:`tradeport.net.WebSocketClient`, and parsers."""
