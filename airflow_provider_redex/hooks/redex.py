"""Airflow hooks for REDEX: a ``redex`` connection turned into a configured client.

The hooks only glue: the connection is mapped by :func:`~.connection.client_settings` (one
function for both, so a task and a trigger share one rate budget, one CA bundle and one proxy),
the secrets are registered with Airflow's masker (the connection's now, the tokens granted at run
time as they arrive, through ``on_secret``), and the client does the rest.
"""

from __future__ import annotations

from typing import Any

from airflow.providers.common.compat.connection import get_async_connection, get_async_extra_dejson
from airflow.providers.common.compat.sdk import BaseHook, mask_secret
from airflow.providers.http.hooks.http import HttpHook
from airflow.sdk.log import amask_secret

from airflow_provider_redex.client.async_client import AsyncRedexClient
from airflow_provider_redex.client.client import RedexClient
from airflow_provider_redex.hooks.connection import ClientSettings, RedexConnectionError, client_settings


class RedexHook(HttpHook):
    """Sync hook: gives operators and sensors a :class:`RedexClient` for a ``redex`` connection.

    :param redex_conn_id: the connection (host = API base URL, password = bearer token or the
        client secret of the ``api_key`` grant, rate-limit settings in the extras).
    """

    conn_name_attr = "redex_conn_id"
    default_conn_name = "redex_default"
    conn_type = "redex"
    hook_name = "REDEX"

    def __init__(self, redex_conn_id: str = default_conn_name, **kwargs: Any) -> None:
        # GET is only HttpHook's default verb for run(); REDEX calls go through the client.
        super().__init__(method="GET", http_conn_id=redex_conn_id, **kwargs)
        self.redex_conn_id = redex_conn_id

    def get_client(self) -> RedexClient:
        """A client for this connection, with its own HTTP session; close it (``with``) when done.

        HttpHook's session is not used: the connection's HTTP extras (``verify``, ``cert``,
        ``proxies``, ``trust_env``) reach the client as :class:`HttpSettings`, the same value the
        async hook gives the triggerer's client.

        :raises RedexConnectionError: the connection is incomplete, or the client refuses it
            (plain ``http://`` to a host that is not loopback, TLS verification turned off).
        """
        conn = self.get_connection(self.redex_conn_id)
        settings = client_settings(conn, conn.extra_dejson)
        for secret in settings.secrets:
            mask_secret(secret)
        try:
            return RedexClient(
                settings.base_url, settings.credentials, on_secret=mask_secret, **settings.client_options()
            )
        except ValueError as err:
            raise _refused(self.redex_conn_id, settings, err) from err

    def test_connection(self) -> tuple[bool, str]:
        """Ask REDEX for the account profile: proves the URL, the credentials and the network."""
        try:
            with self.get_client() as client:
                client.accounts.get_profile()
        except Exception as err:  # shown in the UI; client errors never carry credentials
            return False, f"{type(err).__name__}: {err}"
        return True, "Connection to REDEX works: the account profile was read"


class RedexAsyncHook(BaseHook):
    """Async hook for triggers: gives an :class:`AsyncRedexClient` for a ``redex`` connection.

    It resolves the connection only through ``get_async_connection`` and reads the extras with
    ``get_async_extra_dejson``, because the synchronous lookups can deadlock the triggerer's loop.

    :param redex_conn_id: the connection, as for :class:`RedexHook`.
    """

    conn_name_attr = "redex_conn_id"
    default_conn_name = "redex_default"
    conn_type = "redex"
    hook_name = "REDEX"

    def __init__(self, redex_conn_id: str = default_conn_name, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.redex_conn_id = redex_conn_id

    async def get_client(self) -> AsyncRedexClient:
        """A client for this connection; use it as ``async with await hook.get_client() as c``."""
        conn = await get_async_connection(self.redex_conn_id, hook=self)
        settings = client_settings(conn, await get_async_extra_dejson(conn))
        for secret in settings.secrets:
            await amask_secret(secret)
        try:
            return AsyncRedexClient(
                settings.base_url, settings.credentials, on_secret=amask_secret, **settings.client_options()
            )
        except ValueError as err:
            raise _refused(self.redex_conn_id, settings, err) from err


def _refused(conn_id: str, settings: ClientSettings, err: ValueError) -> RedexConnectionError:
    """The client refused its settings (e.g. plain ``http://`` to a host that is not loopback)."""
    return RedexConnectionError(f"connection {conn_id!r} ({settings.base_url}): {err}")
