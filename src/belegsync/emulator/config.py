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
    # the gateway answers unknown routes and wrong methods with 403 "… not a valid
    # key=value pair …" (what Lexware's API gateway does); False = plain 404/405
    gateway_403_for_unknown_routes: bool = True
    # the voucher list carries updatedDate/createdDate to the second (".000"), the
    # detail endpoints to the millisecond, as in the documented samples
    list_dates_to_seconds: bool = True
    # the 10,000-entry window answered as 500 "Maximum search window size exceeded"
    # (regular error body) instead of the 400 a third-party client reported
    search_window_as_500: bool = False
    # status of GET /v1/payments for credit notes linked to an invoice, which have no
    # payment information of their own (None: answer like any other voucher)
    linked_credit_note_payments_status: int | None = 406
    # random network delay (0..n ms, seeded) before a request reaches the token bucket
    arrival_jitter_ms: int = 0
    jitter_seed: int = 0
    base_url: str = "http://127.0.0.1"
