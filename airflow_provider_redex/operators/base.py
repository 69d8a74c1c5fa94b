"""What every REDEX operator shares: the connection, a client per run, and refusals.

Client errors become Airflow errors only here (STYLE.md #4): bad input is refused with
``AirflowFailException`` because a retry would send the same bad input; everything else
propagates as raised, so Airflow's retries handle what may pass next time.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, ClassVar

from airflow.sdk import BaseOperator
from airflow.sdk.exceptions import AirflowFailException

from airflow_provider_redex.client.errors import RedexInputError
from airflow_provider_redex.hooks.redex import RedexHook
from airflow_provider_redex.lineage import RedexLineageMixin
from airflow_provider_redex.operators.exactly_once import CreationLedger

if TYPE_CHECKING:
    from airflow_provider_redex.client.client import RedexClient


class RedexRefusal(AirflowFailException):
    """The operator refused to send anything: the input breaks a REDEX rule, or the state of
    the account makes the request pointless (an overlapping window, too little inventory).
    Failing without retry, because a retry would be refused the same way."""


class RedexBaseOperator(RedexLineageMixin, BaseOperator):
    """Base of the REDEX operators.

    :param redex_conn_id: the REDEX connection (default ``redex_default``).
    """

    ui_color = "#b7e4c7"
    ledger_key: ClassVar[str] = ""
    """Prefix of this operator's facts in ``task_state_store``. Renaming it breaks retries
    already in flight: the earlier try wrote under the old name."""

    def __init__(self, *, redex_conn_id: str = RedexHook.default_conn_name, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.redex_conn_id = redex_conn_id

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
