"""Token bucket per API key, as Lexware's gateway enforces it (2 tokens/s, small burst)."""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass
class _Bucket:
    tokens: float
    stamp: float


class RateLimiter:
    """Real (monotonic) time, not the emulator clock: throttling is about wall time.

    ``monotonic`` is public so that tests can drive the bucket with their own time source
    (e.g. one tick per request) and stay independent of the machine's load.
    """

    def __init__(
        self,
        *,
        rate_per_second: float,
        burst: float,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.rate_per_second = rate_per_second
        self.burst = burst
        self.monotonic = monotonic
        self._buckets: dict[str, _Bucket] = {}

    def configure(
        self, *, rate_per_second: float | None = None, burst: float | None = None
    ) -> None:
        if rate_per_second is not None:
            self.rate_per_second = rate_per_second
        if burst is not None:
            self.burst = burst
        self._buckets.clear()

    def try_acquire(self, key: str) -> bool:
        now = self.monotonic()
        bucket = self._buckets.get(key)
        if bucket is None:
            bucket = self._buckets[key] = _Bucket(tokens=self.burst, stamp=now)
        bucket.tokens = min(self.burst, bucket.tokens + (now - bucket.stamp) * self.rate_per_second)
        bucket.stamp = now
        if bucket.tokens >= 1.0:
            bucket.tokens -= 1.0
            return True
        return False


class ArrivalJitter:
    """Network delay between client and gateway: uniform 0..max_ms, from a seeded RNG."""

    def __init__(self, *, max_ms: int = 0, seed: int = 0) -> None:
        self.configure(max_ms=max_ms, seed=seed)

    def configure(self, *, max_ms: int, seed: int) -> None:
        if max_ms < 0:
            raise ValueError("arrivalJitterMs must not be negative")
        self.max_ms = max_ms
        self.seed = seed
        self._rng = random.Random(seed)

    def delay(self) -> float:
        """Seconds this request spends on the way; 0 when jitter is off."""
        if self.max_ms <= 0:
            return 0.0
        return self._rng.uniform(0, self.max_ms) / 1000
