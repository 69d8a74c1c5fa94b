"""The TLS and proxy tests share one helper module; this folder goes on ``sys.path`` for it."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
