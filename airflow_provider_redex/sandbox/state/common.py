"""Pieces every area store shares: ownership, decisions, blobs."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Protocol, TypeVar
from uuid import UUID

from airflow_provider_redex.sandbox.responses import ApiError


class Owned(Protocol):
    account_id: UUID


R = TypeVar("R", bound=Owned)


def owned(record: R | None, account_id: UUID) -> R:
    """The record if it belongs to the account: 404 when unknown, 403 when someone else's."""
    if record is None:
        raise ApiError(404)
    if record.account_id != account_id:
        raise ApiError(403)
    return record


class Decision(str, Enum):
    """What the admin API (or the auto-approval delay) can decide about an application."""

    APPROVE = "approve"
    REJECT = "reject"
    RETURN = "return"


@dataclass(frozen=True)
class Blob:
    """A stored file: an uploaded document or a retirement certificate."""

    filename: str
    content_type: str
    content: bytes
