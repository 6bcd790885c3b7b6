from __future__ import annotations

import structlog
from structlog.testing import capture_logs

from belegsync.logs import REDACTED, redact_processor, redact_text

KEY = "Xy7_kP2mQ9vLr4TzWb8NcD1fGh3JsA6e"


def test_sensitive_fields_are_masked() -> None:
    event = redact_processor(
        None, "info", {"event": "x", "api_key": KEY, "headers": {"Authorization": f"Bearer {KEY}"}}
    )
    assert event["api_key"] == REDACTED
    assert event["headers"]["Authorization"] == REDACTED


def test_key_shaped_words_in_free_text_are_masked() -> None:
    text = redact_text(f"request failed for key {KEY} with Bearer abc.def")
    assert KEY not in text
    assert "abc.def" not in text
    assert text.count(REDACTED) == 2


def test_ids_and_digests_stay_readable() -> None:
    uuid = "57b8d457-1fb6-4ae9-944a-9fe763da2aff"
    digest = "a" * 12 + "0123456789abcdef" * 3
    assert redact_text(f"voucher {uuid} file {digest}") == f"voucher {uuid} file {digest}"
    assert redact_text("voucher_status_changed") == "voucher_status_changed"


def test_processor_applies_inside_a_structlog_chain() -> None:
    structlog.configure(processors=[redact_processor, structlog.testing.LogCapture()])
    with capture_logs(processors=[redact_processor]) as logs:
        structlog.get_logger().info("connect_failed", detail=f"key {KEY} rejected", nested=[KEY])
    structlog.reset_defaults()
    assert KEY not in repr(logs)
