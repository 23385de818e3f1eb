"""OKX REST: the HTTP client (endpoints 1:1), query builders, error mapping and parsers."""
