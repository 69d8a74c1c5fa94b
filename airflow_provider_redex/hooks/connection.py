"""An Airflow connection turned into what a REDEX client is built from.

Both hooks call :func:`client_settings`, and nothing else reads a ``redex`` connection: a task
(``RedexHook``) and a deferred sensor's trigger (``RedexAsyncHook``) on the same connection
must authenticate the same way and pace against the same budget (same policy, storage and
account key), and two mappings would drift apart. It takes the connection's fields and its
extras separately because the async hook must read the extras through an await-safe call.

The extra keys are the ``conn-fields`` declared in :mod:`airflow_provider_redex.provider_info`,
plus the HTTP provider's session extras (``verify`` as a CA bundle path, ``cert``, ``proxies``,
``trust_env``), which become one :class:`~airflow_provider_redex.client.http_settings.HttpSettings`
that both clients take: the CA bundle of the connection wins over the environment, and turning
TLS verification off is refused. Nothing in this module imports Airflow, and no error it raises
quotes a secret.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol
from urllib.parse import urlsplit

from airflow_provider_redex.client.auth import ApiKeyCredentials, BearerToken, Credentials
from airflow_provider_redex.client.errors import RedexInputError
from airflow_provider_redex.client.http_settings import ClientCert, HttpSettings
from airflow_provider_redex.client.pacing import PacingConfig, RatePolicy
from airflow_provider_redex.hooks.budget_store import default_shares, default_storage_uri
from airflow_provider_redex.provider_info import CONN_FIELDS, UAT_BASE_URL

REDEX_EXTRA_KEYS: frozenset[str] = frozenset(CONN_FIELDS)
"""Extras this provider declares in the connection form."""

HTTP_EXTRA_KEYS: frozenset[str] = frozenset({"verify", "cert", "proxies", "trust_env"})
"""The HTTP provider's session extras, read into :class:`HttpSettings` (``timeout`` is ours)."""


class ConnectionFields(Protocol):
    """The parts of an Airflow ``Connection`` the mapping reads."""

    @property
    def conn_id(self) -> str | None: ...
    @property
    def host(self) -> str | None: ...
    @property
    def port(self) -> int | None: ...
    @property
    def password(self) -> str | None: ...


class RedexConnectionError(ValueError):
    """The connection cannot configure a client; the message names the connection and the field."""


@dataclass(frozen=True)
class ClientSettings:
    """Everything ``RedexClient`` / ``AsyncRedexClient`` take, read from one connection.

    :param base_url: the API base URL, scheme included.
    :param credentials: a bearer token or the ``api_key`` grant; kept out of ``repr``.
    :param pacing: the rate budget the client shares with every user of the same account.
    :param http: CA bundle, client certificate, proxies, ``trust_env`` and timeout.
    :param max_retries: retry count, ``None`` for the client's default.
    :param secrets: the values a hook must register with Airflow's secrets masker.
    """

    base_url: str
    credentials: Credentials = field(repr=False)
    pacing: PacingConfig
    http: HttpSettings = field(default_factory=HttpSettings)
    max_retries: int | None = None
    secrets: tuple[str, ...] = field(default=(), repr=False)

    def client_options(self) -> dict[str, Any]:
        """Keyword arguments for both client constructors; unset options keep the client's defaults."""
        options: dict[str, Any] = {"pacing": self.pacing, "http": self.http}
        if self.max_retries is not None:
            options["max_retries"] = self.max_retries
        return options


def client_settings(conn: ConnectionFields, extra: Mapping[str, Any]) -> ClientSettings:
    """Map a ``redex`` connection to client settings.

    The password is a bearer token, unless the extras hold both ``api_key`` and ``client_id``:
    then it is the client secret of the ``api_key`` grant.

    :param conn: the connection (host = base URL, password = token or client secret).
    :param extra: the connection's extras, already decoded.
    :raises RedexConnectionError: a field is missing or an extra is not a valid value.
    """
    reader = _ExtraReader(conn.conn_id or "<unnamed>", extra)
    credentials, secrets = _credentials(reader, conn.password)
    return ClientSettings(
        base_url=_base_url(reader.conn_id, conn.host, conn.port),
        credentials=credentials,
        pacing=_pacing(reader),
        http=_http(reader),
        max_retries=reader.integer("max_retries", minimum=0),
        secrets=secrets,
    )


def _base_url(conn_id: str, host: str | None, port: int | None) -> str:
    """The host as a URL. REDEX serves HTTPS only, so a bare host name means ``https://``.

    Plain ``http://`` is passed on as written: the client refuses it unless the host is loopback.
    """
    host = (host or "").strip().rstrip("/")
    if not host:
        raise RedexConnectionError(
            f"connection {conn_id!r} has no host: set it to the REDEX API base URL, e.g. {UAT_BASE_URL}"
        )
    url = host if "://" in host else f"https://{host}"
    parts = urlsplit(url)
    if port and parts.port is None:
        url = parts._replace(netloc=f"{parts.netloc}:{port}").geturl()
    return url


def _credentials(reader: _ExtraReader, password: str | None) -> tuple[Credentials, tuple[str, ...]]:
    if not password:
        raise RedexConnectionError(
            f"connection {reader.conn_id!r} has no password: set the bearer token, or the client "
            "secret with the api_key and client_id extras"
        )
    api_key, client_id = reader.text("api_key"), reader.text("client_id")
    if api_key and client_id:
        credentials: Credentials = ApiKeyCredentials(
            api_key=api_key, client_id=client_id, client_secret=password
        )
        return credentials, (password, api_key)
    if api_key or client_id:
        missing = "client_id" if api_key else "api_key"
        raise RedexConnectionError(
            f"connection {reader.conn_id!r}: the api_key grant needs both api_key and client_id "
            f"extras; {missing} is missing"
        )
    return BearerToken(password), (password,)


def _http(reader: _ExtraReader) -> HttpSettings:
    """The session extras as :class:`HttpSettings`; a CA bundle path, never ``verify: false``."""
    options: dict[str, Any] = {
        "verify": reader.verify(),
        "cert": reader.cert(),
        "proxies": reader.mapping("proxies"),
        "trust_env": reader.flag("trust_env", default=True),
    }
    timeout = reader.number("timeout", minimum=0, exclusive=True)
    if timeout is not None:
        options["timeout"] = timeout
    try:
        return HttpSettings(**options)
    except RedexInputError as refused:
        problems = "; ".join(f"extra {key}: {rule}" for key, rule in refused.problems)
        raise RedexConnectionError(f"connection {reader.conn_id!r}: {problems}") from None


def _pacing(reader: _ExtraReader) -> PacingConfig:
    default = PacingConfig()
    named = reader.text("rate_limit_storage")
    storage = named or default_storage_uri()
    shares = 1 if named else default_shares()  # the default store may not reach every process
    if "://" not in storage:
        raise RedexConnectionError(
            f"connection {reader.conn_id!r}: extra rate_limit_storage must be a storage URI such as "
            f"memory:// or redis://host:6379/0, got {storage!r}"
        )
    account_limit = reader.integer("account_requests", minimum=1)
    account_window = reader.number("account_window_seconds", minimum=0, exclusive=True)
    ip_limit = reader.integer("ip_requests", minimum=1)
    ip_window = reader.number("ip_window_seconds", minimum=0, exclusive=True)
    margin = reader.number("pacing_margin_seconds", minimum=0)
    return PacingConfig(
        account=RatePolicy(
            _share(account_limit if account_limit is not None else default.account.limit, shares),
            account_window if account_window is not None else default.account.window_seconds,
        ),
        ip=RatePolicy(
            _share(ip_limit if ip_limit is not None else default.ip.limit, shares),
            ip_window if ip_window is not None else default.ip.window_seconds,
        ),
        margin_seconds=margin if margin is not None else default.margin_seconds,
        storage_uri=storage,
        account_key=reader.text("account_key") or default.account_key,
    )


def _share(limit: int, shares: int) -> int:
    """This process's part of ``limit`` when ``shares`` processes may spend it without a shared store."""
    return max(1, limit // shares)


class _ExtraReader:
    """Typed reads of extras that may arrive as JSON numbers or as strings (URI-style connections)."""

    def __init__(self, conn_id: str, extra: Mapping[str, Any]) -> None:
        self.conn_id = conn_id
        self._extra = extra

    def _raw(self, key: str) -> Any:
        value = self._extra.get(key)
        return None if value is None or (isinstance(value, str) and not value.strip()) else value

    def text(self, key: str) -> str:
        value = self._raw(key)
        return "" if value is None else str(value).strip()

    def flag(self, key: str, *, default: bool) -> bool:
        value = self._raw(key)
        if value is None:
            return default
        text = str(value).strip().lower()
        if isinstance(value, bool) or text in ("true", "false"):
            return value if isinstance(value, bool) else text == "true"
        raise self._invalid(key, "true or false", value)

    def verify(self) -> bool | str:
        """``verify``: a CA bundle path, or true for the default trust store; false is refused."""
        value = self._raw("verify")
        if value is None or value is True or str(value).strip().lower() == "true":
            return True
        if value is False or str(value).strip().lower() == "false":
            raise RedexConnectionError(
                f"connection {self.conn_id!r}: extra verify must stay on (true, or a CA bundle path); "
                "TLS verification cannot be turned off"
            )
        return str(value).strip()

    def cert(self) -> ClientCert | None:
        """``cert``: one PEM path, or ``[cert, key]`` (a JSON list in a URI-style connection)."""
        value = self._json(self._raw("cert"))
        if value is None or isinstance(value, str):
            return value
        if isinstance(value, (list, tuple)) and len(value) == 2 and all(isinstance(v, str) for v in value):
            return (value[0], value[1])
        raise self._invalid("cert", "a PEM path or a [certificate, key] pair of paths", type(value).__name__)

    def mapping(self, key: str) -> dict[str, str]:
        value = self._json(self._raw(key))
        if value is None:
            return {}
        if isinstance(value, Mapping) and all(isinstance(v, str) for v in value.values()):
            return {str(k): v for k, v in value.items()}
        # Proxy URLs may carry a password: name the type that came, never the value.
        rule = 'a mapping of scheme to proxy URL, e.g. {"https": "http://proxy:3128"}'
        raise self._invalid(key, rule, type(value).__name__)

    @staticmethod
    def _json(value: Any) -> Any:
        """Extras set in a URI arrive as text: a JSON list or object is read as one."""
        if isinstance(value, str) and value.strip()[:1] in ("[", "{"):
            try:
                return json.loads(value)
            except ValueError:
                return value
        return value

    def number(self, key: str, *, minimum: float, exclusive: bool = False) -> float | None:
        value = self._raw(key)
        if value is None:
            return None
        try:
            number = float(value) if not isinstance(value, bool) else math.nan
        except (TypeError, ValueError):
            number = math.nan
        if not math.isfinite(number) or number < minimum or (exclusive and number == minimum):
            bound = f"> {minimum:g}" if exclusive else f">= {minimum:g}"
            raise self._invalid(key, f"a number {bound}", value)
        return number

    def integer(self, key: str, *, minimum: int) -> int | None:
        value = self._raw(key)
        if value is None:
            return None
        if isinstance(value, bool) or (isinstance(value, float) and not value.is_integer()):
            raise self._invalid(key, f"a whole number >= {minimum}", value)
        try:
            number = int(value)
        except (TypeError, ValueError):
            raise self._invalid(key, f"a whole number >= {minimum}", value) from None
        if number < minimum:
            raise self._invalid(key, f"a whole number >= {minimum}", value)
        return number

    def _invalid(self, key: str, rule: str, value: Any) -> RedexConnectionError:
        # Only non-secret extras are parsed as numbers, so quoting the value is safe.
        return RedexConnectionError(f"connection {self.conn_id!r}: extra {key} must be {rule}, got {value!r}")
