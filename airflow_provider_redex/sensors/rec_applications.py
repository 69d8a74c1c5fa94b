"""Wait for REDEX to decide a REC issuance application (lifecycle step 4)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from airflow_provider_redex.links import RedexRecApplicationLink
from airflow_provider_redex.sensors.base import RedexStatusSensor, single_id
from airflow_provider_redex.triggers.status import RedexRecApplicationTrigger


class RedexRecApplicationSensor(RedexStatusSensor):
    """Wait until a REC application is approved; fail when it is rejected, withdrawn or returned
    for resubmission.

    Returns ``{rec_application_id, application_number, status}``.

    Waiting costs one R1 list request per poll interval for all deferred REC-application sensors
    of the connection together, plus one GET when the application is decided.

    :param rec_application_id: the id ``RedexCreateRecApplicationOperator`` returned.
    :param redex_conn_id: the REDEX connection (default ``redex_default``).
    :param deferrable: wait in the triggerer; default from ``[operators] default_deferrable``.
    """

    operator_extra_links = (RedexRecApplicationLink(),)
    template_fields: Sequence[str] = ("rec_application_id", "redex_conn_id")
    trigger_class = RedexRecApplicationTrigger

    def __init__(self, *, rec_application_id: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.rec_application_id = rec_application_id

    def resource_ids(self) -> list[str]:
        return single_id(self.rec_application_id, "rec_application_id")
