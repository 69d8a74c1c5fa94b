"""``redex-sandbox``: run a local REDEX for DAG development, demos and tests."""

from __future__ import annotations

import argparse
import contextlib
import sys
from collections.abc import Sequence

from airflow_provider_redex.sandbox.config import FaultSettings, SandboxConfig


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="redex-sandbox",
        description="A stateful local simulator of the REDEX public API v2.",
    )
    parser.add_argument("--host", default="127.0.0.1", help="interface to listen on (default: %(default)s)")
    parser.add_argument("--port", type=int, default=8765, help="port to listen on (default: %(default)s)")
    parser.add_argument(
        "--token",
        action="append",
        default=[],
        metavar="TOKEN",
        help="bearer token of one business account; repeat for more accounts (default: a demo token)",
    )
    parser.add_argument(
        "--time-scale",
        type=float,
        default=1.0,
        metavar="F",
        help="multiply every window and delay by F: 0.05 turns the 60 s rate window into 3 s",
    )
    parser.add_argument(
        "--approve-after",
        type=float,
        default=30.0,
        metavar="SECONDS",
        help="applications decide themselves after this many (scaled) seconds; negative: only the admin API",
    )
    parser.add_argument(
        "--fault-rate", type=float, default=0.0, metavar="P", help="share of requests answered 503"
    )
    parser.add_argument("--seed", type=int, default=0, help="seed for ids, numbers and injected faults")
    parser.add_argument("--no-sample-data", action="store_true", help="start every account empty")
    parser.add_argument(
        "--listing-delay",
        type=float,
        default=0.0,
        metavar="SECONDS",
        help="(scaled) seconds before a new application or retirement shows in its list endpoint",
    )
    parser.add_argument(
        "--g4-one-id",
        action="store_true",
        help="G4 reads only the first of several ProcessIds, as REDEX documents one (default: a list)",
    )
    return parser


def config_from_args(argv: Sequence[str] | None = None) -> tuple[SandboxConfig, str, int]:
    """Parse the command line into a config plus the address to listen on."""
    args = _parser().parse_args(argv)
    if not 0 <= args.fault_rate <= 1:
        raise SystemExit("--fault-rate must be between 0 and 1")
    config = SandboxConfig(
        tokens=tuple(args.token),
        time_scale=args.time_scale,
        approve_after=args.approve_after if args.approve_after >= 0 else None,
        seed=args.seed,
        faults=FaultSettings(error_rate=args.fault_rate),
        sample_data=not args.no_sample_data,
        listing_delay=max(0.0, args.listing_delay),
        process_status_lists=not args.g4_one_id,
    )
    return config, args.host, args.port


def _banner(config: SandboxConfig, host: str, port: int) -> str:
    lines = [f"REDEX sandbox on http://{host}:{port}  (OpenAPI: /openapi.json, admin: /sandbox/)"]
    lines.append(
        f"time scale {config.time_scale}; rate limit {config.account_policy.limit} requests per "
        f"{config.scaled(config.account_policy.window_seconds):g} s per account"
    )
    for account in config.accounts:
        lines.append(f"account {account.name} ({account.account_id})")
        lines.append(f"  bearer token   {account.token}")
        lines.append(
            f"  api_key grant  ApiKey={account.api_key} ClientId={account.client_id} "
            f"ClientSecret={account.client_secret}"
        )
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    from airflow_provider_redex.sandbox.server import serve

    config, host, port = config_from_args(argv)
    print(_banner(config, host, port), flush=True)
    with contextlib.suppress(KeyboardInterrupt):
        serve(config, host, port)
    return 0


if __name__ == "__main__":
    sys.exit(main())
