"""The upload's second step: a file waits as a draft while the user picks the account,
the format or the CSV columns; a mapping they chose is kept per account."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import timedelta

from belegsync.banking.csv_format import CsvLayoutUnknown, sniff_delimiter, split_rows
from belegsync.banking.csv_mapping import CsvMapping, mapping_from_json
from belegsync.banking.imports import ImportResult, LineKeys, import_statement
from belegsync.banking.text import as_written, compact_iban, decode_text
from belegsync.domain.clock import Clock
from belegsync.store.errors import NotFound, skipped_when_busy
from belegsync.store.uow import UnitOfWork, UnitOfWorkFactory

DRAFT_DAYS = 1
PREVIEW_ROWS = 6
# The fields of the mapping step, in form order: (form key, German label, English label).
MAPPING_FIELDS = (
    ("date", "Buchungsdatum", "Booking date"),
    ("amount", "Betrag", "Amount"),
    ("debit", "Soll (statt Betrag)", "Debit (instead of amount)"),
    ("credit", "Haben (statt Betrag)", "Credit (instead of amount)"),
    ("value_date", "Valutadatum", "Value date"),
    ("name", "Gegenpartei", "Counterparty"),
    ("iban", "IBAN der Gegenpartei", "Counterparty IBAN"),
    ("text", "Verwendungszweck", "Remittance text"),
    ("booking_text", "Buchungstext", "Booking text"),
    ("currency", "Währung", "Currency"),
    ("account_iban", "Eigenes Konto (IBAN)", "Own account (IBAN)"),
)
DATE_FORMATS = ("%d.%m.%Y", "%d.%m.%y", "%Y-%m-%d", "%d/%m/%Y", "%m/%d/%Y")
# Header words that suggest a field (lower case, the first that fits wins).
_HINTS = {
    "date": ("buchungstag", "buchungsdatum", "buchung", "datum", "booking date", "date"),
    "amount": ("betrag", "umsatz", "amount", "brutto"),
    "value_date": ("valuta", "wertstellung", "value date"),
    "name": ("empfänger", "auftraggeber", "zahlungsbeteiligter", "name", "payee", "partner"),
    "iban": ("iban", "kontonummer"),
    "text": ("verwendungszweck", "reference", "referenz", "buchungstext", "beschreibung"),
    "currency": ("währung", "waehrung", "currency"),
}


@dataclass(frozen=True, slots=True)
class Preview:
    """The first rows of a file as the user sees them in the mapping step."""

    is_csv: bool
    delimiter: str
    header: tuple[str, ...]
    header_line: int
    rows: tuple[tuple[str, ...], ...]
    lines: tuple[str, ...]


def preview(data: bytes) -> Preview:
    text = decode_text(data[:200_000])
    lines = tuple(text.splitlines()[: PREVIEW_ROWS + 2])
    if text.lstrip().startswith(("<", ":20:", "{1:")):
        return Preview(False, ";", (), 0, (), lines)
    delimiter = sniff_delimiter(text)
    rows = split_rows(text, delimiter, 60)
    widest = max((sum(1 for c in r if c.strip()) for r in rows), default=0)
    at = next((i for i, r in enumerate(rows) if sum(1 for c in r if c.strip()) == widest), 0)
    header = tuple(c.strip().lstrip("\ufeff") for c in rows[at]) if rows else ()
    body = tuple(
        tuple(r) for r in rows[at + 1 : at + 1 + PREVIEW_ROWS] if any(c.strip() for c in r)
    )
    return Preview(widest >= 2, delimiter, header, at + 1, body, lines)


def suggest_mapping(header: tuple[str, ...]) -> dict[str, str]:
    """A first guess of the mapping from the header names."""
    chosen: dict[str, str] = {}
    taken: set[str] = set()
    for key, words in _HINTS.items():
        for word in words:
            column = next((c for c in header if c and c not in taken and word in c.lower()), None)
            if column is not None:
                chosen[key] = column
                taken.add(column)
                break
    return chosen


def mapping_from_form(form: Mapping[str, str]) -> CsvMapping:
    """The mapping the user chose in the form (``map_<field>`` selects)."""
    document: dict[str, object] = {}
    for key, _, _ in MAPPING_FIELDS:
        value = (form.get(f"map_{key}") or "").strip()
        if value:
            document[key] = [value] if key == "text" else value
    delimiter = form.get("map_delimiter") or ";"
    document["delimiter"] = "\t" if delimiter == "tab" else delimiter
    document["decimal"] = form.get("map_decimal") or "comma"
    date_format = form.get("map_date_format") or DATE_FORMATS[0]
    document["date_format"] = date_format if date_format in DATE_FORMATS else DATE_FORMATS[0]
    return mapping_from_json(document)


async def save_draft(
    uow_factory: Callable[[], UnitOfWork], clock: Clock, tenant_id: str, filename: str, data: bytes
) -> str:
    now = clock.now()
    async with uow_factory() as uow:
        draft = await uow.banking.add_draft(
            tenant_id=tenant_id,
            file_name=filename,
            data=data,
            now=now,
            keep_since=now - timedelta(days=DRAFT_DAYS),
        )
        await uow.commit()
        return draft.id


async def load_draft(
    uow_factory: UnitOfWorkFactory, tenant_id: str, draft_id: str
) -> tuple[str, bytes]:
    """(file name, content) of the tenant's draft; :class:`NotFound` otherwise."""
    async with uow_factory.read_only() as uow:
        draft = await uow.banking.draft(tenant_id, draft_id)
        if draft is None:
            raise NotFound("upload draft")
        return draft.file_name, draft.data


async def drop_draft(uow_factory: Callable[[], UnitOfWork], tenant_id: str, draft_id: str) -> None:
    """The draft of an upload that was imported; where the database is busy (another
    process's write), it is left to expire after ``DRAFT_DAYS``: the import it came
    from stands."""
    with skipped_when_busy("draft_left_to_expire", tenant_id=tenant_id):
        async with uow_factory() as uow:
            await uow.banking.delete_draft(tenant_id, draft_id)
            await uow.commit()


def _account_key(account: str | None) -> str | None:
    if not account:
        return None
    return compact_iban(account) or as_written(account)


async def saved_mapping(
    uow_factory: UnitOfWorkFactory, tenant_id: str, account: str | None
) -> CsvMapping | None:
    key = _account_key(account)
    async with uow_factory.read_only() as uow:
        known = await uow.banking.account_by_iban(tenant_id, key) if key else None
    if known is None or not known.csv_mapping:
        return None
    return mapping_from_json(known.csv_mapping)


@dataclass(frozen=True, slots=True)
class UploadChoice:
    account: str | None = None
    fmt: str | None = None
    mapping: CsvMapping | None = None
    remember_mapping: bool = False


async def import_upload(
    *,
    uow_factory: UnitOfWorkFactory,
    clock: Clock,
    tenant_id: str,
    filename: str,
    data: bytes,
    choice: UploadChoice,
    actor: str,
    line_keys: LineKeys | None = None,
) -> ImportResult:
    """Import an uploaded file with the user's choices; a CSV layout no preset knows is
    read with the mapping saved for the chosen account, and a mapping the user chose
    now is saved for the account when they ask for it. ``line_keys``: as
    :func:`import_statement` takes it."""

    async def run(mapping: CsvMapping | None, *, remember: bool = False) -> ImportResult:
        return await import_statement(
            uow_factory=uow_factory,
            clock=clock,
            tenant_id=tenant_id,
            filename=filename,
            data=data,
            account_iban=choice.account,
            fmt=choice.fmt,
            actor=actor,
            csv_mapping=mapping,
            remember_mapping=remember,
            line_keys=line_keys,
        )

    if choice.mapping is not None:
        # a mapping to remember is saved with the import, in one transaction
        return await run(choice.mapping, remember=choice.remember_mapping)
    try:
        return await run(None)
    except CsvLayoutUnknown:
        saved = await saved_mapping(uow_factory, tenant_id, choice.account)
        if saved is None:
            raise
        return await run(saved)
