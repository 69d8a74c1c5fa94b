"""Apache Airflow provider for the REDEX renewable-energy-certificate platform."""

from __future__ import annotations

__version__ = "0.1.0"
