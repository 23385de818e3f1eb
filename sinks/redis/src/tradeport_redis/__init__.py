"""tradeport-redis: fan events out through Redis Streams (``redis://HOST:PORT``) and read them
back on other machines. See :mod:`tradeport_redis.streams`."""

__all__: list[str] = []
