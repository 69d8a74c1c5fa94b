"""``RedexClient``: the sync facade, one attribute per API area (the areas are in ``facade.py``).

Calls read like the API: ``client.device_applications.get(id)``,
``client.generation.send_batch(request)``, ``client.rec_applications.list(statuses=[...])``.
"""

from __future__ import annotations

from airflow_provider_redex.client.base_client import SyncAPIClient
from airflow_provider_redex.client.facade import ApiAreas, Sync


class RedexClient(SyncAPIClient, ApiAreas[Sync]):
    """The REDEX public API v2, paced, retried and authenticated.

    The constructor is :class:`SyncAPIClient`'s, unchanged. Resources are created on first
    use so that building a client stays cheap, and each is bound to this client's transport and
    rate budget.
    """
