"""REDEX's response envelope ``{Data, Meta, Errors, StatusCode, Message}``, parsed and built here only.

The client turns every HTTP answer into an :class:`Envelope` or a :class:`~.errors.RedexError` with
:func:`parse_response`; the sandbox answers with :func:`build_envelope`. The wire names are written
once, below, so both sides cannot drift.

How an answer is classified (API_REFERENCE.md 1.2):

* an error status (>= 400) raises its class from ``error_class_for_status`` whatever the body: a
  gateway's HTML page on a 502 must still be retried, a 429 must still carry ``Retry-After``.
  REDEX's ``Message`` and ``Errors`` are kept; a body that is not the envelope is quoted instead;
* a success status whose body is not the envelope (HTML, not JSON, JSON without ``Data``) raises
  :class:`~.errors.RedexResponseError` quoting the start of what came back;
* a ``Data`` that does not fit the caller's model raises the same, naming the fields.

A body that may hold a secret (the token grant) is never quoted.
"""

from __future__ import annotations

import math
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from airflow_provider_redex.client import wire_json
from airflow_provider_redex.client.constants import BODY_EXCERPT_CHARS
from airflow_provider_redex.client.errors import (
    RedexAPIError,
    RedexRateLimitError,
    RedexResponseError,
    error_class_for_status,
)
from airflow_provider_redex.client.models.common import PageMeta

M = TypeVar("M", bound=BaseModel)

DATA = "Data"
META = "Meta"
ERRORS = "Errors"
STATUS_CODE = "StatusCode"
MESSAGE = "Message"

WITHHELD = "<withheld: the body may contain credentials>"


@dataclass(frozen=True)
class Envelope:
    """One successful REDEX answer.

    :param data: ``Data`` as parsed (dicts, lists, exact ``Decimal`` numbers).
    :param meta: ``Meta`` when the answer is a page, else ``None``.
    :param errors: ``Errors`` as sent (shape undocumented).
    :param status_code: the HTTP status.
    :param message: REDEX's ``Message``.
    :param method: the request's method, for error messages.
    :param path: the request's path, for error messages.
    :param sensitive: the data may hold a secret (token grant): never quote it in an error.
    """

    data: Any
    meta: PageMeta | None
    errors: Any
    status_code: int
    message: str | None
    method: str = ""
    path: str = ""
    sensitive: bool = False

    def data_as(self, model: type[M]) -> M:
        """``Data`` validated as ``model``; :class:`RedexResponseError` names what did not fit."""
        try:
            return model.model_validate(self.data)
        except ValidationError as exc:
            raise self._misfit(model, exc) from None

    def data_as_list(self, model: type[M]) -> list[M]:
        """``Data`` validated as a list of ``model`` (``null`` reads as an empty list)."""
        if self.data is None:
            return []
        if not isinstance(self.data, list):
            raise self._error(f"Data is {type(self.data).__name__}, expected a list of {model.__name__}")
        return [self._item(model, index, item) for index, item in enumerate(self.data)]

    def _item(self, model: type[M], index: int, item: Any) -> M:
        try:
            return model.model_validate(item)
        except ValidationError as exc:
            raise self._misfit(model, exc, where=f"Data[{index}]") from None

    def _misfit(
        self, model: type[BaseModel], exc: ValidationError, where: str = "Data"
    ) -> RedexResponseError:
        # Only locations and messages, never input values: the data may hold a token.
        problems = "; ".join(
            f"{'.'.join(str(part) for part in err['loc']) or where}: {err['msg']}"
            for err in exc.errors(include_url=False)[:5]
        )
        return self._error(f"{where} does not fit {model.__name__}: {problems}")

    def _error(self, message: str) -> RedexResponseError:
        excerpt = WITHHELD if self.sensitive else _excerpt(wire_json.dumps(self.data))
        return RedexResponseError(
            message, method=self.method, path=self.path, status_code=self.status_code, body_excerpt=excerpt
        )


# --- parsing -----------------------------------------------------------------------------------


def parse_response(
    *,
    method: str,
    path: str,
    status_code: int,
    body: bytes,
    retry_after: str | None = None,
    sensitive: bool = False,
) -> Envelope:
    """Turn one HTTP answer into an :class:`Envelope`, or raise the error it means.

    :param retry_after: the raw ``Retry-After`` header, if any.
    :param sensitive: the body may hold a secret; errors will not quote it.
    """
    payload = _json_or_none(body)
    if status_code >= 400:
        raise _status_error(method, path, status_code, payload, body, retry_after, sensitive)
    if not isinstance(payload, dict) or DATA not in payload:
        raise _not_envelope(method, path, status_code, payload, body, sensitive)
    effective = _effective_status(status_code, payload)
    if effective >= 400:
        raise _status_error(method, path, effective, payload, body, retry_after, sensitive)
    return Envelope(
        data=payload.get(DATA),
        meta=_page_meta(payload.get(META), method, path, status_code),
        errors=payload.get(ERRORS),
        status_code=status_code,
        message=_text_or_none(payload.get(MESSAGE)),
        method=method,
        path=path,
        sensitive=sensitive,
    )


def parse_retry_after(value: str | None, *, now: float | None = None) -> float | None:
    """``Retry-After`` in seconds from now: delta-seconds or an HTTP date; ``None`` when absent or garbled."""
    if not value or not value.strip():
        return None
    text = value.strip()
    try:
        seconds = float(text)
    except ValueError:
        return _seconds_until_http_date(text, now)
    return seconds if math.isfinite(seconds) and seconds >= 0 else None


def _seconds_until_http_date(text: str, now: float | None) -> float | None:
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:  # an HTTP date is always GMT
        return None
    current = time.time() if now is None else now
    return max(0.0, when.timestamp() - current)


def _json_or_none(body: bytes) -> Any:
    if not body.strip():
        return None
    try:
        return wire_json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return None


def _effective_status(http_status: int, payload: Mapping[str, Any]) -> int:
    """The HTTP status, unless a 2xx answer carries an error ``StatusCode`` in its body.

    REDEX echoes the status in the body; if the two ever disagree, the worse one wins so that an
    error is never read as data. A non-integer ``StatusCode`` (the invoices' ``"Continue"``,
    C22) is ignored.
    """
    echoed = payload.get(STATUS_CODE)
    if isinstance(echoed, int) and not isinstance(echoed, bool) and echoed >= 400 and http_status < 400:
        return echoed
    return http_status


def _status_error(
    method: str,
    path: str,
    status_code: int,
    payload: Any,
    body: bytes,
    retry_after: str | None,
    sensitive: bool,
) -> RedexAPIError:
    message, errors = _message_and_errors(payload, body, sensitive)
    cls = error_class_for_status(status_code)
    common: dict[str, Any] = {
        "method": method,
        "path": path,
        "status_code": status_code,
        "message": message,
        "errors": errors,
    }
    if issubclass(cls, RedexRateLimitError):
        return cls(retry_after=parse_retry_after(retry_after), **common)
    return cls(**common)


def _message_and_errors(payload: Any, body: bytes, sensitive: bool) -> tuple[str | None, Any]:
    if isinstance(payload, dict) and (MESSAGE in payload or ERRORS in payload):
        return _text_or_none(payload.get(MESSAGE)), payload.get(ERRORS)
    if not body.strip():
        return None, None
    quoted = WITHHELD if sensitive else repr(_excerpt(body))
    return f"{_describe(payload, body)}: {quoted}", None


def _not_envelope(
    method: str, path: str, status_code: int, payload: Any, body: bytes, sensitive: bool
) -> RedexResponseError:
    return RedexResponseError(
        _describe(payload, body),
        method=method,
        path=path,
        status_code=status_code,
        body_excerpt=WITHHELD if sensitive else _excerpt(body),
    )


def _describe(payload: Any, body: bytes) -> str:
    """Say what came back instead of the envelope, in words a user can act on."""
    if not body.strip():
        return "empty body where REDEX's envelope was expected"
    if payload is None:
        if body.lstrip()[:1] == b"<":
            return (
                "an HTML/XML page, not REDEX's JSON envelope (a proxy or gateway page, or a wrong base URL?)"
            )
        return "a body that is not JSON"
    if isinstance(payload, dict):
        return f"JSON without REDEX's envelope (no {DATA!r}; keys: {sorted(payload)[:8]})"
    return f"JSON {type(payload).__name__} where REDEX's envelope object was expected"


def _page_meta(raw: Any, method: str, path: str, status_code: int) -> PageMeta | None:
    if raw is None:
        return None
    try:
        return PageMeta.model_validate(raw)
    except ValidationError:
        raise RedexResponseError(
            f"{META} is not a paging block",
            method=method,
            path=path,
            status_code=status_code,
            body_excerpt=_excerpt(wire_json.dumps(raw)),
        ) from None


def _text_or_none(value: Any) -> str | None:
    return None if value is None else str(value)


def _excerpt(body: bytes | str) -> str:
    text = body.decode("utf-8", errors="replace") if isinstance(body, bytes) else body
    squeezed = " ".join(text.split())
    if len(squeezed) <= BODY_EXCERPT_CHARS:
        return squeezed
    return squeezed[:BODY_EXCERPT_CHARS] + "..."


# --- building (the sandbox's side) ---------------------------------------------------------------


def build_envelope(
    data: Any = None,
    *,
    status_code: int = 200,
    message: str | None = None,
    meta: PageMeta | Mapping[str, Any] | None = None,
    errors: Sequence[Any] | Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The envelope as a JSON-ready dict (``data`` already in wire form: dicts, lists, Decimals).

    ``message`` defaults to ``"Success"`` below 400, as REDEX writes it.
    """
    if message is None and status_code < 400:
        message = "Success"
    return {
        DATA: data,
        META: build_page_meta_dict(meta) if meta is not None else None,
        ERRORS: errors,
        STATUS_CODE: status_code,
        MESSAGE: message,
    }


def build_error_envelope(status_code: int, message: str, errors: Any = None) -> dict[str, Any]:
    """An error answer: ``Data`` and ``Meta`` are ``null``, as in every documented sample."""
    return build_envelope(None, status_code=status_code, message=message, errors=errors)


def page_meta_for(current_page: int, items_per_page: int, total_items: int) -> PageMeta:
    """The ``Meta`` block for one page of ``total_items`` (an empty list still has one page)."""
    total_page = max(1, math.ceil(total_items / items_per_page)) if items_per_page > 0 else 1
    return PageMeta(
        current_page=current_page,
        total_page=total_page,
        total_items=total_items,
        items_per_page=items_per_page,
    )


def build_page_meta_dict(meta: PageMeta | Mapping[str, Any]) -> dict[str, Any]:
    """``Meta`` in wire form; a mapping is validated first so a misspelt key cannot leave."""
    model = meta if isinstance(meta, PageMeta) else PageMeta.model_validate(meta)
    return model.model_dump(by_alias=True, mode="python")
