"""``airflow redex ...`` commands for the operators of a deployment (see ``definition.py``)."""
