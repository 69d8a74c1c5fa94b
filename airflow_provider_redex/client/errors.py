"""Errors raised by the REDEX client.

One root, split by cause, so a caller can decide what to do without reading messages::

    RedexError
    ├── RedexInputError            refused before any request (names the field and the rule)
    ├── RedexTransportError        no usable HTTP response; ``request_sent`` says if REDEX may have acted
    │   └── RedexTimeoutError
    ├── RedexResponseError         a response that is not REDEX's envelope (HTML page, not JSON, no Data)
    └── RedexAPIError              REDEX answered with an error status
        ├── RedexBadRequestError         400, carries REDEX's ``Errors``
        ├── RedexAuthenticationError     401
        ├── RedexPermissionError         403
        ├── RedexNotFoundError           404
        ├── RedexUnprocessableError      422 (business rule, e.g. a duplicate vintage window)
        ├── RedexRateLimitError          429, carries ``retry_after``
        └── RedexServerError             5xx

No message ever contains a credential: errors are built from the method, the path, the
status and REDEX's own ``Message``/``Errors``, never from request headers or bodies.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any


class RedexError(Exception):
    """Root of everything the client raises."""


# --- before the request --------------------------------------------------------------------


class RedexInputError(RedexError, ValueError):
    """The input breaks a documented REDEX rule; nothing was sent.

    :param problems: ``(field, rule)`` pairs, e.g. ``("Devices[0].Inverters", "at most 500 inverters")``.
    :param values: the offending value of a field, quoted (``"'12.3456'"``), shown after its rule.
    """

    def __init__(
        self,
        problems: Iterable[tuple[str, str]],
        *,
        what: str = "request",
        values: Mapping[str, str] | None = None,
    ) -> None:
        self.problems: list[tuple[str, str]] = list(problems)
        self.what = what
        self.values = dict(values or {})
        super().__init__(f"invalid {what}, nothing was sent to REDEX: {self.detail}")

    @property
    def detail(self) -> str:
        """The problems alone, for a caller that says "nothing was sent" itself: the first
        :data:`MAX_LISTED_PROBLEMS`, after the total when there are more."""
        return listed(f"{field}: {rule}{self._got(field)}" for field, rule in self.problems)

    def _got(self, field: str) -> str:
        value = self.values.get(field)
        return f" (got {value})" if value else ""


MAX_LISTED_PROBLEMS = 20
"""A message lists at most this many problems, after their total."""


def listed(items: Iterable[str], *, noun: str = "problems") -> str:
    """``"a; b"``, or ``"48 problems; the first 20: a; b; ..."`` when there are too many to read."""
    every = list(items)
    if len(every) <= MAX_LISTED_PROBLEMS:
        return "; ".join(every)
    return f"{len(every)} {noun}; the first {MAX_LISTED_PROBLEMS}: " + "; ".join(every[:MAX_LISTED_PROBLEMS])


# --- no usable response ----------------------------------------------------------------------


class RedexTransportError(RedexError):
    """The HTTP exchange failed.

    :param request_sent: ``False`` only when the request surely never reached REDEX (the
        connection was refused or never established). A POST is retried only then.
    """

    def __init__(self, message: str, *, method: str, path: str, request_sent: bool) -> None:
        self.method = method
        self.path = path
        self.request_sent = request_sent
        super().__init__(f"{method} {path}: {message}")


class RedexTimeoutError(RedexTransportError):
    """No answer in time. The request may have been acted on."""


class RedexResponseError(RedexError):
    """REDEX (or a proxy before it) answered with something that is not the documented envelope."""

    def __init__(self, message: str, *, method: str, path: str, status_code: int, body_excerpt: str) -> None:
        self.method = method
        self.path = path
        self.status_code = status_code
        self.body_excerpt = body_excerpt
        super().__init__(f"{method} {path} -> HTTP {status_code}: {message}; body starts: {body_excerpt!r}")


# --- REDEX said no -------------------------------------------------------------------------


class RedexAPIError(RedexError):
    """REDEX answered with an error status.

    :param status_code: the HTTP status.
    :param message: REDEX's ``Message``.
    :param errors: REDEX's ``Errors`` (element shape undocumented, kept as sent).
    """

    hint = ""

    def __init__(
        self,
        *,
        method: str,
        path: str,
        status_code: int,
        message: str | None,
        errors: Any = None,
    ) -> None:
        self.method = method
        self.path = path
        self.status_code = status_code
        self.redex_message = message or ""
        self.errors = errors
        text = f"{method} {path} -> HTTP {status_code}"
        if self.redex_message:
            text += f" {self.redex_message!r}"
        if errors:
            text += f"; errors: {errors}"
        hint = self.hint_for(method, path)
        if hint:
            text += f". {hint}"
        super().__init__(text)

    def hint_for(self, method: str, path: str) -> str:
        """What to do about it, for this route; the class's ``hint`` unless a subclass knows better."""
        return self.hint


class RedexBadRequestError(RedexAPIError):
    hint = "REDEX refused the request body; see the errors above"


class RedexAuthenticationError(RedexAPIError):
    hint = "Check the connection's token, or its API key, client id and client secret"


class RedexPermissionError(RedexAPIError):
    hint = "The resource belongs to another business account, or the account lacks this permission"


class RedexNotFoundError(RedexAPIError):
    hint = "Check the id; REDEX does not know it for this account"

    def hint_for(self, method: str, path: str) -> str:
        if names_a_resource(path):
            return self.hint
        return "REDEX does not serve this route: check the connection's host (the API base URL)"


class RedexUnprocessableError(RedexAPIError):
    hint = "REDEX refused it by a business rule (for a REC application: an overlapping vintage window)"


class RedexRateLimitError(RedexAPIError):
    """429. ``retry_after`` is REDEX's ``Retry-After`` in seconds, when it sent one."""

    hint = "The rate budget is shared: lower the connection's rate-limit settings or use redis:// storage"

    def __init__(self, *, retry_after: float | None = None, **kwargs: Any) -> None:
        self.retry_after = retry_after
        super().__init__(**kwargs)


class RedexServerError(RedexAPIError):
    hint = "REDEX failed; try again later"

    def hint_for(self, method: str, path: str) -> str:
        if method.upper() == "GET":
            return "REDEX failed; reading again later is safe"
        return (
            "REDEX failed and may still have acted on the request: look for what it would have "
            "created before sending it again"
        )


_BY_STATUS: dict[int, type[RedexAPIError]] = {
    400: RedexBadRequestError,
    401: RedexAuthenticationError,
    403: RedexPermissionError,
    404: RedexNotFoundError,
    422: RedexUnprocessableError,
    429: RedexRateLimitError,
}


_ID_SEGMENT = re.compile(
    r"^(\d+|[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})$"
)


def names_a_resource(path: str) -> bool:
    """Whether a request path names one resource by its id (``.../{uuid}`` or ``.../{number}``)."""
    segments = [segment for segment in path.split("?", 1)[0].split("/") if segment]
    return any(_ID_SEGMENT.match(segment) for segment in segments)


def error_class_for_status(status_code: int) -> type[RedexAPIError]:
    """The most specific error class for an HTTP error status."""
    if status_code >= 500:
        return RedexServerError
    return _BY_STATUS.get(status_code, RedexAPIError)
