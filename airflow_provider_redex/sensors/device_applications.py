"""Wait for REDEX to approve a grouped-device registration (lifecycle step 2)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from airflow_provider_redex.links import RedexDeviceApplicationLink
from airflow_provider_redex.sensors.base import RedexStatusSensor, single_id
from airflow_provider_redex.triggers.status import RedexDeviceApplicationTrigger


class RedexDeviceApplicationSensor(RedexStatusSensor):
    """Wait until a device application is approved; fail when REDEX declines it.

    Returns ``{device_application_id, application_number, status, device_id}``: the device id
    is what REC applications and inventories take, and REDEX assigns it on approval.

    Waiting costs one D2 list request per poll interval for all deferred device-application
    sensors of the connection together, plus one GET when the application is decided.

    :param device_application_id: the id ``RedexRegisterGroupedDeviceOperator`` returned.
    :param redex_conn_id: the REDEX connection (default ``redex_default``).
    :param deferrable: wait in the triggerer; default from ``[operators] default_deferrable``.
    """

    operator_extra_links = (RedexDeviceApplicationLink(),)
    template_fields: Sequence[str] = ("device_application_id", "redex_conn_id")
    trigger_class = RedexDeviceApplicationTrigger

    def __init__(self, *, device_application_id: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.device_application_id = device_application_id

    def resource_ids(self) -> list[str]:
        return single_id(self.device_application_id, "device_application_id")
