"""Binance constants: venue names, symbology, protocol limits."""

from __future__ import annotations

from typing import Final

#: The name users type (``tradeport info binance``).
VENUE_NAME: Final = "binance"
#: The venue part of instrument ids (``BTCUSDT.BINANCE``).
VENUE_ID: Final = "BINANCE"
#: Suffix tradeport appends to perpetual symbols: Binance uses ``BTCUSDT`` for both the spot pair
#: and the USD-M perpetual, and one system boundary cannot hold both under one id.
PERP_SUFFIX: Final = "-PERP"
#: Binance's ``deliveryDate`` for perpetual contracts (2100-12-25), i.e. "never".
PERPETUAL_DELIVERY_MS: Final = 4133404800000
#: Default receive window sent with signed requests (Binance's own default).
DEFAULT_RECV_WINDOW_MS: Final = 5000
#: Largest receive window Binance accepts.
MAX_RECV_WINDOW_MS: Final = 60000
#: Streams per connection (Binance refuses more).
MAX_STREAMS_PER_CONNECTION: Final = 1024
#: Binance closes every stream connection after 24 hours.
CONNECTION_LIFETIME_S: Final = 24 * 3600
#: A listenKey expires 60 minutes after its last keepalive; Binance recommends one every 30.
LISTEN_KEY_KEEPALIVE_S: Final = 30 * 60
#: Header carrying the API key on every private request.
API_KEY_HEADER: Final = "X-MBX-APIKEY"
#: Prefix of the used-weight headers (``X-MBX-USED-WEIGHT-1M``).
USED_WEIGHT_HEADER_PREFIX: Final = "x-mbx-used-weight-"
#: Prefix of the order-count headers (``X-MBX-ORDER-COUNT-10S``).
ORDER_COUNT_HEADER_PREFIX: Final = "x-mbx-order-count-"
