"""Errors a user can act on become one clear line instead of a traceback."""

from __future__ import annotations

from belegsync.cli.wiring import SchemaOutdated
from belegsync.domain.errors import DomainError
from belegsync.store.errors import NotFound, is_busy
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


# What an error a user can act on exits with: the input, a name or the set-up is wrong
EXIT_ERROR = 2
# The database is busy with another process's write (sysexits.h's EX_TEMPFAIL): the
# same command may succeed in a few seconds, so a script or a cron job may try again
EXIT_BUSY = 75

_BUSY = (
    "Die Datenbank ist gerade mit einem anderen Vorgang beschäftigt (einer Synchronisation, "
    "einem Abgleich oder einem Import). Versuchen Sie es in einigen Sekunden noch einmal. "
    "(The database is busy with another process's write; try again in a few seconds.)"
)


def explain_error(exc: BaseException) -> tuple[str, int] | None:
    """The message for ``exc`` and the exit code, or ``None`` if it is a bug and should
    show its traceback."""
    if is_busy(exc):
        # the unit of work that met the lock rolled back; a step committed before it
        # stands (an import's lines, whose matching is left for the next run)
        return _BUSY, EXIT_BUSY
    message = _message(exc)
    return None if message is None else (message, EXIT_ERROR)


def _message(exc: BaseException) -> str | None:
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
