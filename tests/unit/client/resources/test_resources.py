"""Resources against a recording stand-in for ``SyncAPIClient``: one route per method, wire
parameters, validation before any request, and the few methods with their own logic."""

from __future__ import annotations

import inspect
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any, TypeVar
from uuid import UUID

import pytest
from pydantic import BaseModel

from airflow_provider_redex.client import routes
from airflow_provider_redex.client.async_client import AsyncAPIClient, AsyncRedexClient
from airflow_provider_redex.client.auth import BearerToken
from airflow_provider_redex.client.base_client import SyncAPIClient
from airflow_provider_redex.client.calls import PagedCall, Request
from airflow_provider_redex.client.client import RedexClient
from airflow_provider_redex.client.envelope import Envelope, PageMeta
from airflow_provider_redex.client.errors import RedexInputError
from airflow_provider_redex.client.facade import API_AREAS
from airflow_provider_redex.client.models import rules
from airflow_provider_redex.client.paging import AsyncPaginator, Paginator
from airflow_provider_redex.client.resources._resource import Resource, endpoint, paged
from airflow_provider_redex.client.resources.accounts import Accounts
from airflow_provider_redex.client.resources.billing import Billing
from airflow_provider_redex.client.resources.device_applications import DeviceApplications
from airflow_provider_redex.client.resources.documents import Documents
from airflow_provider_redex.client.resources.exchange import Exchange
from airflow_provider_redex.client.resources.generation import Generation
from airflow_provider_redex.client.resources.inventories import Inventories
from airflow_provider_redex.client.resources.metadata import Metadata
from airflow_provider_redex.client.resources.rec_applications import RecApplications
from airflow_provider_redex.client.resources.retirements import Beneficiaries, Retirements

M = TypeVar("M", bound=BaseModel)
ID = "3fa85f64-5717-4562-b3fc-2c963f66afa6"
SEEDS = Path(__file__).parents[3] / "fixtures" / "seeds"
RETIREMENT = json.loads((SEEDS / "retirement_application_detail.json").read_text())["Data"]
REC_APPLICATION = json.loads((SEEDS / "rec_applications.json").read_text())["Data"][0]
ORDER = {
    "OrderId": 7,
    "Status": "Active",
    "TickerId": "MY.24.GTM.t",
    "Side": "Sell",
    "Price": 5,
    "Quantity": 10,
}


@dataclass
class Call:
    route_name: str
    path_params: Mapping[str, object] | None
    params: Mapping[str, Any] | None
    body: Any
    files: Any
    items_per_page: int | None = None


class RecordingClient(SyncAPIClient):
    """Records every call and answers from ``answers`` (route name -> ``Data``); no network."""

    def __init__(self, answers: Mapping[str, Any] | None = None, message: str = "Success") -> None:
        # No super().__init__(): no session, no token cache, no rate budget are needed here.
        self.answers = dict(answers or {})
        self.message = message
        self.calls: list[Call] = []
        self.pages: dict[str, list[tuple[Any, PageMeta]]] = {}

    def _send_request(self, request: Request) -> Envelope:
        self.calls.append(
            Call(request.route_name, request.path_params, request.params, request.body, request.files)
        )
        if request.route_name in self.pages:
            data, meta = self.pages[request.route_name].pop(0)
            return Envelope(data=data, meta=meta, errors=None, status_code=200, message=self.message)
        return Envelope(
            data=self.answers.get(request.route_name),
            meta=None,
            errors=None,
            status_code=200,
            message=self.message,
        )

    def _pages(self, paged: PagedCall[M]) -> Paginator[M]:
        self.calls.append(_paged_record(paged))  # record the list as asked; nothing is sent yet
        return super()._pages(paged)


class AsyncRecordingClient(AsyncAPIClient):
    """The same recorder on the async transport."""

    def __init__(self, answers: Mapping[str, Any] | None = None) -> None:
        self.sync = RecordingClient(answers)

    async def _send_request(self, request: Request) -> Envelope:
        return self.sync._send_request(request)

    def _pages(self, paged: PagedCall[M]) -> AsyncPaginator[M]:
        self.sync.calls.append(_paged_record(paged))
        return super()._pages(paged)


def _paged_record(paged: PagedCall[Any]) -> Call:
    body = paged.request_for(1).body if paged.page_body is not None else None
    return Call(paged.route_name, paged.path_params, paged.params, body, None, paged.items_per_page)


ANSWERS: dict[str, Any] = {
    "device_applications.create_grouped": {"Id": ID},
    "device_applications.get": {"Id": ID, "Status": {"Value": "InProgress", "Description": "In-Progress"}},
    "documents.upload": {"Id": ID, "ValidationCode": "jiore7nnejkek"},
    "documents.get": {"Name": "odf.pdf", "Path": "https://file.example/odf.pdf"},
    "generation.send_daily": {"ProcessId": 20745},
    "generation.send_batch": {"ProcessId": 20746},
    "generation.send_monthly": {"ProcessId": 20747},
    "generation.get_process": {
        "ProcessId": 20745,
        "Status": "Success",
        "ProcessingType": "CreateNewGenerationData",
    },
    "generation.sum_period": {"TotalPeriodProductionInKWh": "1234.5678"},
    "inventories.get_device": {"Id": ID},
    "rec_applications.create_for_grouped_device": {"Id": ID},
    "rec_applications.get": REC_APPLICATION,
    "retirements.create": {"Id": ID},
    "retirements.get": RETIREMENT,
    "beneficiaries.create": {"Id": ID},
    "beneficiaries.list_types": [{"Value": "Corporate", "Description": "Corporate"}],
    "accounts.get_profile": {"Id": ID},
    "billing.get_debt": {"Id": "D1"},
    "billing.get_fee_agreements": {},
    "billing.get_invoice": {"InvoiceNumber": "INV-1"},
    "exchange.get_ticker": {"TickerId": "MY.24.SLR.i"},
    "exchange.get_fat_finger_limit": {"CountryCode": "MY", "BuyPriceUpperLimit": 100},
    "exchange.create_limit_order": ORDER,
    "exchange.create_filtered_limit_order": {"TickerId": "VN.24.SLR.i", "OrderId": 14272},
    "exchange.cancel_limit_order": dict(ORDER, Status="Cancelled"),
    "exchange.get_transaction": {"OrderId": "4256", "TransactionId": "42256", "Status": {"Value": "Pending"}},
}

DAILY = {
    "RemoteInvId": "STR10000000338444",
    "Data": [
        {"Timestamp": "2023-05-01", "PeriodProductionInKWh": "0.123", "AccumulatedEnergyInKWh": "5.123"}
    ],
}
MONTHLY = [
    {"RemoteInvId": "INV02", "Data": {"Year": 2023, "PeriodProductionPerMonthInKWh": {"Jan": "321.111"}}}
]
INVERTER = {
    "RemoteInvId": "INV1",
    "ElectronicSerialNumber": "SN1",
    "BrandCode": "HW21",
    "InstalledCapacity": "9.9",
}
DEVICE = {
    "InstallationName": "Roof 1",
    "Address": "1 Road",
    "PostalCode": "100000",
    "Latitude": "21.0",
    "Longitude": "105.8",
    "GridConnectionDate": "2022-01-01",
    "OwnersDeclarationStartDate": "2022-01-01",
    "Domestic": False,
    "DeclarationFormFileId": ID,
    "PercentageRenewable": 100,
    "Inverters": [INVERTER],
}
GROUPED = {
    "CountryCode": "VN",
    "GroupedEnglishName": "G",
    "GroupedLocalName": "G",
    "Province": "VN-HN",
    "Devices": [DEVICE],
}
RETIREMENT_BODY = {"BeneficiaryId": ID, "Quantity": 10, "Reason": "EV charging", "Registry": "IREC"}
BENEFICIARY = {
    "BeneficiaryType": "Personal",
    "BeneficiaryName": "A",
    "CountryCode": "SG",
    "PersonalName": "A",
    "PersonalAddress": "B",
}
ORDER_BODY = {
    "TickerId": "MY.24.GTM.t",
    "DeliveryType": "Spot",
    "Quantity": 10,
    "Price": 5,
    "OrderSide": "Sell",
    "MarketId": 1,
}


def _rec_window() -> dict[str, Any]:
    start = rules.earliest_claimable_date(rules.today_earliest())
    return {"VintageFrom": start.isoformat(), "VintageTo": start.isoformat(), "DeviceId": ID}


# (resource class, method name, a valid call)
CALLS: list[tuple[type[Resource], str, Callable[[Any], Any]]] = [
    (DeviceApplications, "create_grouped", lambda r: r.create_grouped(GROUPED)),
    (DeviceApplications, "list", lambda r: r.list(status="Approved")),
    (DeviceApplications, "list_inverter_applications", lambda r: r.list_inverter_applications(["INV1"])),
    (DeviceApplications, "get", lambda r: r.get(ID)),
    (DeviceApplications, "list_devices", lambda r: r.list_devices(ID)),
    (Documents, "upload", lambda r: r.upload(b"%PDF-1.7", filename="odf.pdf")),
    (Documents, "get", lambda r: r.get(ID, validation_code="jiore7nnejkek")),
    (Generation, "send_daily", lambda r: r.send_daily(DAILY)),
    (Generation, "send_batch", lambda r: r.send_batch({"Devices": [DAILY]})),
    (Generation, "send_monthly", lambda r: r.send_monthly(MONTHLY)),
    (Generation, "get_process", lambda r: r.get_process(20745)),
    (Generation, "get_processes", lambda r: r.get_processes([20745, "20746"])),
    (
        Generation,
        "list",
        lambda r: r.list(frequency_type="Daily", from_date="2023-03-01", to_date="2023-05-01"),
    ),
    (
        Generation,
        "sum_period",
        lambda r: r.sum_period(ID, vintage_from="2023-01-01", vintage_to="2023-01-31"),
    ),
    (Inventories, "list_devices", lambda r: r.list_devices(registries=["IREC"])),
    (Inventories, "get_device", lambda r: r.get_device(ID)),
    (Inventories, "list_recs", lambda r: r.list_recs(device_ids=[ID])),
    (Inventories, "filter_recs", lambda r: r.filter_recs({"Registries": ["IREC"]})),
    (Inventories, "list_transactions", lambda r: r.list_transactions(types=["Retirement"])),
    (RecApplications, "list", lambda r: r.list(statuses=["Approved"])),
    (RecApplications, "create_for_grouped_device", lambda r: r.create_for_grouped_device(_rec_window())),
    (RecApplications, "get", lambda r: r.get(ID)),
    (Retirements, "list", lambda r: r.list(statuses=["Completed"])),
    (Retirements, "create", lambda r: r.create(RETIREMENT_BODY)),
    (Retirements, "get", lambda r: r.get(ID)),
    (Beneficiaries, "list_types", lambda r: r.list_types()),
    (Beneficiaries, "list", lambda r: r.list(search="Redex")),
    (Beneficiaries, "create", lambda r: r.create(BENEFICIARY)),
    (Metadata, "list_inverter_brands", lambda r: r.list_inverter_brands(code="AB01")),
    (Metadata, "list_fuel_types", lambda r: r.list_fuel_types(registry="IREC")),
    (Metadata, "list_technologies", lambda r: r.list_technologies(fuel_kind_code="ES710")),
    (Accounts, "get_profile", lambda r: r.get_profile()),
    (Accounts, "list_documents", lambda r: r.list_documents()),
    (Accounts, "list", lambda r: r.list(account_type="Premium")),
    (Billing, "list_fees", lambda r: r.list_fees(fee_codes=["RECR"])),
    (Billing, "get_debt", lambda r: r.get_debt("D1")),
    (Billing, "get_fee_agreements", lambda r: r.get_fee_agreements(registry="IREC")),
    (Billing, "list_invoices", lambda r: r.list_invoices(status="Unpaid")),
    (Billing, "get_invoice", lambda r: r.get_invoice("INV-1")),
    (Billing, "list_payment_information", lambda r: r.list_payment_information(is_active=True)),
    (Exchange, "list_markets", lambda r: r.list_markets()),
    (Exchange, "get_ticker", lambda r: r.get_ticker(country_code="MY", vintage=2024, fuel_type="Solar")),
    (Exchange, "list_tickers", lambda r: r.list_tickers(market_id=1)),
    (Exchange, "get_fat_finger_limit", lambda r: r.get_fat_finger_limit(country_code="MY", market_id=1)),
    (Exchange, "get_depth", lambda r: r.get_depth(market_id=1, ticker_id="MY.24.SLR.i")),
    (Exchange, "list_limit_orders", lambda r: r.list_limit_orders(market_id=1, ticker_id="MY.24.GTM.t")),
    (Exchange, "create_limit_order", lambda r: r.create_limit_order(ORDER_BODY)),
    (
        Exchange,
        "create_filtered_limit_order",
        lambda r: r.create_filtered_limit_order(
            {"TickerId": "VN.24.SLR.i", "OrderSide": "Buy", "Quantity": 1, "Price": 1, "MarketId": 1}
        ),
    ),
    (Exchange, "cancel_limit_order", lambda r: r.cancel_limit_order(7)),
    (Exchange, "list_transactions", lambda r: r.list_transactions(tifs=["GoodTilCancel"])),
    (Exchange, "get_transaction", lambda r: r.get_transaction(42256)),
]


def _routes_called(resource_class: type[Resource], call: Callable[[Any], Any]) -> set[str]:
    client = RecordingClient(ANSWERS)
    call(resource_class(client))
    return {recorded.route_name for recorded in client.calls}


READ_BY_TWO_METHODS = {"generation.get_process"}
"""G4: ``get_process`` (one id, as documented) and ``get_processes`` (``ProcessId`` repeated)."""


def test_every_route_is_called_by_exactly_one_resource_method() -> None:
    by_method = {f"{cls.__name__}.{name}": _routes_called(cls, call) for cls, name, call in CALLS}
    assert all(len(called) == 1 for called in by_method.values()), by_method
    called_routes = [route for called in by_method.values() for route in called]
    expected = sorted(name for name in routes.ROUTES if name != "auth.token")
    assert sorted(called_routes) == sorted(expected + sorted(READ_BY_TWO_METHODS))


def _is_method(member: object) -> bool:
    """A plain function, or a method defined once for both clients (``@endpoint`` / ``@paged``)."""
    return inspect.isfunction(member) or isinstance(member, (endpoint, paged))


def test_the_route_table_covers_every_public_resource_method() -> None:
    resource_classes = {cls for cls, _, _ in CALLS}
    public = {
        f"{cls.__name__}.{name}"
        for cls in resource_classes
        for name, _ in inspect.getmembers(cls, _is_method)
        if not name.startswith("_")
    }
    assert public == {f"{cls.__name__}.{name}" for cls, name, _ in CALLS}


def test_each_route_name_is_written_in_one_resource_module_only() -> None:
    files = {inspect.getfile(cls) for cls, _, _ in CALLS}
    sources = "".join(Path(file).read_text() for file in files)
    for name in routes.ROUTES:
        if name != "auth.token":
            assert sources.count(f'"{name}"') == 1, name


@pytest.mark.parametrize(
    ("resource_class", "name", "call"), CALLS, ids=[f"{c.__name__}.{n}" for c, n, _ in CALLS]
)
async def test_the_async_client_validates_and_sends_exactly_what_the_sync_client_does(
    resource_class: type[Resource[Any]], name: str, call: Callable[[Any], Any]
) -> None:
    sync_client, async_client = RecordingClient(ANSWERS), AsyncRecordingClient(ANSWERS)
    sync_result = call(resource_class(sync_client))
    async_result = call(resource_class(async_client))
    if isinstance(async_result, AsyncPaginator):
        assert isinstance(sync_result, Paginator)
    else:
        assert await async_result == sync_result
    assert async_client.sync.calls == sync_client.calls


async def test_the_async_client_refuses_bad_input_before_any_request() -> None:
    client = AsyncRecordingClient(ANSWERS)
    with pytest.raises(RedexInputError):
        DeviceApplications(client).get("not-a-uuid")
    with pytest.raises(RedexInputError):
        Generation(client).get_process(0)
    with pytest.raises(RedexInputError):
        Retirements(client).list(items_per_page=101)
    assert client.sync.calls == []


def test_list_sends_wire_filters_and_leaves_paging_to_the_paginator() -> None:
    client = RecordingClient()
    RecApplications(client).list(
        statuses=["Approved", "ToReSubmit"], device_ids=[ID], is_descending=True, items_per_page=50
    )
    (call,) = client.calls
    assert call.params == {"Statuses": ["Approved", "ToReSubmit"], "DeviceIds": [ID], "IsDescending": "true"}
    assert call.items_per_page == 50


def test_bad_body_is_refused_before_any_request() -> None:
    client = RecordingClient(ANSWERS)
    with pytest.raises(RedexInputError) as caught:
        RecApplications(client).create_for_grouped_device(_rec_window() | {"Quantity": "1.0000001"})
    assert caught.value.problems == [("Quantity", "Decimal input should have no more than 6 decimal places")]
    assert client.calls == []


def test_bad_filter_and_bad_page_size_are_refused_before_any_request() -> None:
    client = RecordingClient()
    with pytest.raises(RedexInputError):
        Generation(client).list(frequency_type="Daily", from_date="2023-01-01", to_date="2023-06-01")
    with pytest.raises(RedexInputError):
        Retirements(client).list(items_per_page=101)
    with pytest.raises(RedexInputError):
        DeviceApplications(client).get("not-a-uuid")
    assert client.calls == []


def test_create_keeps_the_residual_mix_warning_from_the_envelope() -> None:
    warning = "Your selected period has passed the Residual Mix Deadline of May 31, 2024 ..."
    client = RecordingClient(ANSWERS, message=warning)
    created = RecApplications(client).create_for_grouped_device(_rec_window())
    assert created.id == UUID(ID) and created.redex_message == warning
    assert "RedexMessage" not in created.to_wire()


def test_send_batch_posts_exact_decimals_and_returns_the_process() -> None:
    client = RecordingClient(ANSWERS)
    ref = Generation(client).send_batch({"Devices": [DAILY]})
    assert ref.process_id == 20746
    body = client.calls[0].body
    assert body["Devices"][0]["Data"][0]["PeriodProductionInKWh"] == Decimal("0.123")


def test_get_processes_repeats_process_id_and_tells_a_list_from_one_process() -> None:
    listed = Generation(RecordingClient({"generation.get_process": [ANSWERS["generation.get_process"]]}))
    answer = listed.get_processes(["20745", 20746])
    assert listed._client.calls[0].params == {"ProcessId": [20745, 20746]}
    assert answer.as_list and [p.process_id for p in answer.processes] == [20745]

    one = Generation(RecordingClient(ANSWERS)).get_processes([20745, 20746])
    assert not one.as_list and [p.process_id for p in one.processes] == [20745]

    with pytest.raises(RedexInputError, match="ProcessId"):
        Generation(RecordingClient(ANSWERS)).get_processes([20745, 0])


def test_get_process_accepts_a_process_id_from_xcom_text() -> None:
    client = RecordingClient(ANSWERS)
    process = Generation(client).get_process("20745")
    assert client.calls[0].params == {"ProcessId": 20745}
    assert process.status.is_success


def test_filter_recs_pages_in_the_post_body() -> None:
    client = RecordingClient()
    item = json.loads((SEEDS / "rec_inventory.json").read_text())["Data"][0]
    client.pages["inventories.filter_recs"] = [
        ([item], PageMeta(current_page=1, total_page=2)),
        ([item], PageMeta(current_page=2, total_page=2)),
    ]
    items = list(
        Inventories(client).filter_recs({"AdvanceFilters": {"VintageMonthFrom": 1}, "ItemsPerPage": 10})
    )
    assert len(items) == 2
    assert [call.body["CurrentPage"] for call in client.calls[1:]] == ["1", "2"]
    assert client.calls[0].body["ItemsPerPage"] == "10"
    assert client.calls[0].body["AdvanceFilters"] == {"VintageMonthFrom": 1}


def test_upload_from_path_sends_the_file_part_with_its_type(tmp_path: Path) -> None:
    odf = tmp_path / "owner-declaration.pdf"
    odf.write_bytes(b"%PDF-1.7 searchable")
    client = RecordingClient(ANSWERS)
    uploaded = Documents(client).upload(odf)
    assert client.calls[0].files == {
        "File": ("owner-declaration.pdf", b"%PDF-1.7 searchable", "application/pdf")
    }
    assert uploaded.validation_code == "jiore7nnejkek"


@pytest.mark.parametrize(
    ("kwargs", "rule"),
    [
        ({"file": b"x" * (rules.MAX_UPLOAD_BYTES + 1), "filename": "odf.pdf"}, "at most 5242880 (5 MB)"),
        ({"file": b"x", "filename": "photo.png"}, "not a type REDEX accepts"),
        ({"file": b"", "filename": "odf.pdf"}, "the file is empty"),
        ({"file": b"x"}, "required when the file is given as bytes"),
    ],
)
def test_upload_refuses_type_and_size_before_sending(kwargs: dict[str, Any], rule: str) -> None:
    client = RecordingClient(ANSWERS)
    with pytest.raises(RedexInputError) as caught:
        Documents(client).upload(**kwargs)
    assert any(rule in problem for _, problem in caught.value.problems), caught.value.problems
    assert client.calls == []


def test_redex_client_binds_one_resource_per_area_to_itself() -> None:
    client = RedexClient("http://127.0.0.1:9", BearerToken("t0ken"))
    expected = {
        "device_applications": DeviceApplications,
        "documents": Documents,
        "generation": Generation,
        "inventories": Inventories,
        "rec_applications": RecApplications,
        "retirements": Retirements,
        "beneficiaries": Beneficiaries,
        "metadata": Metadata,
        "accounts": Accounts,
        "billing": Billing,
        "exchange": Exchange,
    }
    for attribute, resource_class in expected.items():
        resource = getattr(client, attribute)
        assert isinstance(resource, resource_class) and resource._client is client
        assert getattr(client, attribute) is resource
    client.close()


def test_redex_client_keeps_the_transport_constructor() -> None:
    assert inspect.signature(RedexClient) == inspect.signature(SyncAPIClient)


def test_both_clients_bind_the_same_resource_definitions_to_themselves() -> None:
    sync_client = RedexClient("http://127.0.0.1:9", BearerToken("t0ken"))
    async_client = AsyncRedexClient("http://127.0.0.1:9", BearerToken("t0ken"))
    assert set(API_AREAS) == {
        "device_applications", "documents", "generation", "inventories", "rec_applications",
        "retirements", "beneficiaries", "metadata", "accounts", "billing", "exchange",
    }  # fmt: skip
    for area in API_AREAS:
        sync_resource, async_resource = getattr(sync_client, area), getattr(async_client, area)
        assert type(sync_resource) is type(async_resource)
        assert async_resource._client is async_client and sync_resource._client is sync_client
    assert (
        inspect.signature(AsyncRedexClient).parameters.keys()
        == inspect.signature(RedexClient).parameters.keys()
    )
    sync_client.close()


def test_the_sync_client_refuses_an_async_secret_callback() -> None:
    async def amask(secret: str) -> None:
        return None

    with pytest.raises(RedexInputError, match="on_secret"):
        RedexClient("http://127.0.0.1:9", BearerToken("t0ken"), on_secret=amask)
