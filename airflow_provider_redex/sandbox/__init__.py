"""The REDEX sandbox: a stateful local simulator of the REDEX public API v2.

``create_app(config)`` builds the FastAPI app; ``running_sandbox(config)`` serves one in a
thread (tests); ``redex-sandbox`` / ``python -m airflow_provider_redex.sandbox`` serve one
in the foreground.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from airflow_provider_redex.sandbox.config import (
    DEMO_TOKEN,
    Account,
    FaultSettings,
    SandboxConfig,
    WindowPolicy,
)

if TYPE_CHECKING:
    from airflow_provider_redex.sandbox.app import create_app
    from airflow_provider_redex.sandbox.server import RunningSandbox, running_sandbox

__all__ = [
    "DEMO_TOKEN",
    "Account",
    "FaultSettings",
    "RunningSandbox",
    "SandboxConfig",
    "WindowPolicy",
    "create_app",
    "running_sandbox",
]


def __getattr__(name: str) -> Any:
    """The server parts import FastAPI and uvicorn; load them only when asked for."""
    if name == "create_app":
        from airflow_provider_redex.sandbox.app import create_app

        return create_app
    if name in {"running_sandbox", "RunningSandbox"}:
        from airflow_provider_redex.sandbox import server

        return getattr(server, name)
    raise AttributeError(name)
