"""The scenario catalogue: stable ids and titles (docs/scenarios.md is generated from it).

Ids never change meaning; reports, docs and the venue matrix use them.
"""

from __future__ import annotations

__all__ = ["CATALOGUE", "GROUPS", "title_of", "select"]

#: group title -> [(scenario id, title)]
GROUPS: dict[str, list[tuple[str, str]]] = {
    "LOGIN and credentials": [
        (
            "LG1",
            "valid credentials: login acknowledged; the client reports itself authenticated only after the ack",
        ),
        (
            "LG2",
            "rejected credentials: a typed authentication error; not marked authenticated; no reconnect storm (fatal, not retried)",
        ),
        (
            "LG3",
            "private REST call without credentials: a typed missing-credentials error before any request leaves",
        ),
        (
            "LG4",
            "request signing: the mock verifies every signature the way the venue does; a wrong secret is refused",
        ),
        ("LG5", "timestamp outside the venue's window (clock skew): a typed error that says so"),
        (
            "LG6",
            "the secret never appears in logs, reprs, exception messages or CLI output during the whole run",
        ),
        (
            "LG7",
            "a local clock outside the venue's window, with time_sync: the venue's clock is measured "
            "and signed calls, the login and orders are accepted",
        ),
    ],
    "HEARTBEAT": [
        ("HB1", "the server's control-frame ping is answered with a pong"),
        (
            "HB2",
            "the venue's text/JSON ping-pong convention is honoured (sent on schedule, or answered)",
        ),
        (
            "HB3",
            "a silent feed on a live TCP connection is detected by the idle timeout and reconnected",
        ),
    ],
    "SUBSCRIPTIONS (public and private)": [
        (
            "SB1",
            "quotes: subscribe, ack, then normalized QuoteTicks (native symbol, precision kept, ns timestamps)",
        ),
        ("SB2", "trades: TradeTicks with aggressor side and trade id"),
        ("SB3", "order book: snapshot then deltas; the local book equals the venue's book"),
        ("SB4", "bars"),
        ("SB5", "mark price, index price, funding rate (derivatives venues)"),
        ("SB6", "instrument status / close where the venue publishes them"),
        ("SB7", "unsubscribe: ack, removed from active state, no more data for it"),
        ("SB8", "a subscription the venue refuses surfaces as an error and never becomes active"),
        ("SB9", "subscribing twice is idempotent (one venue subscription, no duplicate data)"),
        ("SB10", "private streams (orders, fills, positions, balances) after login"),
    ],
    "RECONNECT": [
        (
            "RC1",
            "abrupt drop (RST) and orderly drop (FIN): reconnects with backoff, re-authenticates, waits for the ack",
        ),
        ("RC2", "every active public and private subscription is restored; data flows again"),
        ("RC3", "channels explicitly unsubscribed before the drop are not restored"),
        (
            "RC4",
            "books are resynchronised after reconnect (snapshot + buffered deltas); a sequence gap also forces a resync",
        ),
        (
            "RC5",
            "no duplicate events are delivered across a reconnect (trades, fills, order events)",
        ),
        (
            "RC6",
            "fills and order changes that happened while disconnected are recovered (reconciliation after reconnect)",
        ),
        (
            "RC7",
            "repeated connect failures back off exponentially with jitter and stay bounded; fatal ones stop",
        ),
        (
            "RC8",
            "a server close frame with a code (maintenance, restart) is handled like a drop, with the code logged",
        ),
        (
            "RC9",
            "a reconnect after the login's validity window has passed (the harness advances the venue's login clock): the new login is freshly stamped and accepted",
        ),
    ],
    "ORDER FLOW": [
        ("OF1", "limit GTC: submitted, accepted with venue order id; client order id round-trips"),
        (
            "OF2",
            "partial fill then full fill: fill events with trade id, quantity, price, commission, liquidity side",
        ),
        (
            "OF3",
            "cancel: canceled; cancel of an unknown/finished order gives cancel-rejected with the venue reason",
        ),
        ("OF4", "modify price/quantity: updated; modify-rejected when the venue refuses"),
        ("OF5", "market buy and sell: filled; balances and positions move as the venue reports"),
        (
            "OF6",
            "rejection (insufficient balance, bad price increment, unknown instrument): rejected with the venue reason",
        ),
        (
            "OF7",
            "every declared order type under every declared time in force, expiry included (GTD)",
        ),
        ("OF8", "post-only that would cross is rejected or canceled, as the venue does"),
        ("OF9", "reduce-only"),
        ("OF10", "stop / conditional orders trigger and fill"),
        ("OF11", "cancel all for an instrument"),
        ("OF12", "batch cancel"),
        ("OF13", "submit order list (where supported)"),
        (
            "OF14",
            "ambiguous outcome: a timeout or 5xx on submit never produces a rejection; the order is resolved by query",
        ),
        (
            "OF15",
            "pegged order (primary peg): rests at the reference plus its offset, is re-priced (updated) when the reference moves, then cancels",
        ),
        (
            "OF16",
            "batch submit: every order of the batch accepted with the venue's values; one the venue refuses is rejected with its reason, the others untouched",
        ),
        (
            "OF17",
            "batch modify: every order of the batch updated to its new price, as the venue has it",
        ),
    ],
    "RECONCILIATION": [
        (
            "RE1",
            "a session that starts with open orders at the venue reports them (OrderStatusReports) before new commands",
        ),
        ("RE2", "fill reports over a lookback window"),
        (
            "RE3",
            "positions (long, short, flat: side, quantity, average entry price) as "
            "PositionStatusReports; balances (free, locked, total) as AccountState",
        ),
        ("RE4", "an in-flight order known only by client order id is resolved by querying with it"),
        ("RE5", "a fill seen on both the stream and REST is reported once"),
    ],
    "INSTRUMENTS": [
        ("IN1", "load all"),
        ("IN2", "load by ids"),
        ("IN3", "filters"),
        (
            "IN4",
            "every declared product family (spot, perpetual, future, option, betting, equity) parses with correct precision, increments and limits",
        ),
        (
            "IN5",
            "a venue record that cannot be parsed is skipped with a warning (which can be silenced); the rest load",
        ),
        ("IN6", "symbology rules of the venue (e.g. `-PERP`) hold both ways"),
    ],
    "HISTORY": [
        ("HI1", "bars over a time range, paginated as the venue requires"),
        ("HI2", "trades"),
        ("HI3", "quotes"),
        ("HI4", "book snapshot"),
        ("HI5", "the query builders emit exactly the venue's parameters (names, units, limits)"),
    ],
    "DATA PROVIDERS": [
        (
            "DP1",
            "a historical range is streamed in time order (ts_event never goes back), paginated as the provider requires, in bounded memory",
        ),
        (
            "DP2",
            "replay from a start time: events from the start on, in order, then a clean end at the range's end (or at the moment the replay opened)",
        ),
        (
            "DP3",
            "symbol resolution: native, parent and continuous symbols resolve to instruments; an unknown symbol is a typed error",
        ),
        (
            "DP4",
            "gateway authentication: a valid key is accepted; a refused key is a typed authentication error, never retried",
        ),
    ],
    "BETTING EXCHANGES": [
        (
            "BE1",
            "price ladder: only prices on the venue's ladder (its tick bands) are sent; an off-ladder price is refused before it leaves",
        ),
        (
            "BE2",
            "back and lay: each maps to the venue's side; matched back and lay move the exposure as the venue reports",
        ),
        (
            "BE3",
            "persistence (lapse, persist, market on close at in-play) round-trips and is honoured",
        ),
        (
            "BE4",
            "lapsed and voided bets are reported as such, never as cancels or fills",
        ),
        (
            "BE5",
            "matched size exactly once: cumulative matched amounts from stream and REST never count a match twice",
        ),
    ],
    "BROKERS": [
        (
            "BR1",
            "instrument resolution: a unique match resolves, an unknown one is a typed error, an ambiguous one names every candidate",
        ),
        (
            "BR2",
            "trading hours: orders outside the session are refused or held as the venue does; DAY orders expire at the session close",
        ),
        (
            "BR3",
            "multi-exchange ids: the same symbol on two exchanges is two instruments with distinct ids, each round-tripped",
        ),
    ],
    "ON-CHAIN VENUES": [
        (
            "CH1",
            "nonce or sequence management: orders submitted concurrently each reach the venue once and are accepted (no nonce reused or skipped)",
        ),
        (
            "CH2",
            "acceptance is not a fill: an accepted (included) order emits no fill until the venue reports one",
        ),
        (
            "CH3",
            "fills that settle later are reported provisional, then confirmed; a reverted fill is reversed, never counted twice",
        ),
        ("CH4", "orders expire by block height or time as the venue does, reported as expired"),
    ],
    "ERRORS AND LIMITS": [
        (
            "ER1",
            "HTTP 429 (and the venue's own rate-limit codes): waits, honours Retry-After, retries, then a typed rate-limit error",
        ),
        (
            "ER2",
            "5xx and network errors are retried with backoff; other 4xx are not, and carry the venue code and message",
        ),
        (
            "ER3",
            "a malformed or unknown stream message is logged and counted; the connection and the other subscriptions live on",
        ),
        ("ER4", "an oversized stream message is refused without exhausting memory"),
        (
            "ER5",
            "an unsupported operation raises UnsupportedOperation (venue + operation) and logs a warning",
        ),
    ],
}

#: scenario id -> title, in catalogue order
CATALOGUE: dict[str, str] = {i: t for items in GROUPS.values() for i, t in items}


def title_of(scenario_id: str) -> str:
    """The title of a scenario; KeyError naming the id if it is not in the catalogue."""
    try:
        return CATALOGUE[scenario_id]
    except KeyError:
        raise KeyError(f"unknown scenario id {scenario_id!r}") from None


def _prefix(scenario_id: str) -> str:
    return scenario_id.rstrip("0123456789")


def select(spec: str) -> set[str]:
    """The scenario ids a ``--scenarios`` value names: comma-separated ids (``RC2``) and
    group prefixes (``LG`` is LG1..LG6), case-insensitive. ``OF1`` is OF1 only, never OF10.

    Raises ValueError naming the token that is neither an id nor a prefix, and what is valid.
    """
    wanted: set[str] = set()
    prefixes = sorted({_prefix(sid) for sid in CATALOGUE})
    for raw in spec.split(","):
        token = raw.strip().upper()
        if not token:
            continue
        if token in CATALOGUE:
            wanted.add(token)
        elif token in prefixes:
            wanted |= {sid for sid in CATALOGUE if _prefix(sid) == token}
        else:
            raise ValueError(
                f"--scenarios: {raw.strip()!r} is neither a scenario id nor a group prefix "
                f"(prefixes: {', '.join(prefixes)}; ids such as LG1, RC2)"
            )
    if not wanted:
        raise ValueError("--scenarios: no scenario named (e.g. --scenarios LG1,RC)")
    return wanted


def markdown() -> str:
    """The catalogue as Markdown (docs/scenarios.md is this, checked by a test)."""
    lines = [
        "# Conformance scenario catalogue",
        "",
        "Generated from `tradeport_conformance.catalogue` "
        "(`python -m tradeport_conformance.catalogue > docs/scenarios.md`). Ids are stable.",
        "",
        "Every venue plugin runs these scenarios against its own mock venue, which speaks the",
        "venue's real wire protocol over loopback. A scenario is skipped only when the plugin's",
        "declared capabilities (or its harness's protocol features) say it cannot apply, and the",
        "skip names the capability. Assertions wait for signals with deadlines, never fixed sleeps.",
        "",
        "Run a part of the suite by id or group prefix: `tradeport conformance VENUE --scenarios",
        "LG1,RC` (or `pytest --venue VENUE --scenarios LG1,RC --pyargs tradeport_conformance.suite`);",
        "the others are reported as `deselected` in the matrix, the JSON report and the summary.",
        "(`-k` matches test names, not scenario ids.)",
    ]
    for group, items in GROUPS.items():
        lines += ["", f"## {group}", "", "| id | scenario |", "| --- | --- |"]
        lines += [f"| {sid} | {title} |" for sid, title in items]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":  # pragma: no cover
    print(markdown(), end="")
