"""Developer tooling that runs the provider for real: the sandbox plus native Airflow components.

Not shipped in the wheel (``pyproject.toml`` packages only ``airflow_provider_redex*``). Used by
``python3 scripts/dev.py demo`` and by the end-to-end tests and benchmarks.
"""
