"""Domain errors: a stable code, a German message for people and optional fields.

Like zulip's ``JsonableError``: the web and CLI layers map these to answers
without knowing each rule; ``str(error)`` is the German message because German is
the product's default language, ``message_en`` carries the English text.
"""

from __future__ import annotations

from collections.abc import Mapping


class DomainError(Exception):
    """Base of all rule violations raised by :mod:`belegsync.domain`."""

    code: str = "domain_error"

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        message_en: str | None = None,
        fields: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        self.message_en = message_en if message_en is not None else message
        self.fields: dict[str, str] = dict(fields or {})

    def __str__(self) -> str:
        return self.message


class InvalidInput(DomainError, ValueError):
    """A value from a person or a remote system breaks a rule.

    It is also a ``ValueError`` so that parsers can be used where plain Python
    code expects one (argparse types, pydantic validators).
    """

    code = "invalid_input"


class InvalidTransition(DomainError):
    """A state machine was asked for a change its rules do not allow."""

    code = "invalid_transition"

    def __init__(self, from_state: str, to_state: str) -> None:
        self.from_state = str(from_state)
        self.to_state = str(to_state)
        super().__init__(
            f"Der Wechsel von „{self.from_state}“ nach „{self.to_state}“ ist nicht erlaubt.",
            message_en=f"Transition from '{self.from_state}' to '{self.to_state}' is not allowed.",
            fields={"from_state": self.from_state, "to_state": self.to_state},
        )
