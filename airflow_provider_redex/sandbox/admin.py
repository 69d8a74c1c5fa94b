"""``/sandbox/``: the operator's controls, which REDEX does not have.

Decide applications (the REDEX back office), inject faults at runtime, read counters
(requests per window per account and per IP, 429s, records stored), move the clock,
reset. Admin calls are never counted, limited or faulted.
"""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Body, Request
from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_pascal

from airflow_provider_redex.sandbox.config import FaultSettings
from airflow_provider_redex.sandbox.responses import RedexJSONResponse, answer
from airflow_provider_redex.sandbox.runtime import Sandbox
from airflow_provider_redex.sandbox.state.common import Decision

router = APIRouter(prefix="/sandbox", tags=["sandbox admin"])


class _AdminBody(BaseModel):
    model_config = ConfigDict(alias_generator=to_pascal, populate_by_name=True, extra="forbid")


class DecisionBody(_AdminBody):
    reason: str | None = Field(default=None, max_length=500)


class FaultBody(_AdminBody):
    """Fault settings; see :class:`~.config.FaultSettings`. Rates are probabilities."""

    error_rate: float = Field(default=0.0, ge=0, le=1)
    error_status: int = Field(default=503, ge=500, le=599)
    latency_seconds: float = Field(default=0.0, ge=0, le=60)
    drop_rate: float = Field(default=0.0, ge=0, le=1)
    throttle_rate: float = Field(default=0.0, ge=0, le=1)
    storm_seconds: float = Field(default=0.0, ge=0, le=3600)


class AdvanceBody(_AdminBody):
    seconds: float = Field(ge=0, le=10 * 365 * 86400)


def _sandbox(request: Request) -> Sandbox:
    sandbox: Sandbox = request.app.state.sandbox
    return sandbox


@router.get("/accounts", summary="Accounts with their tokens and api_key grant credentials")
async def accounts(request: Request) -> RedexJSONResponse:
    return answer(
        [
            {
                "AccountId": a.account_id,
                "Name": a.name,
                "Token": a.token,
                "ApiKey": a.api_key,
                "ClientId": a.client_id,
                "ClientSecret": a.client_secret,
            }
            for a in _sandbox(request).accounts.accounts
        ]
    )


def _decide(
    request: Request, application_id: UUID, decision: Decision, body: DecisionBody | None
) -> RedexJSONResponse:
    kind = _sandbox(request).state.decide(application_id, decision, body.reason if body else None)
    return answer({"Id": application_id, "Kind": kind, "Decision": decision.value})


@router.post(
    "/applications/{application_id}/approve", summary="Approve (retirements: complete) an application"
)
async def approve(
    application_id: UUID, request: Request, body: Annotated[DecisionBody | None, Body()] = None
) -> RedexJSONResponse:
    return _decide(request, application_id, Decision.APPROVE, body)


@router.post("/applications/{application_id}/reject", summary="Reject (devices: decline) an application")
async def reject(
    application_id: UUID, request: Request, body: Annotated[DecisionBody | None, Body()] = None
) -> RedexJSONResponse:
    return _decide(request, application_id, Decision.REJECT, body)


@router.post("/applications/{application_id}/return", summary="Return an application to the applicant")
async def return_(
    application_id: UUID, request: Request, body: Annotated[DecisionBody | None, Body()] = None
) -> RedexJSONResponse:
    return _decide(request, application_id, Decision.RETURN, body)


@router.get("/faults", summary="Current fault settings and what was injected")
async def get_faults(request: Request) -> RedexJSONResponse:
    return answer(_sandbox(request).faults.snapshot())


@router.put("/faults", summary="Replace the fault settings (a 429 storm starts now)")
async def set_faults(request: Request, body: FaultBody) -> RedexJSONResponse:
    sandbox = _sandbox(request)
    sandbox.faults.configure(FaultSettings(**body.model_dump()))
    return answer(sandbox.faults.snapshot())


@router.get(
    "/counters", summary="Requests per window per account and per IP and per route, 429s, faults, records"
)
async def counters(request: Request) -> RedexJSONResponse:
    sandbox = _sandbox(request)
    sandbox.tick()
    data: dict[str, Any] = {
        "RateLimits": sandbox.limiter.snapshot(),
        "Faults": sandbox.faults.snapshot(),
        "Records": sandbox.state.records(),
        "Requests": dict(sorted(sandbox.requests.items())),
    }
    return answer(data)


@router.get("/clock", summary="The sandbox clock and the current rate windows")
async def clock(request: Request) -> RedexJSONResponse:
    sandbox = _sandbox(request)
    account_window, account_left = sandbox.clock.window(sandbox.limiter.account.window_seconds)
    ip_window, ip_left = sandbox.clock.window(sandbox.limiter.ip.window_seconds)
    return answer(
        {
            "Now": sandbox.clock.utcnow().isoformat(),
            "TimeScale": sandbox.config.time_scale,
            "AccountWindow": account_window,
            "AccountWindowSecondsLeft": account_left,
            "IpWindow": ip_window,
            "IpWindowSecondsLeft": ip_left,
        }
    )


@router.post("/clock/advance", summary="Move the clock forward: the same as waiting, without the wait")
async def advance(request: Request, body: AdvanceBody) -> RedexJSONResponse:
    sandbox = _sandbox(request)
    sandbox.clock.advance(body.seconds)
    sandbox.tick()
    return answer({"Now": sandbox.clock.utcnow().isoformat()})


@router.post("/reset", summary="Forget everything: data, tokens, counters, faults, windows")
async def reset(request: Request) -> RedexJSONResponse:
    _sandbox(request).reset()
    return answer({"Reset": True})
