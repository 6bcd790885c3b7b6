"""Switches that change how faithfully (or how fast) the emulator behaves."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class EmulatorConfig:
    rate_per_second: float = 2.0
    burst: float = 2.0
    # answer throttled calls with 500 "Internal server error or rate limit exceeded"
    throttle_as_500: bool = False
    # emit payments openAmount as a JSON string, like one docs sample does
    open_amount_as_string: bool = False
    # accept http://127.0.0.1 / localhost callback URLs (tests have no TLS receiver)
    allow_http_callbacks: bool = False
    # sorts the voucherlist accepts; live Lexware only takes voucherDate
    voucherlist_sorts: frozenset[str] = field(default_factory=lambda: frozenset({"voucherdate"}))
    # webhook retry delays (seconds, before compression) and the compression factor
    webhook_retry_delays: tuple[float, ...] = (10.0, 20.0, 40.0, 80.0, 160.0)
    webhook_time_factor: float = 0.01
    webhook_timeout_seconds: float = 5.0
    # profile: also emit the docs sample's `features` and `subscriptionStatus`
    profile_docs_sample: bool = False
    base_url: str = "http://127.0.0.1"
