"""Every REDEX endpoint, once: method, path template, and where the path comes from.

This is the only module that spells ``/public/v2``. The client resources look routes up by
name; the sandbox serves every route (and its aliases) from this table, so the two cannot
drift apart.

Provenance follows ``shared/API_REFERENCE.md`` section 3. Where sources disagree (section
14) the primary ``path`` follows its recommendation and the other spelling is kept in
``aliases`` (the sandbox answers on both). Where no source gives a path (section 15),
``documented`` is ``False`` and the path is our choice: check these first against a real
environment.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

HttpMethod = Literal["GET", "POST", "DELETE"]


@dataclass(frozen=True)
class Route:
    """One REDEX endpoint.

    :param name: stable ``area.operation`` key used by resources and the sandbox.
    :param method: HTTP method.
    :param path: path template, ``{param}`` placeholders in REDEX's own spelling.
    :param ref: the endpoint's id in API_REFERENCE.md section 3 (A1, D1, ...).
    :param documented: ``False`` when no source gives the path and it is our choice.
    :param paged: the response carries a pagination ``Meta``.
    :param aliases: other documented spellings of the same path.
    :param authenticated: needs a bearer token (everything but the token grant).
    """

    name: str
    method: HttpMethod
    path: str
    ref: str
    documented: bool = True
    paged: bool = False
    aliases: tuple[str, ...] = field(default=())
    authenticated: bool = True

    def format(self, **params: object) -> str:
        """The path with its placeholders filled in (ids are URL-safe: uuids and ints)."""
        return self.path.format(**{k: str(v) for k, v in params.items()})

    @property
    def all_paths(self) -> tuple[str, ...]:
        return (self.path, *self.aliases)


_P = "/public/v2"

_TABLE: tuple[Route, ...] = (
    # --- authentication -----------------------------------------------------------------
    Route("auth.token", "POST", f"{_P}/connect/token", "A1", authenticated=False),
    # --- device applications (grouped devices) ------------------------------------------
    Route("device_applications.create_grouped", "POST", f"{_P}/device-applications/i-rec/grouped", "D1"),
    Route("device_applications.list", "GET", f"{_P}/device-applications", "D2", paged=True),
    # D5 is declared before D3 so that a router matching in order never reads
    # "inverters" as a {deviceApplicationId}.
    Route(
        "device_applications.list_inverter_applications",
        "GET",
        f"{_P}/device-applications/inverters/applications",
        "D5",
    ),
    Route("device_applications.get", "GET", f"{_P}/device-applications/{{deviceApplicationId}}", "D3"),
    Route(
        "device_applications.list_devices",
        "GET",
        f"{_P}/device-applications/{{deviceApplicationId}}/devices",
        "D4",
        paged=True,
    ),
    # --- documents ----------------------------------------------------------------------
    # C1: Redoc names /grouped-devices, the wiki /devices; we send to the Redoc path.
    Route(
        "documents.upload",
        "POST",
        f"{_P}/documents/grouped-devices",
        "F1",
        aliases=(f"{_P}/documents/devices",),
    ),
    Route("documents.get", "GET", f"{_P}/documents/devices/{{fileId}}", "F2"),
    # --- generation data ----------------------------------------------------------------
    Route("generation.send_daily", "POST", f"{_P}/generation-datas", "G1"),
    Route("generation.send_batch", "POST", f"{_P}/generation-datas/batches", "G2"),
    Route("generation.send_monthly", "POST", f"{_P}/generation-datas/monthly-data", "G3"),
    # C3: current wiki says /statuses, the older page and its curl example /status.
    Route(
        "generation.get_process",
        "GET",
        f"{_P}/generation-datas/statuses",
        "G4",
        aliases=(f"{_P}/generation-datas/status",),
    ),
    Route("generation.list", "GET", f"{_P}/generation-datas", "G5", paged=True),
    Route(
        "generation.sum_period",
        "GET",
        f"{_P}/generation-datas/devices/{{rehashDeviceId}}/period-production-sum",
        "G6",
        documented=False,
    ),
    # --- inventories --------------------------------------------------------------------
    Route("inventories.list_devices", "GET", f"{_P}/inventories/devices", "I1", paged=True),
    Route("inventories.get_device", "GET", f"{_P}/inventories/devices/{{deviceId}}", "I2", documented=False),
    Route("inventories.list_recs", "GET", f"{_P}/inventories/recs", "I3", paged=True),
    Route("inventories.filter_recs", "POST", f"{_P}/inventories/recs/filter", "I4", paged=True),
    # C2: the wiki path and the Redoc summary route differ; both are served.
    Route(
        "inventories.list_transactions",
        "GET",
        f"{_P}/inventories/recs/transaction-histories",
        "I5",
        paged=True,
        aliases=(f"{_P}/rec-transaction-history",),
    ),
    # --- REC (issuance) applications ----------------------------------------------------
    Route("rec_applications.list", "GET", f"{_P}/rec-applications", "R1", paged=True),
    Route(
        "rec_applications.create_for_grouped_device",
        "POST",
        f"{_P}/rec-applications/grouped-device",
        "R3",
    ),
    Route("rec_applications.get", "GET", f"{_P}/rec-applications/{{recApplicationId}}", "R2"),
    # --- retirements and beneficiaries --------------------------------------------------
    Route("retirements.list", "GET", f"{_P}/retirement-applications", "T1", paged=True),
    Route("retirements.create", "POST", f"{_P}/retirement-applications", "T2"),
    # Beneficiary routes come before T3 so "beneficiaries" is never read as an id.
    Route(
        "beneficiaries.list_types",
        "GET",
        f"{_P}/retirement-applications/beneficiaries/types",
        "T6",
    ),
    Route("beneficiaries.list", "GET", f"{_P}/retirement-applications/beneficiaries", "T4", paged=True),
    Route("beneficiaries.create", "POST", f"{_P}/retirement-applications/beneficiaries", "T5"),
    Route("retirements.get", "GET", f"{_P}/retirement-applications/{{retirementApplicationId}}", "T3"),
    # --- metadata -----------------------------------------------------------------------
    Route("metadata.list_inverter_brands", "GET", f"{_P}/metadata/inverter-brands", "M1", paged=True),
    Route("metadata.list_fuel_types", "GET", f"{_P}/metadata/fuel-types", "M2", documented=False, paged=True),
    Route(
        "metadata.list_technologies",
        "GET",
        f"{_P}/metadata/i-rec-technologies",
        "M3",
        documented=False,
        paged=True,
    ),
    # --- account profile ----------------------------------------------------------------
    Route("accounts.get_profile", "GET", f"{_P}/profile", "P1"),
    Route("accounts.list_documents", "GET", f"{_P}/profile/documents", "P3", documented=False),
    Route("accounts.list", "GET", f"{_P}/profiles", "P2", documented=False, paged=True),
    # --- billing (no path documented for any of these) ----------------------------------
    Route("billing.list_fees", "GET", f"{_P}/billing/fees", "B1", documented=False, paged=True),
    Route("billing.get_debt", "GET", f"{_P}/billing/fees/{{debtId}}", "B2", documented=False),
    Route("billing.get_fee_agreements", "GET", f"{_P}/billing/fee-agreements", "B3", documented=False),
    Route("billing.list_invoices", "GET", f"{_P}/billing/invoices", "B4", documented=False, paged=True),
    Route("billing.get_invoice", "GET", f"{_P}/billing/invoices/{{invoiceNumber}}", "B5", documented=False),
    Route(
        "billing.list_payment_information",
        "GET",
        f"{_P}/billing/payment-information",
        "B6",
        documented=False,
        paged=True,
    ),
    # --- spot exchange ------------------------------------------------------------------
    Route("exchange.list_markets", "GET", f"{_P}/exchange/spot/markets", "X1"),
    Route("exchange.get_ticker", "GET", f"{_P}/exchange/spot/ticker", "X2"),
    Route("exchange.list_tickers", "GET", f"{_P}/exchange/spot/tickers", "X3", paged=True),
    Route("exchange.get_fat_finger_limit", "GET", f"{_P}/exchange/spot/fat-finger-limit", "X4"),
    Route("exchange.get_depth", "GET", f"{_P}/exchange/spot/depth", "X5", paged=True),
    Route("exchange.list_limit_orders", "GET", f"{_P}/exchange/spot/limit-orders", "X6", paged=True),
    Route("exchange.create_limit_order", "POST", f"{_P}/exchange/spot/limit-orders", "X7"),
    Route(
        "exchange.create_filtered_limit_order",
        "POST",
        f"{_P}/exchange/spot/limit-orders/filter",
        "X8",
    ),
    Route(
        "exchange.cancel_limit_order",
        "DELETE",
        f"{_P}/exchange/spot/limit-orders/{{orderId}}",
        "X9",
        documented=False,
    ),
    Route(
        "exchange.list_transactions",
        "GET",
        f"{_P}/exchange/spot/transactions",
        "X10",
        documented=False,
        paged=True,
    ),
    Route(
        "exchange.get_transaction",
        "GET",
        f"{_P}/exchange/spot/transactions/{{transactionId}}",
        "X11",
        documented=False,
    ),
)

ROUTES: dict[str, Route] = {route.name: route for route in _TABLE}
"""Routes by name, in declaration order (specific paths before parametrised siblings)."""

if len(ROUTES) != len(_TABLE):  # pragma: no cover - guards against a copy-paste slip
    raise RuntimeError("duplicate route name in the REDEX route table")


def route(name: str) -> Route:
    """The route called ``name``; a ``KeyError`` names the unknown key."""
    try:
        return ROUTES[name]
    except KeyError:
        raise KeyError(f"no REDEX route named {name!r}") from None
