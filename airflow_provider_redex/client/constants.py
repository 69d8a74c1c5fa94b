"""Transport tunables, in one block so a reviewer sees every number the client waits on.

Rate policies are REDEX's documented ones (API_REFERENCE.md 1.4); the retry numbers are ours.
"""

from __future__ import annotations

# --- timeouts and retries ----------------------------------------------------------------------

DEFAULT_TIMEOUT: float = 30.0
"""Seconds to connect, and seconds to wait for each read of the answer."""

DEFAULT_MAX_RETRIES: int = 4
"""Retries after the first attempt, so at most ``DEFAULT_MAX_RETRIES + 1`` attempts."""

INITIAL_BACKOFF_SECONDS: float = 0.5
"""Wait before the first retry when REDEX did not say how long (no ``Retry-After``)."""

MAX_BACKOFF_SECONDS: float = 8.0
"""Ceiling of the exponential backoff."""

BACKOFF_JITTER: float = 0.25
"""Share of a backoff removed at random, so that clients that failed together do not retry together."""

RETRY_AFTER_JITTER_SECONDS: float = 0.5
"""Up to this much is added to REDEX's ``Retry-After``: its windows restart for everyone at once."""

MAX_RETRY_AFTER_SECONDS: float = 120.0
"""A ``Retry-After`` longer than this is not waited out in-process; the error goes to the caller
(Airflow's own task retry or the sensor's next poke is the better place to wait that long)."""

# --- authentication ----------------------------------------------------------------------------

TOKEN_REFRESH_MARGIN_SECONDS: float = 60.0
"""A cached access token is renewed this long before REDEX says it expires (clock skew, latency)."""

# --- pacing --------------------------------------------------------------------------------------

ACCOUNT_REQUESTS: int = 60
ACCOUNT_WINDOW_SECONDS: float = 60.0
"""REDEX's operation policy: 60 requests per 60 s per business account, fixed window."""

IP_REQUESTS: int = 3000
IP_WINDOW_SECONDS: float = 300.0
"""REDEX's global policy: 3000 requests per 300 s per client IP, fixed window."""

PACING_MARGIN_SECONDS: float = 0.25
"""Added to each window: absorbs the spread of the delay from a slot to REDEX's clock (how the
number was chosen: the ``pacing`` module's docstring)."""

PACING_KEY_PREFIX: str = "redex"
"""First part of every rate-budget key in the shared storage."""

PACING_LOG_WAIT_SECONDS: float = 3.0
"""A wait for a slot at least this long is logged at INFO, with the window that caused it."""

PUSH_IN_FLIGHT: int = 1
"""Requests a push keeps in flight at once by default (``pipeline.py``; the push operator's
``max_in_flight``). Raise it on a link with a long round trip: with 0.1 s of answer latency a
1-process push at 60 per 10 s went from 0.48 to 0.78 of the ideal with 2 in flight. It stays 1
because a server that reads one request at a time queues the others: ``processes x depth``
requests in flight reach it up to ``(processes x depth - 1) x s`` late (``s`` its time per
request), and the pacing margin must cover that spread. Measured on the sandbox with 4
processes on one budget and a 0.2 s margin: 1 and 3 x 429 in two of four runs with 2 in flight,
none with 1."""

# --- logging and diagnostics -----------------------------------------------------------------------

TCP_KEEPALIVE: tuple[tuple[str, int], ...] = (
    ("TCP_KEEPIDLE", 120),
    ("TCP_KEEPINTVL", 30),
    ("TCP_KEEPCNT", 20),
)
"""TCP keep-alive of the sync client's sockets (idle seconds, probe interval, probes), as
Airflow's HttpHook sets them: a long push behind a NAT or a proxy keeps its idle connection."""

LOGGER_NAME: str = "airflow_provider_redex.client"
BODY_EXCERPT_CHARS: int = 200
"""How much of an unexpected response body an error quotes."""
