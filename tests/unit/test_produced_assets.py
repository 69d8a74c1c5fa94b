"""What the creating operators produce, as Airflow assets: an alias outlet per kind, declared
without the user asking, and an asset event for the concrete ``redex://`` resource once its id
is known."""

from __future__ import annotations

from typing import Any

import pytest
from pytest_mock import MockerFixture

from airflow_provider_redex import lineage
from airflow_provider_redex.operators import (
    RedexCreateBeneficiaryOperator,
    RedexCreateRecApplicationOperator,
    RedexCreateRetirementOperator,
    RedexPushGenerationDataOperator,
    RedexRegisterGroupedDeviceOperator,
    RedexUploadDocumentOperator,
)

CREATING = [
    (RedexRegisterGroupedDeviceOperator(task_id="r", grouped_device={}), "redex-device-applications"),
    (RedexCreateRecApplicationOperator(task_id="a", device_id="d"), "redex-rec-applications"),
    (
        RedexCreateRetirementOperator(task_id="t", beneficiary_id="b", quantity="1", reason="r"),
        "redex-retirements",
    ),
    (RedexCreateBeneficiaryOperator(task_id="b", beneficiary={}), "redex-beneficiaries"),
    (RedexUploadDocumentOperator(task_id="u", path="/odf.pdf"), "redex-documents"),
    (RedexPushGenerationDataOperator(task_id="p", source="/g.csv"), "redex-generation-processes"),
]


@pytest.mark.parametrize(("task", "alias"), CREATING, ids=lambda value: getattr(value, "task_id", value))
def test_each_creating_operator_declares_its_kinds_alias(task: Any, alias: str) -> None:
    from airflow.sdk import AssetAlias

    assert task.outlets == [AssetAlias(alias)]


def test_given_outlets_are_kept_and_the_alias_is_not_doubled() -> None:
    from airflow.sdk import Asset

    report = Asset("s3://reports/devices.csv")
    alias = lineage.produced_alias("device-applications")
    task = RedexRegisterGroupedDeviceOperator(task_id="r", grouped_device={}, outlets=[report, alias])
    assert task.outlets == [report, alias]
    task = RedexRegisterGroupedDeviceOperator(task_id="r2", grouped_device={}, outlets=report)
    assert task.outlets == [report, alias]


def test_an_unknown_kind_has_no_alias() -> None:
    with pytest.raises(ValueError, match="unknown REDEX resource kind"):
        lineage.alias_name("invoices")


def test_the_event_names_the_resource_on_the_connections_host(mocker: MockerFixture) -> None:
    from airflow.sdk.execution_time.context import OutletEventAccessors
    from airflow.sdk.execution_time.task_runner import _serialize_outlet_events

    conn = mocker.patch("airflow.sdk.BaseHook.get_connection")
    conn.return_value.host = "https://UAT-API.redex.eco"
    task = RedexPushGenerationDataOperator(task_id="push", source="/g.csv", redex_conn_id="redex_uat")
    events = OutletEventAccessors()
    task.record_produced({"outlet_events": events}, 11, 12, frequency="daily", unset=None)
    conn.assert_called_once_with("redex_uat")
    # What the task runner sends to Airflow when the task succeeds.
    sent = list(_serialize_outlet_events(events))
    uris = [f"redex://uat-api.redex.eco/generation-processes/{n}" for n in (11, 12)]
    assert [(e["source_alias_name"], e["dest_asset_key"]["uri"], e["extra"]) for e in sent] == [
        ("redex-generation-processes", uri, {"frequency": "daily"}) for uri in uris
    ]


def test_outside_an_airflow_run_nothing_is_reported(mocker: MockerFixture) -> None:
    conn = mocker.patch("airflow.sdk.BaseHook.get_connection")
    RedexCreateRecApplicationOperator(task_id="a", device_id="d").record_produced({}, "app-1")
    conn.assert_not_called()


def test_an_adopted_resource_is_reported_too(mocker: MockerFixture) -> None:
    from airflow.sdk.execution_time.context import OutletEventAccessors
    from airflow.sdk.execution_time.task_runner import _serialize_outlet_events

    from tests.helpers.harness import TaskStateStore

    conn = mocker.patch("airflow.sdk.BaseHook.get_connection")
    conn.return_value.host = "https://uat-api.redex.eco"
    task = RedexCreateRecApplicationOperator(task_id="a", device_id="dev-1", recovered_id="app-7")
    events = OutletEventAccessors()
    assert task.execute({"task_state_store": TaskStateStore(), "outlet_events": events}) == "app-7"
    (sent,) = _serialize_outlet_events(events)
    assert sent["dest_asset_key"]["uri"] == "redex://uat-api.redex.eco/rec-applications/app-7"
    assert sent["extra"] == {"device_id": "dev-1", "how": "recorded"}
