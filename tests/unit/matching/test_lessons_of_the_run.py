"""What a run's automatic links teach is used in the same run.

An account that paid one voucher of a contact (linked by its number) is the contact's
known account for the contact's other open vouchers, and its holder's name a known payer,
as the next run would learn them from the stored links; a line from that account reads as
from someone else for every other voucher. Without using them at once, a second run with
no new data linked what the first had only suggested: "Abgleich starten" twice gave two
different answers.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import date, timedelta
from functools import partial

import pytest

from belegsync.domain.matching import BankTxn, ExpectedPayment, Suggestion
from belegsync.matching import MatchResult, match
from belegsync.matching.memory import IbanContactMemory
from belegsync.matching.params import MatchParams
from matching_data import scenarios_de, statement_files
from matching_data.advices import attach_advices
from matching_data.metrics import stored_links
from matching_data.synthetic import generate
from unit.matching.factories import D0, IBAN_B, payment, txn

GBR_IBAN = "DE44500105175407324931"
LINDENHOF = "Lindenhof Grundstücks GbR"
HOLDER = "GbR Lindenhof, H. Albrecht"  # the account holder, not the contact's name
PAYPAL_IBAN = "LU89751000135104200E"
PAYPAL = "PayPal Europe S.a.r.l. et Cie S.C.A"

JANUARY = payment("jan#0", number="RE-2024-0101", amount=125000, name=LINDENHOF, contact="c-l")
FEBRUARY = payment(
    "feb#0",
    number="RE-2024-0102",
    amount=125000,
    name=LINDENHOF,
    contact="c-l",
    paid=D0 + timedelta(days=29),
)


def _lines(name: str = HOLDER, iban: str = GBR_IBAN) -> list[BankTxn]:
    """January's transfer names its invoice; February's says only "Miete", and a
    stranger's transfer of the same amount is booked two days before it."""
    return [
        txn("b-jan", amount=125000, text="RE-2024-0101", name=name, iban=iban),
        txn("b-feb", amount=125000, text="Miete", name=name, iban=iban, day=D0 + timedelta(29)),
        txn(
            "b-x",
            amount=125000,
            text="Zahlung",
            name="Kurt Weber",
            iban=IBAN_B,
            day=D0 + timedelta(27),
        ),
    ]


def _auto(result: MatchResult) -> dict[str, str]:
    return {d.suggestion.payment_id: d.suggestion.txn_id for d in result.auto_links}


def _again(
    payments: Sequence[ExpectedPayment], lines: Sequence[BankTxn], first: MatchResult
) -> MatchResult:
    """A second run on the same data, the first run's links stored."""
    return match(payments, lines, existing_links=stored_links(first))


def test_the_account_that_paid_january_pays_february_in_the_same_run() -> None:
    result = match([JANUARY, FEBRUARY], _lines())
    assert _auto(result) == {"jan#0": "b-jan", "feb#0": "b-feb"}
    (february,) = [d for d in result.auto_links if d.suggestion.payment_id == "feb#0"]
    assert february.suggestion.features.counterparty_evidence == "identifier_known"
    assert result.suggestions_by_payment == {}
    # a second run without new data changes nothing
    assert _auto(_again([JANUARY, FEBRUARY], _lines(), result)) == {}


def test_the_payer_who_paid_january_pays_february_in_the_same_run() -> None:
    # no account on the lines (a card terminal's or an old bank's export): the holder's
    # name, which resembles the contact's too little to count, is a known payer once
    # January's line linked (before, February stayed a suggestion the next run linked)
    lines = _lines(iban="")
    result = match([JANUARY, FEBRUARY], lines)
    assert _auto(result) == {"jan#0": "b-jan", "feb#0": "b-feb"}
    (february,) = [d for d in result.auto_links if d.suggestion.payment_id == "feb#0"]
    assert february.suggestion.features.counterparty_evidence == "payer_known"
    assert _auto(_again([JANUARY, FEBRUARY], lines, result)) == {}


def test_a_payment_providers_name_teaches_no_payer_in_the_run() -> None:
    result = match([JANUARY, FEBRUARY], _lines(PAYPAL, ""))
    assert _auto(result) == {"jan#0": "b-jan"}
    assert result.suggestions_by_payment["feb#0"][0].txn_id == "b-feb"


def test_a_rejected_pair_is_not_linked_by_the_lesson() -> None:
    result = match([JANUARY, FEBRUARY], _lines(), rejected={("feb#0", "b-feb")})
    assert _auto(result) == {"jan#0": "b-jan"}
    assert "b-feb" not in {s.txn_id for s in result.suggestions_by_payment.get("feb#0", ())}


def test_a_payment_providers_account_teaches_nothing_in_the_run() -> None:
    # PayPal paid January out (the purpose names the invoice): its account is PayPal's,
    # not the contact's; February's payout of the same amount stays a suggestion
    result = match([JANUARY, FEBRUARY], _lines(PAYPAL, PAYPAL_IBAN))
    assert _auto(result) == {"jan#0": "b-jan"}
    assert result.suggestions_by_payment["feb#0"][0].txn_id == "b-feb"


def test_another_contacts_voucher_learns_nothing_from_the_account() -> None:
    # the stranger's invoice of the same amount is not paid "from a known account"
    stranger = payment(
        "weber#0",
        number="RE-2024-0200",
        amount=125000,
        name="Weber Kurt",
        contact="c-w",
        paid=D0 + timedelta(days=29),
    )
    result = match([JANUARY, stranger], _lines())
    assert _auto(result).get("weber#0") != "b-feb"
    for suggestion in result.suggestions_by_payment.get("weber#0", ()):
        assert suggestion.features.counterparty_evidence != "identifier_known"


def test_a_pair_whose_competitor_was_used_up_is_linked_in_the_same_run() -> None:
    # two invoices of 500 € of one contact; the first line names the second invoice,
    # the other line names none: once that line went to the second invoice, the other
    # is the first invoice's alone (before, only a second run linked it)
    first = payment("p#0", number="RE-2024-0001", amount=50000, contact="c-m")
    second = payment("q#0", number="RE-2024-0002", amount=50000, contact="c-m")
    lines = [
        txn("l1", amount=50000, text="RE-2024-0002", iban=""),
        txn("l2", amount=50000, text="Zahlung", iban="", day=D0 + timedelta(2)),
    ]
    result = match([first, second], lines)
    assert _auto(result) == {"p#0": "l2", "q#0": "l1"}
    assert _auto(_again([first, second], lines, result)) == {}


def test_a_line_from_another_contacts_account_reads_as_theirs_in_the_same_run() -> None:
    # Anna's first invoice has no line of its own but one from Bernd's account, which
    # this run linked to Bernd's invoice: the next run reads that line as from someone
    # else, and so does this run now (before, it offered the line, the next run not)
    bernd = payment("b#0", number="RE-2024-0009", amount=50000, name="Bernd Bauer", contact="c-b")
    anna = payment("a#0", number="RE-2024-0001", amount=50000, name="Anna Schulz", contact="c-a")
    anna_2 = payment("a2#0", number="RE-2024-0002", amount=50000, name="Anna Schulz", contact="c-a")
    lines = [
        txn("l1", amount=50000, text="RE-2024-0009", name="Bernd Bauer", iban=IBAN_B),
        txn("l2", amount=50000, text="RE-2024-0002", name="Anna Schulz", iban=""),
        txn(
            "l3",
            amount=50000,
            text="Zahlung",
            name="Anna Schulz",
            iban=IBAN_B,
            day=D0 + timedelta(2),
        ),
    ]
    result = match([bernd, anna, anna_2], lines)
    assert _auto(result) == {"b#0": "l1", "a2#0": "l2"}
    again = _again([bernd, anna, anna_2], lines, result)
    assert _auto(again) == {}
    assert "a#0" not in result.suggestions_by_payment
    assert "a#0" not in again.suggestions_by_payment


def test_a_voucher_named_on_another_contacts_line_is_linked_in_the_same_run() -> None:
    # a voucher without a contact ("Sammelkunde") whose number is on a line from Bernd's
    # account: Bernd's own invoice competed for the line until its own line linked it.
    # The account is Bernd's for the rest of the run, as for the next run, which links
    # the voucher by its number all the same (before, only the next run linked it)
    bernd = payment("b#0", number="RE-2024-0009", amount=50000, name="Bernd Bauer", contact="c-b")
    walk_in = payment("s#0", number="RE-2024-0003", amount=50000, name="Sammelkunde", contact=None)
    lines = [
        txn("l1", amount=50000, text="RE-2024-0009", name="Bernd Bauer", iban=IBAN_B),
        txn(
            "l3",
            amount=50000,
            text="Rg.-Nr. RE-2024-0003",
            name="Bernd Bauer",
            iban=IBAN_B,
            day=D0 + timedelta(1),
        ),
    ]
    result = match([bernd, walk_in], lines)
    assert _auto(result) == {"b#0": "l1", "s#0": "l3"}
    (linked,) = [d for d in result.auto_links if d.suggestion.payment_id == "s#0"]
    assert linked.suggestion.features.counterparty_evidence == "identifier_of_other_contact"
    assert _auto(_again([bernd, walk_in], lines, result)) == {}


@pytest.mark.parametrize("seed", [32, 33, 34])
def test_a_second_run_on_the_generators_data_links_nothing(seed: int) -> None:
    """Four clients of the benchmark's generator, 4,000 vouchers: a second run on the
    first run's links links nothing. Before the lessons, a second run linked about one
    voucher in a hundred; with accounts and raw payer names alone, a few (the
    benchmark's held-out seeds: 12 and 4 of 18,900)."""
    data = generate(4000, 40_000, seed=seed, tenants=4)
    first = match(data.expected, data.txns)
    again = _again(data.expected, data.txns, first)
    assert again.auto_links == ()


@pytest.mark.parametrize("seed", [32, 33, 34])
def test_the_fast_path_links_what_full_scoring_links(seed: int) -> None:
    """The clear pairs decided on arrays are the pairs full scoring links: a rival
    met by a known account alone, a name rapidfuzz's defaults rate a point higher, a
    late rival naming the voucher's month — each made the fast path link in a first
    run what full scoring only offered, and the next run (where full scoring found the
    rival gone or taught) differed."""
    data = generate(4000, 40_000, seed=seed, tenants=4)
    fast = match(data.expected, data.txns)
    full = match(data.expected, data.txns, params=MatchParams(fast_path=False))
    assert {(d.suggestion.payment_id, d.suggestion.txn_id) for d in fast.auto_links} == {
        (d.suggestion.payment_id, d.suggestion.txn_id) for d in full.auto_links
    }
    # and they read as full scoring reads them: the score, the weak references (a
    # customer number in the purpose) and the names as full scoring compares them
    assert {_as_read(d.suggestion) for d in fast.auto_links} == {
        _as_read(d.suggestion) for d in full.auto_links
    }


def _as_read(s: Suggestion) -> tuple[object, ...]:
    f = s.features
    weak = f.reference_hit if f.reference < 1.0 else None
    return (s.payment_id, s.txn_id, s.score, f.reference, weak, f.counterparty_evidence)


def test_a_collective_whose_other_voucher_was_paid_alone_is_linked_in_the_same_run() -> None:
    """A transfer names three invoices but pays two of them: the third was paid by a
    line of its own. The named three do not sum to the line; once the third is linked,
    the two do exactly, in the same run as in the next."""
    invoices = [
        payment(f"r{n}#0", number=f"RE-2024-{n}", amount=cents)
        for n, cents in ((923, 10000), (924, 20000), (925, 5000))
    ]
    lines = [
        txn("alone", amount=5000, text="RE-2024-925"),
        txn("both", amount=30000, text="RE-2024-923, RE-2024-924, RE-2024-925"),
    ]
    result = match(invoices, lines)
    assert _auto(result) == {"r923#0": "both", "r924#0": "both", "r925#0": "alone"}
    assert _auto(_again(invoices, lines, result)) == {}


def test_a_payers_collective_is_looked_for_again_once_the_lessons_linked_a_pool_member() -> None:
    """„Sammelzahlung Kd 67735“ for 157,27 € pays two invoices of 150,00 € and 7,27 €.
    An older invoice of 150,00 € was open too when the payer's collectives were looked
    for: two combinations, nothing linked. Its own line was linked only once the run
    had learned the payer's account (from the January invoice's link), and the next
    run, with nothing new, linked the pair (held-out synthetic seed 3106)."""
    lehmann = partial(
        payment, name="Lehmann Transporte OHG", contact="c-l", customer_number="67735"
    )
    january = date(2024, 1, 13)
    invoices = [
        lehmann(
            "jan#0",
            number="2024/0485",
            amount=105804,
            voucher_date=january,
            paid=january + timedelta(8),
        ),
        lehmann(
            "jul#0", number="2024/0592", amount=15000, voucher_date=date(2024, 7, 15), paid=None
        ),
        lehmann(
            "sep#0",
            number="2024/0123",
            amount=15000,
            voucher_date=date(2024, 9, 13),
            paid=date(2024, 10, 14),
        ),
        lehmann(
            "sep#1",
            number="2024/0124",
            amount=727,
            voucher_date=date(2024, 9, 25),
            paid=date(2024, 10, 13),
        ),
    ]
    line = partial(txn, name="Lehmann Transporte OHG", iban=IBAN_B)
    lines = [
        line("jan", amount=105804, day=date(2024, 1, 18), text="SVWZ+RE 2024/0485 KD 67735"),
        line("jul", amount=15000, day=date(2024, 8, 5), text="Rg.Nr. 2024/0592 Kunde 67735 Danke"),
        # a cash deposit of the amount naming July: the July invoice's pair is not sole
        txn(
            "cash",
            amount=15000,
            day=date(2024, 7, 22),
            text="EINZAHLUNG 07/2024 REF 78145889",
            name="EINZAHLUNG",
            iban="",
        ),
        line("both", amount=15727, day=date(2024, 10, 13), text="Sammelzahlung Kd 67735"),
    ]
    for order in (1, -1):
        result = match(invoices[::order], lines[::order])
        assert _auto(result) == {"jan#0": "jan", "jul#0": "jul", "sep#0": "both", "sep#1": "both"}
        assert _auto(_again(invoices, lines, result)) == {}


def test_a_name_taught_by_a_link_of_the_lesson_round_teaches_the_next_voucher() -> None:
    """May's invoice names its number from the account A: the run learns A. June's
    119.000 ct come from A under „Seidel Mlaerbetrieb“, naming nothing: linked by the
    account in the lesson round. The supplier's invoice of July is paid to another
    account under that same name: the name was taught only by June's link, which the
    lesson round made after it had learned — the next run linked it (held-out
    synthetic seed 3100)."""
    seidel = partial(payment, name="Seidel Malerbetrieb", contact="c-s")
    invoices = [
        seidel(
            "may#0",
            number="RE-2024-0104",
            amount=10219,
            voucher_date=date(2024, 5, 20),
            paid=date(2024, 6, 3),
        ),
        seidel(
            "jun#0",
            number="RE-2024-0619",
            amount=119000,
            voucher_date=date(2024, 6, 15),
            paid=date(2024, 7, 1),
        ),
        seidel(
            "jul#0",
            number="RG5973311",
            vtype="purchaseinvoice",
            amount=4393,
            voucher_date=date(2024, 7, 3),
            paid=date(2024, 7, 4),
        ),
    ]
    typed = "Seidel Mlaerbetrieb"
    lines = [
        txn(
            "may",
            amount=10219,
            day=date(2024, 6, 3),
            text="RE-2024-0104",
            name="Seidel Malerbetrieb",
        ),
        txn("jun", amount=119000, day=date(2024, 6, 29), text="Zahlung", name=typed),
        txn("jul", amount=-4393, day=date(2024, 7, 4), text="Rg.Nr.", name=typed, iban=IBAN_B),
    ]
    for order in (1, -1):
        result = match(invoices[::order], lines[::order])
        assert _auto(result) == {"may#0": "may", "jun#0": "jun", "jul#0": "jul"}
        (july,) = [d for d in result.auto_links if d.suggestion.payment_id == "jul#0"]
        assert july.suggestion.features.counterparty_evidence == "payer_known"
        assert _auto(_again(invoices, lines, result)) == {}


def test_a_family_account_linked_to_each_member_pays_their_invoices_together() -> None:
    """A father pays his family's dental invoices from his account: one line for each
    member's first invoice (by its number), then one line for two more. The single
    links teach each member the account, so the two-invoice line is from a known payer
    in the same run, as the next run finds it."""
    father = "Jonas Ziegler"
    family = [
        payment("s1#0", number="ZA-24-0001", amount=10000, contact="c-s", name="Sabine Ziegler"),
        payment("m1#0", number="ZA-24-0002", amount=5000, contact="c-m", name="Markus Ziegler"),
        payment(
            "s2#0",
            number="ZA-24-0003",
            amount=12000,
            contact="c-s",
            name="Sabine Ziegler",
            paid=D0 + timedelta(days=30),
        ),
        payment(
            "m2#0",
            number="ZA-24-0004",
            amount=18000,
            contact="c-m",
            name="Markus Ziegler",
            paid=D0 + timedelta(days=30),
        ),
    ]
    lines = [
        txn("f1", amount=10000, text="ZA-24-0001", name=father, iban=IBAN_B),
        txn("f2", amount=5000, text="ZA-24-0002", name=father, iban=IBAN_B),
        txn(
            "f3",
            amount=30000,
            text="ZA-24-0003 und ZA-24-0004",
            name=father,
            iban=IBAN_B,
            day=D0 + timedelta(days=30),
        ),
    ]
    result = match(family, lines)
    assert _auto(result) == {"s1#0": "f1", "m1#0": "f2", "s2#0": "f3", "m2#0": "f3"}
    assert _auto(_again(family, lines, result)) == {}


def test_a_collective_linked_after_the_lesson_round_teaches_its_account_in_the_run() -> None:
    """Held-out synthetic seed 3152, one client: „Rechnungen R-877680, 2024/1538, …“
    from Verlag Koch's account paid four invoices, a group linked only once the run's
    other links were made (the lines naming several vouchers judged again). Its account
    then paid „Ueberweisung“ from „Verlag oKch UG“ for another invoice of the contact,
    exactly, a day before the paid date: offered at 0.59 (the name typed), and linked
    by the next run with nothing new, which knew the account from the stored links.
    What groups linked so teach their contacts is now decided in the run, as the
    lesson round decides it."""
    data = generate(20_000, 200_000, seed=3152, tenants=20)
    payments = [p for p in data.expected if p.tenant_id == "T0013"]
    lines = [t for t in data.txns if t.tenant_id == "T0013"]
    typed = next(t for t in lines if t.counterparty_name.startswith("Verlag oKch"))
    first = match(payments, lines)
    assert any(d.suggestion.txn_id == typed.id for d in first.auto_links)
    assert _again(payments, lines, first).auto_links == ()


def test_a_line_ranked_by_another_suppliers_invoice_of_its_number_pays_the_payers_group() -> None:
    """Held-out synthetic seed 3200, one client: two suppliers' invoices bore one number,
    „2024/1744“. „Rechnungen 2024/1744, R-584390, 2024/7801“ from Braun & Winter's
    account paid three of its invoices to the cent, an account the run linked to Braun &
    Winter's other invoices; the other supplier's invoice ranked the line first, and the
    group was only offered. The next run, knowing the account from the stored links,
    linked it. A line from an account the run linked only to other contacts is no
    longer ranked by the payment: the group is linked in the first run."""
    data = generate(20_000, 200_000, seed=3200, tenants=20)
    payments = [p for p in data.expected if p.tenant_id == "T0013"]
    lines = [t for t in data.txns if t.tenant_id == "T0013"]
    group = next(t for t in lines if t.remittance.startswith("Rechnungen 2024/1744, R-584390"))
    first = match(payments, lines)
    assert sum(d.suggestion.txn_id == group.id for d in first.auto_links) == 3
    assert _again(payments, lines, first).auto_links == ()


def test_another_firm_of_the_contacts_first_word_is_no_rival_of_its_account() -> None:
    """Held-out synthetic seed 3191, one client: the painter Winkler Malerbetrieb's
    transfer „Ueberweisung“ from its account, which the run linked to its other
    invoices, was offered only: „WINKLER BAU UG“'s line of the amount stood beside it
    at „name 86“, the shorter name read as the painter's cut short. The next run, the
    fast path deciding, linked it. A name counts as cut short only where its words
    begin as the words they meet: the painter's line is linked in the first run."""
    data = generate(20_000, 200_000, seed=3191, tenants=20)
    payments = [p for p in data.expected if p.tenant_id == "T0005"]
    lines = [t for t in data.txns if t.tenant_id == "T0005"]
    invoice = next(p for p in payments if p.voucher_number == "INV-2024-4262")
    paid = next(t for t in lines if t.id in data.truth[invoice.id])
    first = match(payments, lines)
    assert (invoice.id, paid.id) in {
        (d.suggestion.payment_id, d.suggestion.txn_id) for d in first.auto_links
    }
    assert _again(payments, lines, first).auto_links == ()


def test_a_pair_whose_rival_a_late_group_took_is_decided_in_the_run() -> None:
    """Held-out statement files of seed 3260, the wholesaler: „SVWZ+RE 2025-00149“ from
    Kfz-Werkstatt Demir's known account, on the paid date, pays RE-2025-00159 (the
    customer typed a digit wrong). RE-2025-00149, another customer's invoice, met the
    line by its number; it was paid by its customer's collective „RE-2025-00147, 00149,
    00153, 00165“, linked only after the lesson round, and its pair still stood beside
    Demir's: offered at 0.75, linked by the next run. What the groups linked after the
    lesson round took is decided once more in the run, though they taught nothing."""
    part = statement_files.generate(3260).only("grosshandel")
    # as the store hands them over: Lexware knows no account of a contact
    payments = [replace(p, known_identifiers=frozenset()) for p in part.expected]
    demir = next(p for p in payments if p.voucher_number == "RE-2025-00159")
    paid = next(iter(part.truth[demir.id]))
    first = match(payments, part.txns)
    linked = {(d.suggestion.payment_id, d.suggestion.txn_id) for d in first.auto_links}
    assert (demir.id, paid) in linked
    assert _again(payments, part.txns, first).auto_links == ()


def test_a_recollection_from_an_account_the_last_pass_taught_is_linked_in_the_run() -> None:
    """Held-out scenario seed 3057, the dance school: Noah Neumann's December fee came
    back from the batch collection and was collected again, „Kursbeitrag 12/2025
    Mitglied 1039 TS-25-0659 WIEDERVORLAGE“ from his father's account. The run's third
    decision pass linked a line that taught the account to Noah's payments; no pass
    was left to decide his re-collection (0.75 before, 1.0 with the account), and the
    next run linked it."""
    part = scenarios_de.generate(3057).only("tanzschule")
    payments = [replace(p, known_identifiers=frozenset()) for p in part.expected]
    # the batch collections' advice files uploaded, as the client does
    files = {name: body for name, body in part.advice_files.items() if name.startswith("tanz")}
    lines = attach_advices(part.txns, files).txns
    noah = next(p for p in payments if p.voucher_number == "TS-25-0659")
    memory = IbanContactMemory(part.history_memory)
    first = match(payments, lines, existing_links=part.history_links, memory=memory)
    linked = {(d.suggestion.payment_id, d.suggestion.txn_id) for d in first.auto_links}
    assert (noah.id, next(iter(part.truth[noah.id]))) in linked
    again = match(
        payments, lines, existing_links=[*part.history_links, *stored_links(first)], memory=memory
    )
    assert again.auto_links == ()


def test_a_line_ranked_by_an_invoice_a_collective_paid_is_free_for_the_next_collective() -> None:
    """Held-out statement files seed 3474, the dental practice: its laboratory paid
    „Rg. 0454, 0455, 0456, 0457 Kd 112“ and a month later „Rechnungen 03/2024 Kd-Nr.
    112“, 826,91 € for 0458 and 0459. Invoice 0456 (826,45 €) ranked the second line
    first by its amount; the first line's collective linked 0456, yet its ranking kept
    the second line's collective from being linked, and the next run linked it."""
    part = statement_files.generate(3474).only("zahnarzt")
    payments = [replace(p, known_identifiers=frozenset()) for p in part.expected]
    lines = attach_advices(part.txns, part.advice_files).txns
    first = match(payments, lines)
    linked = {(d.suggestion.payment_id, d.suggestion.txn_id) for d in first.auto_links}
    for number in ("0456", "0458", "0459"):
        paid = next(p for p in payments if p.voucher_number == number)
        assert (paid.id, next(iter(part.truth[paid.id]))) in linked
    assert match(payments, lines, existing_links=stored_links(first)).auto_links == ()


@pytest.mark.parametrize("seed", [7, pytest.param(3103, marks=pytest.mark.slow)])
def test_a_second_run_on_the_benchmarks_held_out_seed_links_nothing(seed: int) -> None:
    """The benchmark's quality data at a seed its weights were not tuned on (20
    clients, 20,000 vouchers): the second run linked 12 vouchers the first had only
    offered — rivals the fast path did not count, a collective judged before the
    links that changed it, a payer's name written another way. At seed 3103, 7: a
    payer's collective judged before the lesson round linked a member of its pool, a
    bank's fee line read as a near name (the forty-seventh round)."""
    data = generate(20_000, 200_000, seed=seed, tenants=20)
    first = match(data.expected, data.txns)
    assert _again(data.expected, data.txns, first).auto_links == ()
