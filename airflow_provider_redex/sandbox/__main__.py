"""``python -m airflow_provider_redex.sandbox``: the same as the ``redex-sandbox`` script."""

from __future__ import annotations

import sys

from airflow_provider_redex.sandbox.cli import main

sys.exit(main())
