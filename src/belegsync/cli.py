"""The ``belegsync`` command line: reads settings, chooses adapters and starts things.

It is the only module that knows every package (STYLE.md §2).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence

from belegsync import __version__
from belegsync.settings import Settings, SettingsError

Handler = Callable[[argparse.Namespace, Settings], int]


def _cmd_emulator(args: argparse.Namespace, settings: Settings) -> int:
    from belegsync.emulator import run_emulator

    run_emulator(
        host=args.host,
        port=args.port,
        seed=args.seed,
        api_key=args.api_key,
        rate_per_second=args.rate,
    )
    return 0


def _cmd_demo(args: argparse.Namespace, settings: Settings) -> int:
    from belegsync.emulator import run_emulator

    # The full demo (app, scheduler, demo logins) comes with the web app; until then the demo
    # is the emulator with German demo data.
    run_emulator(host="127.0.0.1", port=args.emulator_port, seed="demo", api_key=None)
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="belegsync",
        description="Lexware Office integration: paid vouchers, their files, bank matching.",
    )
    parser.add_argument("--version", action="version", version=f"belegsync {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True

    demo = sub.add_parser("demo", help="start the Lexware emulator with demo data (and the app)")
    demo.add_argument("--emulator-port", type=int, default=8900, help="emulator port (8900)")
    demo.set_defaults(handler=_cmd_demo)

    emu = sub.add_parser("emulator", help="run the Lexware Office emulator")
    emu.add_argument("--port", type=int, default=8900, help="port to listen on (8900)")
    emu.add_argument("--host", default="127.0.0.1", help="address to listen on (127.0.0.1)")
    emu.add_argument("--seed", choices=("demo", "empty"), default="demo", help="initial data")
    emu.add_argument("--api-key", default=None, help="use this key for the demo organisation")
    emu.add_argument(
        "--rate", type=float, default=2.0, help="requests per second per key before 429 (2)"
    )
    emu.set_defaults(handler=_cmd_emulator)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        settings = Settings.from_env()
    except SettingsError as exc:
        print(f"belegsync: configuration error: {exc}", file=sys.stderr)
        return 2
    from belegsync.logs import configure_logging

    configure_logging(level=settings.log_level, json=settings.log_json)
    handler: Handler = args.handler
    try:
        return handler(args, settings)
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
