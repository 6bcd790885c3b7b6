"""Checking an API key before it is used: its profile and every permission the sync needs.

Every answer ends in a :class:`KeyCheck`; nothing but an outage escapes (as
:class:`LexwareUnreachable`, which never changes a connection). Lexware's gateway checks a
key's permissions before a request reaches the resource, so any answer of the resource
itself (200, 400, 404, 406, 409, even a malformed body) proves the permission is there;
only a permission 403 means it is missing. All missing permissions are named together.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import date

import structlog

from belegsync.domain.connection import (
    KEY_LIFETIME_MONTHS,
    Explanation,
    FailureReason,
    explain_unreachable,
    join_permissions,
)
from belegsync.domain.dates import add_months, berlin_date
from belegsync.lexware import (
    LexwareAuthError,
    LexwareContractError,
    LexwareError,
    LexwareForbiddenError,
    LexwareRateLimitedError,
    LexwareRequestRejectedError,
    LexwareUnavailableError,
    Profile,
    VoucherListFilter,
)
from belegsync.sync.ports import LexwarePort

logger = structlog.get_logger("belegsync.sync")

# A voucher id that cannot exist: probing with it answers 404 when the key may read
# the endpoint, and 403 when it lacks the permission.
PROBE_ID = "00000000-0000-0000-0000-000000000000"
# A key that expires within this many days when it is entered gets a warning at once.
EXPIRY_NOTICE_DAYS = 62


class LexwareUnreachable(Exception):
    """Lexware did not answer; the connection keeps its state. Try again later."""

    def __init__(self) -> None:
        self.explanation = explain_unreachable()
        super().__init__(self.explanation.message_de)


@dataclass(frozen=True, slots=True)
class KeyCheck:
    """The verdict on a key: its profile, or why it cannot be used (and whose fault)."""

    profile: Profile | None = None
    # the key itself is refused: the client has to act
    failure: FailureReason | None = None
    missing_permissions: tuple[str, ...] = field(default_factory=tuple)
    # Lexware answered something we did not expect, or refused our request as malformed:
    # not the client's fault, nothing changes
    problem: Explanation | None = None

    @property
    def missing_permission(self) -> str | None:
        """All missing permissions in the connection's one field (None if none)."""
        return join_permissions(list(self.missing_permissions)) or None


def explain_request_rejected() -> Explanation:
    return Explanation(
        "lexware_request_rejected",
        "Lexware hat eine Prüfanfrage von belegsync abgewiesen (falsche Adresse oder "
        "Methode). Das liegt an belegsync, nicht an Ihrem API-Schlüssel.",
        "Bitte tauschen Sie den Schlüssel deswegen nicht aus. Wenden Sie sich an den "
        "Support; Ihre Verbindung bleibt, wie sie ist.",
        "Lexware refused a check request from belegsync (wrong address or method). This is "
        "belegsync's fault, not your API key's.",
        "Please do not replace the key because of this. Contact support; your connection "
        "stays as it is.",
    )


def explain_unexpected_answer() -> Explanation:
    return Explanation(
        "lexware_unexpected_answer",
        "Lexware hat beim Prüfen des API-Schlüssels unerwartet geantwortet. Ihre Verbindung "
        "bleibt, wie sie ist.",
        "Bitte versuchen Sie es in einigen Minuten noch einmal. Bleibt der Fehler, wenden "
        "Sie sich an den Support.",
        "Lexware answered unexpectedly while the API key was checked. Your connection stays "
        "as it is.",
        "Please try again in a few minutes. If the error persists, contact support.",
    )


def explain_expiry_soon(expires_on: date) -> Explanation:
    day = f"{expires_on:%d.%m.%Y}"
    return Explanation(
        "lexware_key_expires_soon",
        f"Dieser API-Schlüssel läuft schon am {day} ab: Lexware-Schlüssel gelten "
        "24 Monate ab ihrer Erstellung.",
        "Erstellen Sie rechtzeitig in Lexware Office einen neuen Schlüssel (oder verlängern "
        "Sie diesen) und tragen Sie ihn hier ein.",
        f"This API key expires on {expires_on.isoformat()}: Lexware keys are valid for "
        "24 months from their creation.",
        "Create a new key in Lexware Office in good time (or extend this one) and enter it here.",
    )


def explain_organization_taken(company_name: str | None) -> Explanation:
    name = f"„{company_name}“" if company_name else "dieses Lexware-Konto"
    name_en = f"'{company_name}'" if company_name else "this Lexware account"
    return Explanation(
        "lexware_organization_taken",
        f"Der API-Schlüssel gehört zu {name}, das bereits mit einem anderen Mandanten "
        "verbunden ist. Ein Lexware-Konto gehört zu genau einem Mandanten.",
        "Prüfen Sie, ob Sie den Schlüssel des richtigen Lexware-Kontos eingegeben haben. "
        "Gehört das Konto wirklich zu beiden, wenden Sie sich an Ihre Kanzlei.",
        f"The API key belongs to {name_en}, which is already connected to another client. "
        "One Lexware account belongs to exactly one client.",
        "Check that you entered the key of the right Lexware account. If the account really "
        "belongs to both, contact your tax advisor's office.",
    )


def default_expiry(profile: Profile, today: date) -> date:
    """The profile's ``created`` date (when the key was made) plus 24 months.

    Falls back to today + 24 months when Lexware does not say, or when that date has
    passed although the key works (its validity was extended).
    """
    created = profile.created.date if profile.created is not None else None
    if created is not None:
        expires = add_months(berlin_date(created), KEY_LIFETIME_MONTHS)
        if expires > today:
            return expires
        logger.info("connect_key_older_than_its_lifetime", created=created.isoformat())
    return add_months(today, KEY_LIFETIME_MONTHS)


def expiry_notice(expires_on: date, today: date) -> Explanation | None:
    """A warning for a key entered shortly before it expires."""
    if (expires_on - today).days <= EXPIRY_NOTICE_DAYS:
        return explain_expiry_soon(expires_on)
    return None


class _Verdict(Exception):
    def __init__(self, check: KeyCheck) -> None:
        self.check = check


def _refusal(error: LexwareError) -> KeyCheck | None:
    """What an error on any probe means; None when it proves the permission is there."""
    if isinstance(error, LexwareUnavailableError | LexwareRateLimitedError):
        raise LexwareUnreachable() from None
    if isinstance(error, LexwareAuthError):
        return KeyCheck(failure=FailureReason.INVALID_KEY)
    if isinstance(error, LexwareContractError):
        return KeyCheck(failure=FailureReason.CONTRACT)
    if isinstance(error, LexwareRequestRejectedError):
        return KeyCheck(problem=explain_request_rejected())
    return None


async def _probe(call: Callable[[], Awaitable[object]], missing: list[str]) -> object | None:
    try:
        return await call()
    except LexwareForbiddenError as error:
        missing.append(error.permission or "unbekannt")
    except LexwareError as error:
        verdict = _refusal(error)
        if verdict is not None:
            raise _Verdict(verdict) from None
        logger.debug("connect_probe_answered", code=error.code, status=error.status)
    return None


async def check_key(client: LexwarePort) -> KeyCheck:
    """The profile, then one cheap call per permission the sync needs.

    Each probe reads an id that does not exist, so it costs one request and returns
    nothing. Raises only :class:`LexwareUnreachable` (5xx, timeouts, 429).
    """
    missing: list[str] = []
    probe_list = VoucherListFilter(voucher_types=["purchaseinvoice"], voucher_statuses=["paid"])
    try:
        profile = await _probe(client.profile, missing)
        await _probe(lambda: client.voucherlist(probe_list, page=0, size=1), missing)
        for voucher_type in ("purchaseinvoice", "invoice", "creditnote", "downpaymentinvoice"):
            await _probe(
                lambda t=voucher_type: client.voucher_detail(t, PROBE_ID),  # type: ignore[misc]
                missing,
            )
        await _probe(lambda: client.payments(PROBE_ID), missing)
        await _probe(lambda: client.download_file(PROBE_ID), missing)
    except _Verdict as verdict:
        return verdict.check
    if missing:
        return KeyCheck(
            failure=FailureReason.MISSING_PERMISSION, missing_permissions=tuple(missing)
        )
    if not isinstance(profile, Profile):
        return KeyCheck(problem=explain_unexpected_answer())
    return KeyCheck(profile=profile)
