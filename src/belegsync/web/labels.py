"""Plain words for every stored value a page shows: statuses, payment item types,
reasons and codes. Pages never show the raw value; an unknown value gets a generic
label (and the raw value stays out of sight)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Final

from jinja2 import pass_context
from jinja2.runtime import Context


def _(text: str) -> str:
    """Marks a German text for translation (``locale/en.po``); translated when shown."""
    return text


VOUCHER_TYPES: Final[Mapping[str, str]] = {
    "purchaseinvoice": _("Eingangsrechnung"),
    "purchasecreditnote": _("Eingangsgutschrift"),
    "salesinvoice": _("Ausgangsrechnung"),
    "salescreditnote": _("Ausgangsgutschrift"),
    "invoice": _("Rechnung"),
    "creditnote": _("Gutschrift"),
    "downpaymentinvoice": _("Abschlagsrechnung"),
}

VOUCHER_STATUSES: Final[Mapping[str, str]] = {
    "paid": _("bezahlt"),
    "paidoff": _("bezahlt (ausgeglichen)"),
    "open": _("offen"),
    "voided": _("storniert"),
    "transferred": _("überwiesen, noch nicht bezahlt"),
    "sepadebit": _("Lastschrift, noch nicht bezahlt"),
    "draft": _("Entwurf"),
    "unchecked": _("ungeprüft"),
    "overdue": _("überfällig"),
    "accepted": _("angenommen"),
    "rejected": _("abgelehnt"),
}

PAYMENT_ITEM_TYPES: Final[Mapping[str, str]] = {
    "partPaymentFinancialTransaction": _("Zahlung über ein Bankkonto"),
    "partPaymentCreditNote": _("Verrechnet mit einer Gutschrift"),
    "partPaymentCashBox": _("Barzahlung (Kasse)"),
    "manualPayment": _("Zahlung aus Privateinlage"),
    "cashDiscount": _("Skonto"),
    "dunningCosts": _("Mahngebühr"),
    "currencyConversion": _("Währungsumrechnung"),
    "irrecoverableReceivable": _("Forderungsausfall"),
}

RUN_STATUSES: Final[Mapping[str, str]] = {
    "queued": _("In Warteschlange"),
    "running": _("Läuft"),
    "succeeded": _("Erfolgreich"),
    "failed": _("Fehlgeschlagen"),
    "failed_transient": _("Unterbrochen, wird wiederholt"),
}

CONNECTION_STATES: Final[Mapping[str, str]] = {
    "none": _("Keine Verbindung"),
    "pending": _("Verbindung aktivieren"),
    "active": _("Aktiv"),
    "failed": _("Verbindung fehlgeschlagen"),
}

TRIGGERS: Final[Mapping[str, str]] = {
    "schedule": _("Täglich"),
    "manual": _("Jetzt synchronisieren"),
    "webhook": _("Lexware-Ereignis"),
    "connect": _("Verbinden"),
    "cli": _("Kommandozeile"),
}

TAX_ADVISOR_ACCESS: Final[Mapping[str, str]] = {
    "not_set_up": _("nicht eingerichtet"),
    "invitation_sent": _("Einladung versendet"),
    "confirmed": _("bestätigt"),
}

FAILURE_REASONS: Final[Mapping[str, str]] = {
    "invalid_key": _("API-Schlüssel abgelehnt"),
    "expired": _("API-Schlüssel abgelaufen"),
    "contract": _("Kein Lexware Office XL"),
    "missing_permission": _("Berechtigung fehlt"),
}

EXPIRY_WARNINGS: Final[Mapping[str, str]] = {
    "30_days": _("läuft in weniger als 30 Tagen ab"),
    "7_days": _("läuft in weniger als 7 Tagen ab"),
    "expired": _("abgelaufen"),
}

REVIEW_REASONS: Final[Mapping[str, str]] = {
    "no_longer_paid": _("nicht mehr bezahlt"),
    "deleted": _("in Lexware gelöscht"),
    "changed_after_close": _("nach Jahresabschluss geändert"),
}

MATCH_STATES: Final[Mapping[str, str]] = {
    "matched": _("zugeordnet"),
    "suggested": _("Vorschlag offen"),
    "external": _("extern erforderlich"),
    "open": _("offen"),
    "awaiting": _("wartet auf Kontoumsätze"),
    "cash": _("bar bezahlt"),
}

LINK_STATUSES: Final[Mapping[str, str]] = {
    "suggested": _("Vorschlag"),
    "auto_confirmed": _("automatisch zugeordnet"),
    "confirmed": _("bestätigt"),
    "rejected": _("abgelehnt"),
    "undone": _("aufgehoben"),
}

UNMATCHED_REASONS: Final[Mapping[str, str]] = {
    "no_candidate": _("Keine passende Banktransaktion: externe Transaktion erforderlich"),
    "below_threshold": _("Kein sicherer Treffer: bitte selbst zuordnen"),
    "awaiting_lines": _(
        "Noch kein passender Kontoumsatz: die Umsätze reichen noch nicht weit genug "
        "über das Zahldatum hinaus, der Abgleich folgt mit den nächsten"
    ),
}

TRANSACTION_SOURCES: Final[Mapping[str, str]] = {
    "connection": _("Bankverbindung"),
    "file": _("Kontoauszug"),
    "external": _("externe Transaktion"),
}

OUTBOX_STATUSES: Final[Mapping[str, str]] = {
    "sent": _("versendet"),
    "pending": _("wartet"),
    "failed": _("fehlgeschlagen"),
}

OUTBOX_KINDS: Final[Mapping[str, str]] = {
    "support_request": _("Supportanfrage"),
    "connection_failed": _("Verbindung fehlgeschlagen"),
    "key_expiry_30": _("Schlüssel läuft in 30 Tagen ab"),
    "key_expiry_7": _("Schlüssel läuft in 7 Tagen ab"),
}

# Codes of sync runs and of single vouchers that failed in a run.
RUN_CODES: Final[Mapping[str, str]] = {
    "nothing_to_sync": _("Kein offener Zeitraum: nichts zu synchronisieren"),
    "connection_not_active": _("Die Verbindung ist nicht aktiv."),
    "lexware_key_expired": _("Der API-Schlüssel ist abgelaufen."),
    "lexware_key_rejected": _("Lexware hat den API-Schlüssel abgelehnt."),
    "lexware_contract_issue": _("Der Lexware-Vertrag erlaubt keinen API-Zugriff (XL nötig)."),
    "lexware_permission_missing": _("Dem API-Schlüssel fehlt eine Berechtigung."),
    "lexware_not_found": _("Lexware kennt den Beleg nicht mehr."),
    "lexware_rate_limited": _("Lexware hat zu viele Anfragen gemeldet."),
    "lexware_request_invalid": _("Lexware hat die Anfrage abgelehnt."),
    "lexware_request_rejected": _("Lexware hat die Anfrage abgelehnt."),
    "lexware_search_window_exceeded": _("Zu viele Belege in einem Abschnitt der Liste."),
    "lexware_conflict": _("Lexware meldet einen Konflikt."),
    "lexware_unavailable": _("Lexware war nicht erreichbar."),
    "lexware_unreachable": _("Lexware war nicht erreichbar."),
    "lexware_malformed_response": _("Lexware hat eine unlesbare Antwort geschickt."),
    "lexware_unexpected_status": _("Lexware hat unerwartet geantwortet."),
    "lexware_error": _("Fehler bei Lexware."),
    "file_invalid": _("Eine Datei des Belegs war unlesbar."),
    "voucher_invalid": _("Der Beleg war unvollständig oder unlesbar."),
}

UNKNOWN: Final = _("unbekannt")
UNKNOWN_CODE: Final = _("Unerwarteter Fehler")


def label(table: Mapping[str, str], value: str | None, *, fallback: str = UNKNOWN) -> str:
    """The German label of ``value`` (translate it with gettext); ``–`` for no value."""
    if value is None or value == "":
        return "–"
    return table.get(value, fallback)


TABLES: Final[Mapping[str, Mapping[str, str]]] = {
    "voucher_type": VOUCHER_TYPES,
    "voucher_status": VOUCHER_STATUSES,
    "payment_item": PAYMENT_ITEM_TYPES,
    "run_status": RUN_STATUSES,
    "trigger": TRIGGERS,
    "connection_state": CONNECTION_STATES,
    "tax_advisor_access": TAX_ADVISOR_ACCESS,
    "failure_reason": FAILURE_REASONS,
    "expiry_warning": EXPIRY_WARNINGS,
    "review_reason": REVIEW_REASONS,
    "match_state": MATCH_STATES,
    "link_status": LINK_STATUSES,
    "unmatched_reason": UNMATCHED_REASONS,
    "transaction_source": TRANSACTION_SOURCES,
    "outbox_status": OUTBOX_STATUSES,
    "outbox_kind": OUTBOX_KINDS,
    "run_code": RUN_CODES,
}


def german_label(kind: str, value: str | None) -> str:
    """The German label of ``value`` from the table ``kind`` (translate with gettext)."""
    return label(TABLES[kind], value, fallback=UNKNOWN_CODE if kind == "run_code" else UNKNOWN)


def show(gettext: Callable[[str], str], kind: str, value: str | None) -> str:
    """The translated label of ``value`` from the table ``kind``."""
    text = german_label(kind, value)
    return text if text == "–" else gettext(text)


@pass_context
def template_label(context: Context, kind: str, value: str | None) -> str:
    """``label(kind, value)`` in templates, in the page's language."""
    gettext: Callable[[str], str] = context["_"]
    return show(gettext, kind, value)
