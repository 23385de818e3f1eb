"""Typed venue configuration: attrs classes structured by cattrs from dicts, TOML and env vars.

A plugin defines its config as an attrs class, usually extending :class:`VenueConfig`::

    @attrs.frozen(kw_only=True)
    class AcmeConfig(VenueConfig):
        account_type: str = "spot"

Users give configuration as a dict, a TOML file, environment variables, or a mix
(:func:`load_config`); precedence, lowest first: class defaults, TOML file, environment
variables, the dict. Bad input raises :class:`~tradeport.errors.ValidationError` naming the
field and the value (the value of a secret field is never shown). Credentials are
:class:`~tradeport.secrets.Secret` values: they never appear in repr, str, logs, exception
messages or JSON output (:func:`config_to_dict` writes them redacted).
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, TypeVar

import attrs
import cattrs
from cattrs.errors import ClassValidationError, ForbiddenExtraKeysError, IterableValidationError

from tradeport.errors import ConfigError, ValidationError
from tradeport.secrets import REDACTED, Secret

__all__ = [
    "VenueConfig",
    "load_config",
    "config_to_dict",
    "describe_config_fields",
    "config_converter",
]

T = TypeVar("T")


def _structure_secret(value: Any, _: type) -> Secret:
    if isinstance(value, Secret):
        return value
    if not isinstance(value, str):
        # Never echo the value: it may be a real credential of the wrong type.
        raise TypeError(f"expected a string, got {type(value).__name__}")
    return Secret(value)


_TRUE = frozenset({"1", "true", "yes", "on"})
_FALSE = frozenset({"0", "false", "no", "off"})


def _structure_bool(value: Any, _: type) -> bool:
    # cattrs' default is bool(value), which turns the string "false" into True.
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str) and value.strip().lower() in _TRUE | _FALSE:
        return value.strip().lower() in _TRUE
    raise ValueError("is not a boolean (use true or false)")


def _make_converter() -> cattrs.Converter:
    conv = cattrs.Converter(forbid_extra_keys=True)
    conv.register_structure_hook(bool, _structure_bool)
    conv.register_structure_hook(Secret, _structure_secret)
    conv.register_unstructure_hook(Secret, lambda s: REDACTED)
    return conv


#: The converter used for configs (forbids unknown keys, so typos are errors, not silence).
config_converter = _make_converter()


def _positive(name: str) -> Any:
    def check(_: Any, __: Any, value: float) -> None:
        if not value > 0:
            raise ValidationError(name, value, "must be a positive number of seconds")

    return check


@attrs.frozen(kw_only=True)
class VenueConfig:
    """Fields every venue config has. Plugins extend it with their own (kw_only) fields."""

    #: API key (public part). A Secret so it is never printed either.
    api_key: Secret | None = None
    #: API secret (HMAC key or private key material).
    api_secret: Secret | None = None
    #: Override of the venue's default REST base URL (tests point it at a mock venue).
    base_url_http: str | None = None
    #: Override of the venue's default WebSocket base URL.
    base_url_ws: str | None = None
    #: Use the venue's test environment (testnet, demo, sandbox).
    testnet: bool = False
    #: Seconds to wait for an HTTP answer.
    http_timeout: float = 10.0
    #: Attempts per HTTP request, the first included (retries only for retryable errors).
    http_max_attempts: int = 3
    #: First HTTP retry delay in seconds (doubles per attempt, with jitter).
    http_retry_delay: float = 0.2
    #: Seconds to wait for a stream connection (TCP + TLS + upgrade).
    ws_connect_timeout: float = 10.0
    #: Seconds between client heartbeats (control pings, or the venue's text ping); None: venue default.
    ws_heartbeat_interval: float | None = None
    #: Seconds without any message before a live-looking stream is declared dead and reconnected.
    ws_idle_timeout: float | None = 60.0
    #: Largest stream message accepted, in bytes; a larger one is refused without buffering it.
    ws_max_message_size: int = 16 * 1024 * 1024
    #: First reconnect delay in seconds (doubles per failed attempt, with jitter).
    reconnect_delay_initial: float = 0.5
    #: Longest reconnect delay in seconds.
    reconnect_delay_max: float = 30.0
    #: Reconnect attempts before giving up; None retries forever.
    reconnect_max_attempts: int | None = None
    #: Sign with the venue's clock: measure the offset from its server-time endpoint (round-trip
    #: midpoint) before the first signed request, again when stale, and once more (with one
    #: retry) when a request is refused for clock skew. Venues without a receive window ignore it.
    time_sync: bool = False
    #: Seconds after which the measured server-time offset is re-measured.
    time_sync_interval: float = attrs.field(
        default=300.0, validator=_positive("time_sync_interval")
    )

    @property
    def has_credentials(self) -> bool:
        return bool(self.api_key) and bool(self.api_secret)

    def stream_options(self, **overrides: Any) -> dict[str, Any]:
        """The :class:`~tradeport.net.ws_client.WebSocketClient` keyword arguments these shared
        fields decide (connect and idle timeouts, message size cap, reconnect policy), with
        ``overrides`` on top (e.g. a longer ``idle_timeout`` for a quiet private stream).

        Every plugin builds its stream clients with ``**config.stream_options()`` so the shared
        fields mean the same thing on every venue.
        """
        options: dict[str, Any] = {
            "connect_timeout": self.ws_connect_timeout,
            "idle_timeout": self.ws_idle_timeout,
            "max_message_size": self.ws_max_message_size,
            "reconnect": self.reconnect_policy(),
        }
        options.update(overrides)
        return options

    def reconnect_policy(self) -> Any:
        """The :class:`~tradeport.net.backoff.ReconnectPolicy` of the shared
        ``reconnect_delay_*`` / ``reconnect_max_attempts`` fields, for every transport (WebSocket,
        TCP line or framed streams, FIX sessions)."""
        # Imported here: the CLI imports config, and must not pay for the network layer.
        from tradeport.net.backoff import ReconnectPolicy

        return ReconnectPolicy(
            initial=self.reconnect_delay_initial,
            max=self.reconnect_delay_max,
            max_attempts=self.reconnect_max_attempts,
        )


def _secret_fields(config_type: type) -> set[str]:
    return {
        a.name
        for a in attrs.fields(config_type)
        if a.type in (Secret, "Secret", "Secret | None", Secret | None) or "Secret" in str(a.type)
    }


def _describe_exception(exc: BaseException, config_type: type, data: Mapping[str, Any]) -> str:
    """Turn cattrs' exception groups into 'field: value problem' lines."""
    secret = _secret_fields(config_type)
    lines: list[str] = []
    name = config_type.__name__

    def walk(e: BaseException, path: str) -> None:
        if isinstance(e, ForbiddenExtraKeysError):
            known = ", ".join(a.name for a in attrs.fields(config_type))
            for key in sorted(e.extra_fields):
                lines.append(f"{name}.{key}: unknown field (known fields: {known})")
            return
        if isinstance(e, (ClassValidationError, IterableValidationError)):
            for sub, note in _pairs(e):
                walk(sub, path + note)
            return
        field = path.lstrip(".")
        top = field.split(".")[0].split("[")[0]
        if top in secret:
            shown = "<secret>"
        else:
            shown = repr(data.get(top, "<missing>")) if isinstance(data, Mapping) else "?"
        if isinstance(e, KeyError):
            lines.append(f"{name}.{field}: required field is missing")
        else:
            lines.append(f"{name}.{field}: {shown} {_problem(e)}")

    walk(exc, "")
    return "; ".join(lines) or f"{name}: {exc}"


def _problem(e: BaseException) -> str:
    text = str(e)
    if text.startswith("is "):
        return text
    return f"is invalid ({type(e).__name__}: {text})"


def _pairs(group: Any) -> Iterable[tuple[BaseException, str]]:
    with_notes, without = group.group_exceptions()
    for sub, note in with_notes:
        attr = getattr(note, "name", None)
        idx = getattr(note, "index", None)
        yield sub, (f".{attr}" if attr is not None else f"[{idx}]")
    for sub in without:
        yield sub, ""


def env_values(
    config_type: type, env_vars: Iterable[Any], environ: Mapping[str, str] | None = None
) -> dict[str, Any]:
    """Values for config fields taken from environment variables (EnvVar(name, field) pairs)."""
    env = os.environ if environ is None else environ
    fields = {a.name for a in attrs.fields(config_type)}
    out: dict[str, Any] = {}
    for var in env_vars:
        # The first variable listed for a field wins; the converter parses the string.
        if var.name in env and var.field in fields and var.field not in out:
            out[var.field] = env[var.name]
    return out


def load_config(
    config_type: type[T],
    data: Mapping[str, Any] | T | None = None,
    *,
    toml_path: str | os.PathLike[str] | None = None,
    toml_table: str | None = None,
    env_vars: Iterable[Any] = (),
    environ: Mapping[str, str] | None = None,
) -> T:
    """Build a ``config_type`` instance from a TOML file, environment variables and a dict.

    :param toml_path: a TOML file; ``toml_table`` picks a table in it (e.g. ``"binance"``).
    :param env_vars: ``EnvVar`` declarations (name -> field), usually ``VenueSpec.env_vars``.
    :raises ValidationError: naming the field and the value.
    """
    if isinstance(data, config_type):
        return data
    merged: dict[str, Any] = {}
    if toml_path is not None:
        path = Path(toml_path)
        try:
            doc = tomllib.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise ConfigError(f"config file {str(path)!r} does not exist") from None
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"config file {str(path)!r} is not valid TOML: {exc}") from None
        if toml_table is not None:
            if toml_table not in doc or not isinstance(doc[toml_table], dict):
                raise ConfigError(f"config file {str(path)!r} has no [{toml_table}] table")
            doc = doc[toml_table]
        merged.update(doc)
    merged.update(env_values(config_type, env_vars, environ))
    if data is not None:
        if not isinstance(data, Mapping):
            raise ConfigError(
                f"config must be a mapping or a {config_type.__name__}, got {type(data).__name__}"
            )
        merged.update(data)
    try:
        return config_converter.structure(merged, config_type)
    except ValidationError:
        raise
    except Exception as exc:
        msg = _describe_exception(exc, config_type, merged)
        raise ConfigError(msg) from None


def config_to_dict(config: Any) -> dict[str, Any]:
    """A JSON-safe dict of a config, with every Secret written as ``'**********'``."""
    return config_converter.unstructure(config)  # type: ignore[no-any-return]


def describe_config_fields(config_type: type) -> list[dict[str, Any]]:
    """Name, type, default and secrecy of each field (for ``tradeport info``)."""
    out = []
    secret = _secret_fields(config_type)
    for a in attrs.fields(config_type):
        if a.default is attrs.NOTHING:
            default: Any = "<required>"
        elif isinstance(a.default, attrs.Factory):  # type: ignore[arg-type]
            default = "<factory>"
        else:
            default = a.default
        if isinstance(default, Secret):
            default = REDACTED
        out.append(
            {
                "name": a.name,
                "type": getattr(a.type, "__name__", str(a.type)).replace("tradeport.secrets.", ""),
                "default": default
                if isinstance(default, (str, int, float, bool, type(None)))
                else repr(default),
                "secret": a.name in secret,
            }
        )
    return out
