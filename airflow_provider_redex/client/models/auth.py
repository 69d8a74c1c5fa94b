"""The token grant's request and answer (API_REFERENCE.md 2.2).

Secrets are excluded from ``repr`` so that a model printed in a log or a traceback shows no
credential; ``to_wire()`` still writes them, since that is what REDEX must receive.
"""

from __future__ import annotations

from typing import Final, Literal

from pydantic import Field

from airflow_provider_redex.client.models.base import RequestModel, ResponseModel

API_KEY_GRANT: Final = "api_key"


class TokenRequest(RequestModel):
    """Body of ``POST /connect/token`` for the ``api_key`` grant; each value at most 36 characters."""

    api_key: str = Field(min_length=1, max_length=36, repr=False)
    grant_type: Literal["api_key"] = API_KEY_GRANT
    client_id: str = Field(min_length=1, max_length=36)
    client_secret: str = Field(min_length=1, max_length=36, repr=False)


class Token(ResponseModel):
    """REDEX's token resource.

    ``ExpiresIn`` is documented as an int but one sample sends ``"3600"`` (C17): pydantic's lax
    mode reads both.
    """

    access_token: str = Field(min_length=1, repr=False)
    refresh_token: str | None = Field(default=None, repr=False)
    expires_in: int = Field(ge=0)
    token_type: str = "Bearer"
    scope: str | None = None
