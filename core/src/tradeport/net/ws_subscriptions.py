"""Per-topic subscription state of one WebSocket client.

Every topic the user asked for is in exactly one state:

* ``PENDING``: wanted, not (yet, or not again after a drop) acknowledged by the venue;
* ``ACTIVE``: acknowledged on the current connection;
* ``UNSUBSCRIBED``: explicitly dropped by the user; never replayed after a reconnect;
* ``REFUSED``: the venue said no; never replayed (subscribe again to retry).

A topic is sent at most once per connection (``sent_on`` holds the connection number), which
makes subscribing twice, concurrently or not, a single venue subscription. On a drop every
``ACTIVE`` topic goes back to ``PENDING``; the next connection replays all ``PENDING`` topics.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from enum import StrEnum

import attrs

from tradeport.errors import SubscriptionError
from tradeport.net.signals import ChangeNotifier
from tradeport.net.ws_protocol import Classified, MessageKind, SubscriptionAction, WsRequest

__all__ = ["Subscription", "SubscriptionBook", "SubscriptionStatus"]


class SubscriptionStatus(StrEnum):
    """The state of one topic (see the module docstring)."""

    PENDING = "PENDING"
    ACTIVE = "ACTIVE"
    UNSUBSCRIBED = "UNSUBSCRIBED"
    REFUSED = "REFUSED"


@attrs.define
class Subscription:
    """One topic's state."""

    topic: str
    status: SubscriptionStatus
    private: bool = False
    #: Number of the connection this topic was last sent on (0: never sent).
    sent_on: int = 0
    #: Why the venue refused it, when it did.
    error: SubscriptionError | None = None


class SubscriptionBook:
    """Topic states plus the in-flight (un)subscribe requests of the current connection."""

    def __init__(self, venue: str | None = None, changed: ChangeNotifier | None = None) -> None:
        self.venue = venue
        self._topics: dict[str, Subscription] = {}
        # request id -> request, for venues that correlate replies by id (current connection).
        self._requests: dict[str | int, WsRequest] = {}
        # topics whose unsubscribe the venue has not confirmed yet (current connection).
        self._unsubscribing: set[str] = set()
        #: Notified after every change (shared with the owning client when given).
        self.changed = changed or ChangeNotifier()

    # -- reading ------------------------------------------------------------------------------

    def status(self, topic: str) -> SubscriptionStatus | None:
        """The state of ``topic``, or None when it was never requested."""
        sub = self._topics.get(topic)
        return sub.status if sub is not None else None

    def get(self, topic: str) -> Subscription | None:
        """The full record of ``topic``."""
        return self._topics.get(topic)

    def snapshot(self) -> dict[str, SubscriptionStatus]:
        """Every known topic and its state (a copy)."""
        return {topic: sub.status for topic, sub in self._topics.items()}

    def topics_in(self, *statuses: SubscriptionStatus) -> list[str]:
        """Topics currently in any of ``statuses``, in request order."""
        return [t for t, sub in self._topics.items() if sub.status in statuses]

    def settled(self, topics: Iterable[str]) -> bool:
        """Whether none of ``topics`` is still pending."""
        return all(self.status(t) is not SubscriptionStatus.PENDING for t in topics)

    def unsubscribe_settled(self, topics: Iterable[str]) -> bool:
        """Whether the venue has answered the unsubscribe of every one of ``topics``."""
        return not any(t in self._unsubscribing for t in topics)

    # -- user requests ------------------------------------------------------------------------

    def want(self, topics: Iterable[str], private: Mapping[str, bool]) -> None:
        """Mark ``topics`` wanted: new, unsubscribed and refused topics become ``PENDING``."""
        for topic in topics:
            sub = self._topics.get(topic)
            if sub is None:
                self._topics[topic] = Subscription(
                    topic, SubscriptionStatus.PENDING, private.get(topic, False)
                )
            elif sub.status in (SubscriptionStatus.UNSUBSCRIBED, SubscriptionStatus.REFUSED):
                sub.status = SubscriptionStatus.PENDING
                sub.error = None
                sub.sent_on = 0
        self.changed.notify()

    def take_unsent(self, connection: int, *, include_private: bool = True) -> list[str]:
        """Pending topics not yet sent on ``connection``; marks them sent (call, then send)."""
        out = []
        for topic, sub in self._topics.items():
            if (
                sub.status is SubscriptionStatus.PENDING
                and sub.sent_on != connection
                and (include_private or not sub.private)
            ):
                sub.sent_on = connection
                out.append(topic)
        return out

    def drop(self, topics: Iterable[str], connection: int) -> list[str]:
        """Mark ``topics`` ``UNSUBSCRIBED``; return those the venue has on ``connection``."""
        on_venue = []
        for topic in topics:
            sub = self._topics.get(topic)
            if sub is None or sub.status in (
                SubscriptionStatus.UNSUBSCRIBED,
                SubscriptionStatus.REFUSED,
            ):
                continue
            if sub.sent_on == connection and connection > 0:
                on_venue.append(topic)
            sub.status = SubscriptionStatus.UNSUBSCRIBED
            sub.error = None
        self.changed.notify()
        return on_venue

    def mark_sent(self, requests: Iterable[WsRequest], *, acked: bool) -> None:
        """Record requests just sent (for id correlation); ``acked`` when the venue never acks."""
        for request in requests:
            if acked:
                self._settle(request.action, request.topics, refusal=None)
                continue
            if request.request_id is not None:
                self._requests[request.request_id] = request
            if request.action is SubscriptionAction.UNSUBSCRIBE:
                self._unsubscribing.update(request.topics)
        self.changed.notify()

    # -- venue replies --------------------------------------------------------------------------

    def on_reply(self, reply: Classified) -> bool:
        """Apply an ``ACK`` / ``REFUSAL``; False when it matches no request we know."""
        request = (
            self._requests.pop(reply.request_id, None) if reply.request_id is not None else None
        )
        if request is not None:
            action, topics = request.action, request.topics
        elif reply.topics:
            action, topics = reply.action or SubscriptionAction.SUBSCRIBE, reply.topics
            if reply.action is None and all(t in self._unsubscribing for t in topics):
                action = SubscriptionAction.UNSUBSCRIBE
        else:
            return False
        refusal = None
        if reply.kind is MessageKind.REFUSAL:
            refusal = SubscriptionError(
                f"venue refused to {action.value.lower()} {', '.join(topics)}",
                venue=self.venue,
                venue_code=reply.code,
                venue_message=reply.message,
                retryable=False,
            )
        self._settle(action, topics, refusal)
        self.changed.notify()
        return True

    def _settle(
        self, action: SubscriptionAction, topics: Iterable[str], refusal: SubscriptionError | None
    ) -> None:
        for topic in topics:
            if action is SubscriptionAction.UNSUBSCRIBE:
                self._unsubscribing.discard(topic)
                continue
            sub = self._topics.get(topic)
            # Only a pending topic moves: a late ack must not revive an unsubscribed topic.
            if sub is None or sub.status is not SubscriptionStatus.PENDING:
                continue
            if refusal is None:
                sub.status = SubscriptionStatus.ACTIVE
            else:
                sub.status = SubscriptionStatus.REFUSED
                sub.error = refusal

    # -- connection lifecycle -------------------------------------------------------------------

    def on_disconnect(self) -> None:
        """The connection is gone: active topics need replaying; in-flight requests are void."""
        for sub in self._topics.values():
            if sub.status is SubscriptionStatus.ACTIVE:
                sub.status = SubscriptionStatus.PENDING
        self._requests.clear()
        self._unsubscribing.clear()
        self.changed.notify()

    def refusal_for(self, topics: Iterable[str]) -> SubscriptionError | None:
        """The first refusal among ``topics``, if any."""
        for topic in topics:
            sub = self._topics.get(topic)
            if sub is not None and sub.status is SubscriptionStatus.REFUSED:
                return sub.error
        return None
