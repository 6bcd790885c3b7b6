"""Connecting with an API key: every outcome, through the real client and the emulator."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest

from belegsync.domain.connection import ConnectionState, FailureReason
from belegsync.domain.errors import InvalidInput
from belegsync.emulator import MAIN_KEY, MAIN_ORG_ID
from belegsync.sync.connect import start_connection
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

    result = await harness.connect()

    assert result.kept and result.state is ConnectionState.PENDING
    assert result.explanation is not None
    assert result.explanation.code == "lexware_unreachable"
    assert "später" in result.explanation.advice_de
    assert before["state"] == "pending"
    assert await _row_state(harness) == before
    assert (await harness.counters())["byStatus"]["503"] >= 1


async def test_unreachable_lexware_leaves_an_active_connection_active(harness: Harness) -> None:
    await harness.add_tenant(open_tax_years=[2026])
    await harness.connect()
    before = await _row_state(harness)
    await harness.emulator("POST", "/faults", {"kind": "error", "status": 503})

    result = await harness.connect()

    assert result.kept and result.state is ConnectionState.ACTIVE
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


# -- every answer to a permission probe ends in a result (issue item 5) -------------------


@pytest.mark.parametrize("status", [400, 404, 406, 409])
async def test_any_resource_answer_to_a_probe_proves_the_permission(
    harness: Harness, status: int
) -> None:
    await harness.add_tenant(open_tax_years=[2026])
    fault = {"kind": "error", "status": status, "pathPrefix": "/v1/payments"}
    await harness.emulator("POST", "/faults", fault)

    result = await harness.connect()

    assert result.state is ConnectionState.ACTIVE and result.explanation is None
    counters = await harness.counters()
    assert counters["byResource"]["payments"] == 1 and counters["byStatus"][str(status)] >= 1


@pytest.mark.parametrize(
    "fault",
    [
        {"kind": "error", "status": 500},
        {"kind": "error", "status": 503},
        {"kind": "timeout", "timeoutSeconds": 0.2},
    ],
)
async def test_an_outage_during_the_probes_ends_in_a_result(
    harness: Harness, fault: dict[str, Any]
) -> None:
    await harness.add_tenant(open_tax_years=[2026])
    await start_connection(
        uow_factory=harness.uow_factory, clock=harness.clock, tenant_id=harness.tenant_id
    )
    before = await _row_state(harness)
    await harness.emulator("POST", "/faults", fault | {"pathPrefix": "/v1/payments"})

    result = await harness.connect()

    assert result.kept and result.state is ConnectionState.PENDING
    assert result.explanation is not None
    assert result.explanation.code == "lexware_unreachable"
    assert result.explanation.advice_de
    assert await _row_state(harness) == before


async def test_malformed_json_on_a_probe_still_connects(harness: Harness) -> None:
    await harness.add_tenant(open_tax_years=[2026])
    await harness.emulator("POST", "/faults", {"kind": "malformed", "pathPrefix": "/v1/payments"})

    result = await harness.connect()

    assert result.state is ConnectionState.ACTIVE


async def test_malformed_profile_changes_nothing_and_says_why(harness: Harness) -> None:
    await harness.add_tenant(open_tax_years=[2026])
    await start_connection(
        uow_factory=harness.uow_factory, clock=harness.clock, tenant_id=harness.tenant_id
    )
    before = await _row_state(harness)
    await harness.emulator("POST", "/faults", {"kind": "malformed", "pathPrefix": "/v1/profile"})

    result = await harness.connect()

    assert result.kept and result.explanation is not None
    assert result.explanation.code == "lexware_unexpected_answer"
    assert "Support" in result.explanation.advice_de
    assert await _row_state(harness) == before


async def test_a_key_lacking_several_permissions_names_all_of_them(harness: Harness) -> None:
    await harness.add_tenant(open_tax_years=[2026])
    only = ["profile", "voucherlist", "vouchers", "invoices", "down-payment-invoices"]
    await _add_key(harness, LIMITED_KEY, permissions=only)

    result = await harness.connect(LIMITED_KEY)

    assert result.state is ConnectionState.FAILED
    explanation = result.explanation
    assert explanation is not None
    for label in ("Gutschriften abrufen", "Zahlungsinformationen", "Dateien abrufen"):
        assert label in explanation.message_de
    assert explanation.message_de.startswith("Dem API-Schlüssel fehlen die Berechtigungen")
    assert "Rechnungen abrufen" not in explanation.message_de.replace("Gutschriften", "")
    detail = (await _row_state(harness))["failure_detail"]
    assert detail.count(";") == 2


# -- the gateway's 403 is our bug, never the key's (issue item 2) --------------------------


@pytest.mark.parametrize("connected", [False, True])
async def test_the_gateway_403_during_connect_never_blames_the_key(
    harness: Harness, connected: bool
) -> None:
    await harness.add_tenant(open_tax_years=[2026])
    if connected:
        await harness.connect()
    else:
        await start_connection(
            uow_factory=harness.uow_factory, clock=harness.clock, tenant_id=harness.tenant_id
        )
    before = await _row_state(harness)
    # Lexware's gateway answers a route it does not know with 403 "… key=value pair …"
    await harness.emulator("POST", "/faults", {"kind": "gateway403", "pathPrefix": "/v1/files"})
    working_key = "lxo-another-working-key-of-musterbau-0099"
    await _add_key(harness, working_key)

    result = await harness.connect(working_key)

    assert result.kept and result.explanation is not None
    assert result.explanation.code == "lexware_request_rejected"
    assert "nicht an Ihrem API-Schlüssel" in result.explanation.message_de
    assert "nicht aus" in result.explanation.advice_de
    assert await _row_state(harness) == before


# -- a replacement key is checked before anything changes (issue item 6) -------------------


@pytest.mark.parametrize(
    ("key", "code"),
    [
        ("lxo-typo-in-the-new-key-000000000000000", "lexware_key_rejected"),
        (LIMITED_KEY, "lexware_permission_missing"),
    ],
)
async def test_a_refused_replacement_key_keeps_the_working_connection(
    harness: Harness, key: str, code: str
) -> None:
    await harness.add_tenant(open_tax_years=[2026])
    await harness.connect()
    await _add_key(harness, LIMITED_KEY, permissions=ALL_BUT_PAYMENTS_AND_FILES)
    before = await _row_state(harness)

    result = await harness.connect(key)

    assert result.kept and result.state is ConnectionState.ACTIVE
    assert result.explanation is not None and result.explanation.code == code
    assert await _row_state(harness) == before
    assert harness.keyring.decrypt(before["encrypted_api_key"]) == MAIN_KEY
    # and the old key keeps syncing
    assert (await harness.sync()).status == "succeeded"


# -- one Lexware organisation, one client (issue item 7) ------------------------------------


async def _audit_actions(harness: Harness) -> list[tuple[str, dict[str, Any]]]:
    from sqlalchemy import select

    from belegsync.store.models import AuditLogEntry

    async with harness.uow_factory() as uow:
        rows = await uow.session.scalars(select(AuditLogEntry).order_by(AuditLogEntry.id))
        return [(r.action, dict(r.detail or {})) for r in rows]


async def test_an_organisation_connected_by_another_client_is_refused(harness: Harness) -> None:
    first = await harness.add_tenant("Erste GmbH", open_tax_years=[2026])
    await harness.connect()
    second = await harness.add_tenant("Zweite GmbH", open_tax_years=[2026])
    second_key = "lxo-second-key-same-organisation-000000051"
    await _add_key(harness, second_key)

    refused = await harness.connect(second_key)

    assert refused.kept and refused.state is ConnectionState.NONE
    assert refused.explanation is not None
    assert refused.explanation.code == "lexware_organization_taken"
    assert "Musterbau Schreinerei GmbH" in refused.explanation.message_de
    row = await harness.connection_row()
    assert row.state == "none" and row.encrypted_api_key is None and row.organization_id is None

    # staff may override; the audit log records it
    allowed = await harness.connect(second_key, allow_shared_organization=True, actor="staff:1")
    assert allowed.state is ConnectionState.ACTIVE
    actions = await _audit_actions(harness)
    assert (
        "connect_refused_organization_taken",
        {"reason": "organization_connected_elsewhere"},
    ) in actions
    assert ("connected", {"shared_organization_with": [first], "override": True}) in actions
    assert second != first
    # both keep working: each may replace its own key without another override
    third_key = "lxo-third-key-same-organisation-0000000052"
    await _add_key(harness, third_key)
    harness.tenant_id = first
    assert (await harness.connect(third_key)).state is ConnectionState.ACTIVE
    assert (await harness.connection_row()).key_last4 == "0052"


async def test_after_disconnecting_another_client_may_connect_the_organisation(
    harness: Harness,
) -> None:
    from belegsync.sync.connect import disconnect_lexware

    await harness.add_tenant("Erste GmbH", open_tax_years=[2026])
    await harness.connect()
    await disconnect_lexware(
        uow_factory=harness.uow_factory, clock=harness.clock, tenant_id=harness.tenant_id
    )
    await harness.add_tenant("Zweite GmbH", open_tax_years=[2026])

    assert (await harness.connect()).state is ConnectionState.ACTIVE


# -- key expiry from the profile's `created` (issue item 11) --------------------------------


async def test_default_expiry_is_the_keys_creation_plus_24_months(harness: Harness) -> None:
    await harness.add_tenant(open_tax_years=[2026])
    old_key = "lxo-key-made-23-months-ago-0000000000023"
    await _add_key(harness, old_key, createdAt="2024-07-20T09:00:00+00:00")

    result = await harness.connect(old_key)

    assert result.state is ConnectionState.ACTIVE
    # created 20.07.2024 + 24 months, not the connect date 15.06.2026 + 24 months
    assert (await harness.connection_row()).key_expires_on == date(2026, 7, 20)
    assert result.expiry_notice is not None
    assert "20.07.2026" in result.expiry_notice.message_de


async def test_a_fresh_key_gets_no_expiry_notice(harness: Harness) -> None:
    await harness.add_tenant(open_tax_years=[2026])
    result = await harness.connect()
    assert result.expiry_notice is None
