"""Fixtures for running REDEX tasks through Airflow against the sandbox (see harness.py)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType


def _harness() -> ModuleType:
    name = "redex_airflow_harness"
    if name not in sys.modules:
        path = Path(__file__).parents[1] / "operators" / "harness.py"
        spec = importlib.util.spec_from_file_location(name, path)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


harness = _harness()
airflow_db = harness.airflow_db
redex_sandbox = harness.redex_sandbox
