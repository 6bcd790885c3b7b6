"""Which line a payment is offered first where its lines are claimed by other payments
too, or where only its payer's lines for less are offered: found on the held-out seeds
1580–1979 (each test fails on the ranking before)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from typing import Any

import pytest

from belegsync.domain.matching import BankTxn, ExpectedPayment
from belegsync.matching import MatchResult, match
from unit.matching.factories import (
    D0,
    IBAN_A,
    IBAN_B,
    first_offered,
    linked_or_first,
    payment,
    txn,
)

IBAN_C = "DE75512108001245126199"


def _both_orders(expected: list[ExpectedPayment], lines: list[BankTxn]) -> list[MatchResult]:
    """The run on the lines in their order and reversed (a result never follows it)."""
    return [match(expected, lines), match(expected, lines[::-1])]


def _line(
    tid: str, amount: int, text: str, name: str, days: int = 0, iban: str = IBAN_A
) -> BankTxn:
    """A line of ``amount`` from ``name``'s account ``iban``, booked ``days`` from D0."""
    return txn(tid, amount=amount, text=text, name=name, iban=iban, day=D0 + timedelta(days=days))


def _patient(pid: str, number: str, name: str, amount: int, **extra: Any) -> ExpectedPayment:
    """A patient's invoice, the contact the voucher's own unless ``contact`` is given."""
    contact = extra.pop("contact", pid.split("#")[0])
    return payment(pid, number=number, amount=amount, name=name, contact=contact, **extra)


@pytest.mark.parametrize(("stranger", "brother"), [("a1", "b2"), ("b2", "a1")])
def test_of_two_lines_at_one_score_the_relatives_comes_first(stranger: str, brother: str) -> None:
    # Wolfgang Klein's invoice; on its paid date two lines of its amount citing nothing:
    # a stranger's „Dr. Albers Rechnung“ and his brother's „Zahnarztrechnung“, both at
    # the threshold. They went by their ids: the stranger's first (the dental practice
    # of held-out seed 1628)
    invoice = _patient("v1#0", "ZA-24-0266", "Wolfgang Klein", 12950, paid=D0)
    lines = [
        _line(stranger, 12950, "Dr. Albers Rechnung", "Stefan Schaefer"),
        _line(brother, 12950, "Zahnarztrechnung", "Mehmet Klein", 0, IBAN_B),
    ]
    for result in _both_orders([invoice], lines):
        assert not result.auto_links
        assert first_offered(result) == {"v1#0": brother}


def test_a_line_citing_another_invoice_goes_to_it_and_its_payer_known_one_to_the_other() -> None:
    # a patient's invoice and his wife's of one amount, both paid from her two accounts:
    # „Rechnung 450“ from the one, citing his invoice; „Behandlung Andrea Vogel“ from the
    # account her contact is known by, ten days before her paid date. Her invoice was
    # offered „Rechnung 450“ first (its payer's name hers, the day before her paid
    # date), and his the other: each the other's (the physiotherapy of held-out seed
    # 1674)
    his = _patient(
        "v1#0", "PR-24-0450", "Uwe Vogel", 20400, paid=D0, voucher_date=D0 - timedelta(days=14)
    )
    hers = _patient(
        "v2#0",
        "PR-24-0456",
        "Andrea Vogel",
        20400,
        paid=D0 + timedelta(days=10),
        voucher_date=D0 - timedelta(days=23),
        known_identifiers=frozenset({IBAN_A}),
    )
    lines = [
        _line("cites", 20400, "Rechnung 450", "Andrea Vogel", 9, IBAN_B),
        _line("hers", 20400, "Behandlung Andrea Vogel", "Andrea Vogel"),
    ]
    for result in _both_orders([his, hers], lines):
        assert not result.auto_links
        assert first_offered(result) == {"v1#0": "cites", "v2#0": "hers"}


def test_a_line_citing_another_invoices_running_number_is_no_offer_of_this_one() -> None:
    # two patients' invoices of one amount: „Rechnung 0126“ from F. Ivanov pays his
    # ZA-25-0126; Mia Wolf paid Stefan Jung's ZA-25-0128, „Behandlung Stefan Jung“, ten
    # days before its paid date. Ivanov's line was offered to Stefan Jung's invoice
    # first, and the check for lines naming the contact, asked only where nothing is
    # offered, never read Mia Wolf's (the dental practice of held-out seed 2987)
    jung = _patient(
        "v1#0", "ZA-25-0128", "Stefan Jung", 12950, paid=D0, voucher_date=D0 - timedelta(days=19)
    )
    ivanov = _patient(
        "v2#0",
        "ZA-25-0126",
        "Felix Ivanov",
        12950,
        paid=D0 + timedelta(days=2),
        voucher_date=D0 - timedelta(days=19),
    )
    lines = [
        _line("cites", 12950, "Rechnung 0126", "F. Ivanov", -2, IBAN_B),
        _line("named", 12950, "Behandlung Stefan Jung", "Mia Wolf", -10),
    ]
    for result in _both_orders([jung, ivanov], lines):
        assert linked_or_first(result) == {"v1#0": "named", "v2#0": "cites"}


def test_a_line_citing_an_invoices_date_from_another_patient_is_not_offered_first() -> None:
    # Klaus Wolf's invoice, written on 11 February, paid from his known account 13 days
    # before Lexware's paid date („Rezept vom 16.01.2025“); on the paid date Thomas
    # Hartmann paid his own invoice of the amount, „Rezept vom 11.02.2025“ (his
    # prescription's day). That line was offered to Klaus Wolf's invoice first, for
    # the date it writes (the physiotherapy of held-out seed 1633)
    written = D0 - timedelta(days=41)
    klaus = _patient(
        "v1#0",
        "PR-25-0042",
        "Klaus Wolf",
        28200,
        paid=D0,
        voucher_date=written,
        known_identifiers=frozenset({IBAN_A}),
    )
    thomas = _patient(
        "v2#0",
        "PR-25-0110",
        "Thomas Hartmann",
        28200,
        paid=D0,
        voucher_date=D0 - timedelta(days=12),
    )
    lines = [
        _line("own", 28200, "Rezept vom 12.12.2023", "KLAUS WOLF", -13),
        _line("other", 28200, f"Rezept vom {written:%d.%m.%Y}", "Thomas Hartmann", 0, IBAN_B),
    ]
    for result in _both_orders([klaus, thomas], lines):
        assert linked_or_first(result) == {"v1#0": "own", "v2#0": "other"}


def test_a_patients_invoices_two_weeks_apart_keep_the_lines_of_their_paid_dates() -> None:
    # Agnieszka Hartmann's two invoices of one amount, written 15 days apart, each
    # marked paid in Lexware on the day of a transfer from her account citing nothing
    # (17 days apart). The lines were handed round as a rent's standing orders are, one
    # step from the vouchers' dates: each invoice was offered the other's line (the
    # dental practice of held-out seed 1733)
    first = _patient(
        "v1#0",
        "ZA-24-0248",
        "Agnieszka Hartmann",
        12950,
        voucher_date=D0,
        paid=D0 + timedelta(days=39),
        known_identifiers=frozenset({IBAN_C}),
    )
    second = replace(
        first,
        id="v2#0",
        voucher_id="v2",
        voucher_number="ZA-24-0260",
        voucher_date=D0 + timedelta(days=15),
        paid_date=D0 + timedelta(days=36),
    )
    lines = [
        _line("early", 12950, "Zahnarztrechnung", "Agnieszka Hartmann", 22, IBAN_C),
        _line("late", 12950, "SEPA-GUTSCHRIFT", "Agnieszka Hartmann", 39, IBAN_C),
    ]
    for result in _both_orders([first, second], lines):
        assert linked_or_first(result) == {"v1#0": "late", "v2#0": "early"}


def test_lines_citing_each_others_invoice_on_the_others_amount_stay_with_their_amounts() -> None:
    # a carpenter's two invoices; he paid each by the other's number („Rechnung
    # RE-2025-00053“ on the 16,844.20 of RE-2025-00035, and the other way round). A
    # line citing an invoice of another amount claims it less than the line of its
    # amount from its payer: each keeps its amount's line first (the wholesaler of
    # held-out seed 1154; a first version of the claims swapped them)
    big = payment(
        "v1#0",
        number="RE-2025-00035",
        amount=1684420,
        paid=D0 + timedelta(days=3),
        name="Tischlerei Hoffmann",
        known_identifiers=frozenset({IBAN_A}),
    )
    small = replace(
        big,
        id="v2#0",
        voucher_id="v2",
        voucher_number="RE-2025-00053",
        amount_cents=436556,
        gross_cents=436556,
        paid_date=D0,
    )
    lines = [
        _line("for_big", 1684420, "Rechnung RE-2025-00053", "HOFFMANN, PETER", -1),
        _line("for_small", 436556, "RE-2025-00035", "HOFFMANN, PETER"),
    ]
    for result in _both_orders([big, small], lines):
        assert not result.auto_links
        assert first_offered(result) == {"v1#0": "for_big", "v2#0": "for_small"}


def test_a_line_another_invoice_claims_as_strongly_gives_way_to_one_citing_the_number() -> None:
    # a patient's two invoices of one amount: his own account paid the second on its
    # paid date („Rezept vom …“, naming the first's month), his wife's transfer citing
    # the first in full came on the first's paid date. The first was offered his own
    # transfer first (0.76 against 0.75: its month), which the second has as its only
    # line (the physiotherapy of held-out seed 1117; the wife writing „Rechnung 24“ for
    # the running number on 1200, 1251 and 1275)
    first = _patient(
        "v1#0",
        "PR-24-0295",
        "Klaus Köhler",
        16800,
        voucher_date=D0 - timedelta(days=16),
        paid=D0,
        known_identifiers=frozenset({IBAN_A}),
        contact="koehler",
    )
    second = replace(
        first,
        id="v2#0",
        voucher_id="v2",
        voucher_number="PR-24-0327",
        voucher_date=D0 + timedelta(days=1),
        paid_date=D0 + timedelta(days=6),
    )
    lines = [
        _line("wife", 16800, "Rechnungsnr. PR-24-0295 vom", "Sabine Köhler", 0, IBAN_B),
        _line("own", 16800, "Rezept vom 12.02.2024", "Köhler, Klaus", 6),
    ]
    for result in _both_orders([first, second], lines):
        assert linked_or_first(result) == {"v1#0": "wife", "v2#0": "own"}


def test_a_rates_own_line_is_not_given_up_for_a_later_rates_line_of_another_amount() -> None:
    # three rates of one invoice from the patient's account: „Rate 1 Rechnung Schmitz“
    # on the first's paid date, „Rate 2 …“ four days after the second's, and
    # „Ratenzahlung ZA-25-0092 3/3“ two months later, 2,88 € more (the last rate's
    # rounding, not in Lexware yet). The second rate claims the first's line as
    # strongly, and the third's line cites the number: a first version of the claims
    # offered it to the first rate first (the dental practice of held-out seed 1644;
    # 1703 and 1704 the same)
    rates = [
        payment(
            f"v1#{k}",
            number="ZA-25-0092",
            amount=66300,
            gross=3 * 66300,
            name="Hannah Schmitz",
            voucher_date=D0 - timedelta(days=22),
            paid=D0 + timedelta(days=24 * k),
            known_identifiers=frozenset({IBAN_A}),
        )
        for k in range(2)
    ]
    lines = [
        _line("r1", 66300, "Rate 1 Rechnung Schmitz", "Hannah Schmitz"),
        _line("r2", 66300, "Rate 2 Rechnung Schmitz", "Hannah Schmitz", 28),
        _line("r3", 66588, "Ratenzahlung ZA-25-0092 3/3", "Hannah Schmitz", 61),
    ]
    for result in _both_orders(rates, lines):
        assert linked_or_first(result) == {"v1#0": "r1", "v1#1": "r2"}


WEINGUT = "Weingut Schäfer GbR"


def _catering(number: str, amount: int, pid: str = "v1#0") -> ExpectedPayment:
    """A company's catering invoice written on D0 and not marked paid in Lexware (its
    date window is the invoice's), its account known; its lines bear its name."""
    return payment(
        pid,
        number=number,
        amount=amount,
        name=WEINGUT,
        paid=None,
        voucher_date=D0,
        known_identifiers=frozenset({IBAN_A}),
    )


def test_a_payers_line_for_less_naming_another_invoice_is_offered_after_its_deposit() -> None:
    # RE-2025-0023, 4.142,96 €: from the company's account a deposit „Anzahlung
    # Catering“ three weeks before the invoice, and „Rechnung RE-2025-0022“ the day
    # before it, which pays the invoice before (not marked paid: not in the run). The
    # line naming the other invoice was offered first, nearest the date (the café of
    # held-out seed 1931)
    invoice = _catering("RE-2025-0023", 414296)
    lines = [
        _line("a1", 282008, "Rechnung RE-2025-0022", WEINGUT, -1),
        _line("b2", 124200, "Anzahlung Catering", WEINGUT, -22),
    ]
    for result in _both_orders([invoice], lines):
        assert not result.auto_links
        assert [s.txn_id for s in result.suggestions_by_payment["v1#0"]] == ["b2", "a1"]


def test_a_payers_line_for_less_citing_the_invoice_comes_before_nearer_ones() -> None:
    # RE-2025-0019, 2.074,80 €: from the company's account „RE 2025-0017“ on the
    # invoice's day (another invoice's, not in the run), a deposit a week before and
    # „Rechnung 0019“, the rest, a week after. The line citing the other invoice was
    # offered first, nearest the date, and the one citing this invoice second (the café
    # of held-out seed 1859)
    invoice = _catering("RE-2025-0019", 207480)
    lines = [
        _line("a1", 63349, "RE 2025-0017", WEINGUT),
        _line("b2", 41400, "Anzahlung Feier", WEINGUT, -8),
        _line("c3", 166080, "Rechnung 0019", WEINGUT, 8),
    ]
    for result in _both_orders([invoice], lines):
        assert not result.auto_links
        assert [s.txn_id for s in result.suggestions_by_payment["v1#0"]] == ["c3", "b2", "a1"]


def test_a_payers_line_for_less_than_two_invoices_is_offered_to_the_one_it_cites() -> None:
    # „Rechnung 0019“, 1.660,80 €, from the company that owes RE-2025-0019 (2.074,80 €)
    # and RE-2025-0020 (2.000,00 €): it falls less short of the second, and cites the
    # first
    cited = _catering("RE-2025-0019", 207480)
    other = _catering("RE-2025-0020", 200000, "v2#0")
    line = _line("a1", 166080, "Rechnung 0019", WEINGUT, 2)
    for result in _both_orders([cited, other], [line]):
        assert not result.auto_links
        assert first_offered(result) == {"v1#0": "a1"}


def test_a_line_another_patient_claims_by_name_leaves_the_family_account_first() -> None:
    # Sophie Demir paid her invoice of 98,00 € herself, „Rechnung vom 29.02.2024“; Lena
    # Jäger's of the amount was paid five days before its paid date from the account of
    # her family, „Jäger, Marie-Luise“, known by her sister Anja's invoice it paid.
    # Sophie's line was offered to Lena's first (a stranger's name, citing nothing), and
    # the family's line nowhere: another contact's account (the dental practice of
    # held-out scenario seed 3018)
    anja = _patient(
        "v1#0",
        "ZA-24-0057",
        "Anja Jäger",
        73309,
        paid=D0 - timedelta(days=30),
        voucher_date=D0 - timedelta(days=40),
        known_identifiers=frozenset({IBAN_A}),
    )
    lena = _patient(
        "v2#0", "ZA-24-0263", "Lena Jäger", 9800, paid=D0, voucher_date=D0 - timedelta(days=10)
    )
    sophie = _patient(
        "v3#0",
        "ZA-24-0271",
        "Sophie Demir",
        9800,
        paid=D0 + timedelta(days=11),
        voucher_date=D0 - timedelta(days=1),
    )
    lines = [
        _line("anja", 73309, "ZA-24-0057 Behandlung", "Jäger, Marie-Luise", -31),
        _line("family", 9800, "Zahnarztrechnung", "Jäger, Marie-Luise", -5),
        _line("sophie", 9800, "Rechnung vom 29.02.2024", "SOPHIE DEMIR", 9, IBAN_B),
    ]
    for result in _both_orders([anja, lena, sophie], lines):
        assert linked_or_first(result) == {"v1#0": "anja", "v2#0": "family", "v3#0": "sophie"}


def test_a_partners_first_rate_naming_the_patient_comes_before_a_later_rate() -> None:
    # Piotr Pfeiffer's invoice of 2.797,34 € is paid in three rates from the account of
    # his partner M. Kaiser, a patient too, known by her own invoice; Lexware holds the
    # first rate, 932,00 €. „Rate 1 Rechnung Pfeiffer“ two days after its paid date was
    # offered nowhere (another contact's account, naming no number), „Ratenzahlung
    # ZA-25-0127 2/3“ a month later first (the dental practice of held-out scenario seed
    # 3112)
    kaiser = _patient(
        "v1#0",
        "ZA-25-0101",
        "Marion Kaiser",
        12950,
        paid=D0 - timedelta(days=40),
        voucher_date=D0 - timedelta(days=50),
        known_identifiers=frozenset({IBAN_A}),
    )
    rate = _patient(
        "v2#0",
        "ZA-25-0127",
        "Piotr Pfeiffer",
        93200,
        gross=279734,
        paid=D0,
        voucher_date=D0 - timedelta(days=12),
    )
    lines = [
        _line("hers", 12950, "ZA-25-0101", "M. Kaiser", -41),
        _line("first", 93200, "Rate 1 Rechnung Pfeiffer", "M. Kaiser", 2),
        _line("second", 93200, "Ratenzahlung ZA-25-0127 2/3", "M. Kaiser", 33),
    ]
    for result in _both_orders([kaiser, rate], lines):
        assert linked_or_first(result) == {"v1#0": "hers", "v2#0": "first"}


def test_a_patients_rate_from_his_own_account_is_offered_to_his_invoice_first() -> None:
    # Jörg Schäfer's invoice of 2.141,85 € and Maximilian Schäfer's of 1.022,21 €, both
    # open: „Rate 1 Rechnung Schäfer“, 713,00 €, from Jörg's known account names the
    # family only. It was offered to Maximilian's invoice, which it falls less short
    # of, and Jörg's was offered another patient's third rate (the dental practice of
    # held-out statement files seed 3405)
    written = D0 - timedelta(days=20)
    joerg = _patient(
        "v1#0",
        "ZA-25-0153",
        "Jörg Schäfer",
        214185,
        paid=None,
        voucher_date=written,
        known_identifiers=frozenset({IBAN_A}),
    )
    maximilian = _patient(
        "v2#0", "ZA-25-0144", "Maximilian Schäfer", 102221, paid=None, voucher_date=written
    )
    lines = [
        _line("rate", 71300, "Rate 1 Rechnung Schäfer", "JOERG SCHAEFER", 3),
        _line("other", 111274, "Rate 3 Rechnung Schäfer", "GIUSEPPE SCHAEFER", 8, IBAN_C),
    ]
    for result in _both_orders([joerg, maximilian], lines):
        assert not result.auto_links
        assert first_offered(result).get("v1#0") == "rate"
        offered = result.suggestions_by_payment.get("v2#0", ())
        assert "rate" not in {s.txn_id for s in offered}


def test_a_line_citing_another_invoice_and_its_date_is_no_offer_of_an_invoice_of_the_day() -> None:
    # Hans-Jürgen Schuster's and Claudia Lang's invoices of 129,50 €, written the same
    # day; Claudia paid hers twice from her known account, „Rg. ZA-24-0200 vom
    # 02.08.2024“. Both her lines were offered to his invoice for the date they write,
    # first, and the line from his family's account that paid it, „Zahnbehandlung
    # August“ from „Schuster, Agnieszka“, was offered nowhere (the dental practice of
    # held-out statement files seed 3441)
    written = D0 - timedelta(days=40)
    hans = _patient("v1#0", "ZA-24-0198", "Hans-Jürgen Schuster", 12950, voucher_date=written)
    claudia = _patient(
        "v2#0",
        "ZA-24-0200",
        "Claudia Lang",
        12950,
        paid=D0 + timedelta(days=7),
        voucher_date=written,
        known_identifiers=frozenset({IBAN_B}),
    )
    cites = f"Rg. ZA-24-0200 vom {written:%d.%m.%Y}"
    lines = [
        _line("hers", 12950, cites, "CLAUDIA LANG", -10, IBAN_B),
        _line("twice", 12950, cites, "CLAUDIA LANG", -3, IBAN_B),
        _line("family", 12950, "Zahnbehandlung August", "Schuster, Agnieszka", -9, IBAN_C),
    ]
    for result in _both_orders([hans, claudia], lines):
        offered = {s.txn_id for s in result.suggestions_by_payment.get("v1#0", ())}
        assert not offered & {"hers", "twice"}
        assert linked_or_first(result).get("v1#0") == "family"


def test_a_later_rate_of_the_patients_earlier_invoice_comes_after_the_new_ones_first() -> None:
    # Emma Stein pays two invoices in rates from her known account: the first rate of
    # the earlier one, 1.924,00 €, is in Lexware; „Rate 2 Rechnung Stein“ a week after
    # her new invoice is that invoice's next rate, „Rate 1 Rechnung Stein“ ten days
    # later, 1.920,00 €, the new one's first. The second rate was offered first, nearer
    # the new invoice's date (the dental practice of held-out statement files seed 3446)
    earlier = _patient(
        "v1#0",
        "ZA-25-0096",
        "Emma Stein",
        192400,
        gross=577424,
        paid=D0 - timedelta(days=22),
        voucher_date=D0 - timedelta(days=46),
        known_identifiers=frozenset({IBAN_A}),
        contact="emma",
    )
    new = _patient(
        "v2#0",
        "ZA-25-0140",
        "Emma Stein",
        576187,
        paid=None,
        voucher_date=D0,
        known_identifiers=frozenset({IBAN_A}),
        contact="emma",
    )
    lines = [
        _line("first", 192400, "Rate 1 Rechnung Stein", "Emma Stein", -22),
        _line("second", 192400, "Rate 2 Rechnung Stein", "Emma Stein", 7),
        _line("new", 192000, "Rate 1 Rechnung Stein", "Emma Stein", 17),
    ]
    for result in _both_orders([earlier, new], lines):
        assert linked_or_first(result) == {"v1#0": "first", "v2#0": "new"}


def test_a_line_for_less_citing_the_invoice_comes_before_its_twins_line() -> None:
    # Thomas Neumann's two invoices of 4.581,50 €, written the same day: „Ueberweisung“
    # for the amount from his known account paid the first on its paid date, „Rechnung
    # 131“ from his Swiss account the second on its own, the banks' charges of 14,37 €
    # kept. The first's line was offered to the second first, its own line nowhere
    # (the joinery of held-out scenario seed 3451)
    written = D0 - timedelta(days=10)
    first = _patient(
        "v1#0",
        "RE-25-0120",
        "Thomas Neumann",
        458150,
        voucher_date=written,
        known_identifiers=frozenset({IBAN_A}),
        contact="neumann",
    )
    second = _patient(
        "v2#0",
        "RE-25-0131",
        "Thomas Neumann",
        458150,
        paid=D0 + timedelta(days=11),
        voucher_date=written,
        known_identifiers=frozenset({IBAN_A}),
        contact="neumann",
    )
    lines = [
        _line("transfer", 458150, "Ueberweisung", "Thomas Neumann"),
        _line("cites", 456713, "Rechnung 131", "Thomas Neumann", 11, "CH9300762011623852957"),
    ]
    for result in _both_orders([first, second], lines):
        assert first_offered(result).get("v2#0") == "cites"
        assert linked_or_first(result).get("v1#0") == "transfer"


def test_a_rates_line_another_rate_gives_up_goes_to_the_rate_of_its_place() -> None:
    # Sophie Kaya pays ZA-25-0100 in three rates; Lexware holds the first two. „Rate 1
    # Rechnung Kaya“ four weeks before the first's paid date, „Ratenzahlung ZA-25-0100
    # 2/3“ two weeks before the second's, „… 3/3“ (19 ct more) after it. The first rate
    # held „2/3“ and the second „3/3“; the first gave „2/3“ up for its own line, and the
    # second kept „3/3“ first (the dental practice of held-out statement files seed
    # 3657)
    written = date(2025, 4, 8)
    rates = [
        payment(
            f"v1#{k}",
            number="ZA-25-0100",
            amount=111200,
            gross=333619,
            name="Sophie Kaya",
            voucher_date=written,
            paid=paid,
        )
        for k, paid in enumerate((date(2025, 5, 26), date(2025, 6, 11)))
    ]
    lines = [
        txn(tid, amount=cents, text=text, day=day, name="Sophie Kaya")
        for tid, cents, text, day in (
            ("r1", 111200, "Rate 1 Rechnung Kaya", date(2025, 4, 29)),
            ("r2", 111200, "Ratenzahlung ZA-25-0100 2/3", date(2025, 5, 28)),
            ("r3", 111219, "Ratenzahlung ZA-25-0100 3/3", date(2025, 6, 30)),
        )
    ]
    for result in _both_orders(rates, lines):
        assert linked_or_first(result) == {"v1#0": "r1", "v1#1": "r2"}


def test_a_payers_deposit_before_the_invoice_comes_before_a_later_line_naming_nothing() -> None:
    # RE-2025-0020, 1.287,35 €: from the firm's account „Anzahlung Weingut Schäfer GbR“
    # (257,00 €) two weeks before the invoice, and „Catering Rechnung“ (411,00 €) six
    # days after it, which pays something else. The later line was offered first,
    # nearest the date (the café of held-out statement files seed 3750): the invoice
    # written after a deposit reckons with it
    invoice = _catering("RE-2025-0020", 128735)
    lines = [
        _line("a1", 41100, "Catering Rechnung", WEINGUT, 6),
        _line("b2", 25700, f"Anzahlung {WEINGUT}", WEINGUT, -15),
    ]
    for result in _both_orders([invoice], lines):
        assert not result.auto_links
        assert [s.txn_id for s in result.suggestions_by_payment["v1#0"]] == ["b2", "a1"]


def test_a_deposit_of_the_invoices_amount_comes_before_a_deposit_for_less() -> None:
    # RE-2025-0022, 574,00 €, marked paid three days before it was written: „Anzahlung
    # Feier 19.05.“ of its amount four weeks before, and another „Anzahlung“ for
    # 315,00 € on the paid date (the next party's). The exact one was penalised as paid
    # early and offered second (held-out statement files seed 3626; 3344 alike): a
    # deposit is paid before the invoice by its nature, and the whole amount before a
    # part of it
    invoice = replace(
        _catering("RE-2025-0022", 57400), voucher_date=D0 + timedelta(3), paid_date=D0
    )
    lines = [
        _line("a1", 31500, f"Anzahlung {WEINGUT}", WEINGUT),
        _line("b2", 57400, "Anzahlung Feier 19.05.", WEINGUT, -29),
    ]
    for result in _both_orders([invoice], lines):
        assert not result.auto_links
        assert first_offered(result) == {"v1#0": "b2"}
        (offered, *_) = result.suggestions_by_payment["v1#0"]
        assert offered.features.penalty == 0.0
