"""What a sandbox run is configured with: accounts, time scale, delays, faults, rate policies.

Everything that changes how the sandbox behaves is a field here, so the CLI, the app factory
and the pytest fixtures build the same object and nothing reads the environment behind
their back.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field, replace
from uuid import UUID, uuid5

from airflow_provider_redex.client import constants

DEMO_TOKEN = "redex-sandbox-demo-token"
"""The bearer token of the single business account a sandbox has when no ``--token`` is given."""

_ACCOUNT_NAMESPACE = UUID("6f2b1d6e-3c0a-4f5e-9a57-2d1f0c8b7e41")


@dataclass(frozen=True)
class Account:
    """One business account: a static bearer token plus the ``api_key`` grant credentials.

    The credentials are derived from the token so that the same ``--token`` always gives
    the same account id, API key, client id and secret, run after run.
    """

    token: str
    account_id: UUID
    api_key: str
    client_id: str
    client_secret: str
    name: str

    @classmethod
    def from_token(cls, token: str, index: int = 0) -> Account:
        digest = hashlib.sha256(token.encode()).hexdigest()
        return cls(
            token=token,
            account_id=uuid5(_ACCOUNT_NAMESPACE, f"account:{token}"),
            api_key=str(uuid5(_ACCOUNT_NAMESPACE, f"api-key:{token}")),
            client_id=f"sbx-{digest[:26]}",
            client_secret=digest[26:56],
            name=f"Sandbox Solar {index + 1}",
        )


@dataclass(frozen=True)
class WindowPolicy:
    """A fixed-window limit as REDEX documents it: ``limit`` requests per ``window_seconds``."""

    limit: int
    window_seconds: float


@dataclass(frozen=True)
class FaultSettings:
    """Faults injected into REDEX routes (never into ``/sandbox/``), each with a probability.

    :param error_rate: share of requests answered with ``error_status`` before any handler runs.
    :param error_status: the 5xx status used for injected errors.
    :param latency_seconds: extra delay before each answer (sandbox seconds, scaled).
    :param drop_rate: share of requests whose connection is aborted *after* the handler ran, so a
        POST has taken effect but its answer is lost: the ambiguous failure DESIGN.md talks about.
    :param throttle_rate: share of requests answered 429 although the budget is not spent.
    :param storm_seconds: every request is answered 429 for this long after the setting is made
        (sandbox seconds, scaled): a 429 storm.
    """

    error_rate: float = 0.0
    error_status: int = 503
    latency_seconds: float = 0.0
    drop_rate: float = 0.0
    throttle_rate: float = 0.0
    storm_seconds: float = 0.0


@dataclass(frozen=True)
class SandboxConfig:
    """Settings of one sandbox.

    :param tokens: one business account per token; ``DEMO_TOKEN`` when empty.
    :param time_scale: multiplies every window, delay and token lifetime (0.05 makes the
        60 s rate window last 3 s), so tests run fast without changing the logic.
    :param approve_after: sandbox seconds until an application decides itself (approved,
        completed); ``None`` leaves every decision to the admin API.
    :param processing_seconds: sandbox seconds a generation process spends in each of
        ``New`` and ``Processing``.
    :param seed: seeds ids, numbers and injected faults, so a run can be reproduced.
    :param account_policy: REDEX's operation policy, per business account.
    :param ip_policy: REDEX's global policy, per client IP.
    :param token_ttl_seconds: lifetime of a granted access token (sandbox seconds, scaled).
    :param sample_data: give every account a small history (an issued device with RECs)
        so inventory, transaction and exchange endpoints have something to show at once.
    :param listing_delay: sandbox seconds (scaled) before a new device application, REC
        application or retirement shows in its list endpoint (its own GET finds it at once):
        REDEX may list a new resource late, and a lookup-before-create must keep looking.
    :param process_status_lists: G4 answers a list of processes when ``ProcessId`` repeats
        (our extension); ``False`` answers the first id's process only, as a server that binds
        the one ``ProcessId`` REDEX documents would.
    """

    tokens: tuple[str, ...] = ()
    time_scale: float = 1.0
    approve_after: float | None = 30.0
    processing_seconds: float = 2.0
    seed: int = 0
    account_policy: WindowPolicy = WindowPolicy(constants.ACCOUNT_REQUESTS, constants.ACCOUNT_WINDOW_SECONDS)
    ip_policy: WindowPolicy = WindowPolicy(constants.IP_REQUESTS, constants.IP_WINDOW_SECONDS)
    token_ttl_seconds: float = 3600.0
    refresh_ttl_seconds: float = 2_592_000.0
    faults: FaultSettings = field(default_factory=FaultSettings)
    sample_data: bool = True
    listing_delay: float = 0.0
    process_status_lists: bool = True

    def __post_init__(self) -> None:
        if self.time_scale <= 0:
            raise ValueError("time_scale must be positive")
        if not self.tokens:
            object.__setattr__(self, "tokens", (DEMO_TOKEN,))
        if len(set(self.tokens)) != len(self.tokens):
            raise ValueError("each --token must be different: one token is one business account")

    @property
    def accounts(self) -> tuple[Account, ...]:
        return tuple(Account.from_token(token, i) for i, token in enumerate(self.tokens))

    def scaled(self, sandbox_seconds: float) -> float:
        """Real seconds for a documented duration (window, delay, lifetime)."""
        return sandbox_seconds * self.time_scale

    def with_faults(self, faults: FaultSettings) -> SandboxConfig:
        return replace(self, faults=faults)
