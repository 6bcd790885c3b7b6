"""Errors raised by the store."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import structlog
from sqlalchemy.exc import OperationalError

_log = structlog.get_logger("belegsync.store")


class NotFound(Exception):
    """The row does not exist, or it belongs to another tenant.

    Both cases raise the same error with the same message, so callers (and users)
    cannot tell whether another tenant's id exists.
    """

    code = "not_found"

    def __init__(self, subject: str) -> None:
        super().__init__(f"{subject} not found")
        self.subject = subject


def is_busy(error: BaseException) -> bool:
    """Whether ``error`` is the database refusing for now, worth trying again in a few
    seconds: SQLite's write lock not free within the busy timeout (another process
    imports or syncs); PostgreSQL's lock not available, or the transaction rolled back
    as a deadlock's victim or for a serialization failure (nothing of it was kept)."""
    if not isinstance(error, OperationalError):
        return False
    if getattr(error.orig, "sqlstate", None) in _TRY_AGAIN:
        return True
    return "database is locked" in str(error.orig)


@contextmanager
def skipped_when_busy(event: str | None = None, **fields: object) -> Iterator[None]:
    """For a write that can wait for another time (a token's last use, a banner seen,
    the matching after an import, an imported upload's draft): when the database is busy
    (:func:`is_busy`) it is left out, not the request; ``event``: logged then as a
    warning with ``fields``."""
    try:
        yield
    except OperationalError as error:
        if not is_busy(error):
            raise
        if event is not None:
            _log.warning(event, error=str(error.orig)[:200], **fields)


# PostgreSQL's SQLSTATEs of a refusal for now: a lock that could not be taken (NOWAIT,
# lock_timeout), a deadlock's victim, a serialization failure
_TRY_AGAIN = frozenset({"55P03", "40P01", "40001"})
