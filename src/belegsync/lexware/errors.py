"""Errors raised by the Lexware Office client.

Our exception hierarchy:

* LexwareError                      code lexware_error / lexware_unexpected_status
  + LexwareAuthError                401  lexware_key_rejected
  + LexwareContractError            402  lexware_contract_issue
  + LexwareForbiddenError           403  lexware_permission_missing (the key lacks a permission)
  + LexwareRequestRejectedError     403  lexware_request_rejected (gateway: wrong route/method)
  + LexwareNotFoundError            404  lexware_not_found
  + LexwareRateLimitedError         429  lexware_rate_limited (after retries)
  + LexwareValidationError          400, 406  lexware_request_invalid
  |  + LexwareSearchWindowError     400 or 500  lexware_search_window_exceeded (10,000 window)
  + LexwareConflictError            409, 406 on "version"  lexware_conflict
  + LexwareUnavailableError         5xx, timeouts, connection errors  lexware_unavailable
  + LexwareMalformedResponseError   lexware_malformed_response
  + WebhookSignatureError           lexware_webhook_signature_invalid

Every error carries ``status``, the parsed ``body`` (one of the three shapes in
``error_bodies``), the request ``method`` and ``path`` (without query string), a stable
``code`` and a German ``message`` a user can act on. The API key is never part of it.
"""

from __future__ import annotations

from typing import ClassVar

from belegsync.lexware.error_bodies import (
    ErrorBody,
    GatewayErrorBody,
    LegacyErrorBody,
    body_message,
)


class LexwareError(Exception):
    """Base class of all Lexware client errors."""

    default_code: ClassVar[str] = "lexware_error"
    default_message: ClassVar[str] = (
        "Bei der Verbindung mit Lexware Office ist ein Fehler aufgetreten. "
        "Bitte versuchen Sie es später erneut oder kontaktieren Sie den Support."
    )

    def __init__(
        self,
        message: str | None = None,
        *,
        code: str | None = None,
        status: int | None = None,
        body: ErrorBody | None = None,
        method: str | None = None,
        path: str | None = None,
    ) -> None:
        self.message = message or self.default_message
        self.code = code or self.default_code
        self.status = status
        self.body = body
        self.method = method
        self.path = path
        super().__init__(self.message)

    @property
    def detail(self) -> str | None:
        """Lexware's technical message, for logs and support (not for users)."""
        return body_message(self.body)

    def __str__(self) -> str:
        where = f" [{self.method} {self.path}]" if self.method and self.path else ""
        status = f" (HTTP {self.status})" if self.status is not None else ""
        return f"{self.code}{status}{where}: {self.message}"

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(code={self.code!r}, status={self.status!r}, "
            f"method={self.method!r}, path={self.path!r})"
        )


class LexwareAuthError(LexwareError):
    """401: the key is invalid, expired, revoked or the API client is disabled."""

    default_code = "lexware_key_rejected"
    default_message = (
        "Lexware hat den API-Schlüssel abgelehnt. Bitte erzeugen Sie in Lexware Office "
        "einen neuen Schlüssel und tragen Sie ihn hier ein."
    )


class LexwareContractError(LexwareError):
    """402: contract issue, typically no Lexware Office XL plan."""

    default_code = "lexware_contract_issue"
    default_message = (
        "Lexware verweigert den Zugriff wegen Ihres Vertrags. Die Public API gibt es nur "
        "mit Lexware Office XL. Bitte prüfen Sie Ihren Tarif in Lexware Office."
    )


class LexwareForbiddenError(LexwareError):
    """403: the key lacks a permission, or Lexware refused the route or header."""

    default_code = "lexware_permission_missing"

    def __init__(
        self,
        message: str | None = None,
        *,
        permission: str | None = None,
        code: str | None = None,
        status: int | None = None,
        body: ErrorBody | None = None,
        method: str | None = None,
        path: str | None = None,
    ) -> None:
        self.permission = permission
        super().__init__(message, code=code, status=status, body=body, method=method, path=path)


class LexwareRequestRejectedError(LexwareError):
    """403 from Lexware's API gateway: "… not a valid key=value pair …".

    Lexware documents it as "Resource not available. Possibly wrong Url or method." It is
    a bug on our side (a wrong route, method or header form), never proof of a bad key or
    a missing permission: nobody should be told to replace a working key because of it.
    """

    default_code = "lexware_request_rejected"
    default_message = (
        "Lexware hat eine Anfrage von belegsync abgewiesen (falsche Adresse oder Methode). "
        "Das ist ein Fehler in belegsync, nicht in Ihrem API-Schlüssel: Bitte tauschen Sie "
        "den Schlüssel deswegen nicht aus. Der Support kümmert sich darum."
    )


class LexwareNotFoundError(LexwareError):
    """404: the resource does not exist (or not under this voucher type)."""

    default_code = "lexware_not_found"
    default_message = "Der angefragte Eintrag existiert in Lexware Office nicht (mehr)."


class LexwareRateLimitedError(LexwareError):
    """429 even after all retries."""

    default_code = "lexware_rate_limited"
    default_message = (
        "Lexware hat zu viele Anfragen gemeldet. Der Abgleich wird später automatisch fortgesetzt."
    )


class LexwareValidationError(LexwareError):
    """400 or 406: Lexware refused the request as invalid."""

    default_code = "lexware_request_invalid"
    default_message = (
        "Lexware hat die Anfrage als ungültig abgelehnt. Bitte kontaktieren Sie den Support."
    )


class LexwareSearchWindowError(LexwareValidationError):
    """More than 10,000 entries match even a one-day slice of the voucher list."""

    default_code = "lexware_search_window_exceeded"
    default_message = (
        "Lexware liefert höchstens 10.000 Belege pro Abfrage, und an einem einzelnen Tag "
        "liegen mehr Belege. Bitte kontaktieren Sie den Support."
    )


class LexwareConflictError(LexwareError):
    """409, or 406 whose IssueList names ``version``: the resource state conflicts."""

    default_code = "lexware_conflict"
    default_message = (
        "Der Beleg wurde in Lexware Office zwischenzeitlich geändert oder ist in einem "
        "Zustand, der das nicht erlaubt (z. B. Entwurf). Bitte später erneut versuchen."
    )


class LexwareUnavailableError(LexwareError):
    """5xx, timeouts or connection errors after all retries."""

    default_code = "lexware_unavailable"
    default_message = (
        "Lexware Office ist gerade nicht erreichbar. Bitte versuchen Sie es später erneut; "
        "den aktuellen Status zeigt https://status.lexware.de."
    )


class LexwareMalformedResponseError(LexwareError):
    """The answer was not JSON, or did not fit the expected model."""

    default_code = "lexware_malformed_response"
    default_message = (
        "Lexware hat eine unerwartete Antwort geliefert. Der Abgleich versucht es beim "
        "nächsten Lauf erneut; bleibt der Fehler, kontaktieren Sie bitte den Support."
    )


class WebhookSignatureError(LexwareError):
    """A webhook's ``X-Lxo-Signature`` is missing, malformed or does not verify."""

    default_code = "lexware_webhook_signature_invalid"
    default_message = "Die Signatur der Lexware-Benachrichtigung ist ungültig; sie wurde verworfen."


# German labels of the key permissions in Lexware's "API-Schlüssel erstellen" dialog.
# The first four are documented; the others are our own wording.
_PERMISSIONS_BY_PREFIX: tuple[tuple[str, str], ...] = (
    ("/v1/profile", "Allgemeine Profilinformationen abrufen"),
    ("/v1/voucherlist", "Belegliste filtern und abrufen"),
    ("/v1/vouchers", "Belege abrufen"),
    ("/v1/payments", "Zahlungsinformationen von Belegen abrufen"),
    ("/v1/invoices", "Rechnungen abrufen"),
    ("/v1/credit-notes", "Gutschriften abrufen"),
    ("/v1/down-payment-invoices", "Abschlagsrechnungen abrufen"),
    ("/v1/files", "Dateien abrufen"),
    ("/v1/event-subscriptions", "Event-Subscriptions verwalten"),
)


def permission_for_path(path: str) -> str | None:
    """The key permission a request path needs, as Lexware's UI names it."""
    for prefix, label in _PERMISSIONS_BY_PREFIX:
        if path.startswith(prefix):
            return label
    return None


SEARCH_WINDOW_MESSAGE = "Maximum search window size exceeded"


def is_gateway_rejection(body: ErrorBody | None) -> bool:
    """The API gateway's 403 wording for a wrong route, method or header form."""
    message = body.message if isinstance(body, GatewayErrorBody) else None
    return bool(message) and "key=value" in (message or "")


def is_search_window_answer(content: bytes) -> bool:
    """Whether an error body (400 or 500, any shape) reports the 10,000-entry window."""
    return SEARCH_WINDOW_MESSAGE.encode() in content


def _forbidden(body: ErrorBody | None, method: str, path: str) -> LexwareError:
    if is_gateway_rejection(body):
        return LexwareRequestRejectedError(status=403, body=body, method=method, path=path)
    permission = permission_for_path(path)
    needed = f" „{permission}“" if permission else ""
    return LexwareForbiddenError(
        f"Dem API-Schlüssel fehlt die Berechtigung{needed}. Bitte erzeugen Sie in Lexware "
        "Office einen neuen Schlüssel mit allen Berechtigungen und tragen Sie ihn hier ein.",
        permission=permission,
        status=403,
        body=body,
        method=method,
        path=path,
    )


def _is_version_conflict(body: ErrorBody | None) -> bool:
    return isinstance(body, LegacyErrorBody) and any(i.source == "version" for i in body.issues)


def error_for_status(
    status: int, body: ErrorBody | None, *, method: str, path: str
) -> LexwareError:
    """Map a non-success HTTP status (and its parsed body) to the right error."""

    def make(cls: type[LexwareError]) -> LexwareError:
        return cls(status=status, body=body, method=method, path=path)

    if status == 401:
        return make(LexwareAuthError)
    if status == 402:
        return make(LexwareContractError)
    if status == 403:
        return _forbidden(body, method, path)
    if status == 404:
        return make(LexwareNotFoundError)
    if status == 409 or (status == 406 and _is_version_conflict(body)):
        return make(LexwareConflictError)
    if status == 429:
        return make(LexwareRateLimitedError)
    if status in (400, 500) and SEARCH_WINDOW_MESSAGE in (body_message(body) or ""):
        # documented without a status; reported both as 400 and as 500
        return make(LexwareSearchWindowError)
    if status in (400, 406):
        return make(LexwareValidationError)
    if status >= 500:
        return make(LexwareUnavailableError)
    return LexwareError(
        code="lexware_unexpected_status", status=status, body=body, method=method, path=path
    )
