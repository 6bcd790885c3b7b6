"""Errors a user can act on become one clear line instead of a traceback."""

from __future__ import annotations

from belegsync.cli.wiring import SchemaOutdated
from belegsync.domain.errors import DomainError
from belegsync.store.errors import NotFound
from belegsync.store.secrets import KeyfileError
from belegsync.sync.connect import LexwareUnreachable

# what the store did not find, as the German message names it (``NotFound.subject``)
_SUBJECTS = {
    "tenant": "Mandant",
    "user": "Benutzer",
    "voucher": "Beleg",
    "voucher file": "Belegdatei",
    "payment": "Zahlung",
    "transaction": "Umsatz",
    "link": "Zuordnung",
    "batch": "Sammelbestätigung",
    "connection": "Verbindung",
    "sync run": "Synchronisationslauf",
    "api token": "API-Token",
    "advice": "Zahlungsavis",
    "upload draft": "Hochgeladener Kontoauszug",
    "support request": "Supportanfrage",
}


def explain_error(exc: BaseException) -> str | None:
    """The message for ``exc``, or ``None`` if it is a bug and should show its traceback."""
    if isinstance(exc, DomainError):
        return f"{exc.message} [{exc.code}]"
    if isinstance(exc, NotFound):
        return f"{_SUBJECTS.get(exc.subject, exc.subject)} nicht gefunden ({exc})"
    if isinstance(exc, LexwareUnreachable):
        e = exc.explanation
        return f"{e.message_de} {e.advice_de}"
    if isinstance(exc, KeyfileError | SchemaOutdated):
        return str(exc)
    if isinstance(exc, ValueError) and exc.__class__ is ValueError:
        return str(exc)
    return None
