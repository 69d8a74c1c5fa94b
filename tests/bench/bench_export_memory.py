"""Benchmark: the Parquet export's peak memory at 100,000 and 1,000,000 REC items.

Target (issue 12): flat memory, peak RSS at 1M rows / peak RSS at 100k rows <= 1.2.

The rows come from a fake paged source, not the sandbox: a million items through HTTP would
measure the sandbox. Each page is what the client makes of a REDEX answer (an ``Envelope``
of 100 wire-form items, exact ``Decimal`` quantities) and goes through the real
``Paginator``, the ``RecItem`` model, ``inventory_row`` and ``ParquetSink`` into a local
Parquet file. Each size runs in a child process of its own, so its peak RSS is its own.

    python tests/bench/bench_export_memory.py            # 100k and 1M rows
    python tests/bench/bench_export_memory.py 10000 50000

Not a pytest module (the name does not start with ``test_``): a million rows take a while,
and the figures are for people, not a pass/fail gate. The export operator itself is tested
against the sandbox in ``tests/integration/operators/test_exports_and_deadlines.py``.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

PAGE_SIZE = 100
SIZES = (100_000, 1_000_000)


def _wire_item(index: int) -> dict[str, Any]:
    total = Decimal(index % 997) + Decimal("0.123456")
    return {
        "Id": f"00000000-0000-4000-8000-{index:012d}",
        "DeviceId": "11111111-1111-4111-8111-111111111111",
        "DeviceName": "Bench rooftops",
        "Registry": {"Value": "IREC", "Description": "I-REC"},
        "SerialNumber": f"BENCH-{index:09d}",
        "Total": total,
        "Retired": Decimal("0.000001"),
        "Available": total - Decimal("0.000001"),
        "VintageFrom": "2026-01-01T00:00:00Z",
        "VintageTo": "2026-01-31T00:00:00Z",
        "VintageYear": 2026,
        "CountryCode": "VN",
        "RecItemType": "Issued",
    }


def export(rows: int, target: Path) -> dict[str, Any]:
    """Export ``rows`` fake REC items; runs in the child."""
    from airflow_provider_redex.client.envelope import Envelope
    from airflow_provider_redex.client.models.common import PageMeta
    from airflow_provider_redex.client.models.inventory import RecItem
    from airflow_provider_redex.client.paging import Paginator
    from airflow_provider_redex.operators.exports import export_pages, inventory_row, inventory_schema
    from airflow_provider_redex.operators.parquet_output import ParquetSink

    pages = -(-rows // PAGE_SIZE)

    def fetch(number: int) -> Envelope:
        first = (number - 1) * PAGE_SIZE
        data = [_wire_item(i) for i in range(first, min(rows, first + PAGE_SIZE))]
        meta = PageMeta(current_page=number, total_page=pages, items_per_page=PAGE_SIZE, total_items=rows)
        return Envelope(data=data, meta=meta, errors=None, status_code=200, message="Success")

    started = time.perf_counter()
    with ParquetSink(str(target), inventory_schema()) as sink:
        export_pages(Paginator(fetch, RecItem).iter_pages(), sink, lambda item: [inventory_row(item)])
    return {
        "rows": sink.rows,
        "row_groups": sink.row_groups,
        "seconds": time.perf_counter() - started,
        "file_mib": target.stat().st_size / 2**20,
    }


def _child(rows: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as folder:
        code = (
            "import json, resource, sys; from pathlib import Path; "
            f"sys.path.insert(0, {str(Path(__file__).parent)!r}); import bench_export_memory as b; "
            f"r = b.export({rows}, Path({folder!r}) / 'inventory.parquet'); "
            "r['peak_rss_mib'] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024; "
            "print('RESULT ' + json.dumps(r))"
        )
        out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True).stdout
    line = next(line for line in out.splitlines() if line.startswith("RESULT "))
    result: dict[str, Any] = json.loads(line.removeprefix("RESULT "))
    return result


def main(sizes: tuple[int, ...]) -> None:
    results = {rows: _child(rows) for rows in sizes}
    print(f"{'rows':>10} {'seconds':>8} {'rows/s':>9} {'row groups':>10} {'file':>9} {'peak RSS':>10}")
    for rows, r in results.items():
        print(
            f"{rows:>10,} {r['seconds']:>8.1f} {rows / r['seconds']:>9,.0f} {r['row_groups']:>10} "
            f"{r['file_mib']:>6.1f} MiB {r['peak_rss_mib']:>6.0f} MiB"
        )
    small, large = min(sizes), max(sizes)
    ratio = results[large]["peak_rss_mib"] / results[small]["peak_rss_mib"]
    print(f"peak RSS ratio {large:,} / {small:,} rows: {ratio:.3f} (target <= 1.2)")


if __name__ == "__main__":
    main(tuple(int(arg) for arg in sys.argv[1:]) or SIZES)
