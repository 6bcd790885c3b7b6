"""Everything one running emulator shares between the gateway, the API and the control API."""

from __future__ import annotations

from dataclasses import dataclass

from belegsync.emulator.config import EmulatorConfig
from belegsync.emulator.counters import Counters
from belegsync.emulator.documents import DocumentStore
from belegsync.emulator.faults import FaultPlan
from belegsync.emulator.ratelimit import ArrivalJitter, RateLimiter
from belegsync.emulator.state import World
from belegsync.emulator.webhooks import WebhookDispatcher


@dataclass
class Runtime:
    world: World
    config: EmulatorConfig
    documents: DocumentStore
    limiter: RateLimiter
    faults: FaultPlan
    counters: Counters
    webhooks: WebhookDispatcher
    jitter: ArrivalJitter
