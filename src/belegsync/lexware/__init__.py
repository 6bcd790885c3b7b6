"""Client for the Lexware Office Public API (the only package that imports httpx)."""

from __future__ import annotations

from belegsync.lexware.client import LEXWARE_BASE_URL, LexwareApi, LexwareClient
from belegsync.lexware.datetimes import BERLIN, berlin_date, parse_lexware_datetime
from belegsync.lexware.endpoints import DETAIL_PATHS, detail_path, is_bookkeeping_type
from belegsync.lexware.error_bodies import (
    ErrorBody,
    ErrorDetail,
    GatewayErrorBody,
    Issue,
    LegacyErrorBody,
    RegularErrorBody,
)
from belegsync.lexware.errors import (
    LexwareAuthError,
    LexwareConflictError,
    LexwareContractError,
    LexwareError,
    LexwareForbiddenError,
    LexwareMalformedResponseError,
    LexwareNotFoundError,
    LexwareRateLimitedError,
    LexwareRequestRejectedError,
    LexwareSearchWindowError,
    LexwareUnavailableError,
    LexwareValidationError,
    WebhookSignatureError,
)
from belegsync.lexware.files import DownloadedFile
from belegsync.lexware.http import mask_key
from belegsync.lexware.models import (
    ActionResult,
    Contact,
    EventSubscription,
    LexwareModel,
    Page,
    PaymentItem,
    PaymentItemTypeValues,
    Payments,
    Profile,
    VoucherListItem,
    VoucherStatusValues,
    VoucherTypeValues,
    WebhookEvent,
)
from belegsync.lexware.ratelimit import Pacer, PacerRegistry
from belegsync.lexware.retry import RetryPolicy
from belegsync.lexware.stats import ApiCallStats
from belegsync.lexware.voucher_models import (
    Address,
    BookkeepingVoucher,
    BookkeepingVoucherItem,
    LineItem,
    RelatedVoucher,
    SalesVoucher,
    TotalPrice,
)
from belegsync.lexware.voucherlist import SEARCH_WINDOW, VoucherListFilter
from belegsync.lexware.webhooks import SIGNATURE_HEADER, WebhookVerifier, lexware_public_key_pem

__all__ = [
    "BERLIN",
    "DETAIL_PATHS",
    "LEXWARE_BASE_URL",
    "SEARCH_WINDOW",
    "SIGNATURE_HEADER",
    "ActionResult",
    "Address",
    "ApiCallStats",
    "BookkeepingVoucher",
    "BookkeepingVoucherItem",
    "Contact",
    "DownloadedFile",
    "ErrorBody",
    "ErrorDetail",
    "EventSubscription",
    "GatewayErrorBody",
    "Issue",
    "LegacyErrorBody",
    "LexwareApi",
    "LexwareAuthError",
    "LexwareClient",
    "LexwareConflictError",
    "LexwareContractError",
    "LexwareError",
    "LexwareForbiddenError",
    "LexwareMalformedResponseError",
    "LexwareModel",
    "LexwareNotFoundError",
    "LexwareRateLimitedError",
    "LexwareRequestRejectedError",
    "LexwareSearchWindowError",
    "LexwareUnavailableError",
    "LexwareValidationError",
    "LineItem",
    "Pacer",
    "PacerRegistry",
    "Page",
    "PaymentItem",
    "PaymentItemTypeValues",
    "Payments",
    "Profile",
    "RegularErrorBody",
    "RelatedVoucher",
    "RetryPolicy",
    "SalesVoucher",
    "TotalPrice",
    "VoucherListFilter",
    "VoucherListItem",
    "VoucherStatusValues",
    "VoucherTypeValues",
    "WebhookEvent",
    "WebhookSignatureError",
    "WebhookVerifier",
    "berlin_date",
    "detail_path",
    "is_bookkeeping_type",
    "lexware_public_key_pem",
    "mask_key",
    "parse_lexware_datetime",
]
