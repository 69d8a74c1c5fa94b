"""Seeded identifiers, so that ``--seed`` reproduces every id and number of a run.

REDEX ids are GUIDs, except generation ``ProcessId``, spot order and transaction ids and
inverter ids (int64); application numbers are 16 digits (API_REFERENCE.md 0.2, 8.1).
"""

from __future__ import annotations

import itertools
import random
import string
import threading
from uuid import UUID


class IdFactory:
    """One seeded source for every identifier the sandbox hands out."""

    def __init__(self, seed: int) -> None:
        self._lock = threading.Lock()
        self._random = random.Random(seed)
        self._counters: dict[str, itertools.count[int]] = {}

    def uuid(self) -> UUID:
        with self._lock:
            return UUID(int=self._random.getrandbits(128), version=4)

    def number(self, kind: str, start: int) -> int:
        """The next number of a sequence (``ProcessId``, ``OrderId``, inverter ``Id``...)."""
        with self._lock:
            counter = self._counters.setdefault(kind, itertools.count(start))
            return next(counter)

    def application_number(self) -> str:
        """A 16-digit application number like ``1000000183401473``."""
        with self._lock:
            return str(1_000_000_000_000_000 + self._random.randrange(10**15))

    def code(self, length: int, alphabet: str = string.ascii_lowercase + string.digits) -> str:
        """A short random code (document validation codes, transaction id parts)."""
        with self._lock:
            return "".join(self._random.choice(alphabet) for _ in range(length))
