#!/usr/bin/env python3
"""The project's two commands: ``python3 scripts/dev.py test`` and ``python3 scripts/dev.py demo``.

A fresh machine has only Python, so this script uses the standard library alone. It keeps a
virtual environment in ``.venv`` at the repository root and installs the project into it when
the environment is missing, lacks what the command needs, or ``pyproject.toml`` (or the pinned
constraints) changed since the last install: a stamp file inside ``.venv`` holds their hash and
the extra installed. ``demo`` installs only what the demo runs (``pip install -e ".[demo]"``:
the provider, the sandbox, Airflow); ``test`` installs everything the tests and linters need
(``.[dev]``, which includes the demo's). Nothing is installed outside ``.venv``.

``test`` runs ruff, mypy and pytest and fails if any of them fails; pytest's "no tests ran"
(exit 5) counts as a failure, so an empty run can never look green. Without pytest arguments the
whole suite runs as two pytest processes side by side (the e2e tests; the rest). ``demo`` runs
the main job, ``python -m devtools.demo`` (sandbox + a real Airflow running the whole
REC lifecycle), in the environment.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / ".venv"
STAMP = VENV / ".redex-install-stamp"
PYPROJECT = ROOT / "pyproject.toml"
# pip freeze of a working environment for this interpreter version: repeatable installs and no
# long dependency resolution for Airflow. Other Python versions resolve freely.
CONSTRAINTS = ROOT / "scripts" / f"constraints-py{sys.version_info.major}.{sys.version_info.minor}.txt"
PYTEST_NO_TESTS = 5
EXTRA_FOR_COMMAND = {"test": "dev", "demo": "demo"}
# An environment installed with the key also has everything of the values.
EXTRA_INCLUDES = {"dev": {"dev", "demo"}, "demo": {"demo"}}


def _bin(name: str) -> Path:
    folder = "Scripts" if os.name == "nt" else "bin"
    suffix = ".exe" if os.name == "nt" else ""
    return VENV / folder / f"{name}{suffix}"


def _say(message: str) -> None:
    print(f"[dev] {message}", flush=True)


def _run(command: Sequence[str | Path], env: dict[str, str] | None = None) -> int:
    _say("$ " + shlex.join(str(part) for part in command))
    return subprocess.call([str(part) for part in command], cwd=ROOT, env=env)


def _install_inputs_hash() -> str:
    digest = hashlib.sha256()
    digest.update(sys.version.encode())
    for path in (PYPROJECT, CONSTRAINTS):
        digest.update(path.name.encode())
        digest.update(path.read_bytes() if path.exists() else b"<none>")
    return digest.hexdigest()


def _venv_works() -> bool:
    python = _bin("python")
    return python.exists() and subprocess.call([str(python), "-c", "import sys"]) == 0


def _installed() -> tuple[str, str]:
    """The stamp's ``(hash, extra)``; a stamp from before the split holds only the hash of ``dev``."""
    words = STAMP.read_text().split() if STAMP.exists() else []
    return (words[0] if words else "", words[1] if len(words) > 1 else "dev")


def ensure_environment(extra: str = "dev") -> None:
    """Create ``.venv`` and install the project with ``extra`` into it, unless already there."""
    if not _venv_works():
        if VENV.exists():
            _say(f"{VENV} is broken; recreating it")
            shutil.rmtree(VENV)
        _say(f"creating {VENV} with {sys.executable}")
        if _run([sys.executable, "-m", "venv", VENV]) != 0:
            sys.exit("[dev] could not create the virtual environment")
    wanted = _install_inputs_hash()
    installed_hash, installed_extra = _installed()
    if installed_hash == wanted and extra in EXTRA_INCLUDES.get(installed_extra, set()):
        return
    started = time.monotonic()
    command: list[str | Path] = [_bin("python"), "-m", "pip", "install", "--progress-bar", "off"]
    command += ["-e", f".[{extra}]"]
    if CONSTRAINTS.exists():
        command += ["-c", CONSTRAINTS]
    if _run(command) != 0:
        sys.exit("[dev] pip install failed; see the output above")
    STAMP.write_text(f"{wanted} {extra}\n")
    _say(f"environment ready in {time.monotonic() - started:.0f} s")


def _environment() -> dict[str, str]:
    env = dict(os.environ)
    env["PATH"] = f"{_bin('python').parent}{os.pathsep}{env.get('PATH', '')}"
    env["VIRTUAL_ENV"] = str(VENV)
    env.pop("PYTHONHOME", None)
    return env


E2E_TIER = "e2e and not e2e_beside"
REST_OF_SUITE = "not e2e or e2e_beside"
"""The whole suite's two halves: every test is in exactly one (``tests/unit/test_dev_script.py``).

The first holds the e2e tests that run an Airflow stack for minutes; the second the benchmark
smoke, the ``e2e_beside`` tests (CLI runs: ``airflow dags test``, the installed provider, the
wheel) and the fast tier, so the two end at about the same time."""


def _pytest(args: Sequence[str], env: dict[str, str]) -> int:
    """pytest with ``args``; with none, the whole suite as two pytest processes at once.

    A real-Airflow (e2e) test keeps about one core busy and spends the rest of its time waiting
    for REDEX's scaled delays and Airflow's loops, so on two cores the rest of the suite runs
    beside the e2e stacks, each half one test at a time (:data:`REST_OF_SUITE`). The second half's output is
    held back and printed when it ends, so the two logs are not interleaved.
    """
    pytest = [str(_bin("python")), "-m", "pytest", "-q"]
    if args:
        return _run([*pytest, *args], env)
    with tempfile.TemporaryFile("w+") as held:
        rest = [*pytest, "-m", REST_OF_SUITE]
        _say("$ " + shlex.join(rest) + "   (beside the next; its output follows when it ends)")
        beside = subprocess.Popen(rest, cwd=ROOT, env=env, stdout=held, stderr=subprocess.STDOUT)
        try:
            e2e = _run([*pytest, "-m", E2E_TIER], env)
        finally:
            rest_code = beside.wait()
        held.seek(0)
        _say("output of: " + shlex.join(rest))
        print(held.read(), flush=True)
    codes = (e2e, rest_code)
    # "No tests ran" in either half fails the whole, whatever the other half did.
    if PYTEST_NO_TESTS in codes:
        return PYTEST_NO_TESTS
    return next((code for code in codes if code != 0), 0)


def command_test(pytest_args: Sequence[str]) -> int:
    """ruff, mypy, pytest: every one runs, and any failure fails the command."""
    env = _environment()
    results = {
        "ruff": _run([_bin("ruff"), "check", "."], env),
        "mypy": _run([_bin("mypy"), "airflow_provider_redex"], env),
        "pytest": _pytest(pytest_args, env),
    }
    if results["pytest"] == PYTEST_NO_TESTS:
        _say("pytest collected no tests: that is a failure, not a pass")
    failed = [name for name, code in results.items() if code != 0]
    _say("failed: " + ", ".join(failed) if failed else "ruff, mypy and pytest passed")
    return 1 if failed else 0


def command_demo(demo_args: Sequence[str]) -> int:
    command: list[str | Path] = [_bin("python"), "-m", "devtools.demo", *demo_args]
    if os.name != "posix":
        return _run(command, _environment())
    # The demo takes this process's place, so a SIGTERM or SIGHUP sent to it (or to the
    # terminal's process group) reaches the demo itself, which then stops all it started.
    _say("$ " + shlex.join(str(part) for part in command))
    os.chdir(ROOT)
    os.execve(command[0], [str(part) for part in command], _environment())


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("command", choices=("test", "demo"))
    parser.add_argument("args", nargs=argparse.REMAINDER, help="passed on to pytest or to the demo")
    options = parser.parse_args(argv)
    ensure_environment(EXTRA_FOR_COMMAND[options.command])
    if options.command == "test":
        return command_test(options.args)
    return command_demo(options.args)


if __name__ == "__main__":
    sys.exit(main())
