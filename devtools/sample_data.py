"""Generate the sample data bundled with the example DAGs (``dags/sample_data/``).

The example DAGs must run with their default params against a fresh sandbox *and* against the
real API, so the sample is a plausible solar-rooftop aggregator in Ho Chi Minh City: one grouped
device of 60 rooftops (devices) with 300 inverters, its signed owner declaration form (a real,
searchable PDF whose appendix lists every installation, as REDEX requires the names to match),
and one CSV of daily readings per day in REDEX's own column names.

Everything is derived from a fixed seed, so running this module again gives byte-identical
files; ``tests/unit/test_dag_parse.py`` checks the bundled files against the client's models.

    python -m devtools.sample_data                      # rewrite dags/sample_data/
    python -m devtools.sample_data --first-day 2027-03-01 --days 5   # another window

If you change the window, change ``FIRST_DAY``/``LAST_DAY`` in ``dags/redex_common.py`` too: the
daily DAG's ``start_date``/``end_date`` are the days this sample covers.
"""

from __future__ import annotations

import argparse
import csv
import json
import random
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

SAMPLE_DIR = Path(__file__).resolve().parents[1] / "dags" / "sample_data"
SEED = 20261101
DEFAULT_FIRST_DAY = date(2026, 11, 1)
DEFAULT_DAYS = 5
DEVICES = 60
INVERTERS_PER_DEVICE = 5
GROUPED_NAME = "Saigon Rooftop Solar Group 1"
GRID_CONNECTED_FROM = date(2024, 3, 1)
OWNERS_DECLARATION_START = date(2026, 1, 1)
BRANDS = ("HW21", "SG01", "GW01", "AB01")

_STREETS = (
    "Nguyen Hue",
    "Le Loi",
    "Dong Khoi",
    "Hai Ba Trung",
    "Pasteur",
    "Nam Ky Khoi Nghia",
    "Dien Bien Phu",
    "Vo Van Tan",
    "Cach Mang Thang Tam",
    "Nguyen Thi Minh Khai",
    "Tran Hung Dao",
    "Ly Tu Trong",
)
_KINDS = ("Warehouse", "School", "Clinic", "Factory", "Office", "Market", "Apartment Block", "Workshop")


@dataclass(frozen=True)
class Inverter:
    remote_inv_id: str
    serial: str
    brand: str
    capacity_kw: Decimal
    start: date


def _q(value: float | Decimal, places: int) -> Decimal:
    return Decimal(str(value)).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def build_grouped_device(rng: random.Random) -> tuple[dict[str, Any], list[Inverter]]:
    """The D1 body in wire names; ``DeclarationFormFileId`` is filled in by the DAG at run time."""
    devices: list[dict[str, Any]] = []
    inverters: list[Inverter] = []
    for d in range(1, DEVICES + 1):
        grid = GRID_CONNECTED_FROM + timedelta(days=rng.randrange(0, 540))
        device_inverters = []
        for i in range(1, INVERTERS_PER_DEVICE + 1):
            # 5-30 kW string inverters: five of them stay well under the 250 kW per-device cap.
            inv = Inverter(
                remote_inv_id=f"SGR1-D{d:03d}-INV{i:02d}",
                serial=f"{rng.choice(BRANDS)[:2]}{rng.randrange(10**11, 10**12)}",
                brand=rng.choice(BRANDS),
                capacity_kw=_q(rng.choice((5, 8, 10, 12, 15, 20, 25, 30)), 3),
                start=grid,
            )
            inverters.append(inv)
            device_inverters.append(
                {
                    "RemoteInvId": inv.remote_inv_id,
                    "ElectronicSerialNumber": inv.serial,
                    "BrandCode": inv.brand,
                    "OtherBrandName": "",
                    "InstalledCapacity": float(inv.capacity_kw),
                    "EffectiveStartDate": grid.isoformat(),
                }
            )
        lat = _q(10.70 + rng.random() * 0.15, 6)
        lon = _q(106.60 + rng.random() * 0.15, 6)
        devices.append(
            {
                "InstallationName": f"SGR1-{d:03d} {rng.choice(_KINDS)} {rng.choice(_STREETS)}",
                "Address": f"{rng.randrange(1, 400)} {rng.choice(_STREETS)} Street, Ho Chi Minh City",
                "PostalCode": f"70{rng.randrange(0, 10000):04d}",
                "Latitude": float(lat),
                "Longitude": float(lon),
                "GridConnectionDate": grid.isoformat(),
                "OwnersDeclarationStartDate": OWNERS_DECLARATION_START.isoformat(),
                "Domestic": False,
                "FeedInTariff": False,
                "DeclarationFormFileId": None,
                "PercentageRenewable": 100,
                "Inverters": device_inverters,
            }
        )
    body = {
        "CountryCode": "VN",
        "GroupedEnglishName": GROUPED_NAME,
        "GroupedLocalName": "Nhom Dien Mat Troi Mai Nha Sai Gon 1",
        "Province": "VN-SG",
        "Timezone": "UTC+07:00",
        "GenerationDataFrequency": "Daily",
        "Devices": devices,
    }
    return body, inverters


def daily_rows(
    inverters: list[Inverter], first_day: date, days: int, rng: random.Random
) -> dict[date, list[dict[str, str]]]:
    """Per day, one row per inverter: the day's yield and the running meter total (kWh, 3 dp).

    The meter total starts from what the inverter plausibly produced since grid connection, so
    the numbers look like a real monitoring export rather than counters starting at zero.
    """
    totals = {
        inv.remote_inv_id: _q(float(inv.capacity_kw) * 3.9 * (first_day - inv.start).days, 3)
        for inv in inverters
    }
    out: dict[date, list[dict[str, str]]] = {}
    for offset in range(days):
        day = first_day + timedelta(days=offset)
        weather = 0.55 + 0.45 * rng.random()  # one sky over the whole city that day
        rows = []
        for inv in inverters:
            sun_hours = 4.6 * weather * (0.9 + 0.2 * rng.random())
            produced = _q(float(inv.capacity_kw) * sun_hours, 3)
            totals[inv.remote_inv_id] += produced
            rows.append(
                {
                    "RemoteInvId": inv.remote_inv_id,
                    "Timestamp": day.isoformat(),
                    "PeriodProductionInKWh": str(produced),
                    "AccumulatedEnergyInKWh": str(totals[inv.remote_inv_id]),
                }
            )
        out[day] = rows
    return out


# --- a minimal, searchable PDF -------------------------------------------------------------


def _pdf_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")


def text_pdf(title: str, pages: list[list[str]]) -> bytes:
    """A PDF whose text is real text (Helvetica, WinAnsi), so it is searchable and copyable.

    Written by hand rather than with a PDF library so the generator needs nothing beyond the
    standard library; the cross-reference table is computed, so readers open it without repair.
    """
    objects: list[bytes] = []
    font_id, pages_id = 3, 2
    page_ids: list[int] = []
    body_objects: list[tuple[int, bytes]] = []
    next_id = 4
    for lines in pages:
        ops = ["BT", "/F1 10 Tf", "13 TL", "56 790 Td"]
        for line in lines:
            ops.append(f"({_pdf_escape(line)}) Tj T*")
        ops.append("ET")
        stream = "\n".join(ops).encode("latin-1")
        content_id, page_id = next_id, next_id + 1
        next_id += 2
        body_objects.append(
            (content_id, b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream")
        )
        body_objects.append(
            (
                page_id,
                b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
                b"/Resources << /Font << /F1 3 0 R >> >> /Contents %d 0 R >>" % content_id,
            )
        )
        page_ids.append(page_id)
    kids = " ".join(f"{pid} 0 R" for pid in page_ids).encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [" + kids + b"] /Count %d >>" % len(page_ids),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
    ]
    numbered = [(1, objects[0]), (pages_id, objects[1]), (font_id, objects[2]), *body_objects]
    info_id = next_id
    numbered.append(
        (info_id, b"<< /Title (" + _pdf_escape(title).encode("latin-1") + b") /Producer (devtools) >>")
    )
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets: dict[int, int] = {}
    for obj_id, payload in sorted(numbered):
        offsets[obj_id] = len(out)
        out += b"%d 0 obj\n" % obj_id + payload + b"\nendobj\n"
    xref_at = len(out)
    count = max(offsets) + 1
    out += b"xref\n0 %d\n0000000000 65535 f \n" % count
    for obj_id in range(1, count):
        out += b"%010d 00000 n \n" % offsets[obj_id]
    out += b"trailer\n<< /Size %d /Root 1 0 R /Info %d 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        count,
        info_id,
        xref_at,
    )
    return bytes(out)


def owner_declaration_form(body: dict[str, Any]) -> bytes:
    """A two-party ODF with Appendix A listing every installation by its registered name."""
    intro = [
        "OWNER'S DECLARATION FORM (two-party) - SAMPLE, NOT A LEGAL DOCUMENT",
        "",
        f"Grouped device: {body['GroupedEnglishName']} ({body['GroupedLocalName']})",
        f"Country: {body['CountryCode']}   Province: {body['Province']}   Timezone: {body['Timezone']}",
        "Registrant: Saigon Rooftop Aggregation Co., Ltd. (sandbox sample)",
        "",
        "The owner of each installation listed in Appendix A declares that it owns the",
        "renewable energy attributes of the electricity generated there, that it has not sold",
        "or claimed them elsewhere, and that it authorises the registrant to request the",
        f"issuance of I-REC certificates from {OWNERS_DECLARATION_START.isoformat()} onward.",
        "",
        "Signed for the owners: ____________________     Date: ____________",
        "",
        "APPENDIX A - INSTALLATIONS",
        "No.  Installation name / grid connection / capacity (kW) / inverters",
    ]
    rows = []
    for n, device in enumerate(body["Devices"], start=1):
        capacity = sum(Decimal(str(inv["InstalledCapacity"])) for inv in device["Inverters"])
        rows.append(
            f"{n:>3}.  {device['InstallationName']} / {device['GridConnectionDate']} / {capacity} / "
            f"{len(device['Inverters'])}"
        )
    per_page = 55
    pages = [intro + rows[: per_page - len(intro)]]
    rest = rows[per_page - len(intro) :]
    while rest:
        pages.append(["APPENDIX A - INSTALLATIONS (continued)", *rest[: per_page - 1]])
        rest = rest[per_page - 1 :]
    return text_pdf(f"Owner's Declaration Form - {body['GroupedEnglishName']}", pages)


def write_sample(target: Path, first_day: date, days: int) -> list[Path]:
    rng = random.Random(SEED)
    body, inverters = build_grouped_device(rng)
    target.mkdir(parents=True, exist_ok=True)
    written = [target / "grouped_device.json", target / "owner_declaration_form.pdf"]
    written[0].write_text(json.dumps(body, indent=1) + "\n")
    written[1].write_bytes(owner_declaration_form(body))
    generation = target / "generation"
    generation.mkdir(exist_ok=True)
    for old in generation.glob("*.csv"):
        old.unlink()
    for day, rows in daily_rows(inverters, first_day, days, random.Random(SEED + 1)).items():
        path = generation / f"{day.isoformat()}.csv"
        with path.open("w", newline="") as fh:
            writer = csv.DictWriter(fh, fieldnames=list(rows[0]), lineterminator="\n")
            writer.writeheader()
            writer.writerows(rows)
        written.append(path)
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--first-day", type=date.fromisoformat, default=DEFAULT_FIRST_DAY)
    parser.add_argument("--days", type=int, default=DEFAULT_DAYS)
    parser.add_argument("--target", type=Path, default=SAMPLE_DIR)
    args = parser.parse_args(argv)
    for path in write_sample(args.target, args.first_day, args.days):
        print(f"wrote {path} ({path.stat().st_size} bytes)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
