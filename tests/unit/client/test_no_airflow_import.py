"""The client is usable without Airflow: importing it must never import ``airflow``."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

REPO = Path(__file__).resolve().parents[3]

# ``sys.modules["airflow"] = None`` makes any ``import airflow...`` raise ImportError at once.
PROBE = textwrap.dedent(
    """
    import importlib, pkgutil, sys
    sys.modules["airflow"] = None
    import airflow_provider_redex.client as client
    names = [m.name for m in pkgutil.walk_packages(client.__path__, client.__name__ + ".")]
    for name in names:
        importlib.import_module(name)
    for name in client.__all__:
        if name != "RedexClient" or "airflow_provider_redex.client.client" in names:
            getattr(client, name)
    leaked = sorted(m for m in sys.modules if m == "airflow" or m.startswith("airflow."))
    assert leaked == ["airflow"], leaked
    print("ok", len(names))
    """
)


def test_client_imports_with_airflow_blocked() -> None:
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")])),
    }
    result = subprocess.run(
        [sys.executable, "-c", PROBE],
        capture_output=True,
        text=True,
        env=env,
        cwd=REPO,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("ok")
