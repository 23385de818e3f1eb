"""The Tardis HTTP API (``https://api.tardis.dev/v1``)."""
