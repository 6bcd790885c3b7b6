"""Lexware Office Public API emulator (imports nothing else from belegsync on purpose)."""

from __future__ import annotations

from belegsync.emulator.app import EmulatorApp, create_app
from belegsync.emulator.clock import Clock
from belegsync.emulator.config import EmulatorConfig
from belegsync.emulator.demo import (
    EXPIRED_KEY,
    LIMITED_KEY,
    MAIN_KEY,
    MAIN_ORG_ID,
    NO_XL_KEY,
    NO_XL_ORG_ID,
    build_world,
    describe_keys,
)
from belegsync.emulator.seed import generate_vouchers
from belegsync.emulator.server import make_app, run_emulator, serve_in_background
from belegsync.emulator.state import World
from belegsync.emulator.webhooks import public_key_pem

__all__ = [
    "EXPIRED_KEY",
    "LIMITED_KEY",
    "MAIN_KEY",
    "MAIN_ORG_ID",
    "NO_XL_KEY",
    "NO_XL_ORG_ID",
    "Clock",
    "EmulatorApp",
    "EmulatorConfig",
    "World",
    "build_world",
    "create_app",
    "describe_keys",
    "generate_vouchers",
    "make_app",
    "public_key_pem",
    "run_emulator",
    "serve_in_background",
]
