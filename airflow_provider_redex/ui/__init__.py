"""The REDEX pages in Airflow's UI: an Airflow plugin registered by the provider (``plugin.py``)."""
