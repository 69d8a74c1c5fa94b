"""Lifecycle step 2: register a grouped device with its devices and inverters.

Every documented rule (at most 500 inverters, at most 0.25 MW per device, one province,
supported country, dates not in the future, no duplicate inverter ...) is checked by the
client's ``GroupedDeviceApplicationRequest`` before anything is sent.

Exactly once: the application id goes to ``task_state_store``; a retry after a crash between
the POST and that write finds the application by its English name among those REDEX created
since the earlier try's intent (see :mod:`.exactly_once`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from airflow_provider_redex.client import wire_json
from airflow_provider_redex.client.errors import RedexBadRequestError, RedexError
from airflow_provider_redex.client.models.devices import DeviceApplication, GroupedDeviceApplicationRequest
from airflow_provider_redex.links import RedexDeviceApplicationLink
from airflow_provider_redex.operators.base import RedexCreatingOperator, RedexRefusal
from airflow_provider_redex.operators.exactly_once import (
    Intent,
    Outcome,
    fingerprint,
    id_of,
    made_after,
)

if TYPE_CHECKING:
    from airflow.sdk import Context, ObjectStoragePath

    from airflow_provider_redex.client.client import RedexClient

_FILE_ID_KEYS = ("DeclarationFormFileId", "declaration_form_file_id", "DeclarationForm")


class RedexRegisterGroupedDeviceOperator(RedexCreatingOperator):
    """Register a grouped device (I-REC) and return its device application id.

    :param grouped_device: the application as a dict in REDEX's field names (``CountryCode``,
        ``GroupedEnglishName``, ``Province``, ``Devices`` with their ``Inverters`` ...) or
        snake_case (templated).
    :param grouped_device_file: the same as a JSON or YAML file, a local path or an
        ``ObjectStoragePath`` (templated). Give this or ``grouped_device``.
    :param declaration_form_file_id: the ODF file id, set on every device that has none; usually
        ``upload.output["file_id"]`` (templated).
    :param unacknowledged_create_wait: see :class:`.RedexCreatingOperator` (default 300 s).
    :param recovered_id: see :class:`.RedexCreatingOperator`.
    :param resend_unconfirmed: see :class:`.RedexCreatingOperator`.
    :param redex_conn_id: the REDEX connection (default ``redex_default``).
    """

    operator_extra_links = (RedexDeviceApplicationLink(),)
    lineage_output_kind, lineage_input_attribute = "device-applications", "grouped_device_file"
    template_fields: Sequence[str] = (
        "grouped_device",
        "grouped_device_file",
        "declaration_form_file_id",
        "redex_conn_id",
    )
    ledger_key = "redex_device_application"
    resource_name = "device application"

    def __init__(
        self,
        *,
        grouped_device: Mapping[str, Any] | None = None,
        grouped_device_file: str | ObjectStoragePath | None = None,
        declaration_form_file_id: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        if (grouped_device is None) == (grouped_device_file is None):
            raise ValueError("give exactly one of grouped_device or grouped_device_file")
        self.grouped_device = grouped_device
        self.grouped_device_file = grouped_device_file
        self.declaration_form_file_id = declaration_form_file_id

    def execute(self, context: Context) -> str:
        request: GroupedDeviceApplicationRequest = self.validated(
            GroupedDeviceApplicationRequest, self._application_data()
        )
        with self.redex_client() as client:
            outcome = self.create_once(
                context,
                look_up_where=f"the device applications named {request.grouped_english_name!r}",
                request_fingerprint=fingerprint(request.to_wire()),
                find_existing=lambda intent: _find_submitted(client, request, intent),
                create=lambda: client.device_applications.create_grouped(request),
                to_id=id_of,
                crash_point_name="device_application",
                # Its inverters are registered already: most likely by the earlier try's own POST.
                refused_as_duplicate=_duplicate_inverters,
            )
        self._log_outcome(request, outcome)
        self.record_produced(context, outcome.resource_id, name=request.grouped_english_name, how=outcome.how)
        return str(outcome.resource_id)

    def _application_data(self) -> dict[str, Any]:
        """The application as plain data, with the ODF file id filled in where missing."""
        data = (
            dict(self.grouped_device) if self.grouped_device is not None else _load(self.grouped_device_file)
        )
        if self.declaration_form_file_id:
            devices = data.get("Devices", data.get("devices")) or []
            for device in devices:
                if isinstance(device, dict) and not any(device.get(key) for key in _FILE_ID_KEYS):
                    device["DeclarationFormFileId"] = self.declaration_form_file_id
        return data

    def _log_outcome(self, request: GroupedDeviceApplicationRequest, outcome: Outcome) -> None:
        inverters = sum(len(device.inverters) for device in request.devices)
        what = (
            f"grouped device {request.grouped_english_name!r} "
            f"({len(request.devices)} devices, {inverters} inverters)"
        )
        if outcome.created_now:
            self.log.info("Registered %s: device application %s", what, outcome.resource_id)
        else:
            self.log.info(
                "Did not register %s again: an earlier try of this task already did (application %s, %s)",
                what,
                outcome.resource_id,
                "kept in task state" if outcome.how == "recorded" else "found on REDEX",
            )


def _duplicate_inverters(error: RedexError) -> bool:
    return isinstance(error, RedexBadRequestError) and "DuplicateRemoteInvId" in str(error.errors)


def _find_submitted(
    client: RedexClient, request: GroupedDeviceApplicationRequest, intent: Intent
) -> DeviceApplication | None:
    """The application an earlier try's POST made: same English name, created since its intent."""
    for application in client.device_applications.list(search=request.grouped_english_name):
        if application.grouped_english_name == request.grouped_english_name and made_after(
            application.created_time, intent
        ):
            return application
    return None


def _load(source: Any) -> dict[str, Any]:
    """Read a JSON or YAML application file (YAML when the suffix says so)."""
    path = Path(source) if isinstance(source, str) else source
    text = path.read_text()
    if str(path).lower().endswith((".yaml", ".yml")):
        try:
            import yaml
        except ImportError:
            raise RedexRefusal(f"{path} is YAML; reading it needs PyYAML (pip install pyyaml)") from None
        data = yaml.safe_load(text)
    else:
        data = wire_json.loads(text)
    if not isinstance(data, dict):
        raise RedexRefusal(
            f"{path} must hold one grouped device application (a mapping), not {type(data).__name__}"
        )
    return data
