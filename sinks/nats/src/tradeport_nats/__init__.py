"""tradeport-nats: fan events out through NATS JetStream (``nats://HOST:PORT``) and read them
back on other machines. See :mod:`tradeport_nats.jetstream`."""

__all__: list[str] = []
