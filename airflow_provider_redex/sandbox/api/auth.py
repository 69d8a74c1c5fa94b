"""A1: the token grant. ``api_key`` as documented; ``refresh_token`` as assumed (2.3)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from pydantic import Field

from airflow_provider_redex.client.models.auth import Token, TokenRequest
from airflow_provider_redex.client.models.base import RequestModel
from airflow_provider_redex.sandbox.accounts import SCOPE, IssuedToken
from airflow_provider_redex.sandbox.api._routing import SandboxDep, emit, read_json, serve, validate
from airflow_provider_redex.sandbox.responses import ApiError, RedexJSONResponse, answer

router = APIRouter(tags=["auth"])

REFRESH_GRANT = "refresh_token"


class RefreshTokenRequest(RequestModel):
    """The refresh grant's body. REDEX never documented it (API_REFERENCE.md 2.3); this is the
    assumption written there, and the client does not use it."""

    grant_type: str = Field(pattern=f"^{REFRESH_GRANT}$")
    refresh_token: str = Field(min_length=1)
    client_id: str = Field(min_length=1, max_length=36)
    client_secret: str = Field(min_length=1, max_length=36)


@serve(router, "auth.token", body=TokenRequest)
async def token(request: Request, sandbox: SandboxDep) -> RedexJSONResponse:
    body: Any = await read_json(request)
    if isinstance(body, dict) and body.get("GrantType") == REFRESH_GRANT:
        refresh = validate(RefreshTokenRequest, body)
        issued = sandbox.accounts.grant_refresh(
            refresh.refresh_token, refresh.client_id, refresh.client_secret
        )
    else:
        grant = validate(TokenRequest, body)
        issued = sandbox.accounts.grant_api_key(grant.api_key, grant.client_id, grant.client_secret)
    if issued is None:
        raise ApiError(401)
    return answer(_token(issued))


def _token(issued: IssuedToken) -> dict[str, Any]:
    return emit(
        Token,
        {
            "AccessToken": issued.access_token,
            "RefreshToken": issued.refresh_token,
            "ExpiresIn": issued.expires_in,
            "TokenType": "Bearer",
            "Scope": SCOPE,
        },
    )
