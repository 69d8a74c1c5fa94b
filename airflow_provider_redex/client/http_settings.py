"""How the client reaches REDEX over the network: one value, taken by both transports.

The connection's extras (``verify``, ``cert``, ``proxies``, ``trust_env``, ``timeout``) become one
:class:`HttpSettings`; the sync transport turns it into ``requests`` arguments and the async one
into an ``ssl.SSLContext`` and a per-request ``proxy``, so a task and a deferred sensor on one
connection trust the same CA and go through the same proxy.

The CA bundle given here wins over the environment (``REQUESTS_CA_BUNDLE``, ``CURL_CA_BUNDLE``,
``SSL_CERT_FILE``): requests gets ``verify=`` on every request (a session-level value would lose to
the environment), and aiohttp gets a context that loads this bundle only. ``trust_env`` then only
decides whether environment *proxies* apply when the settings name none. TLS verification cannot
be turned off.
"""

from __future__ import annotations

import ssl
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from airflow_provider_redex.client.constants import DEFAULT_TIMEOUT
from airflow_provider_redex.client.errors import RedexInputError

ClientCert = str | tuple[str, str]
"""A PEM file with certificate and key, or ``(certificate file, key file)``."""


@dataclass(frozen=True)
class HttpSettings:
    """TLS, proxy and timeout settings for one client.

    :param verify: ``True`` for the default trust store, or the path of a CA bundle (PEM file or
        a directory of hashed certificates) that REDEX's certificate must chain to.
    :param cert: a client certificate for mutual TLS: one PEM path, or ``(cert, key)`` paths.
    :param proxies: proxy URL per scheme, as in requests: ``{"https": "http://proxy:3128"}``;
        an ``all`` key applies to both schemes.
    :param trust_env: whether proxies from the environment (``HTTPS_PROXY``...) apply when
        ``proxies`` names none. The CA bundle never comes from the environment when ``verify``
        is a path.
    :param timeout: seconds to connect and seconds to wait for each read.
    """

    verify: bool | str = True
    cert: ClientCert | None = None
    proxies: Mapping[str, str] = field(default_factory=dict, hash=False)
    trust_env: bool = True
    timeout: float = DEFAULT_TIMEOUT

    def __post_init__(self) -> None:
        problems: list[tuple[str, str]] = []
        if self.verify is False:
            problems.append(("verify", "TLS verification must stay on; give a CA bundle path instead"))
        elif isinstance(self.verify, str) and not Path(self.verify).exists():
            problems.append(("verify", f"CA bundle {self.verify!r} does not exist"))
        for path in _cert_paths(self.cert):
            if not Path(path).is_file():
                problems.append(("cert", f"client certificate file {path!r} does not exist"))
        if not self.timeout > 0:
            problems.append(("timeout", "must be a number of seconds > 0"))
        if problems:
            raise RedexInputError(problems, what="HTTP settings")

    def requests_options(self) -> dict[str, Any]:
        """Per-request keyword arguments for ``requests``: explicit, so the environment cannot win."""
        options: dict[str, Any] = {"verify": self.verify, "timeout": (self.timeout, self.timeout)}
        if self.cert is not None:
            options["cert"] = self.cert
        if self.proxies:
            options["proxies"] = dict(self.proxies)
        return options

    def ssl_context(self) -> ssl.SSLContext:
        """The TLS context for aiohttp: this bundle only when ``verify`` is a path; hostname checked."""
        if isinstance(self.verify, str):
            bundle = Path(self.verify)
            context = ssl.create_default_context(
                cafile=str(bundle) if bundle.is_file() else None,
                capath=str(bundle) if bundle.is_dir() else None,
            )
        else:
            context = ssl.create_default_context()
        if self.cert is not None:
            certfile, keyfile = (self.cert, None) if isinstance(self.cert, str) else self.cert
            context.load_cert_chain(certfile, keyfile)
        return context

    def proxy_for(self, url: str) -> str | None:
        """The proxy ``url`` goes through by these settings (``None``: direct, or the environment's)."""
        scheme = urlsplit(url).scheme
        return self.proxies.get(scheme) or self.proxies.get("all")


def _cert_paths(cert: ClientCert | None) -> tuple[str, ...]:
    if cert is None:
        return ()
    return (cert,) if isinstance(cert, str) else tuple(cert)
