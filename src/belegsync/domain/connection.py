"""The accounting connection to Lexware Office and its state machine.

A :class:`Connection` is an immutable value; every transition returns a new one
and refuses what the spec does not allow. The plaintext API key never lives
here, only its last four characters.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime
from enum import StrEnum
from typing import Literal

from belegsync.domain.dates import add_months, ensure_aware_utc
from belegsync.domain.errors import InvalidInput, InvalidTransition

KEY_LIFETIME_MONTHS = 24
WARNING_DAYS = (30, 7)

ExpiryWarning = Literal["30_days", "7_days", "expired"]


class ConnectionState(StrEnum):
    NONE = "none"
    PENDING = "pending"
    ACTIVE = "active"
    FAILED = "failed"

    @property
    def label_de(self) -> str:
        """The exact German UI label."""
        return _STATE_LABELS[self][0]

    @property
    def label_en(self) -> str:
        """The English UI label."""
        return _STATE_LABELS[self][1]


_STATE_LABELS: dict[ConnectionState, tuple[str, str]] = {
    ConnectionState.NONE: ("Keine Verbindung", "Not connected"),
    ConnectionState.PENDING: ("Verbindung aktivieren", "Activate connection"),
    ConnectionState.ACTIVE: ("Aktiv", "Active"),
    ConnectionState.FAILED: ("Verbindung fehlgeschlagen", "Connection failed"),
}


class FailureReason(StrEnum):
    """Why a connection is failed. Each one needs an action by the client."""

    INVALID_KEY = "invalid_key"
    EXPIRED = "expired"
    CONTRACT = "contract"
    MISSING_PERMISSION = "missing_permission"


# Not a FailureReason on purpose: an unreachable Lexware is our problem or theirs,
# never the client's, so it must not be able to mark a connection failed.
LEXWARE_UNREACHABLE = "lexware_unreachable"


@dataclass(frozen=True, slots=True)
class Explanation:
    """A problem in plain words with the next step, in German and English."""

    code: str
    message_de: str
    advice_de: str
    message_en: str
    advice_en: str


def explain_failure(reason: FailureReason, permission: str | None = None) -> Explanation:
    """The message and advice shown for a failed connection."""
    if reason is FailureReason.INVALID_KEY:
        return Explanation(
            "lexware_key_rejected",
            "Lexware hat den API-Schlüssel abgelehnt. Er ist ungültig, abgelaufen oder wurde "
            "gelöscht.",
            "Erstellen Sie in der Public-API-Verwaltung von Lexware Office einen neuen "
            "API-Schlüssel (oder verlängern Sie den abgelaufenen) und tragen Sie ihn hier ein.",
            "Lexware rejected the API key. It is invalid, expired or was deleted.",
            "Create a new API key in Lexware Office's Public API management (or extend the "
            "expired one) and enter it here.",
        )
    if reason is FailureReason.EXPIRED:
        return Explanation(
            "lexware_key_expired",
            "Der API-Schlüssel ist abgelaufen. Lexware-Schlüssel gelten höchstens 24 Monate.",
            "Erstellen Sie in der Public-API-Verwaltung von Lexware Office einen neuen "
            "Schlüssel oder verlängern Sie die Laufzeit, und tragen Sie ihn hier ein.",
            "The API key has expired. Lexware keys are valid for at most 24 months.",
            "Create a new key in Lexware Office's Public API management or extend its "
            "validity, then enter it here.",
        )
    if reason is FailureReason.CONTRACT:
        return Explanation(
            "lexware_contract_required",
            "Lexware erlaubt den Zugriff nicht: Die Public API gibt es nur mit "
            "Lexware Office XL, oder es gibt ein Problem mit dem Vertrag.",
            "Wechseln Sie in Lexware Office auf die Version XL oder prüfen Sie Ihren "
            "Vertrag, und aktivieren Sie dann die Verbindung erneut.",
            "Lexware refuses access: the Public API needs Lexware Office XL, or there is "
            "a problem with the contract.",
            "Upgrade to Lexware Office XL or check your contract, then activate the "
            "connection again.",
        )
    names = split_permissions(permission)
    if len(names) > 1:
        listed_de = ", ".join(f"„{n}“" for n in names[:-1]) + f" und „{names[-1]}“"
        listed_en = ", ".join(f"'{n}'" for n in names)
        return Explanation(
            "lexware_permission_missing",
            f"Dem API-Schlüssel fehlen die Berechtigungen {listed_de}.",
            "Erstellen Sie in Lexware Office einen neuen API-Schlüssel mit allen "
            "Berechtigungen (empfohlen) und tragen Sie ihn hier ein.",
            f"The API key lacks the permissions {listed_en}.",
            "Create a new API key in Lexware Office with all permissions (recommended) and "
            "enter it here.",
        )
    name = permission or "unbekannt"
    return Explanation(
        "lexware_permission_missing",
        f"Dem API-Schlüssel fehlt die Berechtigung „{name}“.",
        "Erstellen Sie in Lexware Office einen neuen API-Schlüssel mit allen "
        "Berechtigungen (empfohlen) und tragen Sie ihn hier ein.",
        f"The API key lacks the permission '{permission or 'unknown'}'.",
        "Create a new API key in Lexware Office with all permissions (recommended) and "
        "enter it here.",
    )


_PERMISSION_SEPARATOR = "; "


def join_permissions(names: list[str]) -> str:
    """Several missing permissions in the one ``missing_permission`` field."""
    return _PERMISSION_SEPARATOR.join(names)


def split_permissions(permission: str | None) -> list[str]:
    if not permission:
        return []
    return [n for n in permission.split(_PERMISSION_SEPARATOR) if n]


def explain_unreachable() -> Explanation:
    """The message for a Lexware outage; it never fails the connection."""
    return Explanation(
        LEXWARE_UNREACHABLE,
        "Lexware Office ist gerade nicht erreichbar. Ihre Verbindung bleibt bestehen.",
        "Bitte versuchen Sie es später noch einmal.",
        "Lexware Office cannot be reached right now. Your connection stays in place.",
        "Please try again later.",
    )


def failure_for_http_status(status: int) -> FailureReason | None:
    """Map a Lexware HTTP status to a failure reason; ``None`` if it is not one.

    429 and 5xx are deliberately not failures: they mean "try later".
    """
    return {
        401: FailureReason.INVALID_KEY,
        402: FailureReason.CONTRACT,
        403: FailureReason.MISSING_PERMISSION,
    }.get(status)


def default_key_expiry(connected_on: date) -> date:
    """Lexware keys live at most 24 months: the connect date plus 24 months."""
    return add_months(connected_on, KEY_LIFETIME_MONTHS)


def validate_key_expiry(expires_on: date, today: date) -> date:
    """Check a "gültig bis" date entered by the client: future, at most 24 months ahead."""
    if expires_on <= today:
        raise InvalidInput(
            "Das Ablaufdatum des API-Schlüssels muss in der Zukunft liegen.",
            code="key_expiry_not_in_future",
            message_en="The API key's expiry date must be in the future.",
            fields={"expires_on": expires_on.isoformat()},
        )
    latest = add_months(today, KEY_LIFETIME_MONTHS)
    if expires_on > latest:
        raise InvalidInput(
            "Lexware-Schlüssel gelten höchstens 24 Monate; das Ablaufdatum darf nicht "
            f"nach dem {latest:%d.%m.%Y} liegen.",
            code="key_expiry_too_far",
            message_en="Lexware keys are valid for at most 24 months; the expiry date "
            f"must not be after {latest.isoformat()}.",
            fields={"expires_on": expires_on.isoformat(), "latest": latest.isoformat()},
        )
    return expires_on


def resolve_key_expiry(entered: date | None, today: date) -> date:
    """The expiry date to record: the validated entered date or today + 24 months."""
    if entered is None:
        return default_key_expiry(today)
    return validate_key_expiry(entered, today)


def _require(current: ConnectionState, target: ConnectionState, *allowed: ConnectionState) -> None:
    if current not in allowed:
        raise InvalidTransition(current, target)


def _check_last4(key_last4: str) -> None:
    if len(key_last4) != 4:
        raise InvalidInput(
            "Es werden genau die letzten vier Zeichen des Schlüssels gespeichert.",
            code="invalid_key_last4",
            message_en="Exactly the last four characters of the key are stored.",
        )


@dataclass(frozen=True, slots=True)
class Connection:
    """One tenant's Lexware Office connection."""

    state: ConnectionState = ConnectionState.NONE
    failure_reason: FailureReason | None = None
    missing_permission: str | None = None
    organization_id: str | None = None
    company_name: str | None = None
    connection_id: str | None = None
    key_last4: str | None = None
    key_expires_on: date | None = None
    connected_at: datetime | None = None
    success_banner_pending: bool = False

    def start(self) -> Connection:
        """none → pending: the client pressed „+ Verbinden“."""
        _require(self.state, ConnectionState.PENDING, ConnectionState.NONE)
        return replace(self, state=ConnectionState.PENDING)

    def reactivate(self) -> Connection:
        """failed → pending: „Verbindung aktivieren“ to enter a new key.

        Profile data stays so that the new key back-fills the same account.
        """
        _require(self.state, ConnectionState.PENDING, ConnectionState.FAILED)
        return replace(
            self, state=ConnectionState.PENDING, failure_reason=None, missing_permission=None
        )

    def activate(
        self,
        *,
        organization_id: str,
        company_name: str,
        connection_id: str,
        key_last4: str,
        key_expires_on: date,
        connected_at: datetime,
    ) -> Connection:
        """pending → active: the key was validated; shows the success banner once."""
        _require(self.state, ConnectionState.ACTIVE, ConnectionState.PENDING)
        _check_last4(key_last4)
        for name, value in (
            ("organization_id", organization_id),
            ("connection_id", connection_id),
        ):
            if not value:
                raise InvalidInput(
                    f"Das Lexware-Profil enthält kein Feld {name}.",
                    code="incomplete_profile",
                    message_en=f"The Lexware profile has no {name}.",
                )
        self._require_same_organization(organization_id)
        return replace(
            self,
            state=ConnectionState.ACTIVE,
            failure_reason=None,
            missing_permission=None,
            organization_id=organization_id,
            company_name=company_name,
            connection_id=connection_id,
            key_last4=key_last4,
            key_expires_on=key_expires_on,
            connected_at=ensure_aware_utc(connected_at),
            success_banner_pending=True,
        )

    def replace_key(
        self, *, organization_id: str, key_last4: str, key_expires_on: date
    ) -> Connection:
        """active → active: a new, validated key before the old one stops working.

        Not a state change, so the success banner is not shown again; the key must
        belong to the same Lexware organisation.
        """
        _require(self.state, ConnectionState.ACTIVE, ConnectionState.ACTIVE)
        _check_last4(key_last4)
        self._require_same_organization(organization_id)
        return replace(self, key_last4=key_last4, key_expires_on=key_expires_on)

    def _require_same_organization(self, organization_id: str) -> None:
        # Mixing two Lexware accounts' vouchers in one tenant would be silent data
        # corruption; switching accounts means disconnecting first.
        if self.organization_id is not None and organization_id != self.organization_id:
            raise InvalidInput(
                "Der neue API-Schlüssel gehört zu einem anderen Lexware-Konto. Trennen Sie "
                "zuerst die bestehende Verbindung, wenn Sie das Konto wechseln möchten.",
                code="organization_changed",
                message_en="The new API key belongs to a different Lexware account. "
                "Disconnect first if you want to switch accounts.",
            )

    def fail(self, reason: FailureReason, *, missing_permission: str | None = None) -> Connection:
        """pending → failed (validation failed) or active → failed (the key stopped working)."""
        _require(
            self.state, ConnectionState.FAILED, ConnectionState.PENDING, ConnectionState.ACTIVE
        )
        try:
            reason = FailureReason(reason)
        except ValueError:
            # Most likely "lexware_unreachable", which must never fail a connection.
            raise InvalidInput(
                f"„{reason}“ ist kein Grund, die Verbindung als fehlgeschlagen zu markieren.",
                code="not_a_failure_reason",
                message_en=f"'{reason}' is not a reason to mark the connection failed.",
            ) from None
        if (reason is FailureReason.MISSING_PERMISSION) != (missing_permission is not None):
            raise InvalidInput(
                "Der Name der fehlenden Berechtigung gehört genau zum Grund „missing_permission“.",
                code="missing_permission_name",
                message_en="A permission name goes with reason 'missing_permission' only.",
            )
        return replace(
            self,
            state=ConnectionState.FAILED,
            failure_reason=reason,
            missing_permission=missing_permission,
            success_banner_pending=False,
        )

    def disconnect(self) -> Connection:
        """any → none: the key is deleted; synced vouchers stay (outside this object).

        Idempotent from ``none`` so that a repeated click is harmless.
        """
        return Connection()

    def acknowledge_success_banner(self) -> Connection:
        """The client has seen the one-time "connection established" banner."""
        return replace(self, success_banner_pending=False)

    def expiry_warning(self, today: date) -> ExpiryWarning | None:
        """``"30_days"``/``"7_days"`` before the key expires, ``"expired"`` after.

        The key is valid through ``key_expires_on`` ("gültig bis" includes the day).
        """
        if self.key_expires_on is None or self.state is ConnectionState.NONE:
            return None
        days_left = (self.key_expires_on - today).days
        if days_left < 0:
            return "expired"
        if days_left <= WARNING_DAYS[1]:
            return "7_days"
        if days_left <= WARNING_DAYS[0]:
            return "30_days"
        return None

    def check_expiry(self, today: date) -> Connection:
        """Fail an active connection with reason ``expired`` once its date has passed."""
        if self.state is ConnectionState.ACTIVE and self.expiry_warning(today) == "expired":
            return self.fail(FailureReason.EXPIRED)
        return self

    @property
    def explanation(self) -> Explanation | None:
        """Message and advice for a failed connection, else ``None``."""
        if self.state is not ConnectionState.FAILED or self.failure_reason is None:
            return None
        return explain_failure(self.failure_reason, self.missing_permission)
