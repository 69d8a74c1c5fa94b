"""Every REDEX limit and business rule, written once.

The request models, the operators (chunk sizes), and the sandbox (what it refuses) all import
from here, so a limit REDEX changes is changed in one line. Each constant cites where it comes
from in ``shared/API_REFERENCE.md`` (BR = section 12, C = section 14).

Only pure functions live here: no I/O and no clock, except the two ``today_*`` helpers that
the models call to check "not in the future" and the residual-mix deadline.
"""

from __future__ import annotations

import calendar
import time
from datetime import date, datetime, timedelta, timezone
from decimal import ROUND_DOWN, Decimal
from typing import Final

# --- numbers -------------------------------------------------------------------------------

QUANTITY_DECIMALS: Final = 6
"""REC quantities are decimal(18,6) (API_REFERENCE 1.5)."""
QUANTITY_MAX_DIGITS: Final = 18
ENERGY_DECIMALS: Final = 3
"""Daily kWh values carry at most 3 decimals (BR11)."""
COORDINATE_DECIMALS: Final = 6
"""Latitude decimal(2,6) / longitude decimal(3,6) (4.1)."""

REC_QUANTITY_MIN: Final = Decimal("0.000001")
REC_QUANTITY_MAX: Final = Decimal("999999.999999")
"""R3 ``Quantity`` bounds (BR16)."""
RETIREMENT_QUANTITY_MIN: Final = Decimal("0.000001")
"""Our choice: the smallest 6-decimal quantity; REDEX documents only the upper bound."""
RETIREMENT_QUANTITY_MAX: Final = Decimal("9999999.999999")
"""T2 ``Quantity`` upper bound (BR17)."""

PERCENTAGE_RENEWABLE_MIN: Final = Decimal(0)
PERCENTAGE_RENEWABLE_MAX: Final = Decimal(100)
LATITUDE_LIMIT: Final = Decimal(90)
LONGITUDE_LIMIT: Final = Decimal(180)

KWH_PER_MWH: Final = Decimal(1000)
"""1 REC = 1 MWh (API_REFERENCE 1.5, inferred from "Retire 10MWh")."""

# --- grouped devices (BR3, BR4, C4, C6) ---------------------------------------------------

MAX_INVERTERS_PER_GROUPED_DEVICE: Final = 500
MAX_DEVICE_CAPACITY_KW: Final = Decimal(250)
"""0.25 MW for the SUM of one device's inverters' ``InstalledCapacity`` (kW) (C4)."""
SUPPORTED_GROUPED_COUNTRIES: Final = frozenset({"SG", "CN", "VN", "MY", "ID", "BR", "MX"})
"""Countries a grouped device may be registered in (latest wiki list, C6)."""

# --- strings -------------------------------------------------------------------------------

COUNTRY_CODE_LENGTH: Final = 2
GROUPED_NAME_MAX: Final = 255
PROVINCE_MAX: Final = 20
TIMEZONE_MAX: Final = 50
INSTALLATION_NAME_MAX: Final = 255
POSTAL_CODE_MAX: Final = 255
REMOTE_INV_ID_MAX: Final = 100
RETIREMENT_REASON_MAX: Final = 500
BENEFICIARY_NAME_MAX: Final = 150
BENEFICIARY_ADDRESS_MAX: Final = 255

# --- generation data (BR10, BR12) ----------------------------------------------------------

MAX_RECORDS_PER_REQUEST: Final = 3000
"""Daily records per G1/G2 request; for G2 the total across all inverters."""
MAX_GENERATION_QUERY_MONTHS: Final = 3
"""G5: ``ToDate`` at most three calendar months after ``FromDate``."""
MONTH_KEYS: Final = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
"""Keys of G3 ``PeriodProductionPerMonthInKWh`` (the JSON example's ``Jul``, not the table's ``July``)."""
MIN_GENERATION_YEAR: Final = 2000
"""Our choice for G3 ``Year``: nothing older than this is plausible for a solar rooftop."""

# --- pagination (BR20, C14) ----------------------------------------------------------------

PAGE_MIN: Final = 1
PAGE_MAX: Final = 21474836
ITEMS_PER_PAGE_MIN: Final = 1
ITEMS_PER_PAGE_MAX: Final = 100
ITEMS_PER_PAGE_DEFAULT: Final = 100

# --- documents (BR13) ----------------------------------------------------------------------

MAX_UPLOAD_BYTES: Final = 5 * 1024 * 1024
UPLOAD_CONTENT_TYPES: Final = {
    ".pdf": "application/pdf",
    ".doc": "application/msword",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".xls": "application/vnd.ms-excel",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
"""The Redoc list (PDF, DOC, DOCX, XLS, XLSX). The older wiki also allowed images and text;
we keep to the newer, narrower contract so an upload we accept is one REDEX accepts."""
ALLOWED_UPLOAD_CONTENT_TYPES: Final = frozenset(UPLOAD_CONTENT_TYPES.values())

# --- spot exchange (BR19) ------------------------------------------------------------------

ORDER_QUANTITY_MIN: Final = Decimal(1)
FILTERED_ORDER_QUANTITY_MIN: Final = Decimal("0.01")
ORDER_PRICE_MIN: Final = Decimal("0.01")
MARKET_ID_MIN: Final = 1
MARKET_ID_MAX: Final = 2147483647


# --- functions -----------------------------------------------------------------------------


def decimal_places(value: Decimal) -> int:
    """Digits after the point, trailing zeros ignored (``1.500`` has 1)."""
    exponent = value.normalize().as_tuple().exponent
    return max(0, -exponent) if isinstance(exponent, int) else 0


def mwh_from_kwh(kwh: Decimal) -> Decimal:
    """REC quantity for an energy amount: kWh / 1000, rounded DOWN to 6 decimals.

    Down, never half-up: claiming 0.000001 REC more than was generated is what REDEX refuses.
    """
    return (kwh / KWH_PER_MWH).quantize(Decimal(1).scaleb(-QUANTITY_DECIMALS), rounding=ROUND_DOWN)


def earliest_claimable_date(submitted: date) -> date:
    """The residual-mix rule (API_REFERENCE 4.0): the oldest vintage a request may claim.

    Submitted Jan-May of Y: 1 Jan Y-1; Jun-Sep: 1 Jul Y-1; Oct-Dec: 1 Jan Y. The two
    deadlines are 31 May and 30 September.
    """
    if submitted.month <= 5:
        return date(submitted.year - 1, 1, 1)
    if submitted.month <= 9:
        return date(submitted.year - 1, 7, 1)
    return date(submitted.year, 1, 1)


def add_months(day: date, months: int) -> date:
    """``day`` plus calendar months, clamped to the month's end (31 Jan + 1 = 28/29 Feb)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def today_latest() -> date:
    """Today's date in the timezone that is furthest ahead (UTC+14).

    "Not in the future" is checked against this, so a date that is already today for an
    owner in Asia is never refused because our clock (or REDEX's) is still on yesterday.
    Kept until that day ends (a batch asks 3000 times per request); a clock set back is seen.
    """
    global _latest_day, _latest_day_ends
    now = time.time()
    if _latest_day is None or not _latest_day_ends - _DAY_SECONDS <= now < _latest_day_ends:
        day = (datetime.fromtimestamp(now, timezone.utc) + timedelta(hours=14)).date()
        midnight = datetime.combine(day + timedelta(days=1), datetime.min.time(), timezone.utc)
        _latest_day, _latest_day_ends = day, (midnight - timedelta(hours=14)).timestamp()
    return _latest_day


_DAY_SECONDS = 86_400.0
_latest_day: date | None = None
_latest_day_ends = 0.0
"""The day today_latest() last answered, and the Unix time at which that day ends at UTC+14."""


def today_earliest() -> date:
    """Today's date in the timezone that is furthest behind (UTC-12); see :func:`today_latest`.

    The residual-mix check uses it so that a request sent on the deadline day is not refused
    by us when REDEX may still accept it.
    """
    return (datetime.now(timezone.utc) - timedelta(hours=12)).date()


def content_type_for(filename: str) -> str | None:
    """The upload content type for a file name, ``None`` when REDEX does not take that type."""
    dot = filename.rfind(".")
    return UPLOAD_CONTENT_TYPES.get(filename[dot:].lower()) if dot >= 0 else None
