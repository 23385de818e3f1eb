"""The historical API client: ``http_*`` methods mirror the venue's endpoints one to one;
domain methods (streaming a range as records, cost checks) sit above them.

Endpoints (docs: API reference - Historical; ``https://hist.databento.com/v0/FAMILY.METHOD``):
``POST timeseries.get_range`` (DBN, optionally zstd, streamed), ``GET metadata.list_datasets``,
``GET metadata.list_schemas``, ``GET metadata.get_dataset_range``, ``POST metadata.get_cost``,
``POST metadata.get_record_count``, ``POST symbology.resolve``. HTTP Basic auth with the key as
user name. Rate limits per team (docs: rate limits): 100 timeseries and 100 symbology requests
per second, 20 metadata requests per second; a 429 carries ``Retry-After`` (the core waits).
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import AsyncIterator, Sequence
from typing import Any

from tradeport.errors import MissingCredentials, TradeportError
from tradeport.net import HttpClient, Quota, RateLimiter
from tradeport.net.backoff import RetryPolicy

from tradeport_databento.config import DatabentoConfig
from tradeport_databento.constants import VENUE_ID
from tradeport_databento.credential import basic_auth_header
from tradeport_databento.decode import DbnBlock, DbnBlockStream, DbnStream
from tradeport_databento.http.errors import parse_error_response
from tradeport_databento.http.query import range_form, resolve_form
from tradeport_databento.urls import API_VERSION, historical_url

__all__ = [
    "DatabentoHttpClient",
    "PartialResolutionWarning",
    "CostConfirmationRequired",
    "RangeResult",
]

log = logging.getLogger("tradeport.databento.http")


class PartialResolutionWarning(UserWarning):
    """Some symbols of a request did not resolve (HTTP 206, or ``partial``/``not_found``)."""


class CostConfirmationRequired(TradeportError):
    """A historical request costs more than ``max_cost_usd`` and was not confirmed."""

    def __init__(self, cost: float, limit: float, what: str) -> None:
        super().__init__(
            f"{VENUE_ID}: {what} would cost ${cost:.2f}, above max_cost_usd ${limit:.2f}; "
            "pass confirm=True to run it"
        )
        self.cost = cost
        self.limit = limit


def warn_partial(what: str, partial: Sequence[str], not_found: Sequence[str]) -> None:
    """Log and warn, naming the symbols that did not (fully) resolve."""
    if not partial and not not_found:
        return
    parts = []
    if partial:
        parts.append(f"partially resolved: {', '.join(partial)}")
    if not_found:
        parts.append(f"not found: {', '.join(not_found)}")
    message = f"{VENUE_ID} {what}: " + "; ".join(parts)
    log.warning(message)
    warnings.warn(message, PartialResolutionWarning, stacklevel=3)


class RangeResult:
    """What :meth:`DatabentoHttpClient.stream_range` learned besides the records."""

    def __init__(self) -> None:
        self.metadata: Any = None
        self.status = 0
        self.records = 0
        self.bytes = 0
        self.errors = 0


class DatabentoHttpClient:
    """Historical API client built from a :class:`DatabentoConfig`."""

    def __init__(
        self,
        config: DatabentoConfig,
        *,
        retry: RetryPolicy | None = None,
        rate_limiter: RateLimiter | None = None,
    ) -> None:
        self.config = config
        self.http = HttpClient(
            historical_url(config.base_url_http) + "/" + API_VERSION,
            venue=VENUE_ID,
            timeout=config.http_timeout,
            signer=None,
            rate_limiter=rate_limiter
            or RateLimiter(
                {
                    "timeseries": Quota.per_second(100),
                    "symbology": Quota.per_second(100),
                    "metadata": Quota.per_second(20),
                }
            ),
            retry=retry
            or RetryPolicy(initial=config.http_retry_delay, max_attempts=config.http_max_attempts),
            error_parser=parse_error_response,
            secrets=(config.api_key,),
        )

    def __repr__(self) -> str:
        return f"DatabentoHttpClient(dataset={self.config.dataset!r})"

    async def aclose(self) -> None:
        await self.http.aclose()

    def _auth(self, operation: str) -> dict[str, str]:
        key = self.config.api_key
        if key is None:
            raise MissingCredentials(VENUE_ID, operation, "set api_key or DATABENTO_API_KEY")
        return {"Authorization": basic_auth_header(key.reveal())}

    # -- endpoints ----------------------------------------------------------------------------

    async def http_metadata_list_datasets(self) -> list[str]:
        """``GET metadata.list_datasets``."""
        return await self.http.get_json(  # type: ignore[no-any-return]
            "/metadata.list_datasets",
            headers=self._auth("metadata.list_datasets"),
            rate_keys=("metadata",),
        )

    async def http_metadata_list_schemas(self, dataset: str) -> list[str]:
        """``GET metadata.list_schemas``."""
        return await self.http.get_json(  # type: ignore[no-any-return]
            "/metadata.list_schemas",
            params=[("dataset", dataset)],
            headers=self._auth("metadata.list_schemas"),
            rate_keys=("metadata",),
        )

    async def http_metadata_get_dataset_range(self, dataset: str) -> dict[str, Any]:
        """``GET metadata.get_dataset_range``."""
        return await self.http.get_json(  # type: ignore[no-any-return]
            "/metadata.get_dataset_range",
            params=[("dataset", dataset)],
            headers=self._auth("metadata.get_dataset_range"),
            rate_keys=("metadata",),
        )

    async def http_metadata_get_cost(self, form: list[tuple[str, str]]) -> float:
        """``POST metadata.get_cost``: the cost in USD of a range request."""
        value = await self.http.post_json(
            "/metadata.get_cost",
            data=form,
            headers=self._auth("metadata.get_cost"),
            rate_keys=("metadata",),
        )
        return float(value)

    async def http_metadata_get_record_count(self, form: list[tuple[str, str]]) -> int:
        """``POST metadata.get_record_count``."""
        value = await self.http.post_json(
            "/metadata.get_record_count",
            data=form,
            headers=self._auth("metadata.get_record_count"),
            rate_keys=("metadata",),
        )
        return int(value)

    async def http_symbology_resolve(self, form: list[tuple[str, str]]) -> dict[str, Any]:
        """``POST symbology.resolve``; a partial resolution (HTTP 206, or ``partial`` /
        ``not_found`` in the answer) is logged and warned with the symbols named."""
        response = await self.http.request(
            "POST",
            "/symbology.resolve",
            data=form,
            headers=self._auth("symbology.resolve"),
            rate_keys=("symbology",),
        )
        body: dict[str, Any] = response.json()
        warn_partial("symbology.resolve", body.get("partial") or [], body.get("not_found") or [])
        return body

    async def http_timeseries_get_range(
        self, form: list[tuple[str, str]]
    ) -> AsyncIterator[tuple[int, bytes]]:
        """``POST timeseries.get_range``: (HTTP status, body chunk) as the body streams."""
        async with self.http.stream(
            "POST",
            "/timeseries.get_range",
            data=form,
            headers=self._auth("timeseries.get_range"),
            rate_keys=("timeseries",),
        ) as response:
            # Each read as it arrives (bounded memory: one network read at a time, not a
            # fixed-size chunk gathered first): the first records are decoded while the rest
            # of the range is still on its way (DP1).
            async for chunk in response.aiter_bytes():
                yield response.status_code, chunk

    # -- domain methods -----------------------------------------------------------------------

    async def check_cost(self, form: list[tuple[str, str]], what: str, confirm: bool) -> None:
        """Ask ``metadata.get_cost`` first when ``max_cost_usd`` is set; refuse a costlier
        request unless ``confirm``."""
        limit = self.config.max_cost_usd
        if limit is None or confirm:
            return
        cost_form = [(k, v) for k, v in form if k not in ("encoding", "compression")]
        cost = await self.http_metadata_get_cost(cost_form)
        if cost > limit:
            raise CostConfirmationRequired(cost, limit, what)

    async def stream_range(
        self,
        schema: str,
        symbols: Sequence[str],
        start: int,
        end: int | None = None,
        *,
        stype_in: str | None = None,
        limit: int | None = None,
        confirm: bool = False,
        result: RangeResult | None = None,
        blocks: bool = False,
    ) -> AsyncIterator[list[Any]]:
        """The records of a range, batch by batch as the body arrives (bounded memory: one
        body chunk and the records it completes at a time). Metadata goes to ``result``; a
        partial symbol resolution is warned about, naming the symbols.

        ``blocks`` decodes columnar (:class:`~tradeport_databento.decode.DbnBlockStream`):
        runs of MBO records come as :class:`~tradeport_databento.decode.DbnBlock` numpy
        columns (for :class:`~tradeport_databento.parse.MboColumns`), several times faster
        than a databento-dbn object per record; other records as usual."""
        zstd = self.config.compression == "zstd"
        form = range_form(
            dataset=self.config.dataset,
            schema=schema,
            symbols=symbols,
            start=start,
            end=end,
            stype_in=stype_in or self.config.stype_in,
            limit=limit,
            compression="zstd" if zstd else "none",
        )
        what = f"timeseries.get_range {schema} {','.join(symbols)[:80]}"
        await self.check_cost(form, what, confirm)
        stream: DbnStream | DbnBlockStream = (
            DbnBlockStream(zstd=zstd, name="timeseries.get_range")
            if blocks
            else DbnStream(zstd=zstd, name="timeseries.get_range")
        )
        out = result if result is not None else RangeResult()
        warned = False
        async for status, chunk in self.http_timeseries_get_range(form):
            out.status = status
            out.bytes += len(chunk)
            records = stream.feed(chunk)
            if not warned and stream.metadata is not None:
                warned = True
                out.metadata = stream.metadata
                warn_partial(
                    what, list(stream.metadata.partial or ()), list(stream.metadata.not_found or ())
                )
            if records:
                out.records += (
                    sum(len(item) if item.__class__ is DbnBlock else 1 for item in records)
                    if blocks
                    else len(records)
                )
                yield records
        out.errors = stream.errors

    async def resolve(
        self,
        symbols: Sequence[str],
        stype_in: str,
        stype_out: str,
        start_date: str,
        end_date: str | None = None,
    ) -> dict[str, Any]:
        """``symbology.resolve`` for the configured dataset."""
        return await self.http_symbology_resolve(
            resolve_form(
                dataset=self.config.dataset,
                symbols=symbols,
                stype_in=stype_in,
                stype_out=stype_out,
                start_date=start_date,
                end_date=end_date,
            )
        )
