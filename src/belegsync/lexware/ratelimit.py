"""Adaptive request pacing, one pacer per API key and process.

Lexware allows 2 requests/s per client with a token bucket whose capacity is not
documented, and warns that sending at exactly the limit commonly gets 429s. A pacer hands
out one slot every ``interval`` seconds and never bursts:

* Callers reserve slots in order (synchronously, no await between reading and advancing
  the next slot), so a queue of waiting callers runs at the pacer's rate without a lock.
* Releases are spaced at least ``interval`` apart *as they actually happen*: when the
  event loop stalls, every caller whose slot passed wakes at once, and without this check
  they would all go out together (a burst the bucket answers with 429).
* A 429 at the configured rate means a bucket stricter than documented, e.g. capacity 1
  behind a network that delays each request by up to 0.2 s, where only spacing of
  ≥ 0.7 s avoids 429s: the first one moves the pacer to ``first_slowdown`` times the
  base interval at once (one 429 instead of a run of them while it gropes its way up).
  Each later 429 slows it by ``slowdown`` — only once per request sent at the old pace —
  and ``Retry-After`` is honoured. Each other answer lets it creep back towards the
  configured rate by a small fraction of the base interval, so it settles just below the
  bucket's edge. After ``idle_reset`` seconds without a request it starts at full rate.
"""

from __future__ import annotations

import asyncio
import hashlib
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

Clock = Callable[[], float]
Sleep = Callable[[float], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class Adaptation:
    """How a pacer reacts to 429s (tuned against a capacity-1 bucket with 0–200 ms jitter)."""

    first_slowdown: float = 1.45  # after the first 429: at least base interval times this
    slowdown: float = 1.15  # interval factor per later 429
    creep: float = 0.0005  # interval step back per other answer, as a fraction of the base
    max_slowdown: float = 8.0  # never slower than base interval times this
    idle_reset: float = 60.0  # seconds without a request after which the base rate returns


class Pacer:
    """Hands out request slots at least ``interval`` apart; adapts to 429s."""

    def __init__(
        self,
        rate_per_second: float,
        *,
        clock: Clock = time.monotonic,
        sleep: Sleep = asyncio.sleep,
        adaptation: Adaptation | None = None,
    ) -> None:
        if rate_per_second <= 0:
            raise ValueError("rate_per_second must be positive")
        self.base_interval = 1.0 / rate_per_second
        self.interval = self.base_interval
        self.adaptation = adaptation or Adaptation()
        self._clock = clock
        self._sleep = sleep
        self._next_slot = float("-inf")
        self._last_release = float("-inf")
        self._hold_until = float("-inf")
        self._slowed_at = float("-inf")

    @property
    def slowdown(self) -> float:
        """Current interval relative to the configured one (1.0 = full rate)."""
        return self.interval / self.base_interval

    def reserve(self) -> float:
        """Reserve the next slot; returns how long the caller must wait for it."""
        now = self._clock()
        if now - self._last_release > self.adaptation.idle_reset:
            self.interval = self.base_interval
        slot = max(now, self._next_slot)
        self._next_slot = slot + self.interval
        return slot - now

    def _earliest_release(self) -> float:
        return max(self._last_release + self.interval, self._hold_until)

    async def acquire(self) -> float:
        """Wait until this caller may send one request; returns the release time."""
        delay = self.reserve()
        if delay > 0:
            await self._sleep(delay)
        # Callers woken together after a stall go out one interval apart, not at once.
        while (wait := self._earliest_release() - self._clock()) > 0:
            await self._sleep(wait)
        now = self._clock()
        self._last_release = now
        self._next_slot = max(self._next_slot, now + self.interval)
        return now

    def throttled(self, retry_after: float | None = None, *, sent_at: float | None = None) -> None:
        """Lexware answered 429 to a request released at ``sent_at``: slow down.

        A request sent before the last slowdown was paced at the old rate; its 429 is
        already answered for. ``retry_after`` seconds are always honoured.
        """
        now = self._clock()
        if retry_after is not None and retry_after > 0:
            self._hold_until = max(self._hold_until, now + retry_after)
        if sent_at is not None and sent_at <= self._slowed_at:
            return
        adaptation = self.adaptation
        slower = self.interval * adaptation.slowdown
        if self.interval <= self.base_interval:
            slower = max(slower, self.base_interval * adaptation.first_slowdown)
        self.interval = min(self.base_interval * adaptation.max_slowdown, slower)
        self._slowed_at = now

    def answered(self) -> None:
        """Any answer but a 429: creep back towards the configured rate."""
        step = self.base_interval * self.adaptation.creep
        self.interval = max(self.base_interval, self.interval - step)


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
        adaptation: Adaptation | None = None,
    ) -> None:
        self.rate_per_second = rate_per_second
        self._clock = clock
        self._sleep = sleep
        self._adaptation = adaptation
        self._pacers: dict[str, Pacer] = {}

    def for_fingerprint(self, fingerprint: str) -> Pacer:
        """The pacer shared by every client of the key with this fingerprint."""
        pacer = self._pacers.get(fingerprint)
        if pacer is None:
            pacer = Pacer(
                self.rate_per_second,
                clock=self._clock,
                sleep=self._sleep,
                adaptation=self._adaptation,
            )
            self._pacers[fingerprint] = pacer
        return pacer

    def __len__(self) -> int:
        return len(self._pacers)
