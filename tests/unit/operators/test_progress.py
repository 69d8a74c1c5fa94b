"""Progress lines: how often, and what they say."""

from __future__ import annotations

import pytest

from airflow_provider_redex.operators.progress import ProgressReporter, format_duration


class _Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


class _Log:
    def __init__(self) -> None:
        self.lines: list[str] = []

    def info(self, line: str) -> None:
        self.lines.append(line)


@pytest.mark.parametrize(("seconds", "text"), [(0, "0s"), (42.4, "42s"), (75, "1m15s"), (3725, "1h02m")])
def test_durations_read_like_a_person_writes_them(seconds: float, text: str) -> None:
    assert format_duration(seconds) == text


def test_a_line_at_most_every_interval_and_always_at_the_end() -> None:
    clock, log = _Clock(), _Log()
    progress = ProgressReporter(9000, log, interval=10, clock=clock)

    clock.now += 4
    progress.advance(3000)  # 4 s in: not due
    clock.now += 6
    progress.advance(3000)  # 10 s in: due
    clock.now += 1
    progress.advance(3000)  # the end: always

    assert len(log.lines) == 2
    assert log.lines[0] == "Sent 6,000 of 9,000 records (66.7%) in 10s, 600 records/s, about 5s left"
    assert log.lines[1].startswith("Sent 9,000 of 9,000 records (100.0%) in 11s")
    assert "left" not in log.lines[1]
