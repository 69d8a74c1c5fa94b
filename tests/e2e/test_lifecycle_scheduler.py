"""The whole lifecycle run by a real scheduler, with the sensors deferred in a real triggerer.

The same steering as the demo (``devtools.demo.run_lifecycle``): trigger onboarding, unpause
the daily DAG (the scheduler creates one run per sample day), let the Asset schedule the
issuance, trigger the retirement. SQLite and LocalExecutor, as in the demo; the PostgreSQL and
Celery variants run the same lifecycle on the other topologies.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from devtools.stack import Stack, StackConfig

if TYPE_CHECKING:
    from tests.helpers.lifecycle import LifecycleChecks

pytestmark = pytest.mark.e2e


def test_scheduler_runs_the_lifecycle_with_deferred_sensors(
    stack_home: Path, checks: LifecycleChecks, stack_config: Callable[..., StackConfig]
) -> None:
    with Stack(stack_config(stack_home)) as stack:
        summary = checks.run_lifecycle(stack)

    assert summary.generation_runs == 5
