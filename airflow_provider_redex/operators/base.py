"""What every REDEX operator shares: the connection, a client per run, and refusals.

Client errors become Airflow outcomes only through :mod:`.outcomes` (STYLE.md #4): every
``execute`` (and ``execute_complete``) of a subclass is wrapped, so a refusal that a retry would
meet again fails the task once, and only what may pass next time is left to Airflow's retries.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, ClassVar

from airflow.sdk import BaseOperator

from airflow_provider_redex.client.errors import RedexInputError
from airflow_provider_redex.hooks.redex import RedexHook
from airflow_provider_redex.lineage import RedexLineageMixin, produced_alias
from airflow_provider_redex.operators.exactly_once import (
    UNACKNOWLEDGED_CREATE_WAIT_SECONDS,
    CreationLedger,
    Intent,
    Outcome,
    create_once,
)
from airflow_provider_redex.operators.outcomes import RedexRefusal, with_outcomes

if TYPE_CHECKING:
    from airflow_provider_redex.client.client import RedexClient


__all__ = ["RedexBaseOperator", "RedexCreatingOperator", "RedexRefusal"]


class RedexBaseOperator(RedexLineageMixin, BaseOperator):
    """Base of the REDEX operators.

    An operator that creates REDEX resources (its ``lineage_output_kind``) has the asset alias of
    that kind among its ``outlets`` (added to any given) and reports each resource it made
    through it (:meth:`~airflow_provider_redex.lineage.RedexLineageMixin.record_produced`).

    :param redex_conn_id: the REDEX connection (default ``redex_default``).
    """

    ui_color = "#b7e4c7"
    ledger_key: ClassVar[str] = ""
    """Prefix of this operator's facts in ``task_state_store``. Renaming it breaks retries
    already in flight: the earlier try wrote under the old name."""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        for name in ("execute", "execute_complete"):
            if name in cls.__dict__:
                setattr(cls, name, with_outcomes(cls.__dict__[name]))

    def __init__(self, *, redex_conn_id: str = RedexHook.default_conn_name, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.redex_conn_id = redex_conn_id
        kind = self.lineage_output_kind
        if kind and (alias := produced_alias(kind)) not in self.outlets:
            self.outlets.append(alias)

    @contextmanager
    def redex_client(self) -> Iterator[RedexClient]:
        """A client for this run, closed when the block ends."""
        client = RedexHook(redex_conn_id=self.redex_conn_id).get_client()
        try:
            yield client
        finally:
            client.close()

    def ledger(self, context: Mapping[str, Any]) -> CreationLedger:
        """This task instance's record of what it created (see ``exactly_once``)."""
        return CreationLedger(context, self.ledger_key or self.task_type)

    @staticmethod
    def validated(model: Any, data: Any) -> Any:
        """``model.from_input(data)``, refusing bad input as a :class:`RedexRefusal`."""
        try:
            return model.from_input(data)
        except RedexInputError as err:
            raise RedexRefusal(str(err)) from err


class RedexCreatingOperator(RedexBaseOperator):
    """Base of the operators that create one REDEX resource per task instance (``exactly_once``).

    :param unacknowledged_create_wait: after an earlier try's POST that may have been sent, how
        many seconds (from that POST) the task keeps looking for what it made before sending
        again: REDEX may list a new application late. Default 300.
    :param recovered_id: the id of what an earlier try created, when you found it in REDEX after
        the task failed saying its lookup could not answer: the task records and returns it and
        sends nothing.
    :param resend_unconfirmed: after such a failure, when you found in REDEX that the earlier try
        created nothing: the task sends the request again instead of failing on the lookup.
    :param redex_conn_id: the REDEX connection (default ``redex_default``).
    """

    resource_name: ClassVar[str] = "resource"
    """What the operator creates, as REDEX's portal names it (``REC application``, ``retirement``)."""

    def __init__(
        self,
        *,
        unacknowledged_create_wait: float = UNACKNOWLEDGED_CREATE_WAIT_SECONDS,
        recovered_id: str | None = None,
        resend_unconfirmed: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.unacknowledged_create_wait = unacknowledged_create_wait
        self.recovered_id = recovered_id
        self.resend_unconfirmed = resend_unconfirmed

    def already_created(self, ledger: CreationLedger) -> Any:
        """The id an earlier try recorded, or ``recovered_id`` (recorded now); else ``None``."""
        recorded = ledger.created()
        if recorded is None and self.recovered_id:
            self.log.info("Recording %s %s, given as recovered_id", self.resource_name, self.recovered_id)
            recorded = str(self.recovered_id)
            ledger.record_created(recorded)
        return recorded

    def create_once(self, context: Mapping[str, Any], *, look_up_where: str, **kwargs: Any) -> Outcome:
        """:func:`.exactly_once.create_once` with this operator's wait and lookup-failure rule.

        :param look_up_where: where in REDEX a user finds what an earlier try made (named when
            the lookup cannot answer).
        """
        ledger = self.ledger(context)
        self.already_created(ledger)

        def lookup_failed(intent: Intent, error: Exception) -> None:
            if self.resend_unconfirmed:
                return
            what, since = self.resource_name, f"{intent.at:%Y-%m-%d %H:%M:%S} UTC"
            raise RedexRefusal(
                f"an earlier try of this task sent a {what} request at {since} and got no answer, and "
                f"looking for what it made failed ({error}). Check {look_up_where} in REDEX for a {what} "
                f"made since {since}. If there is one, rerun this task with recovered_id='<its id>'; "
                "if there is none, rerun it with resend_unconfirmed=True"
            ) from error

        return create_once(
            ledger,
            unacknowledged_wait=self.unacknowledged_create_wait,
            on_lookup_error=lookup_failed,
            **kwargs,
        )
