"""Wait for REDEX to complete a retirement (lifecycle step 5)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from airflow_provider_redex.links import RedexCertificateLink, RedexRetirementLink
from airflow_provider_redex.sensors.base import RedexStatusSensor, single_id
from airflow_provider_redex.triggers.status import RedexRetirementApplicationTrigger


class RedexRetirementApplicationSensor(RedexStatusSensor):
    """Wait until a retirement is completed; fail when it is rejected, cancelled or returned.

    Returns ``{retirement_application_id, application_number, status, certificate_url}``.

    Waiting costs one T1 list request per poll interval for all deferred retirement sensors of
    the connection together, plus one GET when the retirement is decided.

    :param retirement_application_id: the id ``RedexCreateRetirementOperator`` returned.
    :param redex_conn_id: the REDEX connection (default ``redex_default``).
    :param deferrable: wait in the triggerer; default from ``[operators] default_deferrable``.
    """

    operator_extra_links = (RedexRetirementLink(), RedexCertificateLink())
    template_fields: Sequence[str] = ("retirement_application_id", "redex_conn_id")
    trigger_class = RedexRetirementApplicationTrigger

    def __init__(self, *, retirement_application_id: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.retirement_application_id = retirement_application_id

    def resource_ids(self) -> list[str]:
        return single_id(self.retirement_application_id, "retirement_application_id")
