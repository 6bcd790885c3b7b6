"""Bank statements and transactions: CAMT.052/053/054 (also zipped), MT940/MT942 and bank CSV
files become normalised transactions, stored idempotently per account.

Parsers are pure (``parse_statement_file``); ``import_statement`` and
``push_transactions`` are the use cases that write.
"""

from __future__ import annotations

from belegsync.banking.csv_mapping import CsvMapping, mapping_from_json, mapping_to_json
from belegsync.banking.csv_presets import PRESETS
from belegsync.banking.detect import FORMAT_LABELS, FORMATS, detect_format, parse_statement_file
from belegsync.banking.errors import StatementError
from belegsync.banking.hashing import import_hashes
from belegsync.banking.imports import ImportResult, import_statement, push_transactions
from belegsync.banking.model import ParsedStatement, ParsedTransaction
from belegsync.banking.queries import TransactionView, list_transactions

__all__ = [
    "FORMATS",
    "FORMAT_LABELS",
    "PRESETS",
    "CsvMapping",
    "ImportResult",
    "ParsedStatement",
    "ParsedTransaction",
    "StatementError",
    "TransactionView",
    "detect_format",
    "import_hashes",
    "import_statement",
    "list_transactions",
    "mapping_from_json",
    "mapping_to_json",
    "parse_statement_file",
    "push_transactions",
]
