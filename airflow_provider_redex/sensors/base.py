"""The machinery every REDEX sensor shares: poke, reschedule or defer, and one way to finish.

A REDEX decision takes hours to days (a reviewer approves a device application), so the
sensors support all three Airflow ways of waiting: ``poke`` (holds a worker slot), ``reschedule``
(frees it between pokes) and deferrable (frees it and waits in the triggerer). The default for
``deferrable`` comes from ``[operators] default_deferrable``.

Whichever way it waited, a sensor ends through :meth:`RedexStatusSensor._finish`, fed with a
trigger event: the trigger's own event, or one built from a synchronous poke. That keeps the
three modes deciding alike: success returns the XCom value, a terminal failure fails the task
without retry (REDEX has decided; retrying cannot change it) and names the application
number, the status and REDEX's reason.

What waiting costs, from the account's 60 requests a minute (DESIGN.md):

* deferred: every sensor of one kind on one connection waits in the triggerer's shared poll,
  one list request per poll interval for the kind, however many sensors wait (paged: one more
  per 100 undecided items), plus one GET for each item when it is decided. Generation
  processes: one G4 request per interval for all undecided ProcessIds (``ProcessId``
  repeated), or one per distinct undecided ProcessId where the server reads one id (REDEX
  documents one; :mod:`~airflow_provider_redex.client.process_statuses`);
* ``poke`` / ``reschedule``: one list request per kind per poke interval in one process (the
  short-lived :mod:`~airflow_provider_redex.sensors.status_cache`), else one per sensor.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import TYPE_CHECKING, Any, ClassVar

from airflow.sdk import BaseSensorOperator, PokeReturnValue
from airflow.sdk.configuration import conf
from airflow.sdk.exceptions import AirflowException, AirflowFailException, AirflowSensorTimeout

from airflow_provider_redex.hooks.redex import RedexHook
from airflow_provider_redex.operators.outcomes import final_refusals
from airflow_provider_redex.sensors.status_cache import DEFAULT_TTL_SECONDS, STATUS_CACHE
from airflow_provider_redex.triggers.events import (
    EVENT_ERROR,
    EVENT_FAILURE,
    EVENT_SUCCESS,
    EVENT_TIMEOUT,
    RedexTriggerEvent,
    validate_trigger_event,
)
from airflow_provider_redex.triggers.status import DEFAULT_POLL_INTERVAL_SECONDS, RedexStatusTrigger

if TYPE_CHECKING:
    from airflow.sdk import Context

    from airflow_provider_redex.triggers.targets import StatusTarget


class RedexStatusSensor(BaseSensorOperator):
    """Wait until REDEX has decided one or more resources of one kind.

    Deferred, waiting costs one list request per kind per ``poke_interval`` for all sensors of
    that kind on the connection together (see the module docstring for the details).

    :param redex_conn_id: the REDEX connection (default ``redex_default``).
    :param deferrable: wait in the triggerer instead of the worker; default from
        ``[operators] default_deferrable``.
    :param poke_interval: seconds between status checks, in every mode.
    :param timeout: seconds to wait in all before failing with a timeout.
    :param mode: ``poke`` or ``reschedule`` when not deferrable.
    """

    trigger_class: ClassVar[type[RedexStatusTrigger]]
    ui_color = "#d8f3dc"

    def __init__(
        self,
        *,
        redex_conn_id: str = RedexHook.default_conn_name,
        deferrable: bool = conf.getboolean("operators", "default_deferrable", fallback=False),
        poke_interval: timedelta | float = DEFAULT_POLL_INTERVAL_SECONDS,
        **kwargs: Any,
    ) -> None:
        # Each key of the result is its own XCom too: ``sensor.output["device_id"]``.
        kwargs.setdefault("multiple_outputs", True)
        super().__init__(poke_interval=poke_interval, **kwargs)
        self.redex_conn_id = redex_conn_id
        self.deferrable = deferrable

    @property
    def target(self) -> StatusTarget:
        return self.trigger_class.target

    def resource_ids(self) -> list[str]:
        """The ids to wait on, from the (rendered) arguments of the concrete sensor."""
        raise NotImplementedError

    # --- the three ways of waiting --------------------------------------------------------

    def execute(self, context: Context) -> Any:
        if not self.deferrable:
            return super().execute(context)
        # One check in the worker first: a resource already decided needs no triggerer hop.
        event = self._check_now()
        if event is not None:
            return self._finish(event)
        self.defer(
            trigger=self.trigger_class(
                resource_ids=self.resource_ids(),
                redex_conn_id=self.redex_conn_id,
                deadline=time.time() + self.timeout,
                poll_interval=self.poke_interval,
            ),
            method_name="execute_complete",
        )

    def poke(self, context: Context) -> bool | PokeReturnValue:
        event = self._check_now()
        if event is None:
            return False
        return PokeReturnValue(is_done=True, xcom_value=self._finish(event))

    def execute_complete(self, context: Context, event: Any = None) -> Any:
        """Resume after the trigger: check the event first, then finish like a poke would."""
        return self._finish(validate_trigger_event(event))

    # --- deciding ----------------------------------------------------------------------------

    def _check_now(self) -> RedexTriggerEvent | None:
        """Read every id once with the sync client; an event when decided, else ``None``.

        A refusal (a wrong id, a refused token) fails without retry (:mod:`..operators.outcomes`).
        """
        ttl = min(DEFAULT_TTL_SECONDS, self.poke_interval / 2)
        with final_refusals(), self._client() as client:
            readings = STATUS_CACHE.read_all(
                client, self.redex_conn_id, self.target, self.resource_ids(), ttl
            )
        event = self.target.decide(readings)
        if event is None:
            pending = next(r for r in readings if not r.is_success)
            self.log.info("%s; waiting", pending.describe())
        return event

    def _finish(self, event: RedexTriggerEvent) -> Any:
        status = event["status"]
        if status == EVENT_SUCCESS:
            self.log.info("%s", event["message"])
            return event["result"]
        if status == EVENT_FAILURE:
            # REDEX decided against it: a retry cannot change that, so fail without retrying.
            raise AirflowFailException(event["message"])
        if status == EVENT_TIMEOUT:
            raise AirflowSensorTimeout(event["message"])
        if status == EVENT_ERROR:
            raise AirflowException(event["message"])
        raise AirflowException(f"unhandled REDEX trigger event: {event!r}")  # pragma: no cover

    @contextmanager
    def _client(self) -> Iterator[Any]:
        client = RedexHook(redex_conn_id=self.redex_conn_id).get_client()
        try:
            yield client
        finally:
            close = getattr(client, "close", None)
            if close is not None:
                close()


def single_id(value: Any, name: str) -> list[str]:
    """``[value]`` as text, refusing an empty id with the argument named."""
    text = "" if value is None else str(value).strip()
    if not text:
        raise ValueError(f"{name} is empty: pass the id the creating task returned")
    return [text]
