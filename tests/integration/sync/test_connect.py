"""Connecting with an API key: every outcome, through the real client and the emulator."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest

from belegsync.domain.connection import ConnectionState, FailureReason
from belegsync.domain.errors import InvalidInput
from belegsync.emulator import MAIN_KEY, MAIN_ORG_ID
from belegsync.sync.connect import LexwareUnreachable, start_connection
from support.sync_harness import NOW, Harness

EXPIRED_KEY = "demo-expired-key-000000000000000000002"
LIMITED_KEY = "demo-limited-key-000000000000000000003"
NO_XL_KEY = "demo-no-xl-key-0000000000000000000004"
ALL_BUT_PAYMENTS_AND_FILES = [
    "profile",
    "voucherlist",
    "vouchers",
    "invoices",
    "credit-notes",
    "down-payment-invoices",
    "event-subscriptions",
]


async def _add_key(harness: Harness, key: str, **body: Any) -> None:
    await harness.emulator("POST", "/keys", {"organizationId": MAIN_ORG_ID, "key": key, **body})


async def _audit_count(harness: Harness) -> int:
    from sqlalchemy import func, select

    from belegsync.store.models import AuditLogEntry

    async with harness.uow_factory() as uow:
        return int(await uow.session.scalar(select(func.count()).select_from(AuditLogEntry)) or 0)


async def _row_state(harness: Harness) -> dict[str, Any]:
    row = await harness.connection_row()
    assert row is not None
    return {
        "state": row.state,
        "failure_reason": row.failure_reason,
        "failure_detail": row.failure_detail,
        "organization_id": row.organization_id,
        "key_last4": row.key_last4,
        "key_expires_on": row.key_expires_on,
        "encrypted_api_key": row.encrypted_api_key,
    }


async def test_success_stores_profile_and_encrypted_key_with_default_expiry(
    harness: Harness,
) -> None:
    await harness.add_tenant(open_tax_years=[2026])

    result = await harness.connect()

    assert result.state is ConnectionState.ACTIVE
    assert result.explanation is None
    row = await harness.connection_row()
    profile = (await harness.control.get("/_emulator/keys")).json()["keys"][0]
    assert row.organization_id == MAIN_ORG_ID == profile["organizationId"]
    assert row.company_name == "Musterbau Schreinerei GmbH" == result.company_name
    assert harness.app.world.keys[MAIN_KEY].connection_id == row.lexware_connection_id
    assert row.key_last4 == MAIN_KEY[-4:]
    assert row.encrypted_api_key is not None
    assert MAIN_KEY.encode() not in row.encrypted_api_key
    assert harness.keyring.decrypt(row.encrypted_api_key) == MAIN_KEY
    # connect date 15.06.2026 (Berlin) + 24 months
    assert row.key_expires_on == date(2028, 6, 15)
    assert row.success_banner_pending


async def test_success_keeps_the_entered_expiry_date(harness: Harness) -> None:
    await harness.add_tenant(open_tax_years=[2026])
    entered = date(2027, 3, 31)

    await harness.connect(key_expires_on=entered)

    assert (await harness.connection_row()).key_expires_on == entered


async def test_invalid_key_fails_with_reason_and_advice(harness: Harness) -> None:
    await harness.add_tenant(open_tax_years=[2026])

    result = await harness.connect("unknown-key-aaaaaaaaaaaaaaaaaaaaaaaaaaaa")

    assert result.state is ConnectionState.FAILED
    assert result.explanation is not None
    assert result.explanation.code == "lexware_key_rejected"
    state = await _row_state(harness)
    assert state["state"] == "failed"
    assert state["failure_reason"] == FailureReason.INVALID_KEY.value
    assert state["encrypted_api_key"] is None
    assert (await harness.counters())["byStatus"] == {"401": 1}


async def test_key_expired_in_lexware_fails_and_tells_what_to_do(harness: Harness) -> None:
    await harness.add_tenant(open_tax_years=[2026])
    await _add_key(harness, EXPIRED_KEY, expiresAt=(NOW - timedelta(days=3)).isoformat())

    result = await harness.connect(EXPIRED_KEY)

    assert result.state is ConnectionState.FAILED
    assert (await _row_state(harness))["failure_reason"] == "invalid_key"
    explanation = result.explanation
    assert explanation is not None
    assert "abgelehnt" in explanation.message_de
    assert "neuen API-Schlüssel" in explanation.advice_de
    assert "Lexware Office" in explanation.advice_de


async def test_account_without_xl_fails_with_reason_contract(harness: Harness) -> None:
    await harness.add_tenant(open_tax_years=[2026])
    org = await harness.emulator("POST", "/organizations", {"name": "Klein UG", "xl": False})
    await harness.emulator("POST", "/keys", {"organizationId": org["id"], "key": NO_XL_KEY})

    result = await harness.connect(NO_XL_KEY)

    assert result.state is ConnectionState.FAILED
    assert (await _row_state(harness))["failure_reason"] == "contract"
    assert result.explanation is not None
    assert "XL" in result.explanation.message_de
    assert (await harness.counters())["byStatus"] == {"402": 1}


async def test_missing_permission_is_named(harness: Harness) -> None:
    await harness.add_tenant(open_tax_years=[2026])
    await _add_key(harness, LIMITED_KEY, permissions=ALL_BUT_PAYMENTS_AND_FILES)

    result = await harness.connect(LIMITED_KEY)

    assert result.state is ConnectionState.FAILED
    state = await _row_state(harness)
    assert state["failure_reason"] == "missing_permission"
    assert "Zahlungsinformationen" in state["failure_detail"]
    assert result.explanation is not None
    assert "Zahlungsinformationen" in result.explanation.message_de
    assert "allen Berechtigungen" in result.explanation.advice_de


async def test_unreachable_lexware_keeps_the_pending_state(harness: Harness) -> None:
    await harness.add_tenant(open_tax_years=[2026])
    await start_connection(
        uow_factory=harness.uow_factory, clock=harness.clock, tenant_id=harness.tenant_id
    )
    before = await _row_state(harness)
    await harness.emulator("POST", "/faults", {"kind": "error", "status": 503})

    with pytest.raises(LexwareUnreachable) as raised:
        await harness.connect()

    assert "später" in raised.value.explanation.advice_de
    assert before["state"] == "pending"
    assert await _row_state(harness) == before
    assert (await harness.counters())["byStatus"]["503"] >= 1


async def test_unreachable_lexware_leaves_an_active_connection_active(harness: Harness) -> None:
    await harness.add_tenant(open_tax_years=[2026])
    await harness.connect()
    before = await _row_state(harness)
    await harness.emulator("POST", "/faults", {"kind": "error", "status": 503})

    with pytest.raises(LexwareUnreachable):
        await harness.connect()

    assert await _row_state(harness) == before
    assert before["state"] == "active"


@pytest.mark.parametrize(
    "key",
    ["", "   ", "short", "demo main key with spaces 000000001", "schlüssel-0000000000000000"],
)
async def test_malformed_key_is_refused_before_anything_is_written(
    harness: Harness, key: str
) -> None:
    await harness.add_tenant(open_tax_years=[2026])
    before = await _row_state(harness)
    audits = await _audit_count(harness)

    with pytest.raises(InvalidInput) as raised:
        await harness.connect(key)

    assert raised.value.code in ("api_key_missing", "api_key_malformed")
    assert await _row_state(harness) == before
    assert await _audit_count(harness) == audits
    assert (await harness.counters())["requests"] == 0


@pytest.mark.parametrize(
    ("entered", "code"),
    [
        (date(2026, 6, 15), "key_expiry_not_in_future"),
        (date(2025, 12, 31), "key_expiry_not_in_future"),
        (date(2028, 6, 16), "key_expiry_too_far"),
    ],
)
async def test_entered_expiry_out_of_range_is_refused(
    harness: Harness, entered: date, code: str
) -> None:
    await harness.add_tenant(open_tax_years=[2026])
    before = await _row_state(harness)

    with pytest.raises(InvalidInput) as raised:
        await harness.connect(key_expires_on=entered)

    assert raised.value.code == code
    assert await _row_state(harness) == before
    assert (await harness.counters())["requests"] == 0


async def test_replacing_the_key_of_an_active_connection_keeps_the_data(
    harness: Harness,
) -> None:
    await harness.add_tenant(open_tax_years=[2025, 2026])
    await harness.connect()
    first = await harness.sync()
    assert first.status == "succeeded"
    before = await harness.snapshot()
    row = await harness.connection_row()
    watermark, connected_at = row.last_sync_watermark, row.connected_at
    new_key = "lxo-second-key-of-musterbau-000000000042"
    await _add_key(harness, new_key)
    harness.clock.advance(days=1)

    result = await harness.connect(new_key, key_expires_on=date(2027, 1, 31))

    assert result.state is ConnectionState.ACTIVE
    row = await harness.connection_row()
    assert row.key_last4 == "0042"
    assert row.key_expires_on == date(2027, 1, 31)
    assert harness.keyring.decrypt(row.encrypted_api_key) == new_key
    assert row.last_sync_watermark == watermark
    assert row.connected_at == connected_at
    assert await harness.snapshot() == before
    await harness.reset_counters()
    second = await harness.sync()
    assert second.status == "succeeded"
    assert second.counts.new == second.counts.changed == second.counts.flagged == 0
    assert set((await harness.counters())["requestsByKey"]) == {new_key}


async def test_a_key_of_another_organisation_is_refused(harness: Harness) -> None:
    await harness.add_tenant(open_tax_years=[2026])
    await harness.connect()
    before = await _row_state(harness)
    org = await harness.emulator("POST", "/organizations", {"name": "Andere GmbH"})
    other_key = "lxo-key-of-another-organisation-0000077"
    await harness.emulator("POST", "/keys", {"organizationId": org["id"], "key": other_key})

    with pytest.raises(InvalidInput) as raised:
        await harness.connect(other_key)

    assert raised.value.code == "organization_changed"
    assert await _row_state(harness) == before
