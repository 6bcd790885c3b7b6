"""Conventions the third, independent data set (``matching_data/statement_files.py``)
found the engine blind to: a known payer's purpose listing its vouchers' running numbers
weeks before Lexware's paid date, and payouts whose purpose states the fee kept back."""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import replace
from datetime import date, timedelta
from itertools import combinations, product
from types import SimpleNamespace
from typing import Any, cast

import pytest

from belegsync.domain.matching import (
    BankTxn,
    ExistingLink,
    ExpectedPayment,
    LinkStatus,
    TxnStatus,
    UnmatchedReason,
)
from belegsync.domain.matching_reasons import describe
from belegsync.domain.matching_score import ScoringRules
from belegsync.domain.matching_text import (
    abbreviates,
    another_number,
    initialled,
    legal_forms_differ,
    mistyped_number,
    names_spelled,
    normalise_name,
    number_after_letters,
    stated_fee,
    stated_rate,
    stated_return_charges,
    with_letters_inside,
    with_zeros,
    year_in_full,
    zeros_dropped,
)
from belegsync.matching import MatchParams, MatchResult, match
from belegsync.matching.candidates import PaymentState
from belegsync.matching.collective import (
    _combinations,
    _split_combinations,
    announced_count,
    submission_day,
)
from belegsync.matching.history import LinkHistory
from belegsync.matching.payouts import sales_days, teaches_payer
from belegsync.matching.periods import months_away, period_in_text
from matching_data import statement_files
from matching_data.metrics import stored_links
from unit.matching.factories import D0, IBAN_A, IBAN_B, payment, txn

SUPPLIER = "Frischeservice Baur GmbH"
TERMINAL = "Terminalpay Europe GmbH"


def _auto(result: MatchResult) -> dict[str, str]:
    return {d.suggestion.payment_id: d.suggestion.txn_id for d in result.auto_links}


def _invoices(numbers_and_amounts: list[tuple[str, int]], paid_days: int) -> list[ExpectedPayment]:
    """The supplier's invoices of the café (known account), entered as paid in Lexware
    ``paid_days`` after ``D0``."""
    return [
        payment(
            f"v{i}#0",
            number=number,
            amount=amount,
            vtype="purchaseinvoice",
            voucher_date=D0 - timedelta(days=14 - i),
            paid=D0 + timedelta(days=paid_days),
            name=SUPPLIER,
            contact="baur",
            known_identifiers=frozenset({IBAN_A}),
        )
        for i, (number, amount) in enumerate(numbers_and_amounts)
    ]


@pytest.mark.parametrize(
    "purpose",
    [
        "Rg 774, 781, 792, 803",
        "Kd 4471 Rechnungen 774 781 792 803",
        "RE FB-24-00774/00781/00792/00803",
    ],
)
def test_a_known_payer_listing_running_numbers_weeks_before_the_paid_date_is_linked(
    purpose: str,
) -> None:
    # the bookkeeper entered the payments a month after the bank booked them; the
    # purpose cites the running numbers only, the sum is exact
    invoices = _invoices(
        [
            ("FB-24-00774", 60373),
            ("FB-24-00781", 21010),
            ("FB-24-00792", 33333),
            ("FB-24-00803", 9999),
        ],
        paid_days=27,
    )
    line = txn("b1", amount=-(60373 + 21010 + 33333 + 9999), text=purpose, name=SUPPLIER.upper())
    result = match(invoices, [line])
    assert _auto(result) == {p.id: "b1" for p in invoices}
    for decision in result.auto_links:
        assert "collective_payer" in decision.suggestion.features.extra


_SEVEN = [
    (f"FB-24-00{813 + 7 * i}", cents)
    for i, cents in enumerate((12770, 14080, 19050, 58607, 51361, 41064, 37175))
]


@pytest.mark.parametrize("delivered_on_payday", [False, True])
def test_a_known_payers_transfer_for_all_its_open_invoices_is_linked(
    delivered_on_payday: bool,
) -> None:
    """The café's food supplier is paid fortnightly; a holiday skipped one run, so the
    transfer „Rechnungen KW 45/46“ pays seven invoices — more than a combination is
    searched for (five) — and 11 days later the bookkeeper marks them paid. That day's
    delivery, invoiced on the payday, is not in it."""
    invoices = _invoices(_SEVEN, paid_days=11)
    if delivered_on_payday:
        invoices += _invoices([("FB-24-00900", 23456)], paid_days=25)[:1]
        invoices[-1] = replace(invoices[-1], id="v9#0", voucher_id="v9", voucher_date=D0)
    line = txn(
        "b1", amount=-sum(c for _, c in _SEVEN), text="Rechnungen KW 45/46", name=SUPPLIER.upper()
    )
    result = match(invoices, [line])
    assert _auto(result) == {p.id: "b1" for p in invoices[:7]}
    for decision in result.auto_links:
        assert "collective_all_open" in decision.suggestion.features.extra
    if not delivered_on_payday:  # the payday's invoice paid with the rest: read too
        with_it = [*invoices[:6], replace(invoices[6], voucher_date=D0)]
        assert _auto(match(with_it, [line])) == {p.id: "b1" for p in with_it}
    assert describe("collective_all_open")[0] == (
        "Alle offenen Belege dieses Zahlers bis zum Buchungstag ergeben den Betrag"
    )


def test_a_transfer_for_less_than_all_open_invoices_links_nothing_by_them() -> None:
    """An older invoice still open (unpaid, or paid in cash) is in the pool: all of
    them make more than the line, and seven of eight is no reading."""
    invoices = _invoices([("FB-24-00700", 9900), *_SEVEN], paid_days=11)
    line = txn(
        "b1", amount=-sum(c for _, c in _SEVEN), text="Rechnungen KW 45/46", name=SUPPLIER.upper()
    )
    assert _auto(match(invoices, [line])) == {}


def test_cited_numbers_that_do_not_sum_up_link_nothing() -> None:
    invoices = _invoices([("FB-24-00774", 60373), ("FB-24-00781", 21010)], paid_days=27)
    line = txn("b1", amount=-(60373 + 21011), text="Rg 774, 781", name=SUPPLIER.upper())
    assert _auto(match(invoices, [line])) == {}


def test_an_unknown_payer_listing_numbers_is_not_linked_by_them() -> None:
    invoices = [
        replace(p, known_identifiers=frozenset())
        for p in _invoices([("FB-24-00774", 60373), ("FB-24-00781", 21010)], paid_days=27)
    ]
    line = txn(
        "b1", amount=-(60373 + 21010), text="Rg 774, 781", name="JEMAND ANDERES", iban=IBAN_B
    )
    assert _auto(match(invoices, [line])) == {}


LAB = "Dentallabor Özdemir & Kraus GbR"
_LAB_INVOICES = [("0451", 69171), ("0452", 27210), ("0453", 80140), ("0454", 104519)]


def _lab_transfer(text: str, name: str = LAB, amount: int | None = None, **extra: Any) -> BankTxn:
    """The practice's transfer to its lab, from an account no link taught yet; by
    default of the four invoices' sum."""
    paid = sum(c for _, c in _LAB_INVOICES) if amount is None else amount
    return txn(extra.pop("tid", "b1"), amount=-paid, text=text, name=name, iban=IBAN_B, **extra)


def _first_import(
    numbers_and_amounts: list[tuple[str, int]], name: str = LAB
) -> list[ExpectedPayment]:
    """A supplier's invoices on a client's first import: Lexware holds no account of
    its contacts and no link has taught one yet."""
    return [
        replace(p, contact_name=name, contact_id="lab", known_identifiers=frozenset())
        for p in _invoices(numbers_and_amounts, paid_days=3)
    ]


@pytest.mark.parametrize(
    ("payer", "purpose"),
    [
        ("Oezdemir + Kraus Dentallabor GbR", "RE 451 452 453 454"),
        ("DENTALLABOR OEZDEMIR & KRAUS GBR", "Rg. 0451, 0452, 0453, 0454 Kd 112"),
        ("KRAUS OEZDEMIR DENTALLABOR GBR", "RE 451/452/453/454"),
        # „&“ written „U.“ or „UND“ by the bank (the wholesaler of seed 17: „BAUUNTERNEHMUNG
        # BAEUERLE + KRAEUTER GMBH U. CO. KG“, „RG 1 4“; both invoices were listed as
        # needing an external transaction for six weekly runs)
        ("DENTALLABOR OEZDEMIR U. KRAUS GBR", "RG 451 452 453 454"),
        ("Dentallabor Oezdemir und Kraus GbR", "RE 451 452 453 454"),
    ],
)
def test_a_payer_named_as_the_contact_citing_all_it_pays_is_linked_on_the_first_import(
    payer: str, purpose: str
) -> None:
    """The practice pays its dental lab's invoices of the month in one transfer citing
    their running numbers. On the first import no account is known: before, the
    transfer was neither linked nor offered, and the four invoices were listed as
    needing an external transaction. The payer's name has the contact's words („&“,
    „+“, „u.“ and „und“ are none, umlauts spelled out, in any order)."""
    invoices = _first_import(_LAB_INVOICES)
    line = _lab_transfer(purpose, payer)

    result = match(invoices, [line])

    assert _auto(result) == {p.id: "b1" for p in invoices}
    for decision in result.auto_links:
        assert "collective_payer" in decision.suggestion.features.extra
    assert not result.unmatched


def test_a_payer_named_as_the_contact_paying_part_of_what_it_cites_is_offered() -> None:
    """The transfer cites four invoices and pays three of them (one was disputed): the
    three are offered, not linked — only a known account links what a purpose cites
    in part."""
    invoices = _first_import(_LAB_INVOICES)
    paid = sum(c for _, c in _LAB_INVOICES[:3])
    line = _lab_transfer("RE 451 452 453 454", LAB.upper(), paid)

    result = match(invoices, [line])

    assert _auto(result) == {}
    for p in invoices[:3]:
        assert result.suggestions_by_payment[p.id][0].txn_id == "b1"


@pytest.mark.parametrize(
    "payer",
    [
        "Kraus Dentallabor GbR",  # a word fewer: the partner's own lab?
        "Dentallabor Özdemir & Kraus GbR Filiale Süd",  # a word more
    ],
)
def test_a_payer_with_other_words_than_the_contact_is_not_linked_by_its_numbers(
    payer: str,
) -> None:
    invoices = _first_import(_LAB_INVOICES)
    line = _lab_transfer("RE 451 452 453 454", payer)

    assert _auto(match(invoices, [line])) == {}


def test_two_contacts_of_the_payers_name_link_nothing_by_it() -> None:
    """Lexware holds the lab twice (an old and a new contact): whose invoices the
    numbers are is not told by the name."""
    invoices = _first_import(_LAB_INVOICES)
    invoices += [
        replace(p, id=f"w{k}#0", voucher_id=f"w{k}", contact_id="lab-alt")
        for k, p in enumerate(_first_import([("0460", 5000), ("0461", 7000)]))
    ]
    line = _lab_transfer("RE 451 452 453 454")

    assert _auto(match(invoices, [line])) == {}


def test_a_payer_named_as_the_contact_citing_no_numbers_is_only_offered() -> None:
    """„Rechnungen 07/2024 Kd-Nr. 112“: the one combination of the lab's open invoices
    that makes the line is offered; a name alone links no sum."""
    invoices = _first_import(_LAB_INVOICES)
    paid = _LAB_INVOICES[0][1] + _LAB_INVOICES[2][1]
    line = _lab_transfer("Rechnungen 07/2024 Kd-Nr. 112", amount=paid)

    result = match(invoices, [line])

    assert _auto(result) == {}
    for p in (invoices[0], invoices[2]):
        assert result.suggestions_by_payment[p.id][0].txn_id == "b1"


def test_the_account_a_cited_transfer_taught_links_the_payers_next_transfer_in_one_run() -> None:
    """The lab's first transfer cites its four invoices and is linked; its next one,
    from the same account, says „Rechnungen KW 45/46“ and pays the seven newer ones,
    all it has open — more than a combination is searched for. Before, the run only
    offered it; the next run, having learned the account from the first link, linked
    it: a second run with no new data changed what the client saw."""
    newer = [(f"0{460 + k}", cents) for k, cents in enumerate(c for _, c in _SEVEN)]
    invoices = _first_import([*_LAB_INVOICES, *newer])
    invoices[4:] = [
        replace(p, voucher_date=p.voucher_date + timedelta(days=20)) for p in invoices[4:]
    ]
    cited = _lab_transfer("RE 451 452 453 454")
    month = _lab_transfer(
        "Rechnungen KW 45/46",
        amount=sum(c for _, c in newer),
        tid="b2",
        day=D0 + timedelta(days=21),
    )

    result = match(invoices, [cited, month])

    assert _auto(result) == {p.id: "b1" if k < 4 else "b2" for k, p in enumerate(invoices)}
    again = match(invoices, [cited, month], existing_links=stored_links(result))
    assert again.auto_links == ()


def _sales(amounts: list[int], *, known: bool) -> list[ExpectedPayment]:
    """Daily card sales of the café booked as vouchers of the terminal provider; the
    paid date entered in Lexware is sometimes after the payout."""
    return [
        payment(
            f"z{i}#0",
            number=f"Z-{i:05d}",
            amount=amount,
            voucher_date=D0 + timedelta(days=i),
            paid=D0 + timedelta(days=i + (5 if i == 2 else 0)),
            name=TERMINAL,
            contact="terminal",
            known_identifiers=frozenset({IBAN_B}) if known else frozenset(),
        )
        for i, amount in enumerate(amounts)
    ]


def _payout(tid: str, net: int, fee: int, day: int) -> BankTxn:
    euros, cents = divmod(fee, 100)
    return txn(
        tid,
        amount=net,
        text=f"Auszahlung 104455 Umsatz abzgl. Entgelte {euros},{cents:02d}",
        name=TERMINAL,
        iban=IBAN_B,
        day=D0 + timedelta(days=day),
    )


@pytest.mark.parametrize("known", [True, False])
def test_payouts_stating_their_fee_link_their_sales_to_the_cent(known: bool) -> None:
    sales = _sales([40653, 74046, 71089, 30000], known=known)
    lines = [
        _payout("p1", 40653 - 333, 333, 2),  # one day's sales
        _payout("p2", 74046 + 71089 - 1320, 1320, 5),  # two days in one payout
    ]
    result = match(sales, lines)
    assert _auto(result) == {"z0#0": "p1", "z1#0": "p2", "z2#0": "p2"}
    shares = {d.suggestion.payment_id: d.suggestion for d in result.auto_links}
    assert shares["z1#0"].allocated_cents + shares["z2#0"].allocated_cents == 74046 + 71089 - 1320


def test_a_payout_scored_above_a_cash_deposit_near_the_amount_is_offered_first() -> None:
    # a day's card sales; the terminal's payout of three days less its fee holds a
    # sale not in Lexware yet (offered, short), and the till's cash deposit the next day
    # is 34 cents below the sale (from nobody: no name, no account). The greedy pairs
    # gave the sale the deposit, scored below the payout, and it was offered first
    # (the café of held-out seed 9090)
    sales = _sales([134174, 150000], known=True)
    deposit = txn(
        "cash",
        amount=134140,
        text="Einzahlung Tageskasse",
        name="",
        iban="",
        day=D0 + timedelta(days=1),
    )
    first, last = D0.strftime("%d.%m."), (D0 + timedelta(days=2)).strftime("%d.%m.%Y")
    payout = replace(
        _payout("p1", 134174 + 150000 + 112239 - 5345, 5345, 3),
        remittance=f"Auszahlung 104455 Umsatz {first}-{last} abzgl. Entgelte 53,45",
    )
    for lines in ([deposit, payout], [payout, deposit]):
        result = match(sales, lines)
        offered = result.suggestions_by_payment["z0#0"]
        assert offered[0].txn_id == "p1"
        assert offered[0].score > next(s.score for s in offered if s.txn_id == "cash")


def test_a_payout_stating_other_days_sales_is_not_a_sales_exact_line() -> None:
    # the café's card sales of 28 March, 449,19 €; the terminal's payout of that day
    # pays 26 March's sales less the fee kept, by chance 449,19 € too. It was linked to
    # 28 March's sales; their own payout came on 3 April (held-out seeds 1141 and 1161)
    sale = _sales([44919], known=True)[0]
    sale = replace(sale, voucher_date=D0 + timedelta(days=27), paid_date=D0 + timedelta(days=27))
    other_days = txn(
        "p1",
        amount=44919,
        text="Auszahlung 104455 vom 28.03.2024 Umsatz 26.03.2024 abzgl. Entgelte 4,26",
        name=TERMINAL,
        iban=IBAN_B,
        day=D0 + timedelta(days=27),
    )
    own = replace(
        other_days,
        id="p2",
        amount_cents=44919 - 386,
        remittance="Auszahlung 104455 vom 03.04.2024 Umsatz 28.03.2024 abzgl. Entgelte 3,86",
        booking_date=D0 + timedelta(days=33),
    )
    for fast in (True, False):
        alone = match([sale], [other_days], params=MatchParams(fast_path=fast))
        assert _auto(alone) == {}
        assert [s.txn_id for s in alone.suggestions_by_payment[sale.id]] == ["p1"]
        both = match([sale], [other_days, own], params=MatchParams(fast_path=fast))
        assert _auto(both) == {sale.id: "p2"}
    # the payout of the sales' own day for their amount is theirs
    same_day = replace(other_days, remittance="Auszahlung 104455 Umsatz 28.03.2024")
    assert _auto(match([sale], [same_day])) == {sale.id: "p1"}


def test_a_payout_whose_stated_fee_does_not_add_up_links_nothing() -> None:
    sales = _sales([40653, 74046], known=True)
    assert _auto(match(sales, [_payout("p1", 40653 - 333, 334, 2)])) == {}


@pytest.mark.parametrize(
    ("purpose", "cents"),
    [
        ("Auszahlung 104455 Umsatz 02.01.2024 abzgl. Entgelte 3,33", 333),
        ("Auszahlung Abrechnung 2024/0031 1 Rechnung abzgl. Gebuehr 82,42", 8242),
        ("Payout abzüglich Gebühren EUR 1.234,50", 123450),
        ("Umsatz\nabzgl. Disagio 7,10", 710),
        ("Rechnung 2024 abzgl. Skonto 3,00", None),  # Skonto is no kept fee
        ("Gebühren 3,33", None),
    ],
)
def test_stated_fee(purpose: str, cents: int | None) -> None:
    assert stated_fee(purpose) == cents


@pytest.mark.parametrize(
    ("purpose", "cents"),
    [
        ("RUECKLASTSCHRIFT EREF+TS-1033 SVWZ+MS03 SONSTIGE GRUENDE ENTGELT 4,50 EUR", 450),
        ("Rücklastschrift AM04\nEntgelt: 3,00 EUR", 300),
        ("RUECKLASTSCHRIFT MD06 GEBUEHR 8,75", 875),
        ("Rückbelastung Entg. 3,00", 300),
        ("RUECKLASTSCHRIFT Kursbeitrag 49,00 EUR AM04", None),  # the item, no charges
        ("ENTGELT RUECKLASTSCHRIFT", None),
    ],
)
def test_stated_return_charges(purpose: str, cents: int | None) -> None:
    assert stated_return_charges(purpose) == cents


def _days_payout(net: int, fee: int, days: str, tid: str = "p1", booked: int = 4) -> BankTxn:
    """The terminal's payout ``booked`` days after D0 of the sales of ``days`` less
    ``fee``."""
    euros, cents = divmod(fee, 100)
    return txn(
        tid,
        amount=net,
        text=f"Auszahlung 104455 vom 06.03.2024 Umsatz {days} abzgl. Entgelte {euros},{cents:02d}",
        name=TERMINAL,
        iban=IBAN_B,
        day=D0 + timedelta(days=booked),
    )


def test_a_payout_whose_days_lack_a_sales_voucher_offers_those_it_has() -> None:
    # the weekend's payout for the sales of Friday and Saturday (D0, D0 + 1); Friday's
    # Z-report was never entered in Lexware. Before: no run of sales made it, nothing
    # was offered, and Saturday's voucher looked unpaid.
    sales = _sales([60000, 165744, 70000], known=True)[1:]
    line = _days_payout(
        60000 + 165744 - 3086, 3086, f"{D0:%d.%m.}-{D0 + timedelta(days=1):%d.%m.%Y}"
    )
    result = match(sales, [line])
    assert _auto(result) == {}
    (offered,) = result.suggestions_by_payment["z1#0"]
    assert offered.txn_id == "p1"
    assert "payout_short:60000" in offered.reasons
    assert describe("payout_short:60000")[0] == (
        "Für die Umsatztage dieser Auszahlung fehlen Belege über 600,00 €"
    )
    assert "z2#0" not in result.suggestions_by_payment  # Sunday's is not of those days


def test_a_payout_whose_days_hold_more_than_it_pays_offers_nothing_for_them() -> None:
    sales = _sales([60000, 165744], known=True)
    line = _days_payout(100000, 3086, f"{D0:%d.%m.}-{D0 + timedelta(days=1):%d.%m.%Y}")
    assert match(sales, [line]).suggestions_by_payment == {}


@pytest.mark.parametrize(
    ("purpose", "days"),
    [
        ("Auszahlung 104455 Umsatz 02.01.2024 abzgl. Entgelte 3,33", ("2024-01-02", "2024-01-02")),
        ("Umsatz 02.03.-03.03.2024 abzgl. Entgelte 30,86", ("2024-03-02", "2024-03-03")),
        ("Umsätze vom 29.12. bis 02.01.2025", ("2024-12-29", "2025-01-02")),
        ("UMSAETZE 28.09.24 - 29.09.24", ("2024-09-28", "2024-09-29")),
        ("Umsatz 02.03.", None),  # no year
        ("Umsatz 31.02.2024", None),
        ("Umsatz 05.03.-02.03.2024", None),  # not a year of sales
        ("Umsatz 02.03.2024-03.03.2024", ("2024-03-02", "2024-03-03")),
        ("Gutschrift 02.03.2024", None),
    ],
)
def test_sales_days(purpose: str, days: tuple[str, str] | None) -> None:
    expected = None if days is None else tuple(date.fromisoformat(d).toordinal() for d in days)
    assert sales_days(purpose) == expected


def test_a_billing_services_payout_teaches_no_patient_its_account() -> None:
    purpose = "Auszahlung Abrechnung 2024/0031 3 Rechnungen abzgl. Gebuehr 82,42"
    assert not teaches_payer("Dieter Bergmann", "ZAZ Abrechnungszentrum GmbH", purpose)
    assert teaches_payer(TERMINAL, TERMINAL, "Auszahlung abzgl. Entgelte 3,33")


def _two_ways() -> list[ExpectedPayment]:
    """Open invoices of which 100 + 400 and 200 + 300 both make 500 (``_TWO_WAYS``),
    between newer and older ones that make nothing with them: neither the oldest nor
    the newest open invoices tell the two apart."""
    newer = [90000, 91000, 92000, 93000, 94000]
    older = [95000, 96000, 97000, 98000, 99000]
    return _customers([*newer, 10000, 40000, 20000, 30000, *older])


_TWO_WAYS = ("v5#0", "v6#0", "v7#0", "v8#0")


def _reasons(result: MatchResult) -> dict[str, UnmatchedReason]:
    return {u.payment_id: u.reason for u in result.unmatched}


@pytest.mark.parametrize(
    ("purpose", "reason"),
    [
        # the firm's own SEPA collection booked as one line: the items only camt.054 lists
        ("SEPA-B2B-SAMMLER 20240131-001 ANZAHL 2", UnmatchedReason.BELOW_THRESHOLD),
        # a billing service's payout for several patients' invoices, fee kept back
        (
            "Auszahlung Abrechnung 2024/0011 2 Rechnungen abzgl. Gebuehr 0,00",
            UnmatchedReason.BELOW_THRESHOLD,
        ),
        # a larger line from an unknown payer announcing nothing: not their line
        ("Gutschrift", UnmatchedReason.NO_CANDIDATE),
    ],
)
def test_a_line_announcing_several_items_keeps_its_vouchers_from_the_external_list(
    purpose: str, reason: UnmatchedReason
) -> None:
    # 100 + 400 and 200 + 300 both make 500: nothing to suggest, but each may be in it
    invoices = _two_ways()
    batch = txn("b1", amount=50000, text=purpose, name="", iban="", day=D0 + timedelta(days=1))
    result = match(invoices, [batch])
    assert result.suggestions_by_payment == {}
    assert {k: v for k, v in _reasons(result).items() if k in _TWO_WAYS} == dict.fromkeys(
        _TWO_WAYS, reason
    )


def test_a_counted_line_dated_before_the_items_holds_nothing() -> None:
    invoices = _customers([10000, 40000, 20000, 30000])
    before = txn("b1", amount=50000, text="ANZAHL 2", name="", iban="", day=D0 - timedelta(days=9))
    reasons = _reasons(match(invoices, [before]))
    assert reasons == {p.id: UnmatchedReason.NO_CANDIDATE for p in invoices}


def test_a_counted_line_no_open_combination_makes_holds_every_item_that_fits() -> None:
    # no two of the open invoices make 450: one of the batch's items is not open here
    # (not entered in Lexware, or linked elsewhere), and any invoice up to 450 may be
    # the other — sent to a search, not to „Externe Transaktion erforderlich“ (the
    # wholesaler's SEPA batches RE-2024-00096, RE-2025-00016); 600 is too large for it
    invoices = _customers([10000, 40000, 20000, 30000, 60000])
    odd = txn("b2", amount=45000, text="ANZAHL 2", name="", iban="", day=D0 + timedelta(days=2))
    reasons = _reasons(match(invoices, [odd]))
    assert reasons == {
        **{p.id: UnmatchedReason.BELOW_THRESHOLD for p in invoices[:4]},
        invoices[4].id: UnmatchedReason.NO_CANDIDATE,
    }


@pytest.mark.parametrize(
    ("purpose", "count"),
    [
        ("SEPA-B2B-SAMMLER 20240131-001\nANZAHL 3", 3),
        ("Auszahlung Abrechnung 2024/0004 6 Rechnungen abzgl. Gebuehr 83,33", 6),
        ("Sammelueberweisung 12 Posten", 12),
        ("Auszahlung Abrechnung 2024/0031 1 Rechnung abzgl. Gebuehr 82,42", 1),
        ("Rechnungen 375 386 397 411", None),
        ("ANZAHL 1", 1),
        # an instalment's number is no count
        ("Rate 1 Rechnung Kaya", None),
        ("Rate 3 Rechnung Kaya", None),
    ],
)
def test_announced_count(purpose: str, count: int | None) -> None:
    assert announced_count(purpose) == count


def _customers(amounts: list[int]) -> list[ExpectedPayment]:
    """Open invoices of different customers collected by the firm's SEPA direct debit."""
    return [
        payment(
            f"v{i}#0",
            number=f"RE-2024-{i:05d}",
            amount=amount,
            voucher_date=D0 - timedelta(days=i),
            paid=D0,
            name=f"Kunde {i}",
            contact=f"k{i}",
        )
        for i, amount in enumerate(amounts)
    ]


def test_a_batch_of_three_is_suggested_as_the_only_three_that_make_its_sum() -> None:
    invoices = _customers([63942, 381558, 42000, 12345, 99999, 50000])
    batch = txn(
        "b1", amount=63942 + 381558 + 12345, text="SEPA-B2B-SAMMLER ANZAHL 3", name="", iban=""
    )
    result = match(invoices, [batch])
    assert _auto(result) == {}
    suggested = {
        pid: [(s.txn_id, s.features.extra) for s in options]
        for pid, options in result.suggestions_by_payment.items()
    }
    assert suggested == {pid: [("b1", ("counted:3",))] for pid in ("v0#0", "v1#0", "v3#0")}


def test_a_batch_two_combinations_fit_suggests_nothing() -> None:
    batch = txn("b1", amount=50000, text="ANZAHL 2", name="", iban="")
    assert match(_two_ways(), [batch]).suggestions_by_payment == {}


def test_a_batch_two_combinations_fit_is_given_the_oldest_two_that_make_it() -> None:
    # 100 + 400 and 200 + 300 both make 500; the firm collects what is due, the
    # oldest first: 300 (oldest) and 200
    invoices = _customers([10000, 40000, 20000, 30000])
    batch = txn("b1", amount=50000, text="ANZAHL 2", name="", iban="")
    assert _counted(match(invoices, [batch])) == {
        pid: [("b1", "counted:2:first")] for pid in ("v2#0", "v3#0")
    }


@pytest.mark.parametrize("count", [1, 2, 3, 4])
def test_combinations_agree_with_trying_every_combination(count: int) -> None:
    rng = random.Random(count)
    for _ in range(200):
        pool = _customers([rng.randrange(1, 40) * 100 for _ in range(rng.randrange(1, 9))])
        total = rng.randrange(1, 120) * 100
        fitting = [
            combo
            for combo in combinations(pool, count)
            if sum(p.amount_cents for p in combo) == total
        ]
        states = [cast(PaymentState, SimpleNamespace(payment=p)) for p in pool]
        expected = {frozenset(pool.index(p) for p in combo) for combo in fitting}
        assert set(_combinations(states, count, total, 1000)) == expected


def test_counted_reason_in_plain_german() -> None:
    assert describe("counted:3")[0] == "Sammelbuchung über 3 Posten: nur diese ergeben den Betrag"


def test_a_payers_pool_too_large_to_be_sure_is_tried_again_without_what_sure_groups_took() -> None:
    # 16 open invoices of one known payer (amounts 101 ct · 2^i: every sum is unique).
    # The early transfer can only be three of the first five; the later one sees all 16,
    # more than the 14 a sure combination may come from, until the early one took its
    # three — as the next run would find it. Without the retry the second run linked it.
    amounts = [101 * 2**i for i in range(16)]
    invoices = [
        payment(
            f"v{i}#0",
            number=f"RE-2024-{i:05d}",
            amount=amount,
            voucher_date=D0 - timedelta(days=20),
            paid=D0 + timedelta(days=5 if i < 5 else 45),
            name=SUPPLIER,
            contact="baur",
            known_identifiers=frozenset({IBAN_A}),
        )
        for i, amount in enumerate(amounts)
    ]
    early = txn("b1", amount=sum(amounts[:3]), text="Sammelzahlung", name=SUPPLIER.upper())
    late = txn(
        "b2",
        amount=amounts[5] + amounts[6],
        text="Sammelzahlung",
        name=SUPPLIER.upper(),
        day=D0 + timedelta(days=45),
    )
    result = match(invoices, [early, late])
    assert _auto(result) == {
        **{f"v{i}#0": "b1" for i in range(3)},
        **{f"v{i}#0": "b2" for i in (5, 6)},
    }


def test_a_batch_one_member_of_which_was_confirmed_suggests_the_rest() -> None:
    # a person confirmed one of the three: the line's rest is the other two
    invoices = _customers([63942, 381558, 42000, 12345, 99999])
    batch = txn("b1", amount=63942 + 381558 + 12345, text="SEPA-Sammler ANZAHL 3", name="", iban="")
    confirmed = ExistingLink("v0#0", "b1", 63942, LinkStatus.CONFIRMED)
    result = match(invoices, [batch], existing_links=[confirmed])
    assert {
        pid: [(s.txn_id, s.features.extra) for s in options]
        for pid, options in result.suggestions_by_payment.items()
    } == {pid: [("b1", ("counted:2",))] for pid in ("v1#0", "v3#0")}


BILLING = "ZAZ Zahnaerztliches Abrechnungszentrum GmbH"


def _patients(
    amounts: list[int],
    first_day: date,
    *,
    names: list[str] | None = None,
    apart: int = 1,
    paid_after: int = 17,
) -> list[ExpectedPayment]:
    """Patients' invoices of a practice, ``apart`` days after each other from
    ``first_day`` (a billing service's payout: Lexware's paid date is the payout's,
    ``paid_after`` days after ``first_day``), by ``names`` or numbered."""
    return [
        payment(
            f"v{i}#0",
            number=f"ZA-24-{i:04d}",
            amount=amount,
            voucher_date=first_day + timedelta(days=i * apart),
            paid=first_day + timedelta(days=paid_after),
            name=f"Patient {i}" if names is None else names[i],
            contact=f"p{i}",
        )
        for i, amount in enumerate(amounts)
    ]


def _billing_payout(
    tid: str, items: list[int], day: date, submitted: date | None = None, fee: int = 0
) -> BankTxn:
    handed_in = "" if submitted is None else f"Einreichung vom {submitted:%d.%m.%Y} "
    return txn(
        tid,
        amount=sum(items) - fee,
        text=(
            f"Auszahlung Abrechnung 2024/0004 {handed_in}{len(items)} Rechnungen "
            f"abzgl. Gebuehr {fee // 100},{fee % 100:02d}"
        ),
        name=BILLING,
        iban=IBAN_B,
        day=day,
    )


def _offered(result: MatchResult) -> dict[str, list[tuple[str, tuple[str, ...]]]]:
    return {
        pid: [(s.txn_id, s.features.extra) for s in options]
        for pid, options in result.suggestions_by_payment.items()
    }


def _counted(result: MatchResult) -> dict[str, list[tuple[str, str]]]:
    """Per payment offered anything, the lines offered and each one's last reason code
    (a period the purpose's dates name may come before it)."""
    return {
        pid: [(s.txn_id, s.features.extra[-1]) for s in options if s.features.extra]
        for pid, options in result.suggestions_by_payment.items()
    }


def test_a_billing_payout_of_six_invoices_is_offered_whole() -> None:
    # a week's six invoices among nine open ones (every sum of them unique: 101 ct · 2^i)
    # make the payout plus the fee it states; one marked paid in Lexware four weeks
    # after the payout scores less on its date alone, and is offered with the other
    # five. Before: no more than four items were combined, and nothing was offered.
    amounts = [101 * 2**i for i in range(9)]
    invoices = _patients(amounts, D0)
    invoices[0] = replace(invoices[0], paid_date=D0 + timedelta(days=45))
    week = [amounts[i] for i in (0, 2, 3, 5, 7, 8)]
    line = _billing_payout("b1", week, D0 + timedelta(days=17), fee=5259)
    result = match(invoices, [line])
    assert _auto(result) == {}
    assert _offered(result) == {f"v{i}#0": [("b1", ("counted:6",))] for i in (0, 2, 3, 5, 7, 8)}
    assert {u.payment_id: u.reason for u in result.unmatched} == {
        f"v{i}#0": UnmatchedReason.NO_CANDIDATE for i in (1, 4, 6)
    }


def test_a_payout_holds_the_items_handed_in_by_the_day_it_states() -> None:
    # 100 + 300 and 200 + 200 make 400; the second 200 is dated after the stated
    # submission day, so only the first pair was handed in (before: two combinations,
    # nothing offered)
    invoices = _patients([10000, 30000, 20000, 20000], D0)
    line = _billing_payout(
        "b1", [10000, 30000], D0 + timedelta(days=10), submitted=D0 + timedelta(days=2)
    )
    result = match(invoices, [line])
    assert _counted(result) == {pid: [("b1", "counted:2")] for pid in ("v0#0", "v1#0")}


def test_a_payout_stating_a_day_before_one_of_its_items_still_holds_it() -> None:
    # the practice dated one invoice after the submission day the payout states: no
    # combination of the items dated by then makes it, so all are read — and the item
    # is offered, not sent to „Externe Transaktion erforderlich“
    invoices = _patients([10000, 25000, 47000], D0)
    line = _billing_payout("b1", [10000, 47000], D0 + timedelta(days=10), submitted=D0, fee=1234)
    result = match(invoices, [line])
    assert _counted(result) == {pid: [("b1", "counted:2")] for pid in ("v0#0", "v2#0")}
    assert {u.payment_id: u.reason for u in result.unmatched}["v1#0"] == (
        UnmatchedReason.NO_CANDIDATE
    )


def test_weekly_payouts_read_oldest_first_leave_the_earlier_weeks_items_out() -> None:
    # week one's 100 + 300 (400), week two's 200 + 300 (500); in week two's line all
    # four are dated before it, and 300 + 200 makes 500 twice — unless week one's line,
    # read first, took its 300. Before: week two offered nothing.
    invoices = _patients([10000, 30000, 20000, 30000], D0)
    invoices = [
        replace(p, voucher_date=D0 + timedelta(days=7 * (i // 2))) for i, p in enumerate(invoices)
    ]
    first = _billing_payout("b1", [10000, 30000], D0 + timedelta(days=4), fee=300)
    second = _billing_payout("b2", [20000, 30000], D0 + timedelta(days=11), fee=300)
    result = match(invoices, [second, first])
    assert _offered(result) == {
        **{pid: [("b1", ("counted:2",))] for pid in ("v0#0", "v1#0")},
        **{pid: [("b2", ("counted:2",))] for pid in ("v2#0", "v3#0")},
    }


def test_payouts_of_cleanings_at_one_price_are_given_the_oldest_first() -> None:
    # a cleaning at the house price (98,00) in each week: week one's 98 + 450, week
    # two's 98 + 230, both paid out ten days after their week. Week one's line is
    # made by either cleaning — by its two oldest open invoices; week two's then by
    # what is left. Before: two combinations, nothing offered on either line.
    invoices = _patients([9800, 45000, 9800, 23000], D0)
    invoices = [
        replace(p, voucher_date=D0 + timedelta(days=7 * (i // 2) + i % 2))
        for i, p in enumerate(invoices)
    ]
    first = _billing_payout("b1", [9800, 45000], D0 + timedelta(days=10), fee=300)
    second = _billing_payout("b2", [9800, 23000], D0 + timedelta(days=17), fee=300)
    offered = {
        **{pid: [("b1", "counted:2:first")] for pid in ("v0#0", "v1#0")},
        **{pid: [("b2", "counted:2")] for pid in ("v2#0", "v3#0")},
    }
    assert _counted(match(invoices, [second, first])) == offered
    # the order of the inputs decides nothing
    assert _counted(match(invoices[::-1], [first, second])) == offered
    assert _auto(match(invoices, [first, second])) == {}


def test_of_cleanings_written_on_one_day_the_lower_number_is_the_older() -> None:
    invoices = [replace(p, voucher_date=D0) for p in _patients([9800, 9800, 45000], D0)]
    line = _billing_payout("b1", [9800, 45000], D0 + timedelta(days=10))
    offered = {pid: [("b1", "counted:2:first")] for pid in ("v0#0", "v2#0")}
    assert _counted(match(invoices[::-1], [line])) == offered


def test_a_payout_of_list_prices_is_given_the_oldest_open_invoices_that_make_it() -> None:
    # a physiotherapy practice's private price list: 6 × KG 168,00, 6 × MT 204,00,
    # 6 × MLD 252,00, 6 × Fango+KG 264,00. The payout of four (888,00) is made by
    # 168 + 204 + 252 + 264 and by 168 + 168 + 264 + 288; of the oldest five open
    # invoices one (an unpaid 280,00) is left out. Before: nothing offered.
    amounts = [16800, 28000, 20400, 25200, 26400, 16800, 28800, 20400]
    invoices = _patients(amounts, D0)
    line = _billing_payout("b1", [16800, 20400, 25200, 26400], D0 + timedelta(days=12))
    result = match(invoices, [line])
    assert _counted(result) == {f"v{i}#0": [("b1", "counted:4:first")] for i in (0, 2, 3, 4)}
    assert _auto(result) == {}


def test_a_payout_after_lines_left_untold_is_given_the_newest_invoices_that_make_it() -> None:
    # five old open invoices no payout took (their own lines were told nothing) make
    # nothing with the oldest items; 300 + 168 and 204 + 264 both make 468,00 — the
    # newest two are what the billing service paid for
    amounts = [30000, 17000, 17100, 17200, 17300, 16800, 20400, 26400]
    invoices = _patients(amounts, D0)
    line = _billing_payout("b1", [20400, 26400], D0 + timedelta(days=12))
    assert _counted(match(invoices, [line])) == {
        f"v{i}#0": [("b1", "counted:2:first")] for i in (6, 7)
    }


def test_equal_amounts_among_other_open_invoices_go_the_oldest_first() -> None:
    # neither the oldest nor the newest few make 548,00; 98 + 450 does, with either
    # cleaning: the older one
    amounts = [9800, 60000, 61000, 62000, 63000, 45000, 64000, 65000, 66000, 67000, 9800]
    invoices = _patients(amounts, D0)
    line = _billing_payout("b1", [9800, 45000], D0 + timedelta(days=12))
    assert _counted(match(invoices, [line])) == {
        f"v{i}#0": [("b1", "counted:2:oldest")] for i in (0, 5)
    }


def test_items_marked_paid_weeks_before_a_payout_are_left_to_an_earlier_one() -> None:
    # an earlier payout's KG 168,00 and MT 204,00, marked paid in Lexware five weeks
    # before this one (their own line was told nothing), are open still; with them
    # 168 + 204 makes 372,00 four ways and the oldest were offered (the physiotherapy
    # practice: every later payout's pool held them, and a whole quarter's payouts
    # offered nothing). Those marked paid near this payout make it one way.
    old = _patients([16800, 20400], D0, paid_after=10)
    new = _patients([16800, 20400, 26400], D0 + timedelta(days=30), paid_after=20)
    invoices = old + [replace(p, id=f"n{i}#0", voucher_id=f"n{i}") for i, p in enumerate(new)]
    line = _billing_payout("b1", [16800, 20400], D0 + timedelta(days=50))
    result = match(invoices, [line])
    assert _counted(result) == {pid: [("b1", "counted:2")] for pid in ("n0#0", "n1#0")}
    assert _auto(result) == {}


def test_of_equal_prices_the_one_marked_paid_on_the_payout_day_is_offered() -> None:
    # two MLD series at 252,00: the older one was handed in a round late and marked paid
    # when its own payout came, two weeks after this one; this payout's is the newer,
    # marked paid on its day (before: the oldest, and the newer went to the next line)
    invoices = _patients([25200, 25200, 37500], D0, paid_after=16)
    invoices[0] = replace(invoices[0], paid_date=D0 + timedelta(days=30))
    line = _billing_payout("b1", [25200, 37500], D0 + timedelta(days=16))
    assert _counted(match(invoices, [line])) == {
        pid: [("b1", "counted:2:first")] for pid in ("v1#0", "v2#0")
    }


def test_combinations_of_different_amounts_are_not_told_apart_by_age() -> None:
    # 98 + 450 and 218 + 330 both make 548, and neither the oldest nor the newest
    # open invoices do: which amounts were paid is not known
    invoices = _patients([9800, 33000, 70000, 71000, 72000, 73000, 45000, 74000, 21800], D0)
    line = _billing_payout("b1", [9800, 45000], D0 + timedelta(days=12))
    assert match(invoices, [line]).suggestions_by_payment == {}


def test_a_payout_one_of_whose_items_ranks_it_first_is_still_offered_whole() -> None:
    # two invoices paid out together, the larger near the line's amount: its single
    # suggestion ranks the line first; the smaller one was sent to „Externe Transaktion
    # erforderlich“ (the demo's practice data: ZA-25-0090)
    invoices = _patients([12950, 284115], D0)
    line = _billing_payout("b1", [12950, 284115], D0 + timedelta(days=10), fee=8763)
    result = match(invoices, [line])
    offered = _offered(result)
    assert offered["v0#0"] == [("b1", ("counted:2",))]
    assert ("b1", ("counted:2",)) in [(t, e[-1:]) for t, e in offered["v1#0"]]
    assert all(u.reason is UnmatchedReason.BELOW_THRESHOLD for u in result.unmatched)


@pytest.mark.parametrize(
    ("purpose", "day"),
    [
        (
            "Auszahlung Abrechnung 2024/0003 Einreichung vom 25.01.2024 5 Rechnungen",
            date(2024, 1, 25),
        ),
        ("EINREICHUNG 05.02.24 ANZAHL 3", date(2024, 2, 5)),
        ("Einreichung vom 31.02.2024 2 Rechnungen", None),
        ("Auszahlung 2 Rechnungen vom 25.01.2024", None),
    ],
)
def test_submission_day(purpose: str, day: date | None) -> None:
    assert submission_day(purpose) == (None if day is None else day.toordinal())


@pytest.mark.parametrize("count", [1, 2, 3, 5, 6, 7])
def test_halves_met_in_the_middle_agree_with_trying_every_combination(count: int) -> None:
    rng = random.Random(100 + count)
    for _ in range(100):
        amounts = [rng.randrange(1, 30) * 100 for _ in range(rng.randrange(1, 13))]
        total = rng.randrange(1, 150) * 100
        expected = {
            frozenset(combo)
            for combo in combinations(range(len(amounts)), count)
            if sum(amounts[i] for i in combo) == total
        }
        assert set(_split_combinations(amounts, count, total, 10_000)) == expected


@pytest.mark.parametrize("seed", [2024, 7, 99])
@pytest.mark.parametrize("business", ["cafe", "grosshandel", "zahnarzt"])
def test_a_second_run_on_the_statement_files_links_nothing(business: str, seed: int) -> None:
    # „Abgleich jetzt ausführen“ twice without new data: the same answer. Found here: a
    # pair whose only competitor the run's lesson round linked (RE24-00003 in the demo,
    # a wholesaler's invoice, a chamber fee rate) was linked only by the next run; and on
    # seeds 7 and 99, a family's line for several members' invoices whose account the
    # run linked to each member (8 vouchers at seed 99), and a card terminal's payout of
    # one voucher, from the account of the terminal's payouts the run linked.
    data = statement_files.generate(seed).only(business)
    first = match(data.expected, data.txns)
    again = match(data.expected, data.txns, existing_links=stored_links(first))
    assert again.auto_links == ()
    # nor does a voucher move between „Externe Transaktion erforderlich“ and a search:
    # a line the first run linked held a café's unpaid invoice until the second run,
    # and an account it linked met the wholesaler's short payments only in the second
    linked = {d.suggestion.payment_id for d in first.auto_links}
    assert {u.payment_id: u.reason for u in first.unmatched} == {
        u.payment_id: u.reason for u in again.unmatched if u.payment_id not in linked
    }


def test_a_date_or_an_amount_in_the_purpose_cites_no_voucher() -> None:
    # "vom 12.03.2024" and "12,03" hold the running numbers 12 and 3 of two open
    # invoices that happen to make the line: not a citation (paid six weeks later,
    # further than a paid date is entered late)
    invoices = _invoices([("FB-24-00012", 60373), ("FB-24-00003", 21010)], paid_days=42)
    for purpose in ("Zahlung vom 12.03.2024", "Überweisung 12,03 EUR Rest"):
        line = txn("b1", amount=-(60373 + 21010), text=purpose, name=SUPPLIER.upper())
        assert _auto(match(invoices, [line])) == {}, purpose


def test_a_counted_line_among_hundreds_of_open_invoices_is_not_combined() -> None:
    # a busy client: more open invoices in two months than pairs of sums are listed for;
    # no suggestion, and every invoice the line could hold is left to a person
    invoices = [
        replace(p, voucher_date=D0 - timedelta(days=i % 50))
        for i, p in enumerate(_customers([10000 + 7 * i for i in range(301)]))
    ]
    batch = txn(
        "b1", amount=10000 + 10007, text="ANZAHL 2", name="", iban="", day=D0 + timedelta(days=1)
    )
    result = match(invoices, [batch])
    assert not any(
        "counted:2" in s.features.extra
        for options in result.suggestions_by_payment.values()
        for s in options
    )
    reasons = _reasons(result)
    assert reasons["v0#0"] == UnmatchedReason.BELOW_THRESHOLD


LESSOR = "MedTech Leasing GmbH"


def _leasing(months: list[int]) -> list[ExpectedPayment]:
    """The practice's monthly leasing invoices, numbered with the contract number as
    Lexware users enter them, each marked paid a fortnight after the debit."""
    return [
        payment(
            f"lease{month}#0",
            number="88123-001",
            amount=61285,
            vtype="purchaseinvoice",
            voucher_date=date(2024, month, 1),
            paid=date(2024, month, 17),
            name=LESSOR,
            contact="medtech",
            known_identifiers=frozenset({IBAN_B}),
        )
        for month in months
    ]


def _leasing_line(tid: str, text: str, day: date) -> BankTxn:
    return txn(tid, amount=-61285, text=text, day=day, name="MEDTECH LEASING GMBH", iban=IBAN_B)


def test_a_series_to_one_contract_number_is_told_apart_by_the_periods_named() -> None:
    # every line cites the contract number and the amount is the same each month: the
    # month named in the purpose says which invoice each line pays (two months' invoices
    # are not in Lexware yet: their lines name periods no voucher is for)
    vouchers = _leasing([2, 4, 5, 7])
    lines = [
        _leasing_line(f"b{month}", f"Leasingrate {month:02d}/2024 Vertrag 88123-001", day)
        for month, day in ((m, date(2024, m, 3)) for m in range(2, 8))
    ]
    result = match(vouchers, lines)
    assert _auto(result) == {f"lease{m}#0": f"b{m}" for m in (2, 4, 5, 7)}


@pytest.mark.parametrize(
    "paid",
    [
        # October's invoice marked paid on 28 October lies 7 days before November's
        # debit and 24 after its own: the best pairs first gave October's invoice
        # November's line and November's October's (the dental practice of seed 123)
        {10: date(2024, 10, 28), 11: date(2024, 11, 30)},
        # a ring of four: January's invoice held February's line, February's
        # November's, November's December's, December's January's (seed 13)
        {
            1: date(2024, 1, 30),
            2: date(2024, 2, 23),
            11: date(2024, 11, 29),
            12: date(2024, 12, 26),
        },
    ],
)
def test_invoices_marked_paid_late_keep_the_lines_naming_their_months(
    paid: dict[int, date],
) -> None:
    # each invoice showed another month's line first and none was linked; each line
    # names its month: the lines are passed round
    vouchers = [replace(v, paid_date=paid[v.voucher_date.month]) for v in _leasing(sorted(paid))]
    lines = [
        _leasing_line(f"b{m}", f"Leasingrate {m:02d}/2024 Vertrag 88123-001", date(2024, m, 4))
        for m in sorted(paid)
    ]
    expected = {f"lease{m}#0": f"b{m}" for m in paid}
    assert _auto(match(vouchers, lines)) == expected
    assert _auto(match(vouchers[::-1], lines[::-1])) == expected


def test_an_invoice_transferred_twice_is_paid_by_the_first_transfer() -> None:
    # a patient transferred the invoice twice, eight days apart, the same text from the
    # same account; the practice refunds the second („Erstattung Doppelzahlung“). The
    # bookkeeper marked it paid after both: the second lay nearer the paid date and was
    # offered first (the dental practice: seeds 5, 8, 31, 123 and 777)
    invoice = payment(
        "za40#0",
        number="ZA-24-0040",
        amount=9800,
        voucher_date=date(2024, 2, 15),
        paid=date(2024, 3, 23),
        name="Jonas Pfeiffer",
        contact="pfeiffer",
    )
    lines = [
        txn(
            tid,
            amount=9800,
            text="Rechnung ZA-24-0040",
            name="Jonas Pfeiffer",
            iban=IBAN_B,
            day=day,
        )
        for tid, day in (("first", date(2024, 3, 12)), ("again", date(2024, 3, 20)))
    ]
    for result in (match([invoice], lines), match([invoice], lines[::-1])):
        offered = result.suggestions_by_payment["za40#0"]
        assert [s.txn_id for s in offered] == ["first", "again"]
        assert _auto(result) == {}
    # another patient's invoice of the amount, dated the day after the first transfer
    # and open, took the first transfer (its best pair, by the date) while the invoice
    # the line cites took the second: the line citing it is the invoice's (held-out
    # seed 42: ZA-25-0144 offered the second transfer first)
    other = payment(
        "za47#0",
        number="ZA-24-0047",
        amount=9800,
        voucher_date=date(2024, 3, 13),
        paid=None,
        name="Gabriele Groß",
        contact="gross",
    )
    for payments, ordered in ((([invoice, other]), lines), (([other, invoice]), lines[::-1])):
        result = match(payments, ordered)
        assert result.suggestions_by_payment["za40#0"][0].txn_id == "first"
        assert _auto(result) == {}


@pytest.mark.parametrize(
    ("deposit", "rest", "number"),
    [
        (61300, 143289, "RE 2025-0018"),  # the rest for another amount (seed 13)
        (183100, 183111, "RE-2025-0018 Catering"),  # the rest within 5 % of it (seed 777)
    ],
)
def test_the_line_paying_a_vouchers_rest_is_not_offered_for_its_deposit(
    deposit: int, rest: int, number: str
) -> None:
    # a catering invoice written after the party; Lexware holds the deposit paid on 29
    # April (the invoice's only item so far). The family paid the deposit on 22 April
    # naming no number, and the rest in June citing the invoice: the rest's line was
    # offered first for the deposit (the café, seeds 13, 64 and 777)
    item = payment(
        "re18#0",
        number="RE-2025-0018",
        amount=deposit,
        gross=deposit + rest,
        voucher_date=date(2025, 5, 21),
        paid=date(2025, 4, 29),
        name="Familie Öztürk",
        contact="oeztuerk",
        known_identifiers=frozenset({IBAN_B}),  # the family's account, from a past link
    )
    lines = [
        txn(
            "dep",
            amount=deposit,
            text="Anzahlung Feier 22.04.",
            name="MEHMET OEZTUERK",
            iban=IBAN_B,
            day=date(2025, 4, 22),
        ),
        txn(
            "rest",
            amount=rest,
            text=number,
            name="MEHMET OEZTUERK",
            iban=IBAN_B,
            day=date(2025, 6, 20),
        ),
    ]
    for result in (match([item], lines), match([item], lines[::-1])):
        offered = [s.txn_id for s in result.suggestions_by_payment.get("re18#0", ())]
        assert offered + list(_auto(result).values()) == ["dep"]


def test_an_instalment_marked_paid_late_leaves_the_next_rate_its_line() -> None:
    # the café's energy supplier: one instalment plan (dated 4 January), a rate a month
    # debited mid-month from an account the app does not know yet. July's rate was
    # marked paid on 13 August, August's on 22 August: both rates' windows hold
    # August's line, only July's holds July's. The best pairs first gave August's line
    # to July's rate and left August's rate without one, and July's rate was offered
    # August's line first (the café of seed 2024, its only wrong first suggestion)
    rates = [
        payment(
            f"plan#{k}",
            voucher_id="plan",
            number="Abschlagsplan 2024 VK 2100456789",
            amount=38500,
            gross=12 * 38500,
            vtype="purchaseinvoice",
            voucher_date=date(2024, 1, 4),
            paid=paid,
            name="Stadtwerke Breisgau GmbH",
            contact="stadtwerke",
        )
        for k, paid in (
            (4, date(2024, 5, 24)),
            (5, date(2024, 6, 16)),
            (6, date(2024, 8, 13)),
            (7, date(2024, 8, 22)),
        )
    ]
    lines = [
        txn(
            f"b{m}",
            amount=-38500,
            text=f"Abschlag {m:02d}/2024 VK 2100456789",
            name="Stadtwerke Breisgau",
            iban=IBAN_B,
            day=date(2024, m, day),
        )
        for m, day in ((5, 15), (6, 17), (7, 15), (8, 15))
    ]
    in_order = {"plan#4": "b5", "plan#5": "b6", "plan#6": "b7", "plan#7": "b8"}
    for result in (match(rates, lines), match(rates[::-1], lines[::-1])):
        first = {p: offered[0].txn_id for p, offered in result.suggestions_by_payment.items()}
        assert {**first, **_auto(result)} == in_order


def _february_against(*lines: tuple[str, str, date]) -> MatchResult:
    """February's invoice of the series against the lines (id, purpose, day)."""
    return match(_leasing([2]), [_leasing_line(*line) for line in lines])


def _period_codes(result: MatchResult) -> list[str]:
    """The period codes of the suggestions for February's invoice, in their order."""
    return [
        code
        for s in result.suggestions_by_payment["lease2#0"]
        for code in s.features.extra
        if code.startswith("period")
    ]


def test_lines_naming_only_other_periods_are_not_linked() -> None:
    # February's debit is missing from the statement: March's and April's lines are no
    # payment of February's invoice, and neither is preferred
    result = _february_against(
        ("b3", "Leasingrate 03/2024 Vertrag 88123-001", date(2024, 3, 4)),
        ("b4", "Leasingrate 04/2024 Vertrag 88123-001", date(2024, 4, 3)),
    )
    assert _auto(result) == {}
    assert _period_codes(result) == ["period_other:03/2024", "period_other:04/2024"]
    assert describe("period_other:03/2024")[0] == (
        "Verwendungszweck nennt einen anderen Zeitraum (03/2024)"
    )


def test_next_months_line_alone_is_no_link_for_this_months_invoice() -> None:
    # the statements begin after February's debit; March's debit cites the contract
    # number with the amount, so it is February's only candidate — but it names March,
    # and March's invoice is not in Lexware yet: offered, not linked (linked, March's
    # invoice would later be told to need an external transaction)
    result = _february_against(
        ("b3", "Leasingrate 03/2024 Vertrag 88123-001", date(2024, 3, 4)),
    )
    assert _auto(result) == {}
    assert _period_codes(result) == ["period_other:03/2024"]


def test_a_date_in_the_purpose_is_no_other_period() -> None:
    # "vom 12.04.2024" is the day a payment was ordered, not the month it is for: the
    # line stays a competitor of February's own line
    result = _february_against(
        ("b2", "Leasingrate 02/2024 Vertrag 88123-001", date(2024, 2, 5)),
        ("b9", "Vertrag 88123-001 Zahlung vom 12.04.2024", date(2024, 2, 20)),
    )
    assert _auto(result) == {}
    assert _period_codes(result) == ["period:02/2024"]


def _october_invoice(**extra: Any) -> ExpectedPayment:
    """A builder's invoice of October, marked paid in Lexware on the 26th."""
    return payment(
        "oct#0",
        number="2024/0251",
        amount=23800,
        voucher_date=date(2024, 10, 20),
        paid=date(2024, 10, 26),
        name="Weiß Bau e.K.",
        contact="weiss",
        **extra,
    )


@pytest.mark.parametrize("fast_path", [True, False])
@pytest.mark.parametrize(
    ("text", "known"),
    [
        ("UMBUCHUNG 02/2024 REF 57854490", False),  # held-out synthetic seed 3331
        ("Abschlag 05/2024", True),  # arrears from the known account
        ("Q1/2024 Wartung", False),
    ],
)
def test_a_line_naming_a_month_far_from_the_invoice_and_its_booking_is_offered(
    text: str, known: bool, fast_path: bool
) -> None:
    # the builder's name in the payer's words, the exact amount, two days before the
    # paid date, the only line: but it names a month five and more months before both
    # the invoice and its booking; it pays that month's, not October's (linked before)
    invoice = _october_invoice(known_identifiers=frozenset({IBAN_A}) if known else frozenset())
    line = txn(
        "b1", amount=23800, text=text, day=date(2024, 10, 24), name="BAU WEISS UG", iban=IBAN_A
    )
    result = match([invoice], [line], params=MatchParams(fast_path=fast_path))
    assert _auto(result) == {}
    offered = result.suggestions_by_payment["oct#0"]
    assert offered[0].txn_id == "b1"
    assert any(code.startswith("period_other:") for code in offered[0].features.extra)


@pytest.mark.parametrize("fast_path", [True, False])
@pytest.mark.parametrize(
    ("text", "voucher_day", "booked"),
    [
        # rent invoiced at the end of the month before names the next month
        ("Miete 11/2024", date(2024, 10, 28), date(2024, 10, 30)),
        # a settlement of the year's last month, invoiced and paid two months on
        ("Abrechnung 12/2023", date(2024, 2, 12), date(2024, 2, 20)),
        # booked in the month named, the invoice written three months before
        ("Abschlag 10/2024", date(2024, 7, 1), date(2024, 10, 24)),
        # a public payment reference („Kassenzeichen“) of dotted digits: no period
        (
            "KASSENZEICHEN 5.2026.928718.1 RECHNUNG VOM 20.10.",
            date(2024, 10, 20),
            date(2024, 10, 24),
        ),
        # the invoice's number cited: the period named says nothing against it
        ("RE 2024/0251 Leistung 02/2024", date(2024, 10, 20), date(2024, 10, 24)),
    ],
)
def test_a_line_naming_a_near_month_or_the_invoice_number_is_linked(
    text: str, voucher_day: date, booked: date, fast_path: bool
) -> None:
    invoice = replace(_october_invoice(), voucher_date=voucher_day, paid_date=booked)
    line = txn("b1", amount=23800, text=text, day=booked, name="WEISS BAU")
    result = match([invoice], [line], params=MatchParams(fast_path=fast_path))
    assert _auto(result) == {"oct#0": "b1"}


@pytest.mark.parametrize("fast_path", [True, False])
def test_a_number_broken_over_two_lines_is_no_far_period(fast_path: bool) -> None:
    # „202⏎4/2030“ reads as April 2030, but the purpose writes 2024/2030 once the line
    # break is taken out (held-out synthetic seeds 3305 and 3336: linked before)
    invoice = replace(_october_invoice(), voucher_number="2024/2030")
    line = txn(
        "b1",
        amount=23800,
        text="Verwendungszweck Rg.Nr. 202\n4/2030 Kunde 67799 Danke",
        day=date(2024, 10, 24),
        name="WEISS BAU E.K.",
    )
    result = match([invoice], [line], params=MatchParams(fast_path=fast_path))
    assert _auto(result) == {"oct#0": "b1"}


@pytest.mark.parametrize(
    ("label", "day", "away"),
    [
        ("02/2024", date(2024, 10, 24), 8),
        ("11/2024", date(2024, 6, 4), 5),
        ("01/2025", date(2024, 12, 28), 1),
        ("12/2023", date(2024, 2, 20), 2),
        ("10/2024", date(2024, 10, 1), 0),
        ("Q2/2024", date(2024, 5, 31), 0),
        ("Q1/2024", date(2024, 5, 1), 2),
        ("Q4/2024", date(2024, 5, 1), 5),
    ],
)
def test_months_away_counts_to_the_periods_nearest_month(label: str, day: date, away: int) -> None:
    assert months_away(label, day.toordinal()) == away


@pytest.mark.parametrize(
    ("contact", "payer", "differ"),
    [
        ("Verlag Busch GbR", "BUSCH VERLAG AG", True),  # held-out synthetic seed 3214
        ("Handel Werner GmbH & Co. KG", "HANDEL WERNER AG", True),  # 3203
        ("Herrmann Bau KG", "HERRMANN BAU AG", True),  # 3218
        ("Weiß Bau e.K.", "WEISS BAU GMBH", True),
        ("Holzhandel Wolff GmbH & Co. KG", "HOLZHANDEL WOLFF GMBH", False),
        ("Würth GmbH & Co. KG", "ADOLF WUERTH GMBH + CO KG", False),
        ("Schreiber Energie UG (haftungsbeschränkt)", "SCHREIBER ENERGIE GMBH", False),
        ("Werkzeug Fuchs GmbH", "WERKZEUG FUCHS", False),
        ("Lindenhof Grundstücks GbR", "GbR Lindenhof, H. Albrecht", False),
        ("Weiß Bau e.K.", "WEISS BAU E. K.", False),
        ("SAP SE", "SAP AG", False),
        ("Böhm Systemhaus e.K.", "Böhm Systemhau se.K.", False),  # a space moved: 3206
        ("Sabine Böhm", "BOEHM SABINE", False),
    ],
)
def test_legal_forms_of_no_same_kind_tell_firms_of_one_name_apart(
    contact: str, payer: str, differ: bool
) -> None:
    assert legal_forms_differ(contact, payer) is differ
    assert legal_forms_differ(payer, contact) is differ


def _publisher_invoice() -> ExpectedPayment:
    return payment(
        "pub#0",
        number="RG7061007",
        amount=11900,
        vtype="purchaseinvoice",
        voucher_date=date(2024, 11, 25),
        paid=date(2024, 11, 30),
        name="Verlag Busch GbR",
        contact="busch",
    )


@pytest.mark.parametrize("fast_path", [True, False])
@pytest.mark.parametrize(
    ("payer", "linked"), [("BUSCH VERLAG AG", False), ("BUSCH VERLAG GBR", True)]
)
def test_a_firm_of_the_contacts_name_under_another_legal_form_is_offered(
    payer: str, linked: bool, fast_path: bool
) -> None:
    # the exact amount, the day before the paid date, the only line, citing nothing:
    # from the publisher itself it is linked by the name; an AG of the name is another
    # firm (held-out synthetic seed 3214: linked before)
    line = txn("b1", amount=-11900, text="Zahlung", day=date(2024, 11, 29), name=payer, iban=IBAN_B)
    result = match([_publisher_invoice()], [line], params=MatchParams(fast_path=fast_path))
    assert _auto(result) == ({"pub#0": "b1"} if linked else {})
    if not linked:
        (offered,) = result.suggestions_by_payment["pub#0"]
        assert offered.txn_id == "b1"
        assert offered.features.counterparty_evidence == "name 94"


@pytest.mark.parametrize("fast_path", [True, False])
def test_a_firm_of_another_name_and_legal_form_is_no_rival_of_the_contacts_account(
    fast_path: bool,
) -> None:
    # „ENERGIE SIMON E.K.“ reads 87 against Energie Sommer UG (haftungsbeschränkt) with
    # the legal forms left out: a rival of the contact's own transfer, which was only
    # offered, and the next run linked it (held-out synthetic seed 3358); another name
    # and another legal form are another firm
    invoice = payment(
        "es#0",
        number="2024/0740",
        amount=9900,
        voucher_date=date(2024, 6, 23),
        paid=date(2024, 6, 27),
        name="Energie Sommer UG (haftungsbeschränkt)",
        contact="sommer",
        known_identifiers=frozenset({IBAN_A}),
    )
    own = txn(
        "b1",
        amount=9900,
        text="Ueberweisung",
        day=date(2024, 6, 26),
        name="ENERGIE SOMMER UG (HAFTUNGSBESCHRÄNKT)",
        iban=IBAN_A,
    )
    other = txn(
        "b2",
        amount=9900,
        text="Zahlung",
        day=date(2024, 6, 23),
        name="ENERGIE SIMON E.K.",
        iban=IBAN_B,
    )
    result = match([invoice], [own, other], params=MatchParams(fast_path=fast_path))
    assert _auto(result) == {"es#0": "b1"}


@pytest.mark.parametrize("fast_path", [True, False])
def test_a_taught_payer_name_under_another_legal_form_is_no_known_payer(fast_path: bool) -> None:
    # a confirmed link taught the publisher's name („BUSCH VERLAG“ as full scoring
    # reads it, legal forms left out); the AG of the name is not that payer (held-out
    # synthetic seed 3218: „HERRMANN BAU AG“ linked as Herrmann Bau KG's known payer)
    earlier = replace(
        _publisher_invoice(), id="old#0", voucher_id="old", voucher_number="RG7061001"
    )
    paid = txn(
        "b0",
        amount=-11900,
        text="RG7061001",
        day=date(2024, 10, 29),
        name="BUSCH VERLAG GBR",
        iban=IBAN_A,
    )
    line = txn(
        "b1",
        amount=-11900,
        text="Zahlung",
        day=date(2024, 11, 29),
        name="BUSCH VERLAG AG",
        iban=IBAN_B,
    )
    result = match(
        [earlier, _publisher_invoice()],
        [paid, line],
        existing_links=[ExistingLink("old#0", "b0", 11900, LinkStatus.CONFIRMED)],
        params=MatchParams(fast_path=fast_path),
    )
    assert _auto(result) == {}
    assert result.suggestions_by_payment["pub#0"][0].txn_id == "b1"


LANDLORD = "Hausverwaltung Kaiser & Söhne GmbH"


def _rent(paid_day: int) -> ExpectedPayment:
    """March's rent, the voucher dated the 1st, marked paid in Lexware on ``paid_day``."""
    return payment(
        "rent3#0",
        number="Miete 03/2024",
        amount=245000,
        vtype="purchaseinvoice",
        voucher_date=date(2024, 3, 1),
        paid=date(2024, 3, paid_day),
        name=LANDLORD,
        contact="kaiser",
        known_identifiers=frozenset({IBAN_B}),
    )


def _rent_line(
    day: date, text: str, name: str = "Kaiser und Soehne Hausverwaltung GmbH", iban: str = IBAN_B
) -> BankTxn:
    return txn("b1", amount=-245000, text=text, day=day, name=name, iban=iban)


def test_a_standing_order_entered_as_paid_weeks_later_is_linked() -> None:
    # the bank booked the standing order on the 1st, the bookkeeper marked the voucher
    # paid on the 17th: 16 days, further back than the usual window
    line = _rent_line(date(2024, 3, 1), "Miete Praxis Kaiserstr. 12 inkl. NK")
    assert _auto(match([_rent(17)], [line])) == {"rent3#0": "b1"}


def test_a_month_marked_paid_late_leaves_the_next_month_its_standing_order() -> None:
    # July's rent (the voucher dated the 1st) marked paid on 30 July, August's on 13
    # August; the standing order is booked on the 1st. August's line lies nearer July's
    # paid date than July's own: the best pairs gave it to July's rent and left
    # August's none, and both offered August's line first (the dental practice, seeds
    # 3, 5 and 55)
    months = [
        replace(
            _rent(17),
            id=f"rent{m}#0",
            voucher_id=f"rent{m}",
            voucher_number=f"Miete {m:02d}/2024",
            voucher_date=date(2024, m, 1),
            paid_date=paid,
            known_identifiers=frozenset(),
        )
        for m, paid in ((7, date(2024, 7, 30)), (8, date(2024, 8, 13)))
    ]
    lines = [
        replace(_rent_line(date(2024, m, 1), "Miete Praxis Kaiserstr. 12 inkl. NK"), id=f"b{m}")
        for m in (7, 8)
    ]
    for result in (match(months, lines), match(months[::-1], lines[::-1])):
        first = {p: offered[0].txn_id for p, offered in result.suggestions_by_payment.items()}
        assert {**first, **_auto(result)} == {"rent7#0": "b7", "rent8#0": "b8"}


def test_a_line_citing_its_holders_invoice_stays_its_holders() -> None:
    # two invoices of one customer and amount, the customer's account known. The line
    # citing the first is the second's only candidate (marked paid 18 days later); the
    # first has another line of the amount (a deposit from a stranger). The first keeps
    # the line that names it, linked (found at full scale: „Ihre Rechnung RE-2024-0376“
    # was passed to RE-2024-0327 by the rule that passes a contact's lines on)
    invoices = [
        payment(
            f"re{n}#0",
            number=f"RE-2024-0{n}",
            amount=10000,
            paid=paid,
            voucher_date=day,
            name="Krause & Herrmann AG",
            contact="kh",
            known_identifiers=frozenset({IBAN_A}),
        )
        for n, day, paid in (
            (376, date(2024, 8, 28), date(2024, 10, 26)),
            (327, date(2024, 9, 15), date(2024, 11, 14)),
        )
    ]
    lines = [
        txn(
            "cites",
            amount=10000,
            text="Ihre Rechnung RE-2024-0376",
            name="KRAUSE & HERRMANN AG",
            iban=IBAN_A,
            day=date(2024, 10, 27),
        ),
        txn(
            "deposit",
            amount=10000,
            text="EINZAHLUNG 05/2024 REF 60141922",
            name="EINZAHLUNG",
            iban=IBAN_B,
            day=date(2024, 10, 24),
        ),
    ]
    for result in (match(invoices, lines), match(invoices[::-1], lines[::-1])):
        assert _auto(result) == {"re376#0": "cites"}


def test_long_before_the_paid_date_only_an_identified_payer_counts() -> None:
    # a line of the amount from someone else, booked between the voucher date and a
    # paid date three weeks later, is no candidate; the same line a week before is one
    # (scored, if too low to offer)
    stranger = _rent_line(date(2024, 3, 2), "Umbuchung", "Tagesgeldkonto", IBAN_A)
    (late,) = match([_rent(23)], [stranger]).unmatched
    (near,) = match([_rent(8)], [stranger]).unmatched
    assert (late.best_score, near.best_score > 0.3) == (0.0, True)


def test_a_line_before_the_voucher_date_is_no_late_entry() -> None:
    # the late window reaches back to the voucher date, not before it: a line a few
    # days before is never linked, only offered where nothing else is (below)
    result = match([_rent(20)], [_rent_line(date(2024, 2, 27), "Miete")])
    assert _auto(result) == {}
    ((offered,),) = result.suggestions_by_payment.values()
    assert "collected_before_voucher" in offered.reasons
    assert offered.score == ScoringRules().suggest_threshold
    # a week before the voucher date: not even offered
    assert match([_rent(20)], [_rent_line(date(2024, 2, 23), "Miete")]).suggestions_by_payment == {}


@pytest.mark.parametrize(
    ("booked", "holder", "offered"),
    [
        (date(2024, 1, 2), "HANSE GASTRO VERSICHERUNG AG", True),
        (date(2024, 1, 4), "HANSE GASTRO VERSICHERUNG AG", False),  # inside: scored
        (date(2023, 12, 28), "HANSE GASTRO VERSICHERUNG AG", False),  # a week before
        (date(2024, 1, 2), "Stadtwerke Breisgau GmbH", False),  # someone else
    ],
)
def test_a_premium_collected_before_its_invoice_date_is_offered(
    booked: date, holder: str, offered: bool
) -> None:
    """Found by the café's reviewed replays (seeds 5 and 42, not tuned on): the insurer
    collected the quarter's premium on the 2nd, dated its invoice the 4th, and the
    bookkeeper marked it paid on the 28th. The window reaches back from a late paid
    date to the voucher date, not before: the line was offered nowhere and the person
    linked it by hand. A line of the exact amount from the payer up to five days before
    the voucher date is offered where nothing else is, never linked."""
    premium = payment(
        number="Beitragsrechnung 2024 VS 45-882211",
        amount=41260,
        vtype="purchaseinvoice",
        voucher_date=date(2024, 1, 4),
        paid=date(2024, 1, 28),
        name="Hanse Gastro Versicherung AG",
    )
    line = txn(amount=-41260, text="Beitrag 1/4 2024 VS-Nr 45-882211", name=holder, day=booked)
    result = match([premium], [line])
    assert result.auto_links == ()
    tops = [s.reasons for v in result.suggestions_by_payment.values() for s in v]
    assert any("collected_before_voucher" in reasons for reasons in tops) is offered


@pytest.mark.parametrize("entered", [True, False])
def test_rent_invoiced_the_month_before_is_linked_to_its_own_month(entered: bool) -> None:
    # each month's rent invoiced on the 28th of the month before: the purpose names the
    # month the rent is for, which is not the voucher's month; the voucher's own month is
    # named by the line before it, outside its window — nothing is linked a month off
    vouchers = [
        payment(
            f"r{m}#0",
            number=f"R-{m}",
            amount=120000,
            vtype="purchaseinvoice",
            voucher_date=date(2024, m - 1, 28),
            paid=date(2024, m, 1) if entered else None,
            name="Vermieter Krause",
            contact="krause",
            known_identifiers=frozenset({IBAN_B}),
        )
        for m in range(2, 8)
    ]
    lines = [
        txn(f"b{m}", amount=-120000, text=f"Miete {m:02d}/2024", day=date(2024, m, 1), iban=IBAN_B)
        for m in range(2, 8)
    ]
    linked = _auto(match(vouchers, lines))
    assert all(linked[f"r{m}#0"] == f"b{m}" for m in range(2, 8) if f"r{m}#0" in linked)
    if entered:
        assert len(linked) == 6


def _rates(
    number: str, amount: int, written: date, paid: Sequence[date], name: str, *, of: int
) -> list[ExpectedPayment]:
    """The rates Lexware holds (marked paid on the days ``paid``) of a patient's invoice
    ``number`` written on ``written``, of ``of`` rates of ``amount`` each."""
    vid = number.lower().replace("-", "")
    return [
        payment(
            f"{vid}#{k}",
            voucher_id=vid,
            number=number,
            amount=amount,
            gross=of * amount,
            voucher_date=written,
            paid=day,
            name=name,
            contact=vid,
        )
        for k, day in enumerate(paid)
    ]


def _days_after(start: date, *days: int) -> list[date]:
    return [start + timedelta(days=d) for d in days]


def _two_rates(
    voucher: str,
    amount: int,
    paid: tuple[date, date],
    payer: tuple[str, tuple[date, date]],
    *,
    name: str,
    text: str,
) -> tuple[list[ExpectedPayment], list[BankTxn]]:
    """A patient's invoice ``voucher`` (its number) paid in two rates of one
    ``amount`` on the days ``paid`` Lexware holds; the lines from ``payer`` (name,
    booking days), each with ``text`` formatted with its rate's number (``{k}``)."""
    rates = _rates(voucher, amount, D0 - timedelta(days=20), paid, name, of=2)
    holder, booked = payer
    lines = [
        txn(f"r{k}", amount=amount, text=text.format(k=k + 1), name=holder, iban=IBAN_B, day=day)
        for k, day in enumerate(booked)
    ]
    return rates, lines


def test_the_rates_of_one_voucher_do_not_compete_for_each_others_lines() -> None:
    # a patient's invoice paid in two rates of one amount by a parent (an unknown
    # account), each line citing the invoice; Lexware's paid date of the second rate
    # was entered late, so its window reaches back to the first rate's line. Before,
    # the second item was the first line's competitor and neither rate was linked.
    rates, lines = _two_rates(
        "ZA-24-0011",
        91000,
        (D0 + timedelta(days=1), D0 + timedelta(days=39)),
        ("Kaya, Deniz", (D0, D0 + timedelta(days=29))),
        name="Mia Kaya",
        text="Ratenzahlung ZA-24-0011 {k}/2",
    )
    result = match(rates, lines)
    assert _auto(result) == {"za240011#0": "r0", "za240011#1": "r1"}
    # two invoices of one amount and one text are not items of one voucher: no link
    # where either could be the line's
    others = [replace(rates[0], id="za12#0", voucher_id="za12"), rates[0]]
    assert _auto(match(others, lines[:1])) == {}


def test_the_earlier_line_pays_the_earlier_rate() -> None:
    # two rates of one amount; the bookkeeper entered each rate's payment 25 days after
    # the money came, so the first rate's paid date lies nearer the second rate's line.
    # Before: the best pairs first gave the second line to the first rate and the first
    # line to the second (held-out seed 99 of the dental practice: ZA-24-0341)
    rates, lines = _two_rates(
        "ZA-24-0341",
        107100,
        (D0 + timedelta(days=25), D0 + timedelta(days=56)),
        ("Weiß, Susanne", (D0, D0 + timedelta(days=31))),
        name="Dr. Susanne Weiß",
        text="{k}. Rate ZA-24-0341",
    )
    in_order = {"za240341#0": "r0", "za240341#1": "r1"}
    assert _auto(match(rates, lines)) == in_order
    assert _auto(match(rates[::-1], lines[::-1])) == in_order


@pytest.mark.parametrize("texts", ["{k}. Rate ZA-25-0031", "Rate {k} Rechnung Sommer"])
def test_rates_marked_paid_in_one_sitting_take_their_lines_in_lexwares_order(
    texts: str,
) -> None:
    # two rates of one amount from the patient's known account, a month apart; the
    # bookkeeper marked both paid in March, the first rate on the 18th, the second on
    # the 17th. The paid dates say nothing of the order (either pairing is 29 days off
    # in all), so the items take their lines in the order they were entered. Before,
    # the earlier paid date took the earlier line: „Rate 1“ went to the second item
    # (the dental practice of seed 5, ZA-25-0031, its only wrong link).
    rates, lines = _two_rates(
        "ZA-25-0031",
        119000,
        (D0 + timedelta(days=29), D0 + timedelta(days=28)),
        ("NICOLE SOMMER", (D0, D0 + timedelta(days=28))),
        name="Nicole Sommer",
        text=texts,
    )
    rates = [replace(rate, known_identifiers=frozenset({IBAN_B})) for rate in rates]
    in_order = {"za250031#0": "r0", "za250031#1": "r1"}
    assert _auto(match(rates, lines)) == in_order
    assert _auto(match(rates[::-1], lines[::-1])) == in_order
    # the paid dates in order and near their lines decide as before: the second item
    # entered first takes the later line
    apart = [
        replace(rate, paid_date=day)
        for rate, day in zip(rates, (D0 + timedelta(days=30), D0 + timedelta(days=2)), strict=True)
    ]
    assert _auto(match(apart, lines)) == {"za250031#0": "r1", "za250031#1": "r0"}


def test_a_patients_invoices_of_one_amount_take_their_lines_in_order() -> None:
    # two treatment invoices of a patient at the practice's price, paid from the
    # patient's account four days apart, naming no number; Lexware's paid dates are in
    # the invoices' order. The best pairs first gave the first invoice the later line
    # (on its paid date) and the second the earlier one: crossed (the physiotherapy of
    # seed 1103, PR-25-0174 and PR-25-0219)
    invoices = [
        payment(
            f"pr{n}#0",
            number=f"PR-25-0{n}",
            amount=47000,
            voucher_date=D0 - timedelta(days=before),
            paid=D0 + timedelta(days=after),
            name="Klaus Krüger",
            contact="krueger",
        )
        for n, before, after in ((174, 28, 4), (219, 12, 6))
    ]
    lines = [
        txn(
            tid,
            amount=47000,
            text=text,
            name="Krüger, Klaus",
            iban=IBAN_B,
            day=D0 + timedelta(days=day),
        )
        for tid, text, day in (("early", "Behandlung Klaus Krüger", 0), ("late", "", 4))
    ]
    for payments, ordered in ((invoices, lines), (invoices[::-1], lines[::-1])):
        offered = match(payments, ordered).suggestions_by_payment
        assert (offered["pr174#0"][0].txn_id, offered["pr219#0"][0].txn_id) == ("early", "late")
    # the earlier line from someone else: the patient's own line stays first for the
    # first invoice (its date alone gives no order between two payers)
    stranger = replace(lines[0], counterparty_name="Walter, Claudia", counterparty_iban=IBAN_A)
    offered = match(invoices, [stranger, lines[1]]).suggestions_by_payment
    assert offered["pr174#0"][0].txn_id == "late"
    # a line citing an invoice stays that invoice's
    cited = match(invoices, [replace(lines[0], remittance="PR-25-0219"), lines[1]])
    assert _auto(cited) == {"pr219#0": "early", "pr174#0": "late"}


@pytest.mark.parametrize(
    ("text", "in_dates", "found"),
    [
        ("Rezept vom 06.05.2024", True, "05/2024"),
        ("Rezept vom 06.05.2024", False, None),
        ("Rezept vom 6. 05/2024", False, None),
        ("Behandlung 05/2024", False, "05/2024"),
        ("Rezept vom 06.05.2024, Behandlung 5/2024", False, "05/2024"),
        ("Rezept vom 06.04.2024", True, None),
        ("2. Quartal 2024", False, "Q2/2024"),
    ],
)
def test_the_vouchers_month_inside_a_full_date_is_read_only_where_asked(
    text: str, in_dates: bool, found: str | None
) -> None:
    assert period_in_text(text, date(2024, 5, 14).toordinal(), in_dates=in_dates) == found


def test_a_prescriptions_date_names_no_month_of_a_patients_invoices() -> None:
    # a patient's two invoices at the practice's price, of 14 May and 6 June, both
    # marked paid on 14 June; her lines of 6 June (no purpose) and 14 June („Rezept vom
    # 06.05.2024“), from the account that paid her March invoice (linked by a person).
    # The prescription's date was read as the May invoice's month, which took the later
    # line, and the June invoice the earlier one: both linked, crossed (the
    # physiotherapy of held-out seed 2396, PR-24-0150 and PR-24-0193)
    def invoice(n: int, day: date, paid: date) -> ExpectedPayment:
        return payment(
            f"pr{n}#0",
            number=f"PR-24-0{n}",
            amount=29900,
            voucher_date=day,
            paid=paid,
            name="Sabine Vogel",
            contact="vogel",
        )

    def line(tid: str, text: str, day: date) -> BankTxn:
        return txn(tid, amount=29900, text=text, name="SABINE VOGEL", iban=IBAN_B, day=day)

    march = invoice(101, date(2024, 3, 4), date(2024, 3, 20))
    invoices = [
        invoice(n, day, date(2024, 6, 14))
        for n, day in ((150, date(2024, 5, 14)), (193, date(2024, 6, 6)))
    ]
    lines = [
        line("early", "", date(2024, 6, 6)),
        line("late", "Rezept vom 06.05.2024", date(2024, 6, 14)),
    ]
    history = [ExistingLink(march.id, "march", 29900, LinkStatus.CONFIRMED)]
    in_order = {"pr150#0": "early", "pr193#0": "late"}
    for payments, ordered in ((invoices, lines), (invoices[::-1], lines[::-1])):
        result = match(
            [march, *payments],
            [line("march", "", date(2024, 3, 20)), *ordered],
            existing_links=history,
        )
        assert _first_offers(result) == in_order
        assert set(_auto(result).items()) <= set(in_order.items())
    # a line naming the month on its own („Behandlung 05/2024“) names the May invoice
    named = [lines[0], replace(lines[1], remittance="Behandlung 05/2024")]
    assert _first_offers(match(invoices, named))["pr150#0"] == "late"


@pytest.mark.parametrize("text", ["Ratenzahlung ZA-25-0092 {k}/3", "Abschlag 0{k}/2025 ZA-25-0092"])
def test_rates_marked_paid_days_apart_out_of_order_take_their_lines_in_lexwares_order(
    text: str,
) -> None:
    # „Ratenzahlung ZA-25-0092 1/3“ on 28 April and „2/3“ on 26 May; the bookkeeper
    # marked both rates paid in one sitting, the second rate's two days before the
    # first's. By the paid dates each item took the other's line, and both were linked
    # (held-out seed 1123: its two wrong links; the café's energy instalments of
    # February and March, marked paid on 16 and 14 March: held-out seed 1138). The
    # paid dates' order puts the items four days nearer their lines in all: it says
    # little, and the items take their lines in the order they were entered. Paid
    # dates that match the lines clearly still decide (the second rate entered first:
    # ``test_rates_marked_paid_in_one_sitting_take_their_lines_in_lexwares_order``).
    rates, lines = _two_rates(
        "ZA-25-0092",
        56200,
        (D0 + timedelta(days=26), D0 + timedelta(days=24)),
        ("Jörg Kühn", (D0, D0 + timedelta(days=28))),
        name="Jörg Kühn",
        text=text,
    )
    for payments, ordered in ((rates, lines), (rates[::-1], lines[::-1])):
        result = match(payments, ordered)
        first = {
            pid: _auto(result).get(pid) or result.suggestions_by_payment[pid][0].txn_id
            for pid in ("za250092#0", "za250092#1")
        }
        assert first == {"za250092#0": "r0", "za250092#1": "r1"}


def test_a_line_stating_its_instalment_pays_the_item_of_that_place() -> None:
    # „Rate 1 Rechnung Huber“ on 2 April and „2. Rate ZA-24-0068“ on 29 April, both
    # rates marked paid in May (the 2nd and the 7th). The first line lies 30 days before
    # its paid date, outside every window; the second is in both items' windows, and the
    # item entered first took it (the dental practice of seed 13: its only wrong link;
    # the other item was left to a person). The line says it is the second rate: it
    # pays the item entered second, and the first line is then the first item's.
    rates, lines = _two_rates(
        "ZA-24-0068",
        186400,
        (D0 + timedelta(days=30), D0 + timedelta(days=35)),
        ("W. Huber", (D0, D0 + timedelta(days=27))),
        name="Wolfgang Huber",
        text="{k}. Rate ZA-24-0068",
    )
    lines[0] = replace(lines[0], remittance="Rate 1 Rechnung Huber")
    in_order = {"za240068#0": "r0", "za240068#1": "r1"}
    assert _auto(match(rates, lines)) == in_order
    assert _auto(match(rates[::-1], lines[::-1])) == in_order


@pytest.mark.parametrize(
    ("purpose", "rate"),
    [
        ("2. Rate ZA-24-0068", 2),
        ("Rate 1 Rechnung Huber", 1),
        ("Rate 3/4", 3),
        ("Ratenzahlung ZA-25-0123 2/3", 2),
        ("TEILZAHLUNG 1 / 2 RE-2024-0007", 1),
        ("1/3 Rechnung Schwarz Ratenzahlung", 1),
        ("Ratenzahlung 05/25", None),  # a month
        ("Ratenzahlung Rechnung 12/2024", None),
        ("Miete 02/2026 Ratenzahlung", None),
        ("ZA-25-0123 2/3", None),  # no word of rates
        ("Ratenzahlung 2/3 und 3/3", None),  # several
    ],
)
def test_stated_rate(purpose: str, rate: int | None) -> None:
    assert stated_rate(purpose) == rate


@pytest.mark.parametrize(
    ("first", "later"),
    [
        ("Rate 1 Rechnung Schwarz", "Ratenzahlung ZA-25-0123 {k}/3"),
        ("Rate 1 Rechnung Schwarz", "{k}. Rate ZA-25-0123"),
        ("1/3 Rechnung Schwarz Ratenzahlung", "Ratenzahlung ZA-25-0123 {k}/3"),
    ],
)
def test_a_later_rate_citing_the_invoice_leaves_the_first_item_its_own_line(
    first: str, later: str
) -> None:
    # an invoice paid in three rates of one amount; Lexware holds the first rate only
    # (its item entered first, marked paid the day its line came), the next rates are
    # not entered yet. „Rate 1 Rechnung Schwarz“ names no number; the later lines cite
    # the invoice. Before, the line citing the invoice was the item's: on the dental
    # practice of held-out seed 17 it was linked (+32 days, „Ratenzahlung ZA-25-0123
    # 2/3“: its only wrong link), on seed 77 („2. Rate ZA-25-0108“) offered first.
    rate = payment(
        "za250123#0",
        voucher_id="za250123",
        number="ZA-25-0123",
        amount=82800,
        gross=3 * 82800,
        voucher_date=D0 - timedelta(days=14),
        paid=D0,
        name="Ursula Schwarz",
        contact="schwarz",
    )
    lines = [
        txn("r1", amount=82800, text=first, name="Ursula Schwarz", iban=IBAN_B, day=D0),
        *(
            txn(
                f"r{k}",
                amount=82800,
                text=later.format(k=k),
                name="Ursula Schwarz",
                iban=IBAN_B,
                day=D0 + timedelta(days=32 * (k - 1)),
            )
            for k in (2, 3)
        ),
    ]
    for ordered in (lines, lines[::-1]):
        result = match([rate], ordered)
        assert "r2" not in _auto(result).values()
        offered = [s.txn_id for s in result.suggestions_by_payment.get(rate.id, ())]
        assert _auto(result).get(rate.id, offered[0] if offered else None) == "r1"
    # without the first rate's line (paid in cash, or from an account not imported) the
    # later rates' lines are offered, not linked: they pay rates not entered yet
    for ordered in (lines[1:], lines[:0:-1]):
        alone = match([rate], ordered)
        assert _auto(alone) == {}
        assert {s.txn_id for s in alone.suggestions_by_payment[rate.id]} == {"r2", "r3"}
    # nor the one line of the second rate, the sole pair, on either path (in the window
    # of the paid date too)
    for fast, days in product((True, False), (5, 32)):
        line = replace(lines[1], booking_date=D0 + timedelta(days=days))
        sole = match([rate], [line], params=MatchParams(fast_path=fast))
        assert _auto(sole) == {}
        assert [s.txn_id for s in sole.suggestions_by_payment[rate.id]] == ["r2"]
    # the item entered second of the voucher takes the line stating the second rate
    second = replace(rate, id="za250123#1", position=1, paid_date=D0 + timedelta(days=32))
    assert _auto(match([second], lines[1:2])) == {"za250123#1": "r2"}


def test_the_rest_after_a_deposit_from_the_known_account_is_linked() -> None:
    # a catering invoice: the deposit was paid before it, the rest after the party,
    # from the account Lexware holds for the customer, naming no number. Before: a part
    # payment needed a reference, and the rest was only suggested.
    deposit, rest = (
        payment(
            f"ca7#{k}",
            voucher_id="ca7",
            number="RE-2024-0007",
            amount=amount,
            gross=134454,
            voucher_date=D0,
            paid=paid,
            name="Steuerbüro Lang",
            known_identifiers=frozenset({IBAN_A}),
        )
        for k, (amount, paid) in enumerate(
            ((40300, D0 - timedelta(days=20)), (94154, D0 + timedelta(days=12)))
        )
    )
    line = txn(
        "b1",
        amount=94154,
        text="Catering Rechnung",
        name="Steuerbüro Lang",
        day=D0 + timedelta(days=12),
    )
    assert _auto(match([deposit, rest], [line])) == {"ca7#1": "b1"}
    # a second line of the amount from that account: not the only pair, offered
    twice = [line, replace(line, id="b2", booking_date=D0 + timedelta(days=14))]
    assert _auto(match([deposit, rest], twice)) == {}


def _family(amounts: dict[str, int]) -> list[ExpectedPayment]:
    """Patients' invoices of one day, by name."""
    return _patients(list(amounts.values()), D0, names=list(amounts), apart=0, paid_after=14)


@pytest.mark.parametrize(
    ("sabine", "monika"), [("Sabine Böhm", "Monika Böhm"), ("Böhm, Sabine", "Böhm, Monika")]
)
def test_a_parents_transfer_for_two_childrens_invoices_is_offered_whole(
    sabine: str, monika: str
) -> None:
    # „Rechnungen Sabine und Monika Böhm“ from the father's account: no number, no
    # known account, no count — the family name and the sum. Before, Sabine's small
    # invoice was sent to „Externe Transaktion erforderlich“ (the practice's data). The
    # contacts may be written family name first.
    invoices = _family({sabine: 10121, monika: 268174, "Jonas Bauer": 10121})
    line = txn(
        "b1",
        amount=10121 + 268174,
        text="Rechnungen Sabine und Monika Böhm",
        name="Böhm, Björn",
        iban=IBAN_B,
        day=D0 + timedelta(days=14),
    )
    result = match(invoices, [line])
    assert _auto(result) == {}
    assert _counted(result) == {pid: [("b1", "family:Böhm")] for pid in ("v0#0", "v1#0")}
    assert {u.payment_id: u.reason for u in result.unmatched}["v2#0"] == (
        UnmatchedReason.NO_CANDIDATE
    )


@pytest.mark.parametrize(
    ("family_day", "text"), [(14, "Dr. Albers Rechnung"), (10, "Zahnarztrechnung")]
)
def test_a_familys_transfer_naming_the_patient_comes_before_a_strangers_line(
    family_day: int, text: str
) -> None:
    # „Rechnungen Susanne und Monika Müller-Lüdenscheidt“ from another account holder,
    # and on the same day a stranger's line of Susanne's amount naming only the
    # practice („Dr. Albers Rechnung“): both at the threshold, and the stranger's, the
    # row the assignment gave Susanne's invoice, was offered first (held-out seed 808).
    # The family's four days before the paid date, the stranger's on it, scoring higher
    # (0.49 against 0.45; it cited another invoice, „ZA-23-1074“): offered first too
    # (held-out seed 1406; six more such on 1380–1579)
    invoices = _family({"Susanne Müller-Lüdenscheidt": 11500, "Monika Müller-Lüdenscheidt": 614580})
    family = txn(
        "fam",
        amount=11500 + 614580,
        text="Rechnungen Susanne und Monika Müller-Lüdenscheidt",
        name="Nicole Winter",
        iban=IBAN_B,
        day=D0 + timedelta(days=family_day),
    )
    stranger = replace(
        family,
        id="alb",
        amount_cents=11500,
        remittance=text,
        counterparty_name="Gabriele Friedrich",
        counterparty_iban=IBAN_A,
        booking_date=D0 + timedelta(days=14),
    )
    for lines in ([family, stranger], [stranger, family]):
        result = match(invoices, lines)
        assert _auto(result) == {}
        offered = result.suggestions_by_payment["v0#0"]
        assert [s.txn_id for s in offered] == ["fam", "alb"]


def test_a_family_with_many_open_invoices_over_the_year_is_still_read() -> None:
    # a stepfather pays for the Schmitz children all year; ten of their invoices are
    # still open (offered, not confirmed) from months before. Two of this month's are
    # paid by „Rechnungen Wolfgang und Lena Schmitz“. Before: a family with more than
    # eight open invoices was not read, and Lena's invoice was sent to „Externe
    # Transaktion erforderlich“ (held-out seed 99 of the dental practice).
    older = _patients(
        [14605 + 1000 * k for k in range(10)],
        D0 - timedelta(days=300),
        names=[f"{first} Schmitz" for first in ("Natalia", "Jürgen", "Michael") * 3 + ("Anne",)],
        apart=25,
    )
    now = [
        replace(p, id=f"n{i}#0", voucher_id=f"n{i}", contact_id=f"n{i}")
        for i, p in enumerate(_family({"Wolfgang Schmitz": 18796, "Lena Schmitz": 6686}))
    ]
    line = txn(
        "b1",
        amount=18796 + 6686,
        text="Rechnungen Wolfgang und Lena Schmitz",
        name="Wolfgang Lange",
        iban=IBAN_B,
        day=D0 + timedelta(days=14),
    )
    result = match([*older, *now], [line])
    assert _counted(result) == {pid: [("b1", "family:Schmitz")] for pid in ("n0#0", "n1#0")}


@pytest.mark.parametrize(
    ("names", "payer", "purpose"),
    [
        # the family name on neither the payer nor the purpose
        (("Sabine Böhm", "Monika Böhm"), "Dietrich, Sven", "Rechnungen Sabine und Monika"),
        # two firms ending in one name are no family, though the payer and purpose name it
        (
            ("Café GbR Lindenhof", "Hofladen GbR Lindenhof"),
            "GbR Lindenhof, H. Albrecht",
            "Rechnungen Lindenhof",
        ),
    ],
)
def test_a_transfer_not_naming_the_family_offers_no_family_group(
    names: tuple[str, str], payer: str, purpose: str
) -> None:
    invoices = _family(dict(zip(names, (10121, 268174), strict=True)))
    line = txn(
        "b1", amount=278295, text=purpose, name=payer, iban=IBAN_B, day=D0 + timedelta(days=14)
    )
    result = match(invoices, [line])
    assert all(
        not any(code.startswith("family:") for code in s.features.extra)
        for options in result.suggestions_by_payment.values()
        for s in options
    )


def test_two_families_a_line_could_be_offers_neither() -> None:
    # 100 + 200 of the Böhms and 100 + 200 of the Scholz family: the line names both
    invoices = _family(
        {"Sabine Böhm": 10000, "Monika Böhm": 20000, "Piotr Scholz": 10000, "Ayse Scholz": 20000}
    )
    line = txn(
        "b1",
        amount=30000,
        text="Rechnungen Böhm Scholz",
        name="Elternverein",
        iban=IBAN_B,
        day=D0 + timedelta(days=14),
    )
    assert _counted(match(invoices, [line])) == {}


def test_a_central_settlement_offices_transfer_is_offered_with_its_members_invoices() -> None:
    # a purchasing cooperative's settlement office pays its members' invoices weekly in
    # one transfer naming none of them; its account is known for three customers (from
    # confirmed links). Their open invoices pooled, the only combination making the line
    # is offered — not linked: the account speaks for several. Before, an account known
    # for more than one contact was no payer at all, and the vouchers were sent to
    # „Externe Transaktion erforderlich“ (the wholesaler's data: RE-2024-00003).
    zr = "DE35600700706700403297"
    members = [
        payment(
            f"m{i}#0",
            number=f"RE-2024-{i:05d}",
            amount=amount,
            voucher_date=D0 - timedelta(days=10),
            paid=D0,
            name=name,
            contact=f"k{i}",
            known_identifiers=frozenset({zr}),
        )
        for i, (name, amount) in enumerate(
            [("Beschläge Horn KG", 24225), ("Metallbau Kurz GmbH", 101010), ("Kurz KG", 55500)]
        )
    ]
    line = txn(
        "zr1",
        amount=24225 + 55500,
        text="ZR-ZAHLUNG KW 2/2024 LIEFERANT 47110 AVIS 884001",
        name="WERKZEUGRING ZENTRALREGULIERUNG EG",
        iban=zr,
        day=D0,
    )
    result = match(members, [line])
    assert _auto(result) == {}
    assert _counted(result) == {pid: [("zr1", "collective_payer")] for pid in ("m0#0", "m2#0")}


def _prepaid(paid: date, text: str = "PF-2024-0017 VORKASSE") -> tuple[ExpectedPayment, BankTxn]:
    """A new customer's prepayment of a pro-forma invoice on D0; the invoice follows on
    delivery a week later, Lexware's paid date as the bookkeeper entered it."""
    invoice = payment(
        number="RE-2024-00142",
        amount=238_000,
        voucher_date=D0 + timedelta(days=7),
        paid=paid,
        name="Befestigungstechnik Kraus GmbH",
        known_identifiers=frozenset({IBAN_A}),
    )
    line = txn("b1", amount=238_000, text=text, name="BEFESTIGUNGSTECHNIK KRAUS GMBH")
    return invoice, line


def test_a_prepayment_lexware_holds_as_paid_before_the_invoice_is_linked() -> None:
    # the bookkeeper entered the payment on the day the money came, a week before the
    # invoice was written: that is when it was paid, no early payment. Before: the
    # line was penalised as booked before the voucher date and only suggested (the
    # wholesaler's prepayments 4 of 6 automatic).
    invoice, line = _prepaid(D0)
    result = match([invoice], [line])
    assert _auto(result) == {invoice.id: "b1"}
    assert "paid_before_voucher" not in result.auto_links[0].suggestion.reasons


def test_a_line_before_the_invoice_and_before_the_paid_date_is_still_an_early_payment() -> None:
    # Lexware says it was paid after the invoice: a line a week before it naming no
    # deposit is early
    invoice, line = _prepaid(D0 + timedelta(days=9), "PF-2024-0017")
    result = match([invoice], [line])
    assert _auto(result) == {}
    assert "paid_before_voucher" in result.suggestions_by_payment[invoice.id][0].reasons


def test_a_prepayment_named_so_is_no_early_payment_whatever_the_paid_date() -> None:
    # „VORKASSE“ says the money came before the invoice by its nature: no early payment
    # where Lexware's paid date is after the invoice either (the café's deposits of
    # held-out statement files seeds 3344 and 3626 ranked below later lines); the only
    # line of the amount, from the known account, is linked
    invoice, line = _prepaid(D0 + timedelta(days=9))
    result = match([invoice], [line])
    assert _auto(result) == {invoice.id: "b1"}
    assert result.auto_links[0].suggestion.features.penalty == 0.0


def _catering(text: str, holder: str) -> tuple[ExpectedPayment, BankTxn]:
    """A catering invoice still open in Lexware (no payment entered), and a credit of a
    fifth of it 24 days before the invoice date."""
    invoice = payment(
        number="RE-2025-0023",
        amount=379044,
        voucher_date=D0,
        paid=None,
        name="SC Musterhausen e.V.",
    )
    return invoice, txn("b1", amount=75800, text=text, name=holder, day=D0 - timedelta(days=24))


@pytest.mark.parametrize(
    ("text", "holder", "reason"),
    [
        # the deposit: not a case for „Externe Transaktion erforderlich“ (held-out
        # seed 7 of the café: RE-2025-0023), and offered (below)
        ("Anzahlung Catering", "SC Musterhausen e.V.", None),
        ("Vorkasse Sommerfest", "SC MUSTERHAUSEN E.V.", None),
        # a line before the invoice naming no deposit, or a deposit from someone else
        ("Mitgliedsbeitrag", "SC Musterhausen e.V.", UnmatchedReason.NO_CANDIDATE),
        ("Anzahlung Catering", "Bäckerei Krause", UnmatchedReason.NO_CANDIDATE),
    ],
)
def test_a_deposit_before_an_open_invoice_keeps_it_from_the_external_list(
    text: str, holder: str, reason: UnmatchedReason | None
) -> None:
    invoice, line = _catering(text, holder)
    assert {u.payment_id: u.reason for u in match([invoice], [line]).unmatched} == (
        {} if reason is None else {invoice.id: reason}
    )


@pytest.mark.parametrize(("cents", "days"), [(75800, 24), (379044, 24), (379044, 60)])
def test_a_deposit_from_the_payer_before_the_invoice_is_offered(cents: int, days: int) -> None:
    """Found by the café's replay with a person linking by hand (seed 7): a customer's
    „Anzahlung Catering“ — a fifth of the invoice, or all of it — booked weeks before
    the invoice date was offered nowhere, only kept the invoice from the external list.
    It is offered now, as a deposit for a person to judge, never linked."""
    invoice, line = _catering("Anzahlung Catering", "SC Musterhausen e.V.")
    line = replace(line, amount_cents=cents, booking_date=D0 - timedelta(days=days))
    result = match([invoice], [line])
    assert result.auto_links == ()
    ((offered,),) = result.suggestions_by_payment.values()
    assert offered.txn_id == "b1" and "deposit" in offered.reasons
    assert ("short_payment" in offered.reasons) == (cents < invoice.amount_cents)
    assert describe("deposit")[0] == "Anzahlung dieses Zahlers vor der Rechnung: bitte prüfen"
    # a deposit booked more than two months before the invoice's window: not read
    early = replace(line, booking_date=D0 - timedelta(days=14 + 61))
    assert match([invoice], [early]).suggestions_by_payment == {}


@pytest.mark.parametrize("text", ["Proforma 2", "PRO-FORMA RECHNUNG 17", "Pro forma Nr. 2"])
def test_a_pro_forma_invoice_paid_before_the_invoice_is_offered_as_a_deposit(text: str) -> None:
    """Found by the wholesaler's reviewed replay (seed 123, not tuned on): a customer
    paid the pro-forma invoice („Proforma 2“), to the cent, fifteen days before the
    invoice's paid date, from an account no link had taught; the line named neither
    the invoice nor a deposit word the engine read. It was offered nowhere and the
    person linked it by hand. A pro-forma is paid before the invoice is written, as a
    deposit is: offered as one now, never linked."""
    invoice = payment(number="RE-2024-00074", amount=116796, name="Tiny House Manufaktur UG")
    line = txn(
        amount=116796, text=text, name="TINY HOUSE MANUFAKTUR UG", day=D0 - timedelta(days=15)
    )
    result = match([invoice], [line])
    assert result.auto_links == ()
    ((offered,),) = result.suggestions_by_payment.values()
    assert offered.txn_id == "b1" and "deposit" in offered.reasons
    assert offered.score == ScoringRules().suggest_threshold


CHAMBER = "Handwerkskammer für München und Oberbayern"


def _notice(number: str) -> ExpectedPayment:
    """The chamber's contribution notice, entered in Lexware with ``number``."""
    return payment(
        "v1#0", number=number, amount=18000, vtype="purchaseinvoice", name=CHAMBER, contact="hwk"
    )


@pytest.mark.parametrize("number", ["Beitragsbescheid 2024", "2024", "BB-2024"])
def test_a_voucher_numbered_by_a_year_is_not_named_by_every_line_of_that_year(
    number: str,
) -> None:
    # notices and yearly bills are entered with the year as their number: the car tax
    # of 2024 for the same sum, from someone else, names 2024 but not the notice
    # (before: an automatic link, „Rechnungsnummer im Verwendungszweck“)
    tax = txn(
        "b1",
        amount=-18000,
        text="KFZ-STEUER 2024 FUER M-AB 123 AKTENZEICHEN 9912",
        name="BUNDESKASSE IN KIEL",
        iban=IBAN_B,
        day=D0 - timedelta(days=2),
    )
    result = match([_notice(number)], [tax])
    assert _auto(result) == {}
    assert [s.features.reference for s in result.suggestions_by_payment["v1#0"]] == [0.0]
    # the chamber's own line is linked by its name, as before
    own = txn(
        "b2",
        amount=-18000,
        text="BEITRAGSBESCHEID 2024 MITGL.NR 448812",
        name="HANDWERKSKAMMER FUER MUENCHEN UND OBERBAYERN",
        day=D0 - timedelta(days=2),
    )
    assert _auto(match([_notice(number)], [tax, own])) == {"v1#0": "b2"}


def test_an_invoice_numbered_like_a_year_is_found_after_its_keyword() -> None:
    # a small business's running number 2050: „Rechnung 2050“ cites it (a weak
    # reference next to the amount, and the customer's name links it); a member's fee
    # „2050“ does not
    invoice = payment(number="2050", amount=9900, name="Bäckerei Huber")
    fee = txn("b1", amount=9900, text="Mitgliedsbeitrag 2050", name="HANS MEIER", iban=IBAN_B)
    assert _auto(match([invoice], [fee])) == {}
    paid = txn("b2", amount=9900, text="Rechnung 2050", name="Baeckerei Huber")
    result = match([invoice], [fee, paid])
    assert _auto(result) == {"v1#0": "b2"}
    assert [d.suggestion.features.reference for d in result.auto_links] == [0.5]


def test_an_amount_the_purpose_states_names_no_voucher() -> None:
    # „Betrag 1.785,00“ on a bakery's transfer is no payment of invoice 1785 of
    # another customer, which no line pays: it needs an external transaction (before:
    # hidden from that list, the line read as naming it)
    invoice = payment(number="1785", amount=25000, name="Schmidt Elektro")
    line = txn("b1", amount=178500, text="RE 3051 Betrag 1.785,00 EUR", name="Baeckerei Huber")
    assert {u.payment_id: u.reason for u in match([invoice], [line]).unmatched} == {
        invoice.id: UnmatchedReason.NO_CANDIDATE
    }


@pytest.mark.parametrize(
    ("text", "holder", "reason"),
    [
        # the customer paid several invoices in one sum and named none of them: no
        # case for „Externe Transaktion erforderlich“ (a person picks them)
        ("Sammelzahlung", "BAU HOFMANN OHG", UnmatchedReason.BELOW_THRESHOLD),
        ("SAMMELUEBERWEISUNG RECHNUNGEN MAERZ", "Bau Hofmann", UnmatchedReason.BELOW_THRESHOLD),
        # from someone else, or a larger line announcing nothing: as before
        ("Sammelzahlung", "Gartenbau Lehmann", UnmatchedReason.NO_CANDIDATE),
        ("Zahlung", "BAU HOFMANN OHG", UnmatchedReason.NO_CANDIDATE),
    ],
)
def test_a_collective_transfer_naming_nothing_keeps_its_invoices_from_the_external_list(
    text: str, holder: str, reason: UnmatchedReason
) -> None:
    # held-out synthetic data without customer numbers sent 29 such invoices to the
    # external list („Sammelzahlung Kd 83305“ from BAU HOFMANN OHG)
    invoices = [
        payment(f"v{i}#0", number=f"RE-2024-{i:04d}", amount=cents, name="Bau Hofmann OHG")
        for i, cents in enumerate((3717, 195107))
    ]
    line = txn("b1", amount=229218, text=text, name=holder, iban=IBAN_B)
    assert {u.payment_id: u.reason for u in match(invoices, [line]).unmatched} == {
        p.id: reason for p in invoices
    }


def test_the_combination_a_collective_transfer_from_the_named_payer_pays_is_offered() -> None:
    # „Sammelzahlung“ from the contact's name, naming no invoice: the two of its three
    # open invoices that make the sum are offered as one group, never linked (the payer
    # is known by name only); the third stays for a person to pick
    invoices = [
        payment(f"v{i}#0", number=f"RE-2024-{i:04d}", amount=cents, name="Bau Hofmann OHG")
        for i, cents in enumerate((3717, 195107, 50000))
    ]
    line = txn(
        "b1", amount=3717 + 195107, text="Sammelzahlung", name="BAU HOFMANN OHG", iban=IBAN_B
    )
    result = match(invoices, [line])
    assert _auto(result) == {}
    offered = {
        p: [(s.txn_id, s.collective_group) for s in v]
        for p, v in result.suggestions_by_payment.items()
    }
    assert offered == {"v0#0": [("b1", "b1")], "v1#0": [("b1", "b1")]}
    # from someone else: nothing offered
    other = txn(
        "b1", amount=3717 + 195107, text="Sammelzahlung", name="Gartenbau Lehmann", iban=IBAN_B
    )
    assert match(invoices, [other]).suggestions_by_payment == {}


def test_a_deposit_is_offered_to_the_invoice_it_makes_though_a_larger_line_came_too() -> None:
    """The café's replay with a person (seed 7): the customer's „Anzahlung Thomas
    Wagner“ for the first invoice's amount, 16 days before its paid date, and a larger
    transfer from their known account inside its window. The larger line kept the first invoice from
    the external list, and so its deposit was looked for only for the customer's next
    invoice, to which it was offered 47 days early and 594,45 € short; the first
    invoice stayed open, linked by hand."""
    known = frozenset({IBAN_A})  # the account a confirmed link taught
    first = payment(
        "v1#0", number="RE-2024-0046", amount=44500, name="Thomas Wagner", known_identifiers=known
    )
    second = payment(
        "v2#0",
        number="RE-2024-0061",
        amount=103945,
        name="Thomas Wagner",
        paid=D0 + timedelta(days=31),
        known_identifiers=known,
    )
    lines = [
        txn(
            "dep",
            amount=44500,
            text="Anzahlung Thomas Wagner",
            name="Thomas Wagner",
            day=D0 - timedelta(days=16),
        ),
        txn("more", amount=150000, text="Feier", name="Thomas Wagner", day=D0 + timedelta(days=5)),
    ]
    result = match([first, second], lines)
    offered = {p: [s.txn_id for s in v] for p, v in result.suggestions_by_payment.items()}
    assert offered.get("v1#0", [None])[0] == "dep"
    assert "dep" not in offered.get("v2#0", [])


@pytest.mark.parametrize(
    ("purpose", "linked"),
    [
        ("ZA-2024-0136", True),
        ("Rechnung ZA 2024 0136 Kraus", True),
        ("ZA-24-0136", True),
        ("20240136", False),  # the digits alone: no spelling of the number
        ("Abrechnung 2024/0136", False),  # a settlement's number, not the invoice's
        ("SEPA-SAMMLER ZA20240136-09", False),  # a batch's id of a date
    ],
)
def test_a_voucher_number_written_with_its_year_in_full_names_it(
    purpose: str, linked: bool
) -> None:
    """Found by the dental practice's replay with a person linking by hand (seed 99):
    relatives paid „ZA-24-0136“ writing „ZA-2024-0136“; the number was not read, the
    payer's name is another, and three vouchers were linked by hand. The year in full
    counts where the line spells the number with its letters."""
    invoice = payment(number="ZA-24-0136", amount=9800, name="Dimitrios Kraus")
    other = payment("v2#0", number="ZA-24-0200", amount=9800, name="Erika Berger", contact="c2")
    line = txn(amount=9800, text=purpose, name="MONIKA GROSS", day=D0 - timedelta(days=3))
    result = match([invoice, other], [line])
    assert _auto(result) == ({"v1#0": "b1"} if linked else {})
    assert year_in_full("ZA-24-0136") == ("ZA", "2024|0136")
    assert year_in_full("RE-2024-0046") is None and year_in_full("24-0136") is None


@pytest.mark.parametrize(
    ("text", "named"),
    [
        ("ZA-2024-0136", True),
        ("Rechnung ZA 2024/0136", True),
        ("ZA2024-0136", True),
        ("ZA20240136", False),  # glued: any id of a date
        ("ZA-2024-01360", False),
        ("SEPA-SAMMLER TS20240136-09", False),
    ],
)
def test_names_spelled(text: str, named: bool) -> None:
    spelled = year_in_full("ZA-24-0136")
    assert spelled is not None
    assert names_spelled(text, spelled) is named


@pytest.mark.parametrize(
    ("number", "purpose", "written"),
    [
        ("RE-2024-00062", "Rechnung RE-2024-00026", "RE-2024-00026"),  # swapped
        ("RE-2024-00062", "RE-2024-00068 vielen Dank", "RE-2024-00068"),  # one wrong
        ("RE-2024-00142", "RE 2023 00142", "202300142"),  # the year, written apart
        ("ZA-24-0136", "ZA-24-0163", "ZA-24-0163"),
        ("RE-2024-00062", "Rechnung RE-2024-00062", None),  # the number itself
        ("RE-2024-00062", "RE-2024-00062 und RE-2024-00026", None),
        ("RE-2024-00062", "RE-2024-00620", None),  # two digits wrong
        ("RE-2024-00062", "RE-2024-000621", None),  # a digit more
        ("RE-2024-00062", "Kd-Nr 10062", None),
        ("RE-0042", "RE-0024", None),  # too few digits to tell
        ("Beitragsbescheid 2024", "Beitrag 2025", None),
        ("RE-2024-00062", "", None),
    ],
)
def test_mistyped_number(number: str, purpose: str, written: str | None) -> None:
    assert mistyped_number(number, purpose) == written


@pytest.mark.parametrize(
    "merchant", ["METRO//Freiburg/DE", "METRO//FREIBURG/DE", "METRO // Freiburg/DE"]
)
def test_a_card_payment_names_its_merchant_before_the_place(merchant: str) -> None:
    """Found on the café's statement files (seed 2024: 15 of the 16 vouchers neither
    linked nor offered rightly): a girocard payment at the wholesaler names the
    merchant, two slashes, the city and the country („METRO//Freiburg/DE“), its purpose
    the time of purchase („2024-05-15T11:05 Debitk.7 2027-12“). The name as a whole was
    far from the contact „METRO Deutschland GmbH“, and the line was offered nowhere. The
    merchant is read before the place: the purchase is linked."""
    invoice = payment(
        number="055/08/959952",
        vtype="purchaseinvoice",
        amount=54128,
        name="METRO Deutschland GmbH",
        voucher_date=D0 - timedelta(days=9),
        paid=D0,
    )
    line = txn(
        amount=-54128,
        text="2024-05-15T11:05 Debitk.7 2027-12",
        name=merchant,
        iban="",
        day=D0 - timedelta(days=8),
    )
    assert _auto(match([invoice], [line])) == {"v1#0": "b1"}


@pytest.mark.parametrize(
    "said", ["KARTENZAHLUNG {iso} Debitk.4 VISA Debit", "{iso}T09:54 Debitk.7"]
)
def test_card_payments_of_one_amount_are_told_apart_by_the_day_of_purchase(said: str) -> None:
    """Two train tickets of 500,00 € bought two days apart, each booked two days later,
    from the merchant the client's confirmations taught: both lines lie in both
    receipts' windows, and the pairs scored too close to link — offered, a person
    confirmed each (synthetic card purchases: 77 of 1,651 not linked). A card payment
    names the day of purchase, which is the receipt's date: it counts as a weak
    reference (0.75, ``weak_value``; never identifying alone), and each ticket is
    linked to its own line, by the fast path as by full scoring.

    A date written the German way („GIROCARD 01.03.2024 10:55“) is read too, but it
    also names its month for every voucher of that month (``period``, 0.5): two
    receipts of one amount in one month stay offered then."""
    tickets = [
        payment(
            f"db{k}#0",
            number=f"459987813{k}",
            vtype="purchaseinvoice",
            amount=50000,
            name="Deutsche Bahn",
            contact="db",
            voucher_date=D0 + timedelta(days=2 * k),
            paid=D0 + timedelta(days=2 * k),
        )
        for k in range(2)
    ]
    lines = [
        txn(
            f"card{k}",
            amount=-50000,
            text=said.format(iso=f"{D0 + timedelta(days=2 * k):%Y-%m-%d}"),
            name="DEUTSCHE BAHN//DRESDEN/DE",
            iban="",
            day=D0 + timedelta(days=2 * k + 2),
        )
        for k in range(2)
    ]
    taught = LinkHistory(names={("t1", "db"): {normalise_name("DEUTSCHE BAHN")}})
    for params in (MatchParams(), MatchParams(fast_path=False)):
        result = match(tickets, lines, history=taught, params=params)
        assert _auto(result) == {"db0#0": "card0", "db1#0": "card1"}
        reasons = {d.suggestion.payment_id: d.suggestion.reasons for d in result.auto_links}
        assert f"reference:date {D0:%Y-%m-%d}" in reasons["db0#0"]
    # a purpose naming another day names neither receipt: offered
    other = [replace(line, remittance="KARTENZAHLUNG Debitk.4") for line in lines]
    assert _auto(match(tickets, other, history=taught)) == {}


def test_card_lines_stating_the_receipts_day_are_alike_whichever_was_booked_on_it() -> None:
    """Held-out synthetic seed 3140: a fuel receipt of 150,00 € at Aral, and two card
    payments of 150,00 € at Aral both stating the receipt's day („KARTENZAHLUNG
    2024-10-11“) — one booked that day (another card, another station), the receipt's
    own five days later. The line booked on the day won on the date and was linked,
    wrongly. The money of both moved on the day they state: both read the date from it
    (``FeatureContext._paid_on_the_day_stated``), tie, and are offered."""
    receipt = payment(
        number="R-407810",
        vtype="purchaseinvoice",
        amount=15000,
        name="Aral Station",
        voucher_date=D0,
        paid=D0,
    )
    lines = [
        txn(
            tid,
            amount=-15000,
            text=f"KARTENZAHLUNG {D0:%Y-%m-%d} Debitk.{card} VISA Debit",
            name=f"ARAL STATION SAGT DANKE//{city}/DE",
            iban="",
            day=D0 + timedelta(days=late),
        )
        for tid, card, city, late in (("other", 2, "FRANKFURT", 0), ("own", 8, "KOELN", 5))
    ]
    for params in (MatchParams(), MatchParams(fast_path=False)):
        result = match([receipt], lines, params=params)
        assert _auto(result) == {}
        offered = result.suggestions_by_payment["v1#0"]
        assert {s.txn_id for s in offered} == {"other", "own"}
        assert offered[0].score == offered[1].score
        # alone, the line booked five days later reads the date of the day it states,
        # by the fast path as by full scoring
        alone = match([receipt], lines[1:], params=params)
        (link,) = alone.auto_links
        assert link.suggestion.features.date == 1.0
        assert link.suggestion.features.days_delta == 5  # said as booked


@pytest.mark.parametrize(
    ("holder", "name", "abbreviated"),
    [
        ("LZK BW", "Landeszahnärztekammer Baden-Württemberg", True),
        ("KZV BW", "Kassenzahnärztliche Vereinigung Baden-Württemberg", True),
        ("DRV BUND", "Deutsche Rentenversicherung Bund", True),
        ("HWK KOELN", "Handwerkskammer zu Köln", True),  # „zu“ left out
        ("TK", "Techniker Krankenkasse", True),
        ("LZK", "Landeszahnärztekammer Baden-Württemberg", False),  # a word left out
        ("LZK BW", "Landesbank Baden-Württemberg", False),
        ("MB BAU", "Müller Bau GmbH", False),
        ("NICOLE SOMMER", "Nicole Sommer", False),  # the name as it is: nothing abbreviated
        ("SOMMER NICOLE", "Nicole Sommer", False),
        ("IHK MUENCHEN", "Industrie- und Handelskammer für München und Oberbayern", False),
        ("L2K BW", "Landeszahnärztekammer Baden-Württemberg", False),  # a digit
        ("ABCDEF", "Alpha Beta Gamma Delta Epsilon Foxtrot", False),  # six letters
        ("", "Landeszahnärztekammer", False),
        ("LZK BW", "", False),
        ("A " * 40, "A " * 40 + "B", False),
    ],
)
def test_abbreviates(holder: str, name: str, abbreviated: bool) -> None:
    assert abbreviates(holder, name) is abbreviated


@pytest.mark.parametrize(
    ("holder", "name", "written"),
    [
        ("T. Groß", "Thomas Groß", True),
        ("Groß, T.", "Thomas Groß", True),
        ("GROSS T", "Thomas Groß", True),
        ("T Gross", "Thomas Groß", True),
        ("K.-H. Fischer", "Karl-Heinz Fischer", True),
        ("K. Fischer", "Karl-Heinz Fischer", True),
        ("Koch S.", "Koch, Stefan", True),
        ("H. Fischer", "Karl-Heinz Fischer", False),  # the second given name alone
        ("M. Pfeiffer", "Hans Pfeiffer", False),  # a relative
        ("T. T. Groß", "Thomas Groß", False),  # more initials than given names
        ("T. Groß GmbH", "Thomas Groß", False),  # a firm
        ("T. Groß", "Groß GmbH", False),
        ("Thomas Groß", "Thomas Groß", False),  # written in full: no initials
        ("T. Krause", "Thomas Groß", False),
        ("T.", "Thomas Groß", False),
    ],
)
def test_initialled(holder: str, name: str, written: bool) -> None:
    assert initialled(holder, name) is written


@pytest.mark.parametrize(
    ("number", "tail"),
    [
        ("7-G-33056", "33056"),
        ("7G33056", "33056"),
        ("2024/GS/48810", "48810"),
        ("2024-R-0012", None),  # too few digits after the letters to tell
        ("RE-2024-0042", None),  # letters only before the digits: scanned as it is
        ("4711", None),
        ("", None),
    ],
)
def test_number_after_letters(number: str, tail: str | None) -> None:
    assert number_after_letters(number) == tail
    assert tail is None or with_letters_inside([number]) == [0]


@pytest.mark.parametrize(
    ("purpose", "linked"),
    [
        ("ZA-24-74", True),
        ("Rechnung ZA 24/74 Pohl", True),
        ("ZA24-74", True),
        ("24-74", False),  # the digits alone: no spelling of the number
        ("Termin 24.7.24", False),
        ("ZA-24-740", False),
    ],
)
def test_a_voucher_number_written_without_its_leading_zeros_names_it(
    purpose: str, linked: bool
) -> None:
    """Found by the dental practice's replay (seed 11, not tuned on): a relative paid
    „ZA-24-0074“ writing „ZA-24-74“; the number's digits (240074) were on no line, the
    payer's name is another, and the person linked it by hand. The groups without
    their leading zeros count where the line spells them with the number's letters."""
    invoice = payment(number="ZA-24-0074", amount=11500, name="Sven Pohl")
    other = payment("v2#0", number="ZA-24-0200", amount=11500, name="Erika Berger", contact="c2")
    line = txn(amount=11500, text=purpose, name="Anne-Kathrin Wagner", day=D0 + timedelta(days=4))
    result = match([invoice, other], [line])
    assert _auto(result) == ({"v1#0": "b1"} if linked else {})


@pytest.mark.parametrize(
    ("number", "spelled"),
    [
        ("ZA-24-0074", ("ZA", "24|74")),
        ("RE-2024-0042", ("RE", "2024|42")),
        ("RE 2024 0042", ("RE", "2024|42")),
        ("ZA-24-0074-01", ("ZA", "24|74|1")),
        ("RE-2024-42", None),  # no zeros to drop
        ("GS-0001", None),  # a single group: too little to tell
        ("2024-0042", None),  # no letters
        ("7-G-33056", None),
        ("RE-2024-0042a", None),
    ],
)
def test_zeros_dropped(number: str, spelled: tuple[str, str] | None) -> None:
    assert zeros_dropped(number) == spelled
    assert (spelled is None) or with_zeros([number]) == [0]


def _rents(paid: list[date], lag: int = 0) -> tuple[list[ExpectedPayment], list[BankTxn]]:
    """The practice's rent: a voucher dated the first of each month from January 2024
    (Lexware's paid dates ``paid``), and the standing order's line ``lag`` days after
    each voucher's date (its first working day), one month more than vouchers."""
    vouchers = [
        payment(
            f"miete{month:02d}#0",
            number=f"Miete {month:02d}/2024",
            amount=245000,
            vtype="purchaseinvoice",
            voucher_date=date(2024, month, 1),
            paid=day,
            name="Hausverwaltung Kaiser & Söhne GmbH",
            contact="kaiser",
        )
        for month, day in enumerate(paid, start=1)
    ]
    lines = []
    for month in range(1, len(paid) + 2):
        day = date(2024, month, 1) + timedelta(days=lag)
        day += timedelta(days=max(0, 7 - day.isoweekday() + 1) if day.isoweekday() > 5 else 0)
        lines.append(
            txn(
                f"so{month:02d}",
                amount=-245000,
                text="Miete Praxis Kaiserstr. 12 inkl. NK",
                name="Kaiser und Soehne Hausverwaltung GmbH",
                day=day,
            )
        )
    return vouchers, lines


def _first_offers(result: MatchResult) -> dict[str, str]:
    """Per payment its link, else its first suggestion."""
    offered = {pid: s[0].txn_id for pid, s in result.suggestions_by_payment.items() if s}
    return {**offered, **_auto(result)}


def test_a_rent_marked_paid_at_the_months_end_takes_its_own_months_standing_order() -> None:
    # each month's rent voucher dated the first, the standing order on the first
    # working day; the bookkeeper marked most paid at the month's end, nearer the next
    # month's order. The best pairs first gave February's voucher March's order,
    # March's April's, May's June's, and the orders of February, March and May were
    # left (the dental practice of held-out seed 1177; 1161 and 1184 alike)
    paid = [date(2024, 1, 2), date(2024, 2, 29), date(2024, 3, 31), date(2024, 4, 15)]
    paid += [date(2024, 5, 29), date(2024, 6, 23), date(2024, 7, 3), date(2024, 8, 29)]
    paid += [date(2024, 9, 2)]
    vouchers, lines = _rents(paid)
    own = {f"miete{m:02d}#0": f"so{m:02d}" for m in range(1, 10)}
    for payments, ordered in ((vouchers, lines), (vouchers[::-1], lines[::-1])):
        assert _first_offers(match(payments, ordered)) == own
    # paid a month late, each line 30 days after its voucher's date: the lines keep one
    # step already, and stay
    later = [date(2024, m, 1) + timedelta(days=31) for m in range(1, 10)]
    vouchers, lines = _rents(later, lag=30)
    found = _first_offers(match(vouchers, lines))
    assert found == {f"miete{m:02d}#0": f"so{m:02d}" for m in range(1, 10)}


def _business_day(day: date) -> date:
    """The day, or the Monday after where it is a Saturday or Sunday."""
    return day + timedelta(days=7 - day.weekday()) if day.weekday() >= 5 else day


def _energy_plan(year: int, paid: list[date]) -> tuple[list[ExpectedPayment], list[BankTxn]]:
    """The café's energy plan of ``year``: one voucher dated 4 January, an item of
    385,00 € per month entered as paid on ``paid`` (January's first), and the supplier's
    direct debit on each month's 15th naming its month (booked on the Monday after where
    the 15th is a Saturday or Sunday), one month more than items."""
    items = [
        payment(
            f"plan{year}#{k}",
            number=f"Abschlagsplan {year} VK 2100456789",
            amount=38500,
            gross=38500 * 12,
            vtype="purchaseinvoice",
            voucher_date=date(year, 1, 4),
            paid=day,
            name="Stadtwerke Breisgau GmbH",
            contact="stadtwerke",
        )
        for k, day in enumerate(paid)
    ]
    lines = [
        txn(
            f"abschlag{month:02d}",
            amount=-38500,
            text=f"Abschlag {month:02d}/{year} VK 2100456789",
            name="Stadtwerke Breisgau",
            day=_business_day(date(year, month, 15)),
            creditor_id="DE98ZZZ09999999999",
        )
        for month in range(1, min(len(paid) + 2, 13))
    ]
    return items, lines


@pytest.mark.parametrize(
    ("year", "paid", "wrong_before"),
    [
        # May's rate marked paid on 8 June, nearer June's line than its own (the café
        # of seeds 31, 1122, 1130, 1144 and 1171: the first suggestion was June's)
        (2025, ["01-24", "02-25", "03-26", "04-22", "06-08"], "June's line first"),
        # October's and November's rates marked paid in November and December, each
        # nearer the next month's line: November's was linked to December's line
        # (held-out seed 1156)
        (
            2024,
            [
                *("01-23", "02-20", "03-24", "04-27", "06-02", "06-22"),
                *("07-13", "08-15", "09-20", "11-11", "12-06", "12-20"),
            ],
            "November's rate linked to December's line",
        ),
        # February's and March's rates marked paid in mid-March and mid-April, each on
        # the next month's line's day, April's ten days after its own: two items held
        # the next month's line and two their own, and March's rate was linked to
        # April's line (held-out seed 2141, the café's one wrong link)
        (2025, ["01-29", "03-17", "04-16", "04-26", "05-25"], "March's rate on April's line"),
    ],
)
def test_a_plans_rate_marked_paid_late_takes_the_line_naming_its_month_by_its_place(
    year: int, paid: list[str], wrong_before: str
) -> None:
    days = [date.fromisoformat(f"{year}-{day}") for day in paid]
    items, lines = _energy_plan(year, days)
    own = {f"plan{year}#{k}": f"abschlag{k + 1:02d}" for k in range(len(days))}
    for payments, ordered in ((items, lines), (items[::-1], lines[::-1])):
        result = match(payments, ordered)
        assert _first_offers(result) == own, wrong_before
        assert set(_auto(result).items()) <= set(own.items())


def test_the_first_rates_line_naming_the_patient_comes_before_a_later_rates() -> None:
    # an invoice paid in instalments, Lexware holding the first rate only; a relative
    # paid „Rate 1 Rechnung Köhler“ (no number, another name: below the threshold),
    # and a month later „2. Rate ZA-25-0144“ from the same account. Only the second
    # rate's line was offered (never linked), the first's nowhere (the dental practice
    # of held-out seeds 1130 and 1157)
    first = payment(
        "za250144#0",
        number="ZA-25-0144",
        amount=159800,
        gross=479400,
        voucher_date=date(2025, 5, 9),
        paid=date(2025, 6, 8),
        name="Claudia Köhler",
        contact="koehler",
    )
    lines = [
        txn(tid, amount=159800, text=text, name="Mehmet Brandt", iban=IBAN_B, day=day)
        for tid, text, day in (
            ("rate1", "Rate 1 Rechnung Köhler", date(2025, 5, 30)),
            ("rate2", "2. Rate ZA-25-0144", date(2025, 6, 30)),
        )
    ]
    for ordered in (lines, lines[::-1]):
        result = match([first], ordered)
        assert not result.auto_links
        offered = [s.txn_id for s in result.suggestions_by_payment["za250144#0"]]
        assert offered == ["rate1", "rate2"]


def test_a_payers_collective_leaving_out_a_voucher_the_line_names_is_not_linked() -> None:
    # a family's account pays „Rechnungen ZA-24-0326, ZA-24-0327“, 1.321,96 €: one
    # patient's invoice and a relative's of 98,00 €. The named pair spans two contacts
    # and was offered only; the run had linked the account to the patient, and the
    # payer's collective of his ZA-24-0326 and his other open invoice of 98,00 € met
    # the sum as well and was linked (the dental practice of held-out seed 1297, its
    # one wrong link)
    data = statement_files.generate(1297).only("zahnarzt")
    # as run_matching hands them over: no account of a contact (Lexware holds none)
    expected = [replace(p, known_identifiers=frozenset()) for p in data.expected]
    result = match(expected, data.txns)
    wrong = [
        d.suggestion
        for d in result.auto_links
        if d.suggestion.txn_id not in data.truth.get(d.suggestion.payment_id, frozenset())
    ]
    assert wrong == []
    line = next(t.id for t in data.txns if t.remittance == "Rechnungen ZA-24-0326, ZA-24-0327")
    number = {p.id: p.voucher_number for p in expected}
    offered = {
        number[pid]
        for pid, options in result.suggestions_by_payment.items()
        if any(o.txn_id == line for o in options)
    }
    assert offered >= {"ZA-24-0326", "ZA-24-0327"}


@pytest.mark.parametrize(
    ("text", "second"),
    [
        ("Ratenzahlung ZA-24-0260 {k}/3", None),
        ("{k}. Rate ZA-24-0260", None),
        ("Ratenzahlung ZA-24-0260 {k}/3", "Rate 2 Rechnung Demir"),
    ],
)
def test_rates_stating_their_places_keep_them_unless_the_paid_dates_say_clearly(
    text: str, second: str | None
) -> None:
    # „Ratenzahlung ZA-24-0260 1/3“ on 28 October and „Rate 2“ on 27 November; the
    # first rate marked paid on 27 November, a month after its line, the second on 23
    # November. The paid dates' order put the items 8 days nearer their lines in all,
    # more than the 7 days Lexware's order gives way to, and each item was linked to
    # the other's line (held-out seed 1347, its two wrong links). Lines stating the
    # rates of the items' places keep them unless the paid dates are three weeks nearer.
    rates, lines = _two_rates(
        "ZA-24-0260",
        102100,
        (D0 + timedelta(days=30), D0 + timedelta(days=26)),
        ("Björn Demir", (D0, D0 + timedelta(days=30))),
        name="Ursula Demir",
        text=text,
    )
    if second is not None:  # the second line names the patient, not the invoice
        lines[1] = replace(lines[1], remittance=second)
    for payments, ordered in ((rates, lines), (rates[::-1], lines[::-1])):
        assert _first_offers(match(payments, ordered)) == {"za240260#0": "r0", "za240260#1": "r1"}


def test_a_payout_stating_a_fee_is_read_from_the_sales_of_the_days_it_states() -> None:
    # the café's card sales of 24 April, 419,95 €; the terminal's payout of 25 April
    # pays 23 April's sales (not in Lexware) less 5,37 €: 414,58 €, which with the stated
    # fee makes 24 April's sales to the cent. It was linked to them; their own payout,
    # less 4,32 €, came the day after (held-out seed 1541, its one wrong link)
    sale = replace(_sales([41995], known=True)[0], voucher_date=D0, paid_date=D0)
    before = f"{D0 - timedelta(days=1):%d.%m.%Y}"
    other_days = _days_payout(41995 - 537, 537, before, booked=1)
    own = _days_payout(41995 - 432, 432, f"{D0:%d.%m.%Y}", tid="p2", booked=2)
    for lines in ([other_days, own], [own, other_days]):
        assert _auto(match([sale], lines)) == {sale.id: "p2"}
    # alone, the other days' payout pays none of the sales
    assert _auto(match([sale], [other_days])) == {}


def test_rates_stating_their_places_are_not_swapped_by_the_days() -> None:
    # two rates of 930,00 € of one invoice in Lexware, marked paid on 9 and 16 May; the
    # relative's „Rate 1 Rechnung Köhler“ of 16 April names no number and lies outside
    # the first rate's window for an unknown payer, „Ratenzahlung ZA-25-0100 2/3“ came
    # on 16 May and „3/3“ (not in Lexware yet, 2,11 € more) on 16 June. The greedy pairs
    # gave the second rate „2/3“ and the first „3/3“; the order of the days swapped
    # them and the first rate was linked to „2/3“ (held-out seed 1430)
    start = date(2025, 4, 2)
    rates = _rates("ZA-25-0100", 93000, start, _days_after(start, 37, 44), "Renate Köhler", of=3)
    lines = [
        txn(
            f"r{k}",
            amount=amount,
            text=text,
            name="Natalia Köhler",
            iban=IBAN_B,
            day=start + timedelta(days=days),
        )
        for k, (amount, text, days) in enumerate(
            (
                (93000, "Rate 1 Rechnung Köhler", 14),
                (93000, "Ratenzahlung ZA-25-0100 2/3", 44),
                (93211, "Ratenzahlung ZA-25-0100 3/3", 75),
            )
        )
    ]
    for payments, ordered in ((rates, lines), (rates[::-1], lines[::-1])):
        result = match(payments, ordered)
        assert _auto(result) == {"za250100#1": "r1"}
        assert _first_offers(result).get("za250100#0") != "r1"


def test_a_payers_collective_leaving_out_a_person_the_line_names_is_not_linked() -> None:
    # a father's account, known from his transfer for his daughter's earlier invoice,
    # pays „Rechnungen Gabriele und Günter Bergmann“, 562,95 €: Gabriele's new invoice
    # and Günter's of 115,00 €. Gabriele's older invoice of 115,00 € was open too, and
    # the payer's collective of her two invoices was linked; Günter's was left (held-out
    # seeds 1504 and 1543, one wrong link each)
    def invoice(number: str, amount: int, name: str, day: int) -> ExpectedPayment:
        vid = number.lower().replace("-", "")
        return payment(
            f"{vid}#0",
            number=number,
            amount=amount,
            voucher_date=D0 + timedelta(days=day),
            paid=D0 + timedelta(days=day + 14),
            name=name,
            contact=name.split()[0].lower(),
        )

    invoices = [
        invoice("ZA-25-0050", 18925, "Gabriele Bergmann", 0),
        invoice("ZA-25-0084", 11500, "Gabriele Bergmann", 20),
        invoice("ZA-25-0140", 44795, "Gabriele Bergmann", 80),
        invoice("ZA-25-0141", 11500, "Günter Bergmann", 80),
    ]
    father = {"name": "Klaus Bergmann", "iban": IBAN_B}
    lines = [
        txn("b1", amount=18925, text="ZA-25-0050", day=D0 + timedelta(days=10), **father),
        txn(
            "b2",
            amount=44795 + 11500,
            text="Rechnungen Gabriele und Günter Bergmann",
            day=D0 + timedelta(days=95),
            **father,
        ),
    ]
    result = match(invoices, lines)
    assert _auto(result) == {"za250050#0": "b1"}
    offered = {
        pid: [s.txn_id for s in options] for pid, options in result.suggestions_by_payment.items()
    }
    assert "b2" in offered["za250140#0"]
    assert "b2" in offered["za250141#0"]


def test_a_deposit_marked_paid_before_its_invoice_is_not_linked_to_a_line_weeks_later() -> None:
    # a caterer's invoice of 4.246,00 €: the customer's deposit of half, 2.123,00 €, came
    # on 28 April and was marked paid on 9 May, before the invoice was written on 19
    # May; the rest, 2.123,00 € „RE-2025-0016 Catering“, came on 13 June and is not in
    # Lexware yet. The deposit item was linked to the rest's line, 35 days after its
    # paid date (the café of held-out seed 1430)
    written = date(2025, 5, 19)
    deposit = payment(
        "re20250016#0",
        number="RE-2025-0016",
        amount=212300,
        gross=424600,
        voucher_date=written,
        paid=written - timedelta(days=10),
        name="Weingut Schäfer GbR",
        vtype="invoice",
    )
    customer = {"name": "Weingut Schäfer GbR", "iban": IBAN_B}
    lines = [
        txn(
            "b1",
            amount=212300,
            text="Anzahlung Weingut Schäfer GbR",
            day=written - timedelta(days=21),
            **customer,
        ),
        txn(
            "b2",
            amount=212300,
            text="RE-2025-0016 Catering",
            day=written + timedelta(days=25),
            **customer,
        ),
    ]
    for ordered in (lines, lines[::-1]):
        result = match([deposit], ordered)
        assert _auto(result) == {}
        offered = [s.txn_id for s in result.suggestions_by_payment[deposit.id]]
        assert set(offered) == {"b1", "b2"}
    # a line inside the paid date's window citing the invoice is its link
    inside = replace(lines[1], booking_date=written - timedelta(days=8))
    assert _auto(match([deposit], [inside])) == {deposit.id: "b2"}
    # an invoice marked paid a day before its date is no deposit: its line two weeks
    # after the paid date is its link (the synthetic bench's lag)
    dated = replace(deposit, paid_date=written - timedelta(days=1))
    late = replace(lines[1], booking_date=written + timedelta(days=14))
    assert _auto(match([dated], [late])) == {deposit.id: "b2"}


def test_a_return_undoes_the_debit_whose_end_to_end_id_its_purpose_states() -> None:
    # two direct debits of one supplier, mandate and amount on one day, the end-to-end
    # ids in the purposes as the bank sent them (no column holds them); the return
    # states the second's. It undid the first, and the first's invoice was offered the
    # returned debit and the collection made again (the joinery of held-out seed 1452)
    def invoice(number: str, paid: int) -> ExpectedPayment:
        return payment(
            f"{number.lower()}#0",
            number=number,
            amount=154700,
            vtype="purchaseinvoice",
            voucher_date=D0,
            paid=D0 + timedelta(days=paid),
            name="Würth GmbH & Co. KG",
            contact="wuerth",
        )

    def debit(tid: str, amount: int, text: str, day: int) -> BankTxn:
        return txn(
            tid,
            amount=amount,
            text=text,
            day=D0 + timedelta(days=day),
            name="ADOLF WUERTH GMBH + CO KG",
            iban=IBAN_B,
            creditor_id="DE91ZZZ70656064223",
            mandate_ref="MD5500101",
        )

    sepa = "MREF+MD5500101 CRED+DE91ZZZ70656064223 SVWZ+RG {} KD 55001"
    invoices = [invoice("R-2025-91838", 23), invoice("R-2025-53244", 14)]
    lines = [
        debit("b1", -154700, "EREF+855813366085 " + sepa.format("R-2025-91838"), 14),
        debit("b2", -154700, "EREF+504094891674 " + sepa.format("R-2025-53244"), 14),
        debit(
            "b3",
            154700,
            "RUECKLASTSCHRIFT EREF+504094891674 "
            + sepa.format("R-2025-53244")
            + " MANGELNDE DECKUNG",
            16,
        ),
        debit("b4", -154700, "Zahlung nach Ruecklastschrift RG R-2025-53244", 24),
    ]
    for ordered in (lines, lines[::-1]):
        offers = _first_offers(match(invoices, ordered))
        assert offers == {"r-2025-91838#0": "b1", "r-2025-53244#0": "b4"}


def test_a_line_writing_another_number_of_the_series_is_not_offered() -> None:
    # a patient's invoice ZA-24-0031 of 115,00 €; a stranger's line of that amount
    # citing ZA-24-0024 in full (that invoice paid twice) nine days before the paid
    # date was offered first, the relative's „Rechnung Böhm“ four weeks before nowhere
    # (seed 1101; „ZA-23-1074“, „Re-Nr: ZA240228“, „Rechnung ZA-25-0113“ on 1380–1579)
    paid = D0 + timedelta(days=35)
    invoice = payment(
        "za240031#0",
        number="ZA-24-0031",
        amount=11500,
        voucher_date=D0,
        paid=paid,
        name="Dr. Mehmet Böhm",
        contact="boehm",
    )
    other = txn(
        "o1",
        amount=11500,
        text="Rg. ZA-24-0024 vom 23.01.2024",
        name="EMMA SEIDEL",
        iban="DE76641500203022523140",
        day=paid - timedelta(days=9),
    )
    relative = txn(
        "r1",
        amount=11500,
        text="Rechnung Böhm",
        name="Giuseppe Böhm",
        iban=IBAN_B,
        day=paid - timedelta(days=28),
    )
    for lines in ([other, relative], [relative, other]):
        result = match([invoice], lines)
        assert _auto(result) == {}
        assert [s.txn_id for s in result.suggestions_by_payment[invoice.id]] == ["r1"]
    # alone, it leaves the invoice for a person to search, not for an external one
    alone = match([invoice], [other])
    assert invoice.id not in alone.suggestions_by_payment
    assert _reasons(alone)[invoice.id] is UnmatchedReason.BELOW_THRESHOLD
    # the number written as the invoice's own is its link
    own = replace(other, remittance="Rg. ZA-24-0031 vom 31.01.2024")
    assert _first_offers(match([invoice], [own])) == {invoice.id: "o1"}


@pytest.mark.parametrize(
    ("number", "purpose", "another"),
    [
        ("ZA-24-0033", "ZA-23-1074", True),
        ("ZA-24-0147", "Re-Nr: ZA240228", True),
        ("ZA-24-0148", "Rg. ZA-24-0141 vom 28.05.2024", True),  # the neighbour's
        ("ZA-24-0148", "Rg. ZA-24-0147 vom 28.05.2024", False),  # a typo: no such voucher
        ("ZA-24-0148", "RE ZA-24-01\n41", True),  # wrapped by the bank
        ("R-2025-91838", "Zahlung nach Ruecklastschrift RG R-2025-53244", True),
        ("ZA-24-0033", "Rechnung ZA-24-0033", False),
        ("PR-24-0265", "PR 24 0265", False),  # its own, written apart
        ("ZA-24-0033", "Rechnungen ZA-24-0030, ZA-24-0031", False),  # a list
        ("Z-00095", "Auszahlung 104455 vom 25.04.2024", False),
        ("2024/0181", "2024/0182", False),  # digits alone
        ("RE-042", "RE-043", False),  # too few digits to tell
    ],
)
def test_another_number(number: str, purpose: str, another: bool) -> None:
    series = {"ZA 240141", "ZA 240148", "ZA 240033", "ZA 231074"}
    assert another_number(number, purpose, series.__contains__) is another


def test_the_second_rate_offered_only_the_first_rates_line_is_offered_its_own_first() -> None:
    # two rates of 1.105,00 € of one invoice; a relative paid „1. Rate ZA-25-0103“ on
    # the first paid date and „Rate 2 Rechnung Fischer“ (the patient's family name only,
    # his given name „Karl-Heinz“) six days before the second. The second rate was
    # offered only „1. Rate“ (held-out seeds 1334, 1348, 1450, 1473). Here the first
    # line is still pending (nothing is linked, as there: the relative's account paid
    # for others too)
    start = date(2025, 4, 11)
    rates = _rates(
        "ZA-25-0103", 110500, start, _days_after(start, 19, 53), "Karl-Heinz Fischer", of=3
    )
    relative = {"name": "Frank Sommer", "iban": IBAN_B}
    lines = [
        txn(
            "r1",
            amount=110500,
            text="1. Rate ZA-25-0103",
            day=start + timedelta(days=19),
            status=TxnStatus.PENDING,
            **relative,
        ),
        txn(
            "r2",
            amount=110500,
            text="Rate 2 Rechnung Fischer",
            day=start + timedelta(days=47),
            **relative,
        ),
    ]
    for payments, ordered in ((rates, lines), (rates[::-1], lines[::-1])):
        result = match(payments, ordered)
        assert _auto(result) == {}
        assert _first_offers(result) == {"za250103#0": "r1", "za250103#1": "r2"}


def test_a_payers_collective_found_again_twice_is_linked() -> None:
    """The wholesaler's customer Stahlbau Müller-Lüdenscheidt pays two invoices at a
    time („SVWZ+RE RE-2025-00126, 0013 7“, the line wrapped): four such lines, the
    account learned by the run. After the lesson round its collectives were looked for
    again both as a payer's whose payment the round linked and as a payer named like
    the contact; found twice, each group claimed its members twice, and the eight
    invoices linked before were only offered (held-out seed 2795, found by the sweep of
    the forty-seventh round)."""
    data = statement_files.generate(2795).only("grosshandel")
    expected = [replace(p, known_identifiers=frozenset()) for p in data.expected]
    result = match(expected, data.txns)
    linked = {d.suggestion.payment_id: d.suggestion.txn_id for d in result.auto_links}
    stahlbau = [p for p in expected if p.contact_name.startswith("Stahlbau Müller-Lüdenscheidt")]
    pairs = [p for p in stahlbau if p.voucher_number in _STAHLBAU_PAIRS]
    assert len(pairs) == len(_STAHLBAU_PAIRS)
    assert all(linked.get(p.id) in data.truth[p.id] for p in pairs)


_STAHLBAU_PAIRS = frozenset(
    {
        "RE-2025-00137",
        "RE-2025-00093",
        "RE-2025-00126",
        "RE-2025-00107",
        "RE-2024-00104",
        "RE-2025-00014",
        "RE-2024-00084",
        "RE-2025-00038",
    }
)
