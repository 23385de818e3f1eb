"""BitMEX REST: the client (``http_*`` methods one per endpoint), payload models, query
builders, record parsers and error mapping."""
