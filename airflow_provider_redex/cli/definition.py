"""The ``airflow redex`` command group, registered through provider info ``cli``.

Airflow calls :func:`get_redex_cli_commands` every time its CLI starts, so this module only
declares arguments; the commands import what they need when they run
(``airflow_provider_redex.cli.commands``).
"""

from __future__ import annotations

from typing import Any

from airflow.cli.cli_config import ARG_OUTPUT, ActionCommand, Arg, CLICommand, GroupCommand, lazy_load_command

COMMANDS = "airflow_provider_redex.cli.commands"


def _arg(flags: tuple[str, ...], **kwargs: Any) -> Arg:
    # Airflow's Arg has no annotations.
    return Arg(flags, **kwargs)  # type: ignore[no-untyped-call]


ARG_CONN_ID = _arg(("--conn-id",), default="redex_default", help="The REDEX connection")
ARG_CONN_IDS = _arg(
    ("--conn-id",),
    action="append",
    help="A REDEX connection; repeat for several (default: every connection of type redex)",
)
ARG_NUMBER = _arg(("number",), help="The application number REDEX gave (e.g. 1000000183401473)")
ARG_DEVICE_ID = _arg(("--device-id",), required=True, help="The approved device's id (REDEX's device id)")
ARG_FROM = _arg(("--from",), dest="vintage_from", required=True, help="First day, YYYY-MM-DD")
ARG_TO = _arg(("--to",), dest="vintage_to", required=True, help="Last day, YYYY-MM-DD")
ARG_SOURCE = _arg(
    ("--source",),
    action="append",
    required=True,
    help="An input file the push read (path or object storage URL); repeat for several",
)
ARG_FILE_FORMAT = _arg(("--file-format",), help="csv, jsonl or parquet (default: from each file's suffix)")
ARG_REPORT_DIR = _arg(
    ("--report-dir",), help="Write reconciliation.parquet and .csv to this folder (path or storage URL)"
)
ARG_ALL = _arg(("--all",), action="store_true", help="Show every line, not only the mismatches")
RECONCILE_ARGS: tuple[Arg, ...] = (ARG_DEVICE_ID, ARG_FROM, ARG_TO, ARG_SOURCE, ARG_FILE_FORMAT)
RECONCILE_ARGS += (ARG_REPORT_DIR, ARG_ALL, ARG_CONN_ID, ARG_OUTPUT)


def get_redex_cli_commands() -> list[CLICommand]:
    """``airflow redex budget | application | reconcile``."""
    return [
        GroupCommand(
            name="redex",
            help="Ask REDEX (and the provider's shared rate budget) from the shell",
            subcommands=(
                ActionCommand(
                    name="budget",
                    help="Each REDEX account's live request budget, from the shared pacing store",
                    func=lazy_load_command(f"{COMMANDS}.budget"),
                    args=(ARG_CONN_IDS, ARG_OUTPUT),
                ),
                ActionCommand(
                    name="application",
                    help="The status of a device, REC or retirement application, by its number",
                    func=lazy_load_command(f"{COMMANDS}.application"),
                    args=(ARG_NUMBER, ARG_CONN_ID, ARG_OUTPUT),
                ),
                ActionCommand(
                    name="reconcile",
                    help="Reconcile a device's period: input files, REDEX's records and sum, issued "
                    "and retired RECs; exits 1 on a mismatch",
                    func=lazy_load_command(f"{COMMANDS}.reconcile"),
                    args=RECONCILE_ARGS,
                ),
            ),
        )
    ]
