"""Extra links and ``redex://`` assets: registered with Airflow, built from one place, empty
rather than wrong when REDEX's web address is unknown."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import pytest
from pytest_mock import MockerFixture

from airflow_provider_redex import lineage, links
from airflow_provider_redex.operators import (
    RedexCreateRecApplicationOperator,
    RedexCreateRetirementOperator,
    RedexDownloadRetirementCertificateOperator,
    RedexRegisterGroupedDeviceOperator,
)
from airflow_provider_redex.sensors import (
    RedexDeviceApplicationSensor,
    RedexRecApplicationSensor,
    RedexRetirementApplicationSensor,
)

WEB = "https://uat.redex.eco/"


def test_airflow_registers_the_links_and_the_redex_scheme() -> None:
    from airflow.providers_manager import ProvidersManager
    from airflow.sdk.providers_manager_runtime import ProvidersManagerTaskRuntime

    names = {cls.__name__ for cls in links.EXTRA_LINKS}
    registered = {name.rpartition(".")[2] for name in ProvidersManager().extra_links_class_names}
    assert names <= registered
    manager = ProvidersManagerTaskRuntime()
    assert manager.asset_uri_handlers["redex"] is lineage.normalize_uri
    assert manager.asset_factories["redex"] is lineage.create_asset
    assert manager.asset_to_openlineage_converters["redex"] is lineage.convert_asset_to_openlineage


@pytest.mark.parametrize(
    ("kind", "expected"),
    [
        ("device_application", "https://uat.redex.eco/device-applications/abc"),
        ("rec_application", "https://uat.redex.eco/rec-applications/abc"),
        ("retirement", "https://uat.redex.eco/retirement-applications/abc"),
    ],
)
def test_web_page_joins_the_web_address_and_the_kinds_path(kind: str, expected: str) -> None:
    assert links.web_page(WEB, kind, "abc") == expected


@pytest.mark.parametrize(("web_url", "resource_id"), [(None, "abc"), ("", "abc"), (WEB, None), (WEB, " ")])
def test_no_link_without_a_web_address_or_an_id(web_url: str | None, resource_id: str | None) -> None:
    assert links.web_page(web_url, "retirement", resource_id) == ""


def test_an_id_cannot_escape_its_path() -> None:
    assert links.web_page(WEB, "retirement", "../admin?x=1") == (
        "https://uat.redex.eco/retirement-applications/..%2Fadmin%3Fx%3D1"
    )


def _link_of(task: Any, cls: type) -> Any:
    (link,) = [link for link in task.operator_extra_links if isinstance(link, cls)]
    return link


def test_creating_operators_link_what_they_returned(mocker: MockerFixture) -> None:
    web_url = mocker.patch.object(links, "connection_web_url", return_value=WEB)
    returned = mocker.patch.object(links, "returned_value", return_value="app-1")
    task = RedexCreateRecApplicationOperator(task_id="apply", device_id="d", redex_conn_id="redex_uat")
    link = _link_of(task, links.RedexRecApplicationLink)
    assert link.get_link(task, ti_key=mocker.sentinel.ti) == f"{WEB}rec-applications/app-1"
    web_url.assert_called_once_with("redex_uat")
    returned.assert_called_once_with(mocker.sentinel.ti)


def test_sensors_link_what_they_wait_on_without_reading_xcom(mocker: MockerFixture) -> None:
    mocker.patch.object(links, "connection_web_url", return_value=WEB)
    returned = mocker.patch.object(links, "returned_value")
    sensor = RedexDeviceApplicationSensor(task_id="wait", device_application_id="dev-app-9")
    link = _link_of(sensor, links.RedexDeviceApplicationLink)
    assert link.get_link(sensor, ti_key=mocker.sentinel.ti) == f"{WEB}device-applications/dev-app-9"
    returned.assert_not_called()


def test_no_web_url_no_link_and_no_xcom_read_wasted(mocker: MockerFixture) -> None:
    mocker.patch.object(links, "connection_web_url", return_value=None)
    mocker.patch.object(links, "returned_value", return_value="ret-1")
    task = RedexCreateRetirementOperator(task_id="retire", beneficiary_id="b", quantity="1", reason="r")
    assert _link_of(task, links.RedexRetirementLink).get_link(task, ti_key=mocker.sentinel.ti) == ""


def test_certificate_link_is_the_url_redex_returned(mocker: MockerFixture) -> None:
    url = "https://files.redex.eco/certificates/R-1.pdf"
    mocker.patch.object(links, "returned_value", return_value={"certificate_url": url, "status": "Completed"})
    sensor = RedexRetirementApplicationSensor(task_id="wait", retirement_application_id="r-1")
    assert _link_of(sensor, links.RedexCertificateLink).get_link(sensor, ti_key=mocker.sentinel.ti) == url


def test_unreadable_connection_gives_no_link(mocker: MockerFixture) -> None:
    mocker.patch("airflow.sdk.BaseHook.get_connection", side_effect=RuntimeError("no such connection"))
    assert links.connection_web_url("missing") is None


@pytest.mark.parametrize(
    "task",
    [
        RedexRegisterGroupedDeviceOperator(task_id="r", grouped_device={}),
        RedexCreateRecApplicationOperator(task_id="a", device_id="d"),
        RedexCreateRetirementOperator(task_id="t", beneficiary_id="b", quantity="1", reason="r"),
        RedexDownloadRetirementCertificateOperator(
            task_id="c", retirement_application_id="x", destination="/"
        ),
        RedexDeviceApplicationSensor(task_id="w1", device_application_id="x"),
        RedexRecApplicationSensor(task_id="w2", rec_application_id="x"),
        RedexRetirementApplicationSensor(task_id="w3", retirement_application_id="x"),
    ],
    ids=lambda task: type(task).__name__,
)
def test_each_creating_operator_and_sensor_has_a_registered_link(task: Any) -> None:
    assert task.operator_extra_links
    assert all(type(link) in links.EXTRA_LINKS for link in task.operator_extra_links)


# --- redex:// assets ---------------------------------------------------------------------------


def test_asset_uri_names_host_kind_and_id() -> None:
    assert lineage.asset_uri("https://UAT-API.redex.eco", "retirements", "r-1") == (
        "redex://uat-api.redex.eco/retirements/r-1"
    )
    assert lineage.asset_uri("http://127.0.0.1:8765", "devices", 7) == "redex://127.0.0.1:8765/devices/7"


@pytest.mark.parametrize(("kind", "resource_id"), [("invoices", "1"), ("devices", ""), ("devices", "a/b")])
def test_asset_uri_refuses_an_unknown_kind_or_a_bad_id(kind: str, resource_id: str) -> None:
    with pytest.raises(ValueError):
        lineage.asset_uri("uat-api.redex.eco", kind, resource_id)


def test_airflow_normalises_redex_uris_with_the_providers_handler() -> None:
    from airflow.sdk import Asset

    asset = Asset(uri="redex://UAT-API.redex.eco//rec-applications/abc/")
    assert asset.uri == "redex://uat-api.redex.eco/rec-applications/abc"
    with pytest.raises(ValueError, match="needs a host and a path"):
        lineage.normalize_uri(urlsplit("redex://uat-api.redex.eco/"))


def test_asset_becomes_an_openlineage_dataset_per_host() -> None:
    asset = lineage.create_asset(host="https://uat-api.redex.eco", kind="rec-applications", resource_id="a")
    dataset = lineage.convert_asset_to_openlineage(asset, None)
    assert (dataset.namespace, dataset.name) == ("redex://uat-api.redex.eco", "rec-applications/a")


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("/data/gen/2026-11-01.csv", ("file", "/data/gen/2026-11-01.csv")),
        ("file:///data/gen.csv", ("file", "/data/gen.csv")),
        ("s3://bucket/gen/2026-11-01.csv", ("s3://bucket", "gen/2026-11-01.csv")),
        ([{"RemoteInvId": "x"}], None),
    ],
)
def test_generation_input_as_an_openlineage_dataset(source: Any, expected: tuple[str, str] | None) -> None:
    dataset = lineage.file_dataset(source)
    assert (dataset and (dataset.namespace, dataset.name)) == expected


def test_facets_name_the_input_and_every_resource_made(mocker: MockerFixture) -> None:
    from airflow_provider_redex.operators import RedexPushGenerationDataOperator

    conn = mocker.patch("airflow.sdk.BaseHook.get_connection")
    conn.return_value.host = "https://uat-api.redex.eco"
    task = RedexPushGenerationDataOperator(task_id="push", source="/data/2026-11-01.csv")
    ti = mocker.Mock(task_id="push")
    ti.xcom_pull.return_value = {"process_ids": [11, 12], "records_sent": 600}
    facets = task.get_openlineage_facets_on_complete(ti)
    ti.xcom_pull.assert_called_once_with(task_ids="push", key="return_value")
    assert [(d.namespace, d.name) for d in facets.inputs] == [("file", "/data/2026-11-01.csv")]
    assert [(d.namespace, d.name) for d in facets.outputs] == [
        ("redex://uat-api.redex.eco", "generation-processes/11"),
        ("redex://uat-api.redex.eco", "generation-processes/12"),
    ]


def test_provider_info_lists_every_link_and_the_redex_scheme() -> None:
    from airflow_provider_redex.provider_info import get_provider_info

    info = get_provider_info()
    assert info["extra-links"] == [f"{cls.__module__}.{cls.__qualname__}" for cls in links.EXTRA_LINKS]
    (scheme,) = info["asset-uris"]
    assert scheme["schemes"] == ["redex"]
    assert scheme["handler"] == "airflow_provider_redex.lineage.normalize_uri"
