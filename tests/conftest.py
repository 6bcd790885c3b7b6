"""Suite-wide fixtures and hooks. Area fixtures live in the conftest.py of each test folder."""

from __future__ import annotations

import os
from collections.abc import Generator
from typing import Any

import pytest
from hypothesis import settings

# Property tests check behaviour, not speed: no per-example deadline (Hypothesis' default of
# 200 ms fails examples at random on a loaded machine). Speed belongs in bench/.
settings.register_profile("belegsync", deadline=None)
settings.load_profile("belegsync")

# Where the machine runs PostgreSQL and has Debian's chromium (CI sets this in .ci/run), a test
# that would be skipped because the server or the browser is missing fails instead: a down
# database must not turn a red suite green.
REQUIRE_SERVICES = os.environ.get("BELEGSYNC_REQUIRE_SERVICES", "") == "1"
_SERVICE_WORDS = ("postgres", "psycopg", "chromium")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, Any, None]:
    outcome = yield
    report: pytest.TestReport = outcome.get_result()
    if REQUIRE_SERVICES and report.skipped and _service_missing(report):
        report.outcome = "failed"
        report.longrepr = (
            f"{item.nodeid}: a required service is missing (BELEGSYNC_REQUIRE_SERVICES=1); "
            f"the test was skipped: {_skip_reason(report)}"
        )


def _skip_reason(report: pytest.TestReport) -> str:
    longrepr = report.longrepr
    if isinstance(longrepr, tuple) and len(longrepr) == 3:
        return str(longrepr[2])
    return str(longrepr)


def _service_missing(report: pytest.TestReport) -> bool:
    reason = _skip_reason(report).lower()
    return any(word in reason for word in _SERVICE_WORDS)
