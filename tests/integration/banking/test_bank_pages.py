"""The bank pages through the real app: upload with its second step (account, format, CSV
columns, the mapping saved per account), Umsätze (paged, filtered, sorted, CSV for
Excel), Bankkonten, and the push API's answers to bad bodies."""

from __future__ import annotations

import json
import re
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from belegsync.accounts.api_tokens import create_api_token
from belegsync.store.models import BankAccount, BankTransaction
from support.web_stack import Browser, WebStack, text_of
from unit.banking.fixtures import fixture

OWN = "DE17100500000123456789"
NEW = "DE89370400440532013000"
# A layout no preset knows: the user maps its columns.
HOME_MADE = (
    "Datum;Text;Wert;Partner\r\n"
    "01.03.2024;Miete März;-850,00;Hausverwaltung Krause\r\n"
    "02.03.2024;RE-2024-0042;2.380,00;Müller Immobilien KG\r\n"
)
HOME_MADE_NEXT = HOME_MADE + "05.03.2024;Telefon;-19,99;Telekom\r\n"
# its columns, as the mapping step is answered (kept for the account)
_MAPPING = {
    "account": "new",
    "new_iban": "DE89 3704 0044 0532 0130 00",
    "use_mapping": "1",
    "map_date": "Datum",
    "map_amount": "Wert",
    "map_text": "Text",
    "map_name": "Partner",
    "map_delimiter": ";",
    "map_decimal": "comma",
    "map_date_format": "%d.%m.%Y",
    "remember": "1",
}


async def _upload(b: Browser, tenant: str, name: str, data: bytes, **form: str) -> httpx.Response:
    return await b.client.post(
        f"/clients/{tenant}/bank/upload",
        data={"_csrf_token": await b.csrf(), **form},
        files={"file": (name, data, "application/octet-stream")},
    )


async def _count(stack: WebStack) -> int:
    async with stack.harness.uow_factory() as uow:
        return int(await uow.session.scalar(select(func.count(BankTransaction.id))) or 0)


def _draft_action(page: httpx.Response) -> str:
    found = re.search(r'action="([^"]+/bank/upload/[0-9a-f-]{36})"', page.text)
    assert found, page.text[:2000]
    return found.group(1)


async def test_unknown_csv_goes_through_the_mapping_step_and_the_mapping_is_kept(
    stack: WebStack,
) -> None:
    tenant = stack.tenant_a
    async with stack.browser() as b:
        await b.login("a@alpha.test")
        step = await _upload(b, tenant, "export.csv", HOME_MADE.encode("cp1252"))
        text = text_of(step)
        assert step.status_code == 200
        assert "ist keiner Bank bekannt" in text and "Spalten zuordnen" in text
        assert "Miete März" in text and "Hausverwaltung Krause" in text  # first rows shown
        assert 'option value="Datum" selected' in step.text  # a first guess
        action = _draft_action(step)
        done = await b.post(action, _MAPPING)
        assert done.status_code == 200, text_of(done)
        assert "2 neue Umsätze, 0 bereits vorhanden" in text_of(done)
        assert (await b.get(action)).status_code == 404  # the draft is gone

        # Next month's export of the same account: the saved mapping reads it at once.
        again = await _upload(
            b, tenant, "export2.csv", HOME_MADE_NEXT.encode("cp1252"), account=NEW
        )
    assert "1 neuer Umsatz, 2 bereits vorhanden" in text_of(again)
    async with stack.harness.uow_factory() as uow:
        account = await uow.banking.account_by_iban(tenant, NEW)
    assert account is not None and account.csv_mapping is not None
    assert account.csv_mapping["amount"] == "Wert"


@pytest.mark.parametrize("web_template", ["sqlite"], indirect=True)
async def test_a_mapped_import_and_its_mapping_stand_together_when_the_database_is_busy(
    stack: WebStack,
) -> None:
    """The mapping to remember was saved in a transaction of its own after the import's:
    where another process took the write lock in between, the form answered 503 („nothing
    was kept“) though the lines were stored, and the mapping was lost. Now the mapping
    is saved with the import, and what follows it (the draft, the matching) waits."""
    async with stack.locking() as locked:
        b, locking = locked.browser, locked.lock
        await b.login("a@alpha.test")
        step = await _upload(b, stack.tenant_a, "export.csv", HOME_MADE.encode("cp1252"))
        locking.arm(after=1)  # the import commits, the next write finds the lock
        done = await b.post(_draft_action(step), _MAPPING)
    assert done.status_code == 200, text_of(done)[:500]
    assert "2 neue Umsätze" in text_of(done) and "noch nicht abgeglichen" in text_of(done)
    async with stack.harness.uow_factory.read_only() as uow:
        account = await uow.banking.account_by_iban(stack.tenant_a, NEW)
    assert account is not None and account.csv_mapping is not None
    assert account.csv_mapping["amount"] == "Wert"


async def test_a_file_without_account_asks_for_it_and_the_choice_wins_with_a_warning(
    stack: WebStack,
) -> None:
    tenant = stack.tenant_a
    no_account = fixture("corpus/mt940_no_account.sta")
    async with stack.browser() as b:
        await b.login("a@alpha.test")
        step = await _upload(b, tenant, "umsatz.sta", no_account)
        assert step.status_code == 200 and "Die Datei nennt kein Konto" in text_of(step)
        wrong = await b.post(_draft_action(step), {"account": "new", "new_iban": "DE00 1234"})
        assert wrong.status_code == 400 and "keine gültige IBAN" in text_of(wrong)
        done = await b.post(_draft_action(wrong), {"account": "new", "new_iban": OWN})
        assert "2 neue Umsätze" in text_of(done)
        # A file naming another account: the chosen one wins, with a warning.
        other = await _upload(
            b, tenant, "vb.sta", fixture("corpus/mt940_volksbank.sta"), account=OWN
        )
    assert "3 neue Umsätze" in text_of(other)
    assert "Die Datei nennt das Konto DE68100400000123456700" in text_of(other)


async def test_files_that_cannot_be_read_name_the_problem_and_write_nothing(
    stack: WebStack,
) -> None:
    tenant = stack.tenant_a
    corpus = fixture("corpus/camt053_001_02_sparkasse.xml")
    async with stack.browser() as b:
        await b.login("a@alpha.test")
        pdf = await _upload(b, tenant, "auszug.pdf", b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\n")
        cut = await _upload(b, tenant, "cut.xml", corpus[: len(corpus) // 2])
        big = await _upload(b, tenant, "big.csv", b"x" * (21 * 1024 * 1024))
        wide = await _upload(b, tenant, "u16.xml", fixture("corpus/camt053_001_03_utf16.xml"))
        en = await b.post("/language", {"lang": "en", "next": "/"})
        assert en.status_code in (200, 303)
        pdf_en = await _upload(b, tenant, "auszug.pdf", b"%PDF-1.7\n")
    assert pdf.status_code == 400 and "das ist eine PDF-Datei" in text_of(pdf)
    assert "als CAMT (XML), MT940 oder CSV herunter" in text_of(pdf)
    assert cut.status_code == 400 and "Zeile 7" in text_of(cut)
    assert big.status_code == 413 and "größer als 20 MB" in text_of(big)
    assert big.headers["content-type"].startswith("text/html")
    assert "this is a PDF file" in text_of(pdf_en)
    assert "2 neue Umsätze" in text_of(wide)
    assert await _count(stack) == 2


async def test_transactions_list_pages_filters_sorts_and_exports(stack: WebStack) -> None:
    tenant = stack.tenant_a
    base = f"/clients/{tenant}/bank/transactions"
    async with stack.browser() as b:
        await b.login("a@alpha.test")
        for name in ("mt940_sparkasse.sta", "camt053_001_08_dkb.xml"):
            assert "neue Umsätze" in text_of(
                await _upload(b, tenant, name, fixture(f"corpus/{name}"))
            )
        first = await b.get(f"{base}?per_page=3")
        second = await b.get(f"{base}?per_page=3&page=2")
        far = await b.get(f"{base}?per_page=3&page=99999999999999999999")
        found = await b.get(f"{base}?q=telekom")
        by_amount = await b.get(f"{base}?amount=119,00")
        in_june = await b.get(f"{base}?from=01.06.2024&to=30.06.2024&sort=amount&dir=asc")
        bad = await b.get(f"{base}?from=31.02.2024")
        export = await b.get(f"/clients/{tenant}/bank/transactions.csv?q=telekom")
    assert "9 Umsätze, Seite 1 von 3" in text_of(first)
    assert 'rel="next"' in first.text and "page=2" in first.text
    assert "Seite 2 von 3" in text_of(second)
    assert far.status_code == 200 and "Seite 3 von 3" in text_of(far)
    assert "2 Umsätze" in text_of(found)
    assert "1 Umsatz, Seite 1 von 1" in text_of(by_amount) and "Rechnung 4711" in text_of(by_amount)
    june = text_of(in_june)
    assert "5 Umsätze" in june
    # date fields as on every other list (a date picker, the browser's format); a day
    # the URL writes as TT.MM.JJJJ is shown in them
    assert '<input id="f-from" name="from" type="date" value="2024-06-01">' in in_june.text
    assert '<input id="f-to" name="to" type="date" value="2024-06-30">' in in_june.text
    assert june.index("-980,00") < june.index("-452,10") < june.index("1.200,00")
    assert bad.status_code == 400 and "ist kein Datum" in text_of(bad)
    assert export.headers["content-type"] == "text/csv; charset=utf-8"
    body = export.content
    assert body.startswith("\ufeff".encode())
    lines = body.decode("utf-8-sig").splitlines()
    assert lines[0].startswith("Buchungstag;Valuta;Konto;Betrag;Währung;Gegenpartei")
    assert len(lines) == 3 and all(";-" in line for line in lines[1:])
    assert any(";-119,00;EUR;" in line for line in lines[1:])


async def test_accounts_page_shows_bank_source_period_and_gaps(stack: WebStack) -> None:
    tenant = stack.tenant_a
    data = fixture("corpus/mt940_sparkasse.sta").decode()
    first, second = data.split("-\r\n")[:2]
    # Leave out one day's bookings: the next statement starts from another balance.
    second = second.replace(":60F:C240304EUR", ":60F:C240304EUR1").replace(
        ":62F:C240305EUR", ":62F:C240305EUR1"
    )
    async with stack.browser() as b:
        await b.login("a@alpha.test")
        await _upload(b, tenant, "a.sta", (first + "-\r\n").encode())
        await _upload(b, tenant, "b.sta", (second + "-\r\n").encode())
        await _upload(b, tenant, "anon.xml", fixture("corpus/camt053_001_02_anonymised.xml"))
        page = await b.get(f"/clients/{tenant}/bank/accounts")
        other = await b.get(f"/clients/{stack.tenant_b}/bank/accounts")
    text = text_of(page)
    assert OWN in text and "Berliner Sparkasse" in text
    assert "Kontoauszug (Upload)" in text and "04.03.2024 – 05.03.2024" in text
    assert "Lücken zwischen den Kontoauszügen" in text and "Differenz" in text
    assert "DE00123456789012345678" in text and "IBAN ungültig" in text
    assert other.status_code == 404


async def test_accounts_page_names_the_account_that_holds_the_others_back(
    stack: WebStack,
) -> None:
    """All accounts together reach only as far as the least current one: the page said
    „vollständig bis 02.03.2024“ but not which account to bring up to date. Now it names
    it, with what moves it on (an uploaded account: its next statement)."""
    tenant = stack.tenant_a
    data = fixture("corpus/mt940_sparkasse.sta").decode()
    async with stack.browser() as b:
        await b.login("a@alpha.test")
        await _upload(b, tenant, "a.sta", data.encode())
        step = await _upload(b, tenant, "export.csv", HOME_MADE.encode("cp1252"))
        await b.post(_draft_action(step), _MAPPING)
        both = await b.get(f"/clients/{tenant}/bank/accounts")
        await _upload(b, tenant, "export2.csv", HOME_MADE_NEXT.encode("cp1252"), account=NEW)
        level = await b.get(f"/clients/{tenant}/bank/accounts")
    text = text_of(both)
    assert "Alle Konten zusammen sind vollständig bis 02.03.2024" in text
    assert "Dieses Konto hält den Abgleich auf" in text and "bis 05.03.2024" in text
    behind = text.split("Dieses Konto hält den Abgleich auf")[1]
    assert "nächsten Kontoauszug hochladen" in behind
    behind = behind.split("nächsten Kontoauszug hochladen")[0]
    assert NEW in behind and OWN not in behind
    assert f'href="/clients/{tenant}/bank/upload"' in both.text
    # the uploaded export caught up: nothing holds the matching back
    assert "Alle Konten zusammen sind vollständig bis 05.03.2024" in text_of(level)
    assert 'id="accounts-behind"' not in level.text


async def test_another_tenants_draft_is_not_found(stack: WebStack) -> None:
    async with stack.browser() as b:
        await b.login("a@alpha.test")
        step = await _upload(b, stack.tenant_a, "x.csv", HOME_MADE.encode())
        draft = _draft_action(step).rsplit("/", 1)[1]
    async with stack.browser() as b:
        await b.login("b@beta.test")
        theirs = await b.get(f"/clients/{stack.tenant_b}/bank/upload/{draft}")
    assert theirs.status_code == 404


async def test_push_refuses_bad_bodies_with_a_clear_400_and_writes_nothing(
    stack: WebStack,
) -> None:
    created = await create_api_token(
        uow_factory=stack.harness.uow_factory,
        clock=stack.harness.clock,
        ctx=stack.ctx(stack.tenant_a),
        name="Bank",
    )
    token = created.token
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    good: dict[str, Any] = {
        "account_iban": OWN,
        "transactions": [{"booking_date": "2024-03-04", "amount": "-1.00"}],
    }

    def item(**fields: object) -> bytes:
        return json.dumps(
            {**good, "transactions": [{**good["transactions"][0], **fields}]}
        ).encode()

    bodies = {
        "malformed": b"{not json",
        "truncated": json.dumps(good).encode()[:30],
        "nan": b'{"account_iban": "x", "transactions": [{"amount": NaN}]}',
        "1e400": b'{"account_iban": "' + OWN.encode() + b'", "transactions": '
        b'[{"booking_date": "2024-03-04", "amount": 1e400}]}',
        "bom": b"\xef\xbb\xbf" + json.dumps(good).encode(),
        "nested": b"[" * 100_000 + b"]" * 100_000,
        "surrogate": item(remittance="\ud800").replace(b"\\ud800", b"\\ud800"),
        "huge int": item(amount=10**30),
        "zero": item(amount="0.00"),
        "double sign": item(amount="--10"),
        "reversal yes": item(is_reversal="yes"),
        "1 MB text": item(remittance="x" * 1_000_000),
    }
    async with stack.browser() as b:
        answers = {
            name: await b.client.post("/api/v1/bank-transactions", content=body, headers=headers)
            for name, body in bodies.items()
        }
        form = await b.client.post(
            "/api/v1/bank-transactions",
            data={"account_iban": OWN},
            headers={"Authorization": f"Bearer {token}"},
        )
        ok = await b.client.post(
            "/api/v1/bank-transactions", content=json.dumps(good), headers=headers
        )
    # The API's body guard answers a body over its size limit with 413 and a body that is not
    # JSON with 415; everything else is the push's own 400.
    expected = {"1 MB text": 413, "form-encoded": 415}
    for name, answer in {**answers, "form-encoded": form}.items():
        status = expected.get(name, 400)
        assert answer.status_code == status, (name, answer.status_code, answer.text[:200])
        assert answer.json()["message"], name
    assert "byte order mark" in answers["bom"].json()["message"]
    assert answers["zero"].json()["error"] == "transaction_push_invalid"
    assert ok.status_code == 200 and ok.json()["added"] == 1
    async with stack.harness.uow_factory() as uow:
        accounts = list(await uow.session.scalars(select(BankAccount.iban)))
    assert accounts == [OWN]
    assert await _count(stack) == 1
