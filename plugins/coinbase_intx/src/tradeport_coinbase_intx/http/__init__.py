"""The CoinbaseIntx REST API: client (endpoints 1:1, domain methods above), payload models,
query builders, parsers and the error envelope."""
