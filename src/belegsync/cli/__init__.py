"""The ``belegsync`` command line: reads settings, chooses adapters and starts things.

It is the only package that knows every other one.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Callable, Sequence

from belegsync import __version__
from belegsync.domain.clock import Clock, SystemClock
from belegsync.settings import Settings, SettingsError

# A command: its parsed arguments, the settings and the clock; returns the exit code.
Handler = Callable[[argparse.Namespace, Settings, Clock], int]


def _cmd_emulator(args: argparse.Namespace, settings: Settings, clock: Clock) -> int:
    from belegsync.emulator import run_emulator

    run_emulator(
        host=args.host,
        port=args.port,
        seed=args.seed,
        api_key=args.api_key,
        rate_per_second=args.rate,
    )
    return 0


def _lazy(name: str, module_name: str = "belegsync.cli.commands") -> Handler:
    """Import the command module only when a command runs: ``--help`` stays fast."""

    def handler(args: argparse.Namespace, settings: Settings, clock: Clock) -> int:
        # Only the demo needs the emulator (fpdf, Pillow, Litestar): ~0.7 s per command.
        module = importlib.import_module(
            "belegsync.cli.demo" if name == "cmd_demo" else module_name
        )
        fn: Handler = getattr(module, name)
        return fn(args, settings, clock)

    return handler


def _add_tenant_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    tenant = sub.add_parser("tenant", help="manage clients (tenants)")
    tsub = tenant.add_subparsers(dest="tenant_command", metavar="SUBCOMMAND", required=True)
    add = tsub.add_parser("add", help="create a client; prints its id")
    add.add_argument("name")
    add.add_argument("--open-tax-year", type=int, action="append", metavar="YEAR")
    add.add_argument("--closed-tax-year", type=int, action="append", metavar="YEAR")
    add.add_argument("--bookkeeping-service", action="store_true")
    add.add_argument("--last-vat-return", metavar="YYYY-MM|YYYY-Qn")
    add.set_defaults(handler=_lazy("cmd_tenant_add"))

    year = sub.add_parser("tax-year", help="close or reopen a client's tax year")
    year.add_argument("tenant", metavar="TENANT")
    year.add_argument("action", choices=("close", "reopen"))
    year.add_argument("year", type=int)
    year.set_defaults(handler=_lazy("cmd_tax_year"))

    vat = sub.add_parser("vat-return", help="record a submitted VAT advance return")
    vat.add_argument("tenant", metavar="TENANT")
    vat.add_argument("period", metavar="YYYY-MM|YYYY-Qn")
    vat.set_defaults(handler=_lazy("cmd_vat_return"))


def _add_connection_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    connect = sub.add_parser(
        "connect",
        help="connect a client to Lexware Office; the key comes from stdin or BELEGSYNC_API_KEY",
    )
    connect.add_argument("tenant", metavar="TENANT")
    connect.add_argument("--base-url", help="Lexware API base URL (default: the setting)")
    connect.add_argument(
        "--key-expires", metavar="TT.MM.JJJJ", help="expiry shown in Lexware (or YYYY-MM-DD)"
    )
    connect.add_argument(
        "--allow-shared-organization",
        action="store_true",
        help="staff: connect although another client has this Lexware account (audited)",
    )
    connect.add_argument("--no-sync", action="store_true", help="do not run the first sync now")
    connect.set_defaults(handler=_lazy("cmd_connect"))

    disconnect = sub.add_parser("disconnect", help="delete the key; synced vouchers stay")
    disconnect.add_argument("tenant", metavar="TENANT")
    disconnect.set_defaults(handler=_lazy("cmd_disconnect"))

    sync = sub.add_parser("sync", help="run a sync now and print its report")
    sync.add_argument("tenant", metavar="TENANT")
    sync.add_argument("--full", action="store_true", help="walk the whole window again")
    sync.add_argument("--json", action="store_true")
    sync.set_defaults(handler=_lazy("cmd_sync"))

    status = sub.add_parser("status", help="connection state, reason, key expiry, last runs")
    status.add_argument("tenant", metavar="TENANT")
    status.add_argument("--json", action="store_true")
    status.set_defaults(handler=_lazy("cmd_status"))

    vouchers = sub.add_parser("vouchers", help="synced vouchers with payments and files")
    vouchers.add_argument("tenant", metavar="TENANT")
    vouchers.add_argument("--json", action="store_true")
    vouchers.set_defaults(handler=_lazy("cmd_vouchers"))


def _add_banking_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    def lazy(name: str) -> Handler:
        return _lazy(name, "belegsync.cli.banking_commands")

    imp = sub.add_parser("import-statement", help="import a bank statement file")
    imp.add_argument("tenant", metavar="TENANT")
    imp.add_argument("file", metavar="FILE")
    imp.add_argument(
        "--account",
        metavar="IBAN",
        help="the account; wins over the one the file names (with a warning when they differ)",
    )
    imp.add_argument(
        "--format",
        metavar="FORMAT",
        help="camt|zip|mt940|csv|csv:BANK|csv:generic (default: detect); BANK is one of "
        "sparkasse, sparkasse-mt940, ing, dkb, dkb-alt, commerzbank, deutsche-bank, postbank, "
        "volksbank, n26, qonto, paypal",
    )
    imp.add_argument("--csv-mapping", metavar="JSON_FILE", help="column mapping for csv:generic")
    imp.add_argument("--json", action="store_true")
    imp.set_defaults(handler=lazy("cmd_import_statement"))

    advice = sub.add_parser(
        "import-advice",
        help="attach a payment advice (CSV) or the client's own SEPA batch file "
        "(pain.008/pain.001) to the batch lines it breaks down",
    )
    advice.add_argument("tenant", metavar="TENANT")
    advice.add_argument("file", metavar="FILE")
    advice.add_argument("--json", action="store_true")
    advice.set_defaults(handler=lazy("cmd_import_advice"))

    txns = sub.add_parser("transactions", help="bank transactions of a client")
    txns.add_argument("tenant", metavar="TENANT")
    txns.add_argument("--account", metavar="IBAN")
    txns.add_argument("--json", action="store_true")
    txns.set_defaults(handler=lazy("cmd_transactions"))

    match = sub.add_parser("match", help="match vouchers to bank transactions now")
    match.add_argument("tenant", metavar="TENANT")
    match.add_argument("--json", action="store_true")
    match.set_defaults(handler=_lazy("cmd_match", "belegsync.cli.matching_commands"))


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="belegsync",
        description="Lexware Office integration: paid vouchers, their files, bank matching.",
    )
    parser.add_argument("--version", action="version", version=f"belegsync {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    demo = sub.add_parser("demo", help="emulator with demo data, demo clients, scheduler")
    demo.add_argument("--emulator-port", type=int, default=8900, help="emulator port (8900)")
    demo.set_defaults(handler=_lazy("cmd_demo"))

    sub.add_parser(
        "serve", help="the web app with the scheduler and workers (embedded mode)"
    ).set_defaults(handler=_lazy("cmd_serve"))
    worker = sub.add_parser("worker", help="a scale-out sync worker (PostgreSQL mode)")
    worker.add_argument("--concurrency", type=int, default=8, help="syncs at once (8)")
    worker.add_argument("--once", action="store_true", help="stop when the queue is empty")
    worker.set_defaults(handler=_lazy("cmd_worker", "belegsync.cli.scaleout"))
    sub.add_parser("migrate", help="bring the database schema up to date").set_defaults(
        handler=_lazy("cmd_migrate")
    )
    sub.add_parser(
        "rotate-keys", help="add a new encryption key and re-encrypt the stored API keys"
    ).set_defaults(handler=_lazy("cmd_rotate_keys"))

    emu = sub.add_parser("emulator", help="run the Lexware Office emulator")
    emu.add_argument("--port", type=int, default=8900, help="port to listen on (8900)")
    emu.add_argument("--host", default="127.0.0.1", help="address to listen on (127.0.0.1)")
    emu.add_argument("--seed", choices=("demo", "empty"), default="demo", help="initial data")
    emu.add_argument("--api-key", default=None, help="use this key for the demo organisation")
    emu.add_argument("--rate", type=float, default=2.0, help="requests/s per key before 429")
    emu.set_defaults(handler=_cmd_emulator)

    _add_tenant_commands(sub)
    _add_connection_commands(sub)
    _add_banking_commands(sub)
    _add_web_commands(sub)
    return parser


def _add_web_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    user = sub.add_parser("user", help="manage web logins")
    usub = user.add_subparsers(dest="user_command", metavar="SUBCOMMAND", required=True)
    add = usub.add_parser("add", help="create a login; the password comes from stdin")
    add.add_argument("email")
    add.add_argument("--role", choices=("client", "staff"), required=True)
    add.add_argument("--tenant", metavar="TENANT", help="the client's tenant (role client)")
    add.add_argument("--locale", choices=("de", "en"), default="de")
    add.set_defaults(handler=_lazy("cmd_user_add", "belegsync.cli.webapp"))
    password = usub.add_parser(
        "password", help="set a new password (from stdin); the login's sessions end"
    )
    password.add_argument("email")
    password.set_defaults(handler=_lazy("cmd_user_password", "belegsync.cli.webapp"))
    for name, text in (("disable", "disable a login; its sessions end"), ("enable", "enable it")):
        switch = usub.add_parser(name, help=text)
        switch.add_argument("email")
        switch.set_defaults(handler=_lazy(f"cmd_user_{name}", "belegsync.cli.webapp"))

    token = sub.add_parser("api-token", help="create a JSON API token for a client; prints it")
    token.add_argument("tenant", metavar="TENANT")
    token.add_argument("--name", default="API", help="a label to tell tokens apart")
    token.set_defaults(handler=_lazy("cmd_api_token", "belegsync.cli.webapp"))


def main(argv: Sequence[str] | None = None) -> int:
    """The ``belegsync`` console script: the arguments from ``sys.argv``, "now" from the system
    clock, and this process's logging configured from the settings. Returns the exit code."""
    return _command(argv, SystemClock(), configure_logs=True)


def run(argv: Sequence[str], *, clock: Clock) -> int:
    """One command inside a process that has its own logging (the tests), with its clock.

    The same parsing, settings, wiring and error messages as :func:`main`; only the
    process-wide logging configuration is left as it is.
    """
    return _command(argv, clock, configure_logs=False)


def _command(argv: Sequence[str] | None, clock: Clock, *, configure_logs: bool) -> int:
    args = build_parser().parse_args(argv)
    try:
        settings = Settings.from_env()
    except SettingsError as exc:
        print(f"belegsync: Konfigurationsfehler: {exc}", file=sys.stderr)
        return 2
    if configure_logs:
        from belegsync.logs import configure_logging

        configure_logging(level=settings.log_level, json=settings.log_json)
    handler: Handler = args.handler
    from belegsync.cli.errors import explain_error

    try:
        return handler(args, settings, clock)
    except KeyboardInterrupt:
        return 130
    except Exception as exc:
        explained = explain_error(exc)
        if explained is None:
            raise
        message, code = explained
        print(f"belegsync: {message}", file=sys.stderr)
        return code
