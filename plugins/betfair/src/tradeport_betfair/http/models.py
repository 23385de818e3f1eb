"""Betfair error codes and how tradeport treats them (Exchange API "Common Enums" / errors)."""

from __future__ import annotations

from typing import Final

__all__ = [
    "SESSION_ERRORS",
    "AUTH_ERRORS",
    "RATE_LIMIT_ERRORS",
    "RETRYABLE_ERRORS",
    "LOGIN_BANNED",
]

#: The session token is missing or expired: log in again (once), then repeat the call.
SESSION_ERRORS: Final = frozenset({"INVALID_SESSION_INFORMATION", "NO_SESSION"})
#: The application key or the account is refused: fatal.
AUTH_ERRORS: Final = frozenset(
    {"INVALID_APP_KEY", "NO_APP_KEY", "NOT_AUTHORIZED", "PERMISSION_DENIED", "ACCESS_DENIED"}
)
#: Too many requests (queued listCurrentOrders, > 1000 instructions a second ...).
RATE_LIMIT_ERRORS: Final = frozenset({"TOO_MANY_REQUESTS"})
#: The venue failed, not the request.
RETRYABLE_ERRORS: Final = frozenset({"UNEXPECTED_ERROR", "SERVICE_BUSY", "TIMEOUT_ERROR"})
#: loginStatus after too many logins (100 a minute): 20 minutes without new logins.
LOGIN_BANNED: Final = "TEMPORARY_BAN_TOO_MANY_REQUESTS"
