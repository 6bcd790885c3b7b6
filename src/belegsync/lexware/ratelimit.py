"""Strict request pacing, one pacer per API key and process.

Lexware allows 2 requests/s per client with a token bucket whose capacity is not
documented. A pacer that hands out one slot every ``1/rate`` seconds never bursts, so a
bucket of refill 2/s and capacity ≥ 1 never answers 429, and a queue of waiting callers
runs at the full rate. Slots are reserved synchronously (no await between reading and
advancing the next slot), which makes the pacer safe for concurrent tasks without a lock
and independent of any particular event loop.
"""

from __future__ import annotations

import asyncio
import hashlib
import time
from collections.abc import Awaitable, Callable

Clock = Callable[[], float]
Sleep = Callable[[float], Awaitable[None]]


class Pacer:
    """Hands out request slots at least ``1 / rate_per_second`` apart."""

    def __init__(
        self,
        rate_per_second: float,
        *,
        clock: Clock = time.monotonic,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        if rate_per_second <= 0:
            raise ValueError("rate_per_second must be positive")
        self.interval = 1.0 / rate_per_second
        self._clock = clock
        self._sleep = sleep
        self._next_slot = float("-inf")

    def reserve(self) -> float:
        """Reserve the next slot; returns how long the caller must wait for it."""
        now = self._clock()
        slot = max(now, self._next_slot)
        self._next_slot = slot + self.interval
        return slot - now

    async def acquire(self) -> None:
        """Wait until this caller may send one request."""
        delay = self.reserve()
        if delay > 0:
            await self._sleep(delay)


def key_fingerprint(api_key: str) -> str:
    """A stable, non-reversible id of a key, for registries and logs."""
    return hashlib.sha256(api_key.encode()).hexdigest()[:16]


class PacerRegistry:
    """One :class:`Pacer` per API key, keyed by the key's fingerprint."""

    def __init__(
        self,
        rate_per_second: float = 2.0,
        *,
        clock: Clock = time.monotonic,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        self.rate_per_second = rate_per_second
        self._clock = clock
        self._sleep = sleep
        self._pacers: dict[str, Pacer] = {}

    def for_fingerprint(self, fingerprint: str) -> Pacer:
        """The pacer shared by every client of the key with this fingerprint."""
        pacer = self._pacers.get(fingerprint)
        if pacer is None:
            pacer = Pacer(self.rate_per_second, clock=self._clock, sleep=self._sleep)
            self._pacers[fingerprint] = pacer
        return pacer

    def __len__(self) -> int:
        return len(self._pacers)
