"""The one error every statement parser raises for a file it cannot read."""

from __future__ import annotations

from belegsync.domain.errors import InvalidInput


class StatementError(InvalidInput):
    """A statement file (or pushed batch) is malformed; nothing of it is imported.

    ``location`` names where: ``"Zeile 12"``-style line numbers for CSV and MT940, an
    element path such as ``/Document/BkToCstmrStmt/Stmt[1]/Ntry[5]/Amt`` for CAMT,
    ``transactions[3].amount`` for pushed JSON.
    """

    code = "statement_invalid"
    # the message's frame: what is malformed, and what happened to it (a subclass for
    # another kind of file says its own)
    frame_de = "Die Kontoauszugsdatei ist fehlerhaft"
    frame_en = "The statement file is malformed"
    outcome_de = "Es wurde nichts importiert."
    outcome_en = "Nothing was imported."
    default_advice_de = (
        "Bitte laden Sie den Auszug im Online-Banking erneut herunter und die Datei "
        "unverändert hoch."
    )
    default_advice_en = (
        "Please download the statement again from online banking and upload it unchanged."
    )

    def __init__(
        self,
        location: str,
        problem_de: str,
        problem_en: str,
        *,
        code: str | None = None,
        advice_de: str | None = None,
        advice_en: str | None = None,
    ) -> None:
        self.location = location
        self.problem_de = problem_de
        self.problem_en = problem_en
        self.advice_de = advice_de or self.default_advice_de
        self.advice_en = advice_en or self.default_advice_en
        where = f"{location}: " if location else ""
        super().__init__(
            f"{self.frame_de} – {where}{problem_de} {self.outcome_de} {self.advice_de}",
            code=code,
            message_en=f"{self.frame_en} – {where}{problem_en} {self.outcome_en} {self.advice_en}",
            fields={"location": location},
        )


def at_line(number: int) -> str:
    """The location text for a 1-based line number."""
    return f"Zeile {number} (line {number})"
