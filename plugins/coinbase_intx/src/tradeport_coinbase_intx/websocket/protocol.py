"""The INTX market-data WebSocket protocol for the core's stream session.

Facts (docs: WebSocket Feed > Overview, Authentication):

* one endpoint; every SUBSCRIBE carries the authentication fields (``time``, ``key``,
  ``passphrase``, ``signature``, see :meth:`CoinbaseIntxCredential.ws_auth`), signed when the
  message is built, so a replay after a reconnect is signed afresh; the venue disconnects a
  connection that has not subscribed within 3 s, and the session replays wanted topics right
  after connecting;
* ``{"type": "SUBSCRIBE", "product_ids": [...], "channels": [...]}`` (``UNSUBSCRIBE`` alike);
  the venue answers with the whole current subscription state: ``{"channel":
  "SUBSCRIPTIONS", "type": "SNAPSHOT", "channels": [{"name", "product_ids"}],
  "authenticated": true}``, which acks every listed topic (and an unsubscription whose topic
  is no longer listed);
* data messages carry ``channel``, ``type`` (SNAPSHOT or UPDATE), ``product_id`` and
  ``sequence``; there is no application-level ping.

Topics are ``CHANNEL:PRODUCT`` (``LEVEL2:BTC-PERP``). Sequence numbers are checked per topic:
:meth:`CoinbaseIntxStreamProtocol.check_sequence` tells the data client about a gap, which
resubscribes (LEVEL2: a fresh snapshot).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from typing import Any, Final

from tradeport.net import Classified, MessageKind, SubscriptionAction, WsRequest, WsVenueProtocol

from tradeport_coinbase_intx.credential import CoinbaseIntxCredential

__all__ = ["CoinbaseIntxStreamProtocol", "split_topic", "topic"]

_DATA: Final = Classified(MessageKind.DATA)
_IGNORE: Final = Classified(MessageKind.IGNORE)
SUBSCRIPTIONS: Final = "SUBSCRIPTIONS"


def topic(channel: str, product: str) -> str:
    """``CHANNEL:PRODUCT``."""
    return f"{channel}:{product}"


def split_topic(name: str) -> tuple[str, str]:
    """``"LEVEL2:BTC-PERP"`` -> ``("LEVEL2", "BTC-PERP")``."""
    channel, _, product = name.partition(":")
    return channel, product


class CoinbaseIntxStreamProtocol(WsVenueProtocol):
    """Builds signed (un)subscribe messages and classifies what the venue sends."""

    ping_interval = None

    def __init__(self, credential: CoinbaseIntxCredential | None) -> None:
        self.credential = credential
        #: Last sequence seen per topic on the current connection.
        self.sequences: dict[str, int] = {}
        self._unsubscribing: set[str] = set()

    async def on_connect(self, connection: Any) -> None:
        """A new connection starts new sequences."""
        self.sequences.clear()
        self._unsubscribing.clear()

    def _requests(self, kind: str, topics: Sequence[str]) -> list[WsRequest]:
        by_channel: dict[str, list[str]] = defaultdict(list)
        for name in topics:
            channel, product = split_topic(name)
            by_channel[channel].append(product)
        action = (
            SubscriptionAction.SUBSCRIBE if kind == "SUBSCRIBE" else SubscriptionAction.UNSUBSCRIBE
        )
        requests = []
        for channel, products in by_channel.items():
            payload: dict[str, Any] = {"type": kind, "product_ids": products, "channels": [channel]}
            if self.credential is not None:
                payload.update(self.credential.ws_auth())
            requests.append(WsRequest(payload, tuple(topic(channel, p) for p in products), action))
        return requests

    def subscribe_messages(self, topics: Sequence[str]) -> list[WsRequest]:
        """One signed SUBSCRIBE per channel, with all its products."""
        return self._requests("SUBSCRIBE", topics)

    def unsubscribe_messages(self, topics: Sequence[str]) -> list[WsRequest]:
        """One signed UNSUBSCRIBE per channel."""
        self._unsubscribing.update(topics)
        return self._requests("UNSUBSCRIBE", topics)

    def classify(self, message: Any) -> Classified:
        """Data by ``product_id``; SUBSCRIPTIONS snapshots as acks; the rest as errors."""
        if not isinstance(message, Mapping):
            return Classified(MessageKind.ERROR, message=f"unexpected message {message!r:.100}")
        channel = message.get("channel")
        if channel == SUBSCRIPTIONS:
            return self._subscriptions(message)
        if "product_id" in message and channel:
            return _DATA
        if message.get("type") in ("REJECT", "ERROR") or "reason" in message:
            return Classified(
                MessageKind.ERROR,
                code=message.get("type"),
                message=str(message.get("reason") or message.get("message")),
            )
        return _IGNORE

    def _subscriptions(self, message: Mapping[str, Any]) -> Classified:
        listed = {
            topic(entry["name"], product)
            for entry in message.get("channels") or ()
            for product in entry.get("product_ids") or ()
        }
        gone = sorted(t for t in self._unsubscribing if t not in listed)
        if gone:
            self._unsubscribing.difference_update(gone)
            return Classified(
                MessageKind.ACK, topics=tuple(gone), action=SubscriptionAction.UNSUBSCRIBE
            )
        return Classified(
            MessageKind.ACK, topics=tuple(sorted(listed)), action=SubscriptionAction.SUBSCRIBE
        )

    def check_sequence(self, message: Mapping[str, Any]) -> bool:
        """Record a data message's sequence; False when it shows a gap on its topic (a
        SNAPSHOT restarts the count)."""
        name = topic(message["channel"], message["product_id"])
        sequence = message.get("sequence")
        if sequence is None:
            return True
        sequence = int(sequence)
        previous = self.sequences.get(name)
        self.sequences[name] = sequence
        if message.get("type") == "SNAPSHOT" or previous is None:
            return True
        return sequence == previous + 1
