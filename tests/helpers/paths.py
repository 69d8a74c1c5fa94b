"""Where things are in the repository, for tests that start processes or read samples."""

from __future__ import annotations

from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
DAGS_FOLDER = REPO_ROOT / "dags"
SAMPLE_DATA = DAGS_FOLDER / "sample_data"
DOCS = REPO_ROOT / "docs"
