"""Which CSV column holds what: the mapping of one bank's layout (or the user's own).

A column is named by its header text; ``"Valuta|Wertstellungsdatum"`` accepts either
name (banks rename columns between versions) and ``"Währung#2"`` is the second column
of that name.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

from belegsync.domain.errors import InvalidInput


@dataclass(frozen=True, kw_only=True, slots=True)
class CsvMapping:
    """Which column holds what, and how values are written."""

    name: str = "generic"
    label: str = "CSV"
    booking_date: str
    # The amount, signed; or a pair of Soll/Haben columns (``debit``/``credit``).
    amount: str | None = None
    debit: str | None = None
    credit: str | None = None
    value_date: str | None = None
    counterparty_name: str | None = None
    # Layouts with payer and payee in two columns: the other party by direction.
    counterparty_name_in: str | None = None
    counterparty_name_out: str | None = None
    counterparty_iban: str | None = None
    counterparty_bic: str | None = None
    remittance: tuple[str, ...] = ()
    currency: str | None = None
    booking_text: str | None = None
    end_to_end_id: str | None = None
    mandate_reference: str | None = None
    creditor_id: str | None = None
    bank_reference: str | None = None
    batch_reference: str | None = None
    original_amount: str | None = None
    # A fee booked with the payment (PayPal): stored as a transaction of its own.
    fee: str | None = None
    account_iban: str | None = None
    status: str | None = None
    pending_values: tuple[str, ...] = (
        "Umsatz vorgemerkt",
        "vorgemerkt",
        "Vorgemerkt",
        "pending",
        "Pending",
        "Ausstehend",
    )
    # Rows whose ``skip_column`` holds one of ``skip_values`` move no money (declined
    # card payments, PayPal memos) and are left out.
    skip_column: str | None = None
    skip_values: tuple[str, ...] = ()
    # A separate Soll/Haben column ("S"/"H"), as some Volksbank exports have.
    debit_credit: str | None = None
    delimiter: str = ";"
    decimal_comma: bool = True
    date_formats: tuple[str, ...] = ("%d.%m.%Y", "%d.%m.%y")
    # Timestamps in UTC (Qonto): the booking day is the Berlin day of the timestamp.
    dates_in_utc: bool = False
    # Above the table: the account IBAN next to one of these labels (or any IBAN there).
    preamble_account: bool = False
    default_currency: str = "EUR"
    # Header names that identify the layout; all must be present.
    signature: tuple[str, ...] = field(default=())

    def columns(self) -> list[str]:
        """Every column the mapping reads (alternatives as written)."""
        single = (
            self.booking_date,
            self.amount,
            self.debit,
            self.credit,
            self.value_date,
            self.counterparty_name,
            self.counterparty_name_in,
            self.counterparty_name_out,
            self.counterparty_iban,
            self.counterparty_bic,
            self.currency,
            self.booking_text,
            self.end_to_end_id,
            self.mandate_reference,
            self.creditor_id,
            self.bank_reference,
            self.batch_reference,
            self.original_amount,
            self.fee,
            self.account_iban,
            self.status,
            self.skip_column,
            self.debit_credit,
        )
        return [c for c in (*single, *self.remittance) if c]


# Keys of the JSON form of a mapping (CLI ``--csv-mapping``, the upload's mapping step,
# the mapping saved per account) and the fields they set.
_JSON_KEYS = {
    "date": "booking_date",
    "booking_date": "booking_date",
    "value_date": "value_date",
    "amount": "amount",
    "debit": "debit",
    "credit": "credit",
    "name": "counterparty_name",
    "iban": "counterparty_iban",
    "bic": "counterparty_bic",
    "text": "remittance",
    "currency": "currency",
    "booking_text": "booking_text",
    "end_to_end_id": "end_to_end_id",
    "mandate_reference": "mandate_reference",
    "creditor_id": "creditor_id",
    "account_iban": "account_iban",
    "status": "status",
    "debit_credit": "debit_credit",
    "delimiter": "delimiter",
    "decimal": "decimal_comma",
    "date_format": "date_formats",
}
_TEXT_KEYS = {key for key, target in _JSON_KEYS.items() if target not in ("remittance",)} - {
    "decimal",
    "date_format",
}


def _invalid(de: str, en: str) -> InvalidInput:
    return InvalidInput(de, code="csv_mapping_invalid", message_en=en)


def mapping_from_json(document: Mapping[str, Any]) -> CsvMapping:
    """A generic mapping from ``{"date": "Buchungstag", "amount": "Betrag", "text":
    ["Verwendungszweck"], "delimiter": ";", "decimal": "comma", "date_format":
    "%d.%m.%Y"}``."""
    values: dict[str, Any] = {}
    for key, value in document.items():
        target = _JSON_KEYS.get(key)
        if target is None:
            raise _invalid(
                f"Unbekannter Schlüssel „{key}“ in der CSV-Zuordnung.",
                f"Unknown key '{key}' in the CSV mapping.",
            )
        if target == "remittance":
            value = (value,) if isinstance(value, str) else tuple(str(v) for v in value)
        elif target == "decimal_comma":
            value = str(value).lower() in ("comma", ",", "true")
        elif target == "date_formats":
            value = (str(value),)
        elif not isinstance(value, str):
            raise _invalid(f"„{key}“ muss ein Text sein.", f"'{key}' must be a string.")
        values[target] = value
    if "booking_date" not in values or not (
        "amount" in values or ("debit" in values and "credit" in values)
    ):
        raise _invalid(
            "Die CSV-Zuordnung braucht mindestens „date“ und „amount“ (oder „debit“ und „credit“).",
            "The CSV mapping needs at least 'date' and 'amount' (or 'debit' and 'credit').",
        )
    if len(values.get("delimiter", ";")) != 1:
        raise _invalid(
            "Das Trennzeichen muss genau ein Zeichen sein.",
            "The delimiter must be exactly one character.",
        )
    return CsvMapping(**values)


def mapping_to_json(mapping: CsvMapping) -> dict[str, Any]:
    """The JSON form :func:`mapping_from_json` reads (for saving a user's mapping)."""
    fields = asdict(mapping)
    out: dict[str, Any] = {}
    for key, target in _JSON_KEYS.items():
        if key == "date":
            continue
        value = fields[target]
        if target == "remittance":
            if value:
                out[key] = list(value)
        elif target == "decimal_comma":
            out[key] = "comma" if value else "dot"
        elif target == "date_formats":
            out[key] = value[0]
        elif value is not None and key in _TEXT_KEYS:
            out[key] = value
    return out
