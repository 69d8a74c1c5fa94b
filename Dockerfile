# The Airflow image the compose topology runs: the official Airflow 3.3.2 image plus this
# provider (with its Redis and sandbox extras), so every worker, the triggerer and the
# sandbox run the same code.
FROM apache/airflow:3.3.2-python3.11
COPY --chown=airflow:root . /opt/airflow-provider-redex
RUN pip install --no-cache-dir "/opt/airflow-provider-redex[redis,sandbox]" \
        "apache-airflow-providers-celery" "apache-airflow-providers-postgres" "asyncpg"
