"""The TLS and proxy helpers are shared with the e2e tests: ``tests/support`` goes on ``sys.path``."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parents[2] / "support"))

from tls_setup import forward_proxy, pki  # noqa: F401  (registers the shared fixtures)
