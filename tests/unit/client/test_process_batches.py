"""How many ProcessIds one G4 request carries: the query stays under the limit, ids are not repeated."""

from __future__ import annotations

from airflow_provider_redex.client import process_statuses


def test_batches_keep_each_query_under_the_limit_and_drop_repeats() -> None:
    ids = [10_000_000 + n for n in range(250)] + [10_000_000]
    groups = process_statuses.batches(ids)
    assert [i for group in groups for i in group] == ids[:250]
    for group in groups:
        assert len("&".join(f"ProcessId={i}" for i in group)) <= process_statuses.MAX_QUERY_CHARS
    assert len(groups) == 3  # 105 eight-digit ids fit in one query
