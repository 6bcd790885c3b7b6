"""Browser tests: the emulator and ``belegsync serve`` as real servers on 127.0.0.1, driven
by Debian's chromium through Playwright."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "test-output" / "screenshots"
BELEGSYNC = [str(Path(sys.executable).parent / "belegsync")]
PASSWORD = "e2e-pass-1234"
RATE = "200"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for(url: str, process: subprocess.Popen[bytes], timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{url}: the server exited with {process.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=1):
                return
        except OSError:
            time.sleep(0.1)
    raise TimeoutError(url)


def _post(url: str, body: dict[str, object]) -> dict[str, object]:
    request = urllib.request.Request(
        url, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        answer: dict[str, object] = json.loads(response.read())
        return answer


def emulator_account(emulator_url: str, name: str) -> str:
    """A second Lexware organisation in the emulator with 40 vouchers; returns its key."""
    control = f"{emulator_url}/_emulator"
    org = _post(f"{control}/organizations", {"name": name})
    body = {"count": 40, "seed": 5, "start": "2025-01-01"}
    _post(f"{control}/organizations/{org['id']}/generate", body)
    key = _post(f"{control}/keys", {"organizationId": org["id"]})
    return str(key["key"])


@dataclass
class Servers:
    app_url: str
    emulator_url: str
    data_dir: Path
    env: dict[str, str]

    def cli(self, *args: str, stdin: str = "") -> str:
        result = subprocess.run(
            [*BELEGSYNC, *args], input=stdin.encode(), env=self.env, capture_output=True, check=True
        )
        return result.stdout.decode().strip()

    def query(self, sql: str, *params: str) -> list[tuple[object, ...]]:
        with sqlite3.connect(self.data_dir / "belegsync.sqlite3") as db:
            return list(db.execute(sql, params))


@contextlib.contextmanager
def running_servers(
    data_dir: Path,
    prepare: Callable[[Servers], None],
    *,
    seed: str = "demo",
    firm: str = "Kanzlei E2E",
) -> Iterator[Servers]:
    """The emulator and ``belegsync serve`` on free ports over ``data_dir``; ``prepare``
    sets up clients, logins and data before the app starts."""
    if shutil.which("chromium") is None:
        pytest.skip("Debian's chromium is not installed (make test installs it)")
    emulator_port, app_port = free_port(), free_port()
    emulator_url = f"http://127.0.0.1:{emulator_port}"
    env = {
        **os.environ,
        "BELEGSYNC_DATA_DIR": str(data_dir),
        "BELEGSYNC_LEXWARE_BASE_URL": emulator_url,
        "BELEGSYNC_LEXWARE_RATE": RATE,
        "BELEGSYNC_HOST": "127.0.0.1",
        "BELEGSYNC_PORT": str(app_port),
        "BELEGSYNC_FIRM_NAME": firm,
        "BELEGSYNC_FIRM_EMAIL": "kanzlei@e2e.test",
        "BELEGSYNC_LOG_LEVEL": "warning",
    }
    env.pop("BELEGSYNC_DATABASE_URL", None)
    log = (data_dir / "servers.log").open("wb")
    emulator = subprocess.Popen(
        [*BELEGSYNC, "emulator", "--port", str(emulator_port), "--rate", RATE, "--seed", seed],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    app: subprocess.Popen[bytes] | None = None
    try:
        wait_for(f"{emulator_url}/_emulator/keys", emulator)
        s = Servers(f"http://127.0.0.1:{app_port}", emulator_url, data_dir, env)
        s.cli("migrate")
        prepare(s)
        app = subprocess.Popen([*BELEGSYNC, "serve"], env=env, stdout=log, stderr=subprocess.STDOUT)
        wait_for(f"{s.app_url}/login", app)
        yield s
    finally:
        for process in (app, emulator):
            if process is not None:
                process.terminate()
                try:
                    process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    process.kill()
        log.close()


def _three_clients(s: Servers) -> None:
    for name in ("Alpha GmbH", "Beta UG", "Gamma KG"):
        s.cli("tenant", "add", name, "--open-tax-year", "2025", "--open-tax-year", "2026")
    for email, tenant in (
        ("a@e2e.test", "Alpha GmbH"),
        ("b@e2e.test", "Beta UG"),
        ("c@e2e.test", "Gamma KG"),
    ):
        s.cli("user", "add", email, "--role", "client", "--tenant", tenant, stdin=PASSWORD)
    s.cli("user", "add", "staff@e2e.test", "--role", "staff", stdin=PASSWORD)
    # One Lexware organisation, one client: Beta UG has an account of its own.
    s.env["BELEGSYNC_API_KEY"] = emulator_account(s.emulator_url, "Beta UG Buchhaltung")
    s.cli("connect", "Beta UG")
    del s.env["BELEGSYNC_API_KEY"]


@pytest.fixture(scope="session")
def servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Servers]:
    with running_servers(tmp_path_factory.mktemp("e2e-data"), _three_clients) as s:
        yield s


def login(page: Any, email: str) -> None:
    """Log in through the form; the page ends on the user's start page."""
    page.goto("/login")
    page.get_by_label("E-Mail-Adresse").fill(email)
    page.get_by_label("Passwort").fill(PASSWORD)
    page.get_by_role("button", name="Anmelden").click()
    page.wait_for_load_state()


# Module scope, not session: Playwright's sync API runs an event loop in this thread for
# as long as it is open, and the async tests that pytest-xdist may run next in the same
# worker need the thread free of it.
@pytest.fixture(scope="module")
def browser_instance() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    executable = shutil.which("chromium")
    if executable is None:
        pytest.skip("Debian's chromium is not installed (make test installs it)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def shot(page: object, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)  # type: ignore[attr-defined]


def page_width(page: Any) -> int:
    """The page's full width (wider than the screen means sideways scrolling).

    A click that navigates returns once the navigation started: wait for the new page,
    or the measure falls between two documents (``documentElement`` is then null).
    """
    page.wait_for_load_state("load")
    return int(page.evaluate("document.documentElement.scrollWidth"))
