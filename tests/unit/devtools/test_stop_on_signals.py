"""``stop_on_signals``: SIGTERM and SIGHUP take the path Ctrl-C takes, so the demo's cleanup runs
whichever of them stops it, and a second signal cannot cut that cleanup short."""

from __future__ import annotations

import signal
import subprocess
import sys
import textwrap

import pytest

from tests.helpers.paths import REPO_ROOT

PROGRAM = textwrap.dedent(
    """
    import os, signal, sys, time
    from devtools.processes import stop_on_signals

    with stop_on_signals():
        try:
            print("ready", flush=True)
            time.sleep(30)
            print("slept through", flush=True)
        except KeyboardInterrupt as stop:
            print(f"cleanup after {stop}", flush=True)
            os.kill(os.getpid(), signal.SIGTERM)  # a second signal during cleanup is ignored
            time.sleep(0.2)
            print("cleanup done", flush=True)
    """
)


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGHUP, signal.SIGINT], ids=lambda s: s.name)
def test_each_stop_signal_runs_the_cleanup_once_to_the_end(sig: signal.Signals) -> None:
    process = subprocess.Popen(
        [sys.executable, "-c", PROGRAM], cwd=REPO_ROOT, stdout=subprocess.PIPE, text=True
    )
    assert process.stdout is not None
    assert process.stdout.readline().strip() == "ready"
    process.send_signal(sig)
    output, _ = process.communicate(timeout=60)
    assert output.splitlines() == [f"cleanup after {sig.name}", "cleanup done"]
    assert process.returncode == 0
