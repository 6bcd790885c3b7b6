from __future__ import annotations

from collections.abc import Callable
from dataclasses import fields
from datetime import date, datetime, timedelta, timezone

import pytest

from belegsync.domain.connection import (
    LEXWARE_UNREACHABLE,
    Connection,
    ConnectionState,
    FailureReason,
    default_key_expiry,
    explain_failure,
    explain_unreachable,
    failure_for_http_status,
    resolve_key_expiry,
    validate_key_expiry,
)
from belegsync.domain.dates import UTC
from belegsync.domain.errors import InvalidInput, InvalidTransition

NOW = datetime(2026, 5, 4, 6, 30, tzinfo=UTC)
EXPIRES = date(2028, 5, 4)


def activate(conn: Connection, org: str = "org-1") -> Connection:
    return conn.activate(
        organization_id=org,
        company_name="Muster GmbH",
        connection_id="conn-1",
        key_last4="a1b2",
        key_expires_on=EXPIRES,
        connected_at=NOW,
    )


def in_state(state: ConnectionState) -> Connection:
    pending = Connection().start()
    return {
        ConnectionState.NONE: Connection(),
        ConnectionState.PENDING: pending,
        ConnectionState.ACTIVE: activate(pending),
        ConnectionState.FAILED: pending.fail(FailureReason.INVALID_KEY),
    }[state]


Transition = Callable[[Connection], Connection]
TRANSITIONS: dict[str, tuple[Transition, ConnectionState]] = {
    "start": (lambda c: c.start(), ConnectionState.PENDING),
    "activate": (activate, ConnectionState.ACTIVE),
    "fail": (lambda c: c.fail(FailureReason.CONTRACT), ConnectionState.FAILED),
    "reactivate": (lambda c: c.reactivate(), ConnectionState.PENDING),
    "disconnect": (lambda c: c.disconnect(), ConnectionState.NONE),
    "replace_key": (
        lambda c: c.replace_key(
            organization_id="org-1", key_last4="zzzz", key_expires_on=date(2028, 6, 1)
        ),
        ConnectionState.ACTIVE,
    ),
}
ALLOWED: set[tuple[ConnectionState, str]] = {
    (ConnectionState.NONE, "start"),
    (ConnectionState.PENDING, "activate"),
    (ConnectionState.PENDING, "fail"),
    (ConnectionState.ACTIVE, "fail"),
    (ConnectionState.FAILED, "reactivate"),
    (ConnectionState.ACTIVE, "replace_key"),
    *((state, "disconnect") for state in ConnectionState),
}


@pytest.mark.parametrize("state", list(ConnectionState))
@pytest.mark.parametrize("name", list(TRANSITIONS))
def test_transition_table(state: ConnectionState, name: str) -> None:
    transition, target = TRANSITIONS[name]
    before = in_state(state)
    if (state, name) in ALLOWED:
        after = transition(before)
        assert after.state is target
        assert before.state is state  # values are immutable
    else:
        with pytest.raises(InvalidTransition) as info:
            transition(before)
        assert info.value.from_state == state.value
        assert info.value.to_state == target.value
        assert info.value.code == "invalid_transition"
        assert state.value in str(info.value)


def test_labels() -> None:
    assert [s.label_de for s in ConnectionState] == [
        "Keine Verbindung",
        "Verbindung aktivieren",
        "Aktiv",
        "Verbindung fehlgeschlagen",
    ]
    assert [s.label_en for s in ConnectionState] == [
        "Not connected",
        "Activate connection",
        "Active",
        "Connection failed",
    ]


def test_activate_records_profile_key_facts_and_banner() -> None:
    conn = activate(Connection().start())
    assert conn.organization_id == "org-1"
    assert conn.company_name == "Muster GmbH"
    assert conn.connection_id == "conn-1"
    assert conn.key_last4 == "a1b2"
    assert conn.key_expires_on == EXPIRES
    assert conn.connected_at == NOW
    assert conn.success_banner_pending is True
    assert conn.acknowledge_success_banner().success_banner_pending is False


def test_activate_normalises_connected_at_to_utc_and_refuses_naive() -> None:
    berlin_offset = timezone(timedelta(hours=2))
    conn = (
        Connection()
        .start()
        .activate(
            organization_id="o",
            company_name="c",
            connection_id="k",
            key_last4="1234",
            key_expires_on=EXPIRES,
            connected_at=datetime(2026, 5, 4, 8, 30, tzinfo=berlin_offset),
        )
    )
    assert conn.connected_at == NOW
    assert conn.connected_at is not None and conn.connected_at.utcoffset() == timedelta(0)
    with pytest.raises(InvalidInput):
        Connection().start().activate(
            organization_id="o",
            company_name="c",
            connection_id="k",
            key_last4="1234",
            key_expires_on=EXPIRES,
            connected_at=datetime(2026, 5, 4, 8, 30),
        )


@pytest.mark.parametrize("last4", ["", "123", "12345"])
def test_activate_stores_exactly_four_characters(last4: str) -> None:
    with pytest.raises(InvalidInput) as info:
        Connection().start().activate(
            organization_id="o",
            company_name="c",
            connection_id="k",
            key_last4=last4,
            key_expires_on=EXPIRES,
            connected_at=NOW,
        )
    assert info.value.code == "invalid_key_last4"


def test_activate_needs_profile_ids() -> None:
    with pytest.raises(InvalidInput) as info:
        activate(Connection().start(), org="")
    assert info.value.code == "incomplete_profile"


def test_no_field_can_hold_the_plaintext_key() -> None:
    names = {f.name for f in fields(Connection)}
    assert "key_last4" in names
    assert not {n for n in names if "key" in n} - {"key_last4", "key_expires_on"}


def test_failure_then_new_key_keeps_profile_and_clears_reason() -> None:
    failed = activate(Connection().start()).fail(FailureReason.INVALID_KEY)
    assert failed.failure_reason is FailureReason.INVALID_KEY
    assert failed.success_banner_pending is False
    assert failed.explanation is not None
    pending = failed.reactivate()
    assert pending.failure_reason is None
    assert pending.explanation is None
    assert pending.organization_id == "org-1"
    again = pending.activate(
        organization_id="org-1",
        company_name="Muster GmbH",
        connection_id="conn-1",
        key_last4="9999",
        key_expires_on=date(2028, 7, 1),
        connected_at=NOW + timedelta(days=60),
    )
    assert again.state is ConnectionState.ACTIVE
    assert again.key_last4 == "9999"
    assert again.success_banner_pending is True


def test_new_key_for_another_lexware_account_is_refused_until_disconnect() -> None:
    pending = activate(Connection().start()).fail(FailureReason.EXPIRED).reactivate()
    with pytest.raises(InvalidInput) as info:
        activate(pending, org="org-2")
    assert info.value.code == "organization_changed"
    with pytest.raises(InvalidInput):
        activate(Connection().start()).replace_key(
            organization_id="org-2", key_last4="abcd", key_expires_on=EXPIRES
        )
    switched = activate(pending.disconnect().start(), org="org-2")
    assert switched.organization_id == "org-2"


def test_replace_key_while_active_keeps_banner_state() -> None:
    conn = activate(Connection().start()).acknowledge_success_banner()
    renewed = conn.replace_key(
        organization_id="org-1", key_last4="wxyz", key_expires_on=date(2028, 9, 1)
    )
    assert renewed.key_last4 == "wxyz"
    assert renewed.key_expires_on == date(2028, 9, 1)
    assert renewed.success_banner_pending is False
    assert renewed.connected_at == conn.connected_at


def test_disconnect_forgets_key_facts() -> None:
    conn = activate(Connection().start()).disconnect()
    assert conn == Connection()
    assert conn.key_last4 is None


def test_missing_permission_needs_its_name_and_only_then() -> None:
    pending = Connection().start()
    failed = pending.fail(FailureReason.MISSING_PERMISSION, missing_permission="Belege abrufen")
    assert failed.missing_permission == "Belege abrufen"
    assert failed.explanation is not None
    assert "„Belege abrufen“" in failed.explanation.message_de
    assert "allen Berechtigungen" in failed.explanation.advice_de
    with pytest.raises(InvalidInput):
        pending.fail(FailureReason.MISSING_PERMISSION)
    with pytest.raises(InvalidInput):
        pending.fail(FailureReason.INVALID_KEY, missing_permission="x")


def test_unreachable_can_never_fail_a_connection() -> None:
    assert LEXWARE_UNREACHABLE not in set(FailureReason)
    with pytest.raises(InvalidInput) as info:
        Connection().start().fail(LEXWARE_UNREACHABLE)  # type: ignore[arg-type]
    assert info.value.code == "not_a_failure_reason"
    assert explain_unreachable().code == "lexware_unreachable"
    assert "später" in explain_unreachable().advice_de


def test_explanations_are_distinct_and_complete() -> None:
    explanations = [explain_failure(r, "Belege abrufen") for r in FailureReason]
    assert len({e.code for e in explanations}) == len(FailureReason)
    for e in explanations:
        assert e.message_de and e.advice_de and e.message_en and e.advice_en
    invalid = explain_failure(FailureReason.INVALID_KEY)
    assert invalid.message_de.startswith("Lexware hat den API-Schlüssel abgelehnt")
    assert invalid.advice_de.startswith(
        "Erstellen Sie in der Public-API-Verwaltung von Lexware Office einen neuen API-Schlüssel"
    )
    assert "verlängern" in explain_failure(FailureReason.EXPIRED).advice_de
    assert "XL" in explain_failure(FailureReason.CONTRACT).message_de


@pytest.mark.parametrize(
    ("status", "reason"),
    [
        (401, FailureReason.INVALID_KEY),
        (402, FailureReason.CONTRACT),
        (403, FailureReason.MISSING_PERMISSION),
        (429, None),
        (500, None),
        (503, None),
        (200, None),
    ],
)
def test_failure_for_http_status(status: int, reason: FailureReason | None) -> None:
    assert failure_for_http_status(status) is reason


def test_default_key_expiry_is_24_months() -> None:
    assert default_key_expiry(date(2026, 5, 4)) == date(2028, 5, 4)
    assert default_key_expiry(date(2024, 2, 29)) == date(2026, 2, 28)


def test_validate_key_expiry() -> None:
    today = date(2026, 5, 4)
    assert validate_key_expiry(date(2026, 5, 5), today) == date(2026, 5, 5)
    assert validate_key_expiry(date(2028, 5, 4), today) == date(2028, 5, 4)
    with pytest.raises(InvalidInput) as info:
        validate_key_expiry(today, today)
    assert info.value.code == "key_expiry_not_in_future"
    with pytest.raises(InvalidInput) as info:
        validate_key_expiry(date(2028, 5, 5), today)
    assert info.value.code == "key_expiry_too_far"
    assert "04.05.2028" in info.value.message


def test_resolve_key_expiry() -> None:
    today = date(2026, 5, 4)
    assert resolve_key_expiry(None, today) == date(2028, 5, 4)
    assert resolve_key_expiry(date(2027, 1, 1), today) == date(2027, 1, 1)
    with pytest.raises(InvalidInput):
        resolve_key_expiry(date(2020, 1, 1), today)


@pytest.mark.parametrize(
    ("today", "warning"),
    [
        (date(2028, 4, 3), None),
        (date(2028, 4, 4), "30_days"),
        (date(2028, 4, 26), "30_days"),
        (date(2028, 4, 27), "7_days"),
        (date(2028, 5, 4), "7_days"),
        (date(2028, 5, 5), "expired"),
    ],
)
def test_expiry_warning(today: date, warning: str | None) -> None:
    assert activate(Connection().start()).expiry_warning(today) == warning


def test_expiry_warning_needs_a_key() -> None:
    assert Connection().expiry_warning(date(2030, 1, 1)) is None
    assert activate(Connection().start()).disconnect().expiry_warning(date(2030, 1, 1)) is None


def test_check_expiry_fails_active_connection_after_the_date() -> None:
    conn = activate(Connection().start())
    assert conn.check_expiry(date(2028, 5, 4)) is conn
    expired = conn.check_expiry(date(2028, 5, 5))
    assert expired.state is ConnectionState.FAILED
    assert expired.failure_reason is FailureReason.EXPIRED
    # Other states are left alone; a failed one keeps its original reason.
    failed = conn.fail(FailureReason.CONTRACT)
    assert failed.check_expiry(date(2029, 1, 1)) is failed
    pending = Connection().start()
    assert pending.check_expiry(date(2029, 1, 1)) is pending
