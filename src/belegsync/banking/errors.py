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

    def __init__(
        self,
        location: str,
        problem_de: str,
        problem_en: str,
        *,
        code: str | None = None,
    ) -> None:
        self.location = location
        self.problem_de = problem_de
        self.problem_en = problem_en
        where_de = f"{location}: " if location else ""
        where_en = f"{location}: " if location else ""
        super().__init__(
            f"Die Kontoauszugsdatei ist fehlerhaft – {where_de}{problem_de} "
            "Es wurde nichts importiert.",
            code=code,
            message_en=f"The statement file is malformed – {where_en}{problem_en} "
            "Nothing was imported.",
            fields={"location": location},
        )


def at_line(number: int) -> str:
    """The location text for a 1-based line number."""
    return f"Zeile {number} (line {number})"
