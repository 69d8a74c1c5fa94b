"""Shared test utilities, one package for all of them (imported as ``tests.helpers.<module>``).

``pyproject.toml`` puts the repository root on pytest's ``pythonpath``, so any test imports
these as ordinary modules: no ``sys.path`` or ``sys.modules`` tricks in test files.

* ``paths``: where the repository, the example DAGs and their sample data are.
* ``harness``: run operators and sensors with Airflow's own ``dag.test()`` against a sandbox,
  and make REDEX state for them through the real client (fixtures ``airflow_db``,
  ``redex_sandbox``).
* ``sandbox_walks``: raw-HTTP building blocks for the sandbox's own tests (``Api``, bodies,
  polling without timed asserts).
* ``scripted_server``: a raw-socket server that answers as scripted, for client edge cases.
* ``client_driver``: one calling convention for the sync and async clients.
* ``tls_setup``: a private CA, an HTTPS sandbox and a forward proxy, for the TLS tests.
* ``request_samples``: valid request bodies per model, for the model tests.
* ``lifecycle``: read-backs of a whole lifecycle run, for the end-to-end tests.
* ``metadata_db``: one ``airflow db migrate`` per session, copied to every SQLite stack.

Processes, ports and waiting: use ``devtools.processes`` (``free_port``, ``port_open``,
``wait_for``, ``ManagedProcess``) and ``devtools.stack``, the code the demo runs.
"""
