"""Registers the TLS and proxy fixtures shared with the e2e triggerer test (``tests.helpers.tls_setup``)."""

from __future__ import annotations

from tests.helpers.tls_setup import forward_proxy, pki  # noqa: F401  (registers the shared fixtures)
