"""The Tardis HTTP API client: ``http_*`` methods mirror the endpoints one to one.

Endpoints (docs.tardis.dev, HTTP API reference and instruments metadata API; base
``https://api.tardis.dev/v1``):

* ``GET /exchanges`` - every exchange (``id``, ``name``, ``enabled``, ``availableSince``...);
* ``GET /exchanges/{exchange}`` - one exchange's details: ``availableSymbols``,
  ``availableChannels``, ``incidentReports``, ``datasets`` (``exportedFrom``,
  ``exportedUntil``, symbols with their data types);
* ``GET /instruments/{exchange}`` - instruments metadata (tick sizes, contract multipliers...;
  an active pro or business subscription);
* ``GET /data-feeds/{exchange}?from=&offset=&filters=`` - one minute slice of the recorded
  exchange-native feed as gzip NDJSON (``Accept-Encoding: gzip``; httpx decompresses).

The key goes as ``Authorization: Bearer <key>``; without one, data feeds are served for the
first day of each month only. 429 waits (Retry-After) and retries, as do 5xx and connection
failures (the core HttpClient); 400/401/403/404 are final, with Tardis' message.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping, Sequence
from typing import Any

from tradeport.errors import MissingCredentials
from tradeport.net import HttpClient, json_codec
from tradeport.net.backoff import RetryPolicy

from tradeport_tardis.config import TardisConfig
from tradeport_tardis.constants import VENUE_ID
from tradeport_tardis.http.errors import parse_error_response
from tradeport_tardis.urls import DATASETS_URL, HTTP_API_URL

__all__ = ["TardisHttpClient", "data_feed_params"]

#: Bytes asked per body read while a slice downloads.
_CHUNK = 1 << 16


def data_feed_params(
    from_iso: str, offset: int, filters: Sequence[Mapping[str, Any]]
) -> list[tuple[str, str]]:
    """The query of ``/data-feeds``: ``from`` (a minute, ISO 8601), ``offset`` (minutes) and
    ``filters`` (JSON ``[{"channel": .., "symbols": [..]}]``; absent for the whole feed)."""
    params = [("from", from_iso), ("offset", str(offset))]
    if filters:
        params.append(("filters", json_codec.dumps(list(filters))))
    return params


class TardisHttpClient:
    """HTTP API client built from a :class:`TardisConfig`."""

    def __init__(self, config: TardisConfig, *, retry: RetryPolicy | None = None) -> None:
        self.config = config
        headers = {"Accept-Encoding": "gzip"}
        if config.api_key is not None:
            headers["Authorization"] = f"Bearer {config.api_key.reveal()}"
        self.http = HttpClient(
            (config.base_url_http or HTTP_API_URL).rstrip("/"),
            venue=VENUE_ID,
            headers=headers,
            timeout=config.http_timeout,
            retry=retry
            or RetryPolicy(initial=config.http_retry_delay, max_attempts=config.http_max_attempts),
            error_parser=parse_error_response,
            secrets=(config.api_key,),
        )

        #: The datasets host (its own base URL, the same key and retry rules).
        self.datasets = HttpClient(
            (config.base_url_datasets or DATASETS_URL).rstrip("/"),
            venue=VENUE_ID,
            headers={k: v for k, v in headers.items() if k != "Accept-Encoding"},
            timeout=config.http_timeout,
            retry=retry
            or RetryPolicy(initial=config.http_retry_delay, max_attempts=config.http_max_attempts),
            error_parser=parse_error_response,
            secrets=(config.api_key,),
        )

    def __repr__(self) -> str:
        return f"TardisHttpClient(base_url={self.http.base_url!r})"

    @property
    def has_key(self) -> bool:
        return self.config.api_key is not None

    async def aclose(self) -> None:
        await self.http.aclose()
        await self.datasets.aclose()

    # -- endpoints ----------------------------------------------------------------------------

    async def http_get_exchanges(self) -> list[dict[str, Any]]:
        """``GET /exchanges``."""
        return await self.http.get_json("/exchanges")  # type: ignore[no-any-return]

    async def http_get_exchange(self, exchange: str) -> dict[str, Any]:
        """``GET /exchanges/{exchange}``."""
        return await self.http.get_json(f"/exchanges/{exchange}")  # type: ignore[no-any-return]

    async def http_get_instruments(self, exchange: str) -> list[dict[str, Any]]:
        """``GET /instruments/{exchange}`` (needs a key with a pro or business plan)."""
        if not self.has_key:
            raise MissingCredentials(
                VENUE_ID, "instruments metadata", "set api_key or TARDIS_API_KEY (pro plan)"
            )
        return await self.http.get_json(f"/instruments/{exchange}")  # type: ignore[no-any-return]

    async def http_get_data_feed(
        self, exchange: str, from_iso: str, offset: int, filters: Sequence[Mapping[str, Any]]
    ) -> bytes:
        """``GET /data-feeds/{exchange}``: one slice, decompressed. A body that breaks off is
        a :class:`~tradeport.errors.NetworkError` (the caller retries the slice)."""
        body = bytearray()
        async with self.http.stream(
            "GET",
            f"/data-feeds/{exchange}",
            params=data_feed_params(from_iso, offset, filters),
        ) as response:
            async for chunk in response.aiter_bytes(_CHUNK):
                body += chunk
        return bytes(body)

    async def http_get_dataset(self, path: str) -> AsyncIterator[bytes]:
        """``GET {datasets}/{exchange}/{type}/{YYYY}/{MM}/{DD}/{SYMBOL}.csv.gz``: the gzip body
        as it arrives (the file itself is gzip; nothing is decompressed here). A body that
        breaks off is a :class:`~tradeport.errors.NetworkError`."""
        async with self.datasets.stream("GET", path) as response:
            async for chunk in response.aiter_bytes():
                yield chunk
