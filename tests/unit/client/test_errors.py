"""The error tree: one root, one class per status, messages that never carry a secret."""

from __future__ import annotations

import inspect

import pytest

from airflow_provider_redex.client import errors
from airflow_provider_redex.client.errors import RedexAPIError, RedexError, error_class_for_status

ALL_CLASSES = [
    obj for _, obj in inspect.getmembers(errors, inspect.isclass) if obj.__module__ == errors.__name__
]


def test_every_error_class_derives_from_the_root_and_has_a_docstring_or_hint() -> None:
    assert ALL_CLASSES
    for cls in ALL_CLASSES:
        assert issubclass(cls, RedexError), cls
        assert cls.__doc__ or getattr(cls, "hint", ""), cls


def test_every_api_error_subclass_is_reachable_from_a_status() -> None:
    reachable = {error_class_for_status(status) for status in range(400, 600)}
    api_classes = {cls for cls in ALL_CLASSES if issubclass(cls, RedexAPIError)}
    assert api_classes == reachable


@pytest.mark.parametrize(
    ("status", "name"), [(400, "RedexBadRequestError"), (418, "RedexAPIError"), (599, "RedexServerError")]
)
def test_error_class_for_status(status: int, name: str) -> None:
    assert error_class_for_status(status).__name__ == name


def test_api_error_message_names_method_path_status_and_redex_reason() -> None:
    error = errors.RedexUnprocessableError(
        method="POST", path="/public/v2/rec-applications/grouped-device", status_code=422, message="Overlap"
    )
    text = str(error)
    assert "POST /public/v2/rec-applications/grouped-device -> HTTP 422" in text
    assert "'Overlap'" in text


def test_transport_error_keeps_whether_the_request_was_sent() -> None:
    error = errors.RedexTimeoutError("slow", method="GET", path="/p", request_sent=True)
    assert isinstance(error, errors.RedexTransportError)
    assert error.request_sent is True
