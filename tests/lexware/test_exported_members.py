from __future__ import annotations

import belegsync.lexware as lexware

EXPECTED = {
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
}


def test_public_surface_is_pinned() -> None:
    assert set(lexware.__all__) == EXPECTED
    assert len(lexware.__all__) == len(EXPECTED)


def test_every_exported_name_exists() -> None:
    for name in lexware.__all__:
        assert getattr(lexware, name) is not None


def test_errors_share_one_root() -> None:
    errors = [getattr(lexware, n) for n in lexware.__all__ if n.endswith("Error")]
    assert errors and all(issubclass(e, lexware.LexwareError) for e in errors)
