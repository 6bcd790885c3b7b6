"""``belegsync import-statement``, ``import-advice`` and ``transactions`` as subprocesses."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from support.advice_files import pain008_batch, statement_with_batch
from support.store_helpers import write_lock_held
from unit.banking.fixtures import FIXTURES

BELEGSYNC = str(Path(sys.executable).with_name("belegsync"))
AMOUNT = re.compile(r"^-?[0-9]+\.[0-9]{2}$")


class Cli:
    def __init__(self, tmp_path: Path) -> None:
        self.env = {
            "PATH": os.environ.get("PATH", ""),
            "HOME": str(tmp_path),
            "BELEGSYNC_DATA_DIR": str(tmp_path / "data"),
        }

    def run(self, *args: str, log_level: str = "error") -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [BELEGSYNC, *args],
            env={**self.env, "BELEGSYNC_LOG_LEVEL": log_level},
            capture_output=True,
            text=True,
            timeout=60,
        )


@pytest.fixture
def cli(tmp_path: Path) -> Cli:
    cli = Cli(tmp_path)
    assert cli.run("tenant", "add", "Musterfirma").returncode == 0
    return cli


def test_imported_lines_are_stored_with_their_keys(cli: Cli) -> None:
    """The matching run after the import reads what it keeps of the new lines' texts
    as the import stored it: it stores no keys of its own (``line_keys_stored``)."""
    imported = cli.run(
        "import-statement", "Musterfirma", str(FIXTURES / "mt940_sparkasse.sta"), log_level="info"
    )

    assert imported.returncode == 0, imported.stderr
    logged = imported.stdout + imported.stderr
    assert "statement_imported" in logged and "matching_finished" in logged
    assert "line_keys_stored" not in logged


def test_import_statement_and_transactions(cli: Cli, tmp_path: Path) -> None:
    first = cli.run(
        "import-statement", "Musterfirma", str(FIXTURES / "mt940_sparkasse.sta"), "--json"
    )
    again = cli.run("import-statement", "Musterfirma", str(FIXTURES / "mt940_sparkasse.sta"))
    ing = cli.run(
        "import-statement",
        "Musterfirma",
        str(FIXTURES / "csv_ing_cp1252.csv"),
        "--format",
        "csv:ing",
    )
    listing = cli.run("transactions", "Musterfirma", "--json")
    text = cli.run("transactions", "Musterfirma")

    assert first.returncode == 0, first.stderr
    assert json.loads(first.stdout)["added"] == 6
    assert again.returncode == 0 and "0 neue Umsätze, 6 bereits vorhanden" in again.stdout
    assert ing.returncode == 0, ing.stderr
    rows = json.loads(listing.stdout)
    assert len(rows) == 11
    assert all(AMOUNT.match(r["amount"]) for r in rows)
    debit = next(r for r in rows if r["end_to_end_id"] == "RE-2024-0042" and not r["is_reversal"])
    assert debit["account"]["iban"] == "DE17100500000123456789"
    assert debit["amount"] == "-119.00"
    assert debit["booking_date"] == "2024-03-04"
    assert debit["counterparty"]["name"] == "Bürobedarf Müller GmbH"
    assert debit["remittance"] == "Rechnung RE-2024-0042 vom 01.03.2024 Kd-Nr. 4711"
    assert debit["source"] == "file"
    assert debit["linked_vouchers"] == []
    assert text.returncode == 0 and "11 Umsätze" in text.stdout


def test_broken_file_is_refused_with_line_and_nothing_imported(cli: Cli, tmp_path: Path) -> None:
    broken = tmp_path / "kaputt.csv"
    data = (FIXTURES / "csv_sparkasse_camt_v2_cp1252.csv").read_bytes()
    broken.write_bytes(data.replace(b'"-119,00"', b'"-11x9,00"'))

    result = cli.run("import-statement", "Musterfirma", str(broken))
    listing = cli.run("transactions", "Musterfirma", "--json")

    assert result.returncode == 1
    assert "Zeile 6" in result.stderr and "Betrag" in result.stderr
    assert "Nothing was imported" in result.stderr
    assert "Traceback" not in result.stderr
    assert json.loads(listing.stdout) == []


def test_a_busy_database_is_one_line_and_exit_75_and_keeps_nothing(
    cli: Cli, tmp_path: Path
) -> None:
    """A command whose write finds another process holding the write lock longer than
    BELEGSYNC_SQLITE_BUSY_SECONDS says so in one line and exits 75 (try again), not
    with a traceback after 30 s; the import it refused kept nothing."""
    statement = str(FIXTURES / "mt940_sparkasse.sta")
    cli.env["BELEGSYNC_SQLITE_BUSY_SECONDS"] = "1"
    with write_lock_held(tmp_path / "data" / "belegsync.sqlite3"):
        imported = cli.run("import-statement", "Musterfirma", statement)
        matched = cli.run("match", "Musterfirma")
        # reads need no lock
        reads = [
            cli.run("transactions", "Musterfirma", "--json"),
            cli.run("vouchers", "Musterfirma", "--json"),
            cli.run("status", "Musterfirma", "--json"),
        ]
    after = cli.run("import-statement", "Musterfirma", statement, "--json")
    cli.env["BELEGSYNC_SQLITE_BUSY_SECONDS"] = "0"
    unset = cli.run("transactions", "Musterfirma")

    for busy in (imported, matched):
        assert busy.returncode == 75, busy.stderr
        assert "Traceback" not in busy.stderr
        assert "Die Datenbank ist gerade mit einem anderen Vorgang beschäftigt" in busy.stderr
        assert "try again in a few seconds" in busy.stderr
    for read in reads:
        assert read.returncode == 0, read.stderr
    assert json.loads(reads[0].stdout) == json.loads(reads[1].stdout) == []
    assert json.loads(reads[2].stdout)["label"] == "Keine Verbindung"
    assert after.returncode == 0 and json.loads(after.stdout)["added"] == 6
    assert unset.returncode == 2 and "BELEGSYNC_SQLITE_BUSY_SECONDS" in unset.stderr


def test_generic_csv_needs_account_and_mapping(cli: Cli) -> None:
    csv_file = str(FIXTURES / "csv_generic_volksbank.csv")
    mapping = str(FIXTURES / "csv_generic_volksbank.mapping.json")

    missing = cli.run("import-statement", "Musterfirma", csv_file, "--csv-mapping", mapping)
    done = cli.run(
        "import-statement",
        "Musterfirma",
        csv_file,
        "--csv-mapping",
        mapping,
        "--account",
        "DE89 3704 0044 0532 0130 00",
    )
    unknown = cli.run("transactions", "Niemand")

    assert missing.returncode == 2 and "--account" in missing.stderr
    assert done.returncode == 0 and "3 neue Umsätze" in done.stdout
    assert unknown.returncode == 2 and "Mandant nicht gefunden" in unknown.stderr


def test_a_file_with_an_iban_failing_its_checksum_imports_and_the_named_account_wins(
    cli: Cli,
) -> None:
    anonymised = str(FIXTURES / "corpus" / "camt053_001_02_anonymised.xml")
    legacy = str(FIXTURES / "corpus" / "csv_sparkasse_camt_v2.csv")

    named = cli.run(
        "import-statement",
        "Musterfirma",
        anonymised,
        "--account",
        "DE89 3704 0044 0532 0130 00",
        "--json",
    )
    kept = cli.run("import-statement", "Musterfirma", legacy)
    listing = cli.run("transactions", "Musterfirma", "--account", "0123456789", "--json")

    assert named.returncode == 0, named.stderr
    result = json.loads(named.stdout)
    assert (result["added"], result["accounts"]) == (2, ["DE89370400440532013000"])
    assert [w["code"] for w in result["warnings"]] == ["statement_account_mismatch"]
    assert "DE00123456789012345678" in result["warnings"][0]["message"]
    assert kept.returncode == 0 and "4 neue Umsätze" in kept.stdout
    assert len(json.loads(listing.stdout)) == 4


def test_import_advice_attaches_a_batch_file_to_its_line_or_refuses_a_broken_one(
    cli: Cli, tmp_path: Path
) -> None:
    batch = tmp_path / "sammler.xml"
    batch.write_bytes(pain008_batch())
    broken = tmp_path / "kaputt.xml"
    broken.write_bytes(pain008_batch(control_sum="1.00"))
    statement = tmp_path / "auszug.xml"
    statement.write_bytes(statement_with_batch())

    refused = cli.run("import-advice", "Musterfirma", str(broken))
    waiting = cli.run("import-advice", "Musterfirma", str(batch), "--json")
    imported = cli.run("import-statement", "Musterfirma", str(statement))
    again = cli.run("import-advice", "Musterfirma", str(batch), "--json")
    text = cli.run("import-advice", "Musterfirma", str(batch))

    assert refused.returncode == 1 and "Die Avis-Datei ist fehlerhaft" in refused.stderr
    assert "CtrlSum" in refused.stderr
    assert waiting.returncode == 0, waiting.stderr
    first = json.loads(waiting.stdout)
    assert (first["attached"], first["waiting"]) == (0, 1)
    assert first["advices"][0]["reference"] == "B2B-20240403-001"
    assert first["advices"][0]["items"] == 3
    assert first["advices"][0]["paid_cents"] == 202300
    assert imported.returncode == 0, imported.stderr
    second = json.loads(again.stdout)
    assert second["attached"] == 1 and second["advices"][0]["already_known"] is True
    assert second["advices"][0]["transaction_id"]
    assert text.returncode == 0 and "1 von 1 Sammelbuchung aufgeschlüsselt." in text.stdout
