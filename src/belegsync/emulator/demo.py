"""The demo world behind `belegsync emulator --seed demo`: fixed org ids and key strings."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from belegsync.emulator.clock import Clock, format_datetime
from belegsync.emulator.model import PERMISSIONS
from belegsync.emulator.seed import generate_vouchers
from belegsync.emulator.state import World

MAIN_KEY = "demo-main-key-0000000000000000000001"
EXPIRED_KEY = "demo-expired-key-000000000000000000002"
LIMITED_KEY = "demo-limited-key-000000000000000000003"
NO_XL_KEY = "demo-no-xl-key-0000000000000000000004"
MAIN_ORG_ID = "5f1b7c52-3e0a-4c7e-9d64-1a2b3c4d5e01"
NO_XL_ORG_ID = "5f1b7c52-3e0a-4c7e-9d64-1a2b3c4d5e02"
DEMO_VOUCHERS = 400


def build_world(
    *,
    seed: str = "demo",
    api_key: str | None = None,
    clock: Clock | None = None,
    voucher_count: int = DEMO_VOUCHERS,
) -> World:
    """`seed="demo"`: demo organisations, keys and vouchers; `"empty"`: one org and key only."""
    if seed not in ("demo", "empty"):
        raise ValueError("seed must be 'demo' or 'empty'")
    world = World(clock=clock, seed=20240101)
    now = world.now()
    main = world.add_organization("Musterbau Schreinerei GmbH", org_id=MAIN_ORG_ID)
    world.add_key(
        main.id, key=api_key or MAIN_KEY, expires_at=now + timedelta(days=600), label="main"
    )
    if seed == "empty":
        return world
    world.add_key(main.id, key=EXPIRED_KEY, expires_at=now - timedelta(days=3), label="expired")
    world.add_key(
        main.id,
        key=LIMITED_KEY,
        expires_at=now + timedelta(days=600),
        permissions=PERMISSIONS - {"payments", "files"},
        label="without payments and files",
    )
    no_xl = world.add_organization("Kleinbetrieb Sonnenschein UG", xl=False, org_id=NO_XL_ORG_ID)
    world.add_key(
        no_xl.id,
        key=NO_XL_KEY,
        expires_at=now + timedelta(days=600),
        label="organisation without XL",
    )
    generate_vouchers(world, main.id, voucher_count, seed=42)
    generate_vouchers(world, no_xl.id, 20, seed=43)
    return world


def describe_keys(world: World) -> list[dict[str, Any]]:
    return [
        {
            "key": k.key,
            "label": k.label,
            "organizationId": k.organization_id,
            "organizationName": world.organizations[k.organization_id].name,
            "xl": world.organizations[k.organization_id].xl,
            "expiresAt": format_datetime(k.expires_at),
            "expired": world.now() >= k.expires_at,
            "revoked": k.revoked,
            "permissions": sorted(k.permissions),
        }
        for k in world.keys.values()
    ]
