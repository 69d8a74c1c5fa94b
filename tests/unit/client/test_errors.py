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


def test_a_404_names_the_id_only_on_a_route_that_has_one() -> None:
    from airflow_provider_redex.client.errors import RedexNotFoundError

    listed = RedexNotFoundError(
        method="GET", path="/public/v2/rec-applications", status_code=404, message=None
    )
    one = RedexNotFoundError(
        method="GET",
        path="/public/v2/rec-applications/3fa85f64-5717-4562-b3fc-2c963f66afa6",
        status_code=404,
        message=None,
    )
    assert "check the id" not in str(listed).lower() and "host" in str(listed)
    assert "Check the id" in str(one)


def test_the_5xx_hint_fits_the_method_and_promises_no_lookup_from_the_bare_client() -> None:
    from airflow_provider_redex.client.errors import RedexServerError

    read = RedexServerError(method="GET", path="/x", status_code=503, message=None)
    write = RedexServerError(method="POST", path="/x", status_code=503, message=None)
    assert "looked up" not in str(read) and "again later is safe" in str(read)
    assert "may still have acted" in str(write)


def test_an_input_refusal_quotes_the_bad_value_says_nothing_was_sent_once_and_counts() -> None:
    from airflow_provider_redex.client.errors import MAX_LISTED_PROBLEMS, RedexInputError
    from airflow_provider_redex.client.models.retirements import RetirementRequest

    with pytest.raises(RedexInputError) as refused:
        RetirementRequest.from_input(
            {"BeneficiaryId": "3fa85f64-5717-4562-b3fc-2c963f66afa6", "Quantity": "1.0000001", "Reason": "r"}
        )
    err = refused.value
    assert "(got '1.0000001')" in str(err)
    assert str(err).count("nothing was sent") == 1
    assert "nothing was sent" not in err.detail

    many = RedexInputError([(f"Rows[{n}]", "bad") for n in range(48)], what="rows")
    assert f"48 problems; the first {MAX_LISTED_PROBLEMS}: Rows[0]: bad" in str(many)
    assert "Rows[20]" not in str(many)
