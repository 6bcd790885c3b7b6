"""Errors raised by the store."""

from __future__ import annotations


class NotFound(Exception):
    """The row does not exist, or it belongs to another tenant.

    Both cases raise the same error with the same message, so callers (and users)
    cannot tell whether another tenant's id exists.
    """

    code = "not_found"

    def __init__(self, subject: str) -> None:
        super().__init__(f"{subject} not found")
        self.subject = subject
