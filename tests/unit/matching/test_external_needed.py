"""When a payment is listed as needing an external transaction ("no candidate").

Only when no free line in the imported statements may be it. A line that pays less
than expected (a fee kept back, a short or part payment) from the voucher's payer is
offered for a person to judge (``short_payment``), or makes a person search; a near
amount from an unknown payer does neither.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from belegsync.domain.links import is_safe_suggestion
from belegsync.domain.matching import BankTxn, ExpectedPayment, Unmatched, UnmatchedReason
from belegsync.domain.matching_score import ScoringRules
from belegsync.matching import MatchResult, match
from matching_data.metrics import stored_links

from .factories import D0, IBAN_A, IBAN_B, linked, linked_or_first, payment, txn


def _offered(result: MatchResult) -> dict[str, list[str]]:
    return {
        pid: [s.txn_id for s in options] for pid, options in result.suggestions_by_payment.items()
    }


def _reason(unmatched: tuple[Unmatched, ...]) -> UnmatchedReason:
    (only,) = unmatched
    return only.reason


def _offered_only_with(result: MatchResult, code: str | None) -> None:
    """With ``code``: the line b1 is offered to v1#0 alone, with that reason, at the
    threshold — never linked, never confirmed in bulk; without: nothing is offered."""
    assert result.auto_links == ()
    assert _offered(result) == ({"v1#0": ["b1"]} if code else {})
    if code:
        (only,) = result.suggestions_by_payment["v1#0"]
        assert code in only.reasons
        assert only.score == ScoringRules().suggest_threshold
        assert not is_safe_suggestion(
            only.score, amount_exact=True, identifying=True, runner_up=0.0
        )


def _short_offer(result: MatchResult) -> tuple[str, ...]:
    """The reasons of the only payment's only offer, which must be a short payment's:
    offered, never linked, nothing left open."""
    assert result.auto_links == ()
    assert result.unmatched == ()
    ((only,),) = result.suggestions_by_payment.values()
    assert "short_payment" in only.reasons
    assert not only.features.amount_kind.is_exact
    assert only.difference_reason is None  # no „Teilzahlung“ said: the person judges
    assert only.score == ScoringRules().suggest_threshold  # the lowest: never safe
    return only.reasons


def test_short_payment_from_the_known_account_is_offered() -> None:
    # 15,00 € kept back of 26,65 €: more than a bank fee, far outside the 5 % band
    p = payment(vtype="purchaseinvoice", amount=2665, known_identifiers=frozenset({IBAN_A}))
    line = txn(amount=-1165, text="Zahlung", name="", iban=IBAN_A, day=D0 - timedelta(days=3))
    result = match([p], [line])
    assert _short_offer(result)[:3] == (
        "amount:other:-1500",
        "days:paid:-3",
        "counterparty:identifier_known",
    )
    assert result.suggestions_by_payment["v1#0"][0].difference_cents == 1500
    # as the next run reads it: offered again, until a person decides
    assert _short_offer(match([p], [line], existing_links=stored_links(result)))
    # rejected, the payment is left for a person to search — no external case
    rejected = match([p], [line], rejected={("v1#0", "b1")})
    assert rejected.suggestions_by_payment == {}
    assert _reason(rejected.unmatched) is UnmatchedReason.BELOW_THRESHOLD


def test_short_payment_under_the_contacts_name_is_offered() -> None:
    p = payment(amount=35870, name="Walter & Hofmann AG")
    line = txn(amount=34370, text="", name="WALTER & HOFMANN AG", iban=IBAN_B)
    assert "counterparty:name 100" in _short_offer(match([p], [line]))


def test_short_payment_naming_the_customer_number_is_offered() -> None:
    p = payment(amount=9024, name="Winter Druckerei GbR", customer_number="75410")
    line = txn(amount=8524, text="Kd-Nr 75410", name="Max Mustermann", iban=IBAN_B)
    assert "reference:customer 75410" in _short_offer(match([p], [line]))


def test_a_small_line_under_the_contacts_name_alone_is_not_offered() -> None:
    # the synthetic benchmark's client pays its own social insurance under the name a
    # contact shares: a third of the invoice, from an account nobody knows — another
    # of the payer's transactions more likely than this voucher's. Left for a person to
    # search, as before; not an external case either
    p = payment(amount=334441, name="Beck Elektro")
    line = txn(
        amount=107529,
        text="SOZIALVERSICHERUNG 07/2024 REF 82465690",
        name="BECK ELEKTRO GBR",
        iban=IBAN_B,
        day=D0 - timedelta(days=3),
    )
    result = match([p], [line])
    assert result.suggestions_by_payment == {}
    assert _reason(result.unmatched) is UnmatchedReason.BELOW_THRESHOLD
    # from the known account, or half the amount or more, it is offered
    known = payment(amount=334441, name="Beck Elektro", known_identifiers=frozenset({IBAN_B}))
    assert _short_offer(match([known], [line]))
    half = txn(amount=167221, text="Zahlung", name="BECK ELEKTRO GBR", iban=IBAN_B)
    assert _short_offer(match([p], [half]))


def test_a_line_another_payment_ranks_first_is_not_offered_short() -> None:
    # the customer's line is exactly her other invoice's: offered there, not here too;
    # nothing else of the payer is in the statement, so this one needs an external one
    other = payment("v2#0", amount=8524, name="Winter Druckerei GbR", number="RE-2024-0778")
    p = payment(amount=9024, name="Winter Druckerei GbR")
    line = txn(amount=8524, text="Zahlung", name="Max Mustermann", iban=IBAN_B)
    result = match([p, other], [line])
    assert list(result.suggestions_by_payment) == ["v2#0"]
    assert _reason(result.unmatched) is UnmatchedReason.NO_CANDIDATE


def test_near_amount_from_an_unknown_payer_is_still_external() -> None:
    # on a busy account a line of a similar amount is booked near almost every paid date
    p = payment(amount=1836, name="Malerbetrieb Weiß GbR")
    line = txn(amount=1756, text="", name="Gabi Becker", iban=IBAN_B)
    assert _reason(match([p], [line]).unmatched) is UnmatchedReason.NO_CANDIDATE


def test_short_payment_from_the_account_that_paid_the_contacts_other_voucher() -> None:
    # The account paid another voucher of the contact in this run (linked by its number):
    # it is the contact's account, whoever holds it — the short line from it is offered
    # (0,80 € kept back), in this run as in the next, which knows the account
    other = payment("v2#0", amount=75537, name="Malerbetrieb Weiß GbR", number="RE-2024-0257")
    other_line = txn(
        "b2", amount=75537, text="RE-2024-0257", name="MALERBETRIEB WEISS GBR", iban=IBAN_B
    )
    p = payment(amount=1836, name="Malerbetrieb Weiß GbR")
    line = txn(amount=1756, text="", name="Gabi Becker", iban=IBAN_B)
    result = match([p, other], [line, other_line])
    assert {d.suggestion.payment_id for d in result.auto_links} == {"v2#0"}
    assert _offered(result) == {"v1#0": ["b1"]}
    assert result.unmatched == ()
    again = match([p, other], [line, other_line], existing_links=stored_links(result))
    assert (_offered(again), again.unmatched) == ({"v1#0": ["b1"]}, ())
    # the same account paying another contact's voucher does not count
    stranger = payment("v2#0", amount=75537, contact="c2", name="Maler Weiß", number="RE-2024-0257")
    result = match([p, stranger], [line, other_line])
    assert {d.suggestion.payment_id for d in result.auto_links} == {"v2#0"}
    assert _reason(result.unmatched) is UnmatchedReason.NO_CANDIDATE


@pytest.mark.parametrize(
    ("holder", "offered"),
    [
        ("Hahn Cnosulting GmbH", True),  # two neighbouring letters swapped
        ("HAHN CONSLUTING GMBH", True),
        ("Hahn Consultin gGmbH", True),  # a space moved
        ("HahnConsulting GmbH", True),  # or left out
        ("Hahn Konsulting GmbH", False),  # a letter changed: another name
        ("Hahn Cnosulting AG", False),  # and another legal form
        ("Hahn Consulting Gruppe", False),  # a word more
    ],
)
def test_a_payers_name_typed_with_two_letters_swapped_is_the_contacts(
    holder: str, offered: bool
) -> None:
    """15,00 € kept from an invoice of 198,58 €, „Vielen Dank“, from an account
    nobody knows, the contact's name typed „Hahn Cnosulting GmbH“: the names are 95
    alike as written but 93 without the legal form, below the bar, and the invoice was
    listed as needing an external transaction (held-out synthetic seed 3106)."""
    p = payment(amount=19858, name="Hahn Consulting GmbH")
    line = txn(amount=18358, text="Vielen Dank", name=holder, iban=IBAN_B, day=D0 - timedelta(1))
    result = match([p], [line])
    if offered:
        assert _short_offer(result)
    else:
        assert _reason(result.unmatched) is UnmatchedReason.NO_CANDIDATE


@pytest.mark.parametrize(
    ("cents", "purpose", "offered"),
    [
        (-115332, "Rechnung 2171", True),  # 0,50 € kept back
        (-110000, "Rechnung 2171", True),  # 95 % of the amount
        (-60000, "Rechnung 2171", False),  # a part paid: no sign of this voucher
        (-115332, "Rechnung 2172", False),  # another invoice's number
        (-115332, "Zahlung 2171", False),  # no invoice keyword before it
    ],
)
def test_a_line_for_nearly_the_amount_naming_the_running_number_is_offered(
    cents: int, purpose: str, offered: bool
) -> None:
    """1.153,32 € of an invoice of 1.153,82 €, „Rechnung 2171“, from the account of a
    person nobody knew (a supplier's invoice INV-2024-2171 paid by the client's
    partner): the invoice was listed as needing an external transaction (held-out
    synthetic seeds 3112 and 3115)."""
    p = payment(
        number="INV-2024-2171", vtype="purchaseinvoice", amount=115382, name="Seidel Systemhaus"
    )
    line = txn(amount=cents, text=purpose, name="Anna Vogel", iban=IBAN_B, day=D0 - timedelta(1))
    result = match([p], [line])
    if offered:
        assert _short_offer(result)
    else:
        assert _reason(result.unmatched) is UnmatchedReason.NO_CANDIDATE


def test_a_merely_similar_name_is_not_the_payer() -> None:
    p = payment(amount=35870, name="Walter & Hofmann AG")
    line = txn(amount=34370, text="", name="W. HOFMANN AG", iban=IBAN_B)
    assert _reason(match([p], [line]).unmatched) is UnmatchedReason.NO_CANDIDATE


def test_short_payment_from_someone_else_is_still_external() -> None:
    p = payment(amount=35870, name="Walter & Hofmann AG")
    line = txn(amount=20000, text="Miete", name="Stadtwerke Kassel", iban=IBAN_B)
    assert _reason(match([p], [line]).unmatched) is UnmatchedReason.NO_CANDIDATE


def test_short_payment_outside_the_window_is_still_external() -> None:
    p = payment(amount=35870, name="Walter & Hofmann AG")
    late = txn(amount=34370, text="", name="WALTER & HOFMANN AG", day=D0 + timedelta(days=40))
    assert _reason(match([p], [late]).unmatched) is UnmatchedReason.NO_CANDIDATE


def test_a_line_another_payment_took_is_not_a_candidate() -> None:
    mine = payment("v1#0", amount=35870, name="Walter & Hofmann AG", number="RE-2024-0001")
    other = payment("v2#0", amount=34370, name="Walter & Hofmann AG", number="RE-2024-0002")
    line = txn(amount=34370, text="RE-2024-0002", name="WALTER & HOFMANN AG")
    result = match([mine, other], [line])
    assert {d.suggestion.payment_id for d in result.auto_links} == {"v2#0"}
    assert _reason(result.unmatched) is UnmatchedReason.NO_CANDIDATE


def test_the_linked_account_counts_compacted_as_well() -> None:
    # the line linked in this run holds the account as typed (spaces, lower case); the
    # short line holds it compacted: the same account
    typed = " ".join(IBAN_B[i : i + 4] for i in range(0, len(IBAN_B), 4)).lower()
    other = payment("v2#0", amount=75537, name="Malerbetrieb Weiß GbR", number="RE-2024-0257")
    other_line = txn("b2", amount=75537, text="RE-2024-0257", name="MALER", iban=typed)
    p = payment(amount=1836, name="Malerbetrieb Weiß GbR")
    line = txn(amount=1756, text="", name="Gabi Becker", iban=IBAN_B)
    result = match([p, other], [line, other_line])
    assert {d.suggestion.payment_id for d in result.auto_links} == {"v2#0"}
    assert _offered(result) == {"v1#0": ["b1"]}


def test_a_line_this_run_linked_holds_no_other_voucher() -> None:
    # the line pays the voucher named in its purpose; another customer's open invoice of
    # the same amount (a similar name: a competitor the run scored) needs an external
    # transaction now, as the next run (which finds the line taken by the stored link)
    # says — it was "search", and from the second run on "external"
    paid = payment("v1#0", amount=10000, name="Müller Bau GmbH", number="RE-2024-0042")
    other = payment("v2#0", amount=10000, name="Müller Bauservice GmbH", number="RE-2024-0043")
    line = txn("b1", amount=10000, text="RE-2024-0042", name="MUELLER BAU GMBH")
    first = match([paid, other], [line])
    assert [d.suggestion.payment_id for d in first.auto_links] == ["v1#0"]
    again = match([paid, other], [line], existing_links=stored_links(first))
    assert (
        [(u.payment_id, u.reason) for u in first.unmatched]
        == [(u.payment_id, u.reason) for u in again.unmatched]
        == [("v2#0", UnmatchedReason.NO_CANDIDATE)]
    )


def test_a_line_from_an_account_known_for_several_contacts_is_not_offered_short() -> None:
    # a parent company's account paid both subsidiaries' invoices before; its transfer
    # of 700,00 € is neither's 1.010,10 € nor their sum: it tells no one voucher's payer
    parent = "DE35600700706700403297"
    first = payment(
        amount=101010,
        name="Metallbau Kurz GmbH",
        contact="k1",
        known_identifiers=frozenset({parent}),
    )
    second = payment(
        "v2#0", amount=55500, name="Kurz KG", contact="k2", known_identifiers=frozenset({parent})
    )
    line = txn(amount=70000, text="Zahlung", name="KURZ HOLDING GMBH", iban=parent)
    result = match([first, second], [line])
    assert result.suggestions_by_payment == {}
    assert {u.payment_id: u.reason for u in result.unmatched}["v1#0"] is (
        UnmatchedReason.BELOW_THRESHOLD
    )
    # known for the one contact only, it is offered
    alone = payment(
        amount=101010, name="Metallbau Kurz GmbH", known_identifiers=frozenset({parent})
    )
    assert _short_offer(match([alone], [line]))


def test_a_customers_deduction_without_an_amount_is_offered() -> None:
    # "abzgl." alone marks the line for the payout reading, but it states no fee: the
    # customer kept back 150,58 € for a complaint (the demo's RE24-00002)
    p = payment(amount=245058, name="Schneider Bürobedarf GmbH")
    line = txn(
        amount=230000,
        text="Zahlung abzgl. Reklamation",
        name="SCHNEIDER BUEROBEDARF GMBH",
        iban=IBAN_B,
        day=D0 + timedelta(days=1),
    )
    assert _short_offer(match([p], [line]))[:3] == (
        "amount:other:-15058",
        "days:paid:+1",
        "counterparty:name 100",
    )


def test_the_payers_line_below_the_threshold_is_offered_at_it_never_safe() -> None:
    # the café's invoice for a celebration, paid from the clinic's known account two
    # weeks before the paid date and before the invoice, naming no deposit: scored
    # 0.437 (the early booking costs 0.2), below every suggestion. It was „Kein
    # sicherer Treffer“; now it is offered at the threshold, as every line from the
    # payer is, and no amount of evidence makes such an offer safe for „Alle sicheren
    # Vorschläge bestätigen“
    result = match([_celebration()], [_paid_early("Feier 22.04.")])
    ((only,),) = result.suggestions_by_payment.values()
    assert only.reasons == (
        "amount:exact:+0",
        "days:paid:-14",
        "counterparty:identifier_known",
        "paid_before_voucher",
    )
    assert only.score == ScoringRules().suggest_threshold
    assert not is_safe_suggestion(
        only.score,
        amount_exact=only.features.amount_kind.is_exact,
        identifying=only.features.identifying,
        runner_up=0.0,
    )


def test_the_payers_deposit_of_the_amount_before_the_invoice_is_its_payment() -> None:
    # the same line naming a deposit („Anzahlung Feier 22.04.“): paid before the
    # invoice was written by its nature, no early payment (held-out statement files
    # seeds 3344 and 3626: the café's deposit of an invoice's amount ranked below a
    # later line). The only line of the amount, from the known account: linked; so is
    # „Anzahlung Thomas Wagner“ ten days before his invoice, from his name (the café's
    # replay, seed 7, where it was offered below the threshold)
    result = match([_celebration()], [_paid_early("Anzahlung Feier 22.04.")])
    (link,) = result.auto_links
    assert link.suggestion.features.penalty == 0.0
    assert link.suggestion.txn_id == "b1" and link.sole
    p = payment(number="RE-2024-0046", amount=44500, name="Thomas Wagner", voucher_date=D0)
    line = txn(
        amount=44500,
        text="Anzahlung Thomas Wagner",
        name="Thomas Wagner",
        day=D0 - timedelta(days=10),
    )
    assert linked(match([p], [line])) == {"v1#0": "b1"}


def _celebration() -> ExpectedPayment:
    """The café's invoice for the clinic's celebration (692,00 €), its account known."""
    return payment(
        amount=69200,
        name="Universitätsklinikum Freiburg Abt. Kardiologie",
        voucher_date=D0 - timedelta(days=5),
        known_identifiers=frozenset({IBAN_A}),
    )


def _paid_early(text: str) -> BankTxn:
    """The celebration's amount from the clinic's account, 14 days before the paid
    date (nine before the invoice was written)."""
    return txn(
        amount=69200,
        text=text,
        name="Universitaetsklinikum Freiburg",
        iban=IBAN_A,
        day=D0 - timedelta(days=14),
    )


def test_a_line_for_less_than_two_invoices_is_offered_to_the_nearer_amount() -> None:
    # 90,00 € from the customer's known account: the 100,00 € invoice less a fee before
    # it is the 200,00 € one's; offered once, the other invoice left for a search
    known = frozenset({IBAN_A})
    small = payment(amount=10000, number="RE-2024-0101", known_identifiers=known)
    large = payment("v2#0", amount=20000, number="RE-2024-0102", known_identifiers=known)
    line = txn(amount=9000, text="Zahlung", name="", iban=IBAN_A)
    for order in ([small, large], [large, small]):
        result = match(order, [line])
        assert {p: [s.txn_id for s in v] for p, v in result.suggestions_by_payment.items()} == {
            "v1#0": ["b1"]
        }
        assert [(u.payment_id, u.reason) for u in result.unmatched] == [
            ("v2#0", UnmatchedReason.BELOW_THRESHOLD)
        ]


def test_the_payers_line_is_offered_beside_a_stranger_scored_below_the_threshold() -> None:
    # the synthetic benchmark's 2024/0993: 150,00 € paid 135,00 € under the contact's
    # name, the number cut across two purpose lines; another payer's line of the exact
    # amount a week later was scored, but below every suggestion. A payment with such
    # a pair was not looked at for the payer's line for less, and nothing was offered
    p = payment(amount=15000, number="2024/0993", name="Schröder Steuerberatung")
    line = txn(
        amount=13500,
        text="Verwendungszweck Rechnung 9\n93",
        name="SCHRÖDER STEUERBERATUNG",
        iban=IBAN_B,
        day=D0 + timedelta(days=1),
    )
    stranger = txn(
        "b2", amount=15000, text="Zahlung", name="KELLER ENERGIE OHG", day=D0 + timedelta(days=8)
    )
    result = match([p], [line, stranger])
    assert _short_offer(result)[:2] == ("amount:other:-1500", "days:paid:+1")
    assert result.suggestions_by_payment["v1#0"][0].txn_id == "b1"


def test_the_clients_own_short_transfer_stating_a_deduction_is_offered() -> None:
    # the client paid a supplier's invoice less a credit note it holds: "abzgl. …" with
    # an amount reads as a payout's stated fee on a credit; a debit is read as no payout
    # (the payout lines are credits), and its short line is offered
    p = payment(vtype="purchaseinvoice", amount=48000, name="Holzhandel Berger GmbH")
    line = txn(
        amount=-43000,
        text="Zahlung abzgl. Gutschrift 50,00",
        name="HOLZHANDEL BERGER GMBH",
        iban=IBAN_B,
        day=D0 - timedelta(days=2),
    )
    assert _short_offer(match([p], [line]))[:3] == (
        "amount:other:-5000",
        "days:paid:-2",
        "counterparty:name 100",
    )


@pytest.mark.parametrize(
    ("cents", "text"), [(44500, "Überweisung Thomas Wagner"), (44000, "Zahlung")]
)
def test_a_line_the_payment_itself_ranks_first_below_the_threshold_is_offered(
    cents: int, text: str
) -> None:
    """Found by the café's replay with a person linking by hand (seed 7): a customer
    named as the contact paid ten days before the paid date Lexware holds; the pair
    scored 0.38, below the threshold. The line counted as ranked first by another
    payment — but the payment ranking it was this one —, so it was offered nowhere
    („Kein sicherer Treffer“ with nothing to look at). Now it is offered at the
    threshold; a line another payment ranks first is still not. (The line named a
    deposit, „Anzahlung Thomas Wagner“; a deposit is no early payment now, and such
    a line is linked: see the test of the payer's deposit above.)"""
    p = payment(number="RE-2024-0046", amount=44500, name="Thomas Wagner", voucher_date=D0)
    line = txn(amount=cents, text=text, name="Thomas Wagner", day=D0 - timedelta(days=10))
    result = match([p], [line])
    ((offered,),) = result.suggestions_by_payment.values()
    assert offered.txn_id == "b1"
    assert offered.score == ScoringRules().suggest_threshold
    assert result.unmatched == ()


@pytest.mark.parametrize(
    ("payer", "purpose", "offered"),
    [
        ("Susanne Frank", "Behandlung Wolfgang Vogt", True),
        ("Susanne Frank", "Rechnung Vogt", True),  # a person's family name
        ("Susanne Frank", "Zahnarzt Rechnung", False),
        ("Susanne Frank", "Behandlung Wolfgang", False),  # a first name alone
    ],
)
def test_a_relative_paying_a_patients_invoice_naming_the_patient_is_offered(
    payer: str, purpose: str, offered: bool
) -> None:
    """Found by the dental practice's replay with a person linking by hand (seed
    2024): a relative paid the patient's invoice to the cent inside its window,
    naming the patient in the purpose; the payer's name is another, the pair scored
    below the threshold and was offered nowhere. Offered now at the threshold, with
    what tells it („Name des Kontakts im Verwendungszweck, anderer Kontoinhaber“);
    another patient's invoice of another amount is not offered the line."""
    vogt = payment(number="ZA-24-0048", amount=18359, name="Wolfgang Vogt", voucher_date=D0)
    seidel = payment("v2#0", number="ZA-24-0272", amount=30346, name="Birgit Seidel", contact="c2")
    line = txn(amount=18359, text=purpose, name=payer, day=D0 - timedelta(days=5))
    result = match([vogt, seidel], [line])
    assert result.auto_links == ()
    tops = {p: [s.txn_id for s in v] for p, v in result.suggestions_by_payment.items()}
    assert tops == ({"v1#0": ["b1"]} if offered else {})
    if offered:
        (only,) = result.suggestions_by_payment["v1#0"]
        assert "contact_in_purpose" in only.reasons
        assert only.score == ScoringRules().suggest_threshold


@pytest.mark.parametrize(
    ("contact", "holder", "code"),
    [
        ("Renate Krämer", "Sergej Krämer", "family_name:Krämer"),  # a relative
        ("Jörg Schuster", "Andreas Schuster", "family_name:Schuster"),
        ("Familie Öztürk", "MEHMET OEZTUERK", "family_name:Öztürk"),
        ("Kfz-Werkstatt Demir", "DEMIR, HAKAN", "family_name:Demir"),  # the owner
        ("Renate Krämer", "Sergej Kramer", None),  # another name
        ("Renate Krämer", "Krämer Bau GmbH", None),  # a firm
        ("Renate Krämer", "Sergej", None),  # no family name
    ],
)
def test_an_account_holder_bearing_the_contacts_family_name_is_offered(
    contact: str, holder: str, code: str | None
) -> None:
    """Found by the reviewed replays (dental practice, seed 7; café, seed 99;
    wholesaler, seed 2024): the voucher's amount to the cent inside its window, from a
    relative („Sergej Krämer“ for Renate Krämer's invoice, „Pat.-Nr. 7776“) or from the
    owner of a business named after him („DEMIR, HAKAN“ for „Kfz-Werkstatt Demir“),
    naming nothing full scoring reads. It scored below the threshold and was offered
    nowhere: the person linked it by hand. Offered now at the threshold, never linked;
    a holder of another name is not offered it."""
    p = payment(number="ZA-24-0216", amount=6299, name=contact, voucher_date=D0)
    other = payment("v2#0", number="ZA-24-0272", amount=30346, name="Birgit Seidel", contact="c2")
    line = txn(amount=6299, text="Pat.-Nr. 7776", name=holder, day=D0 - timedelta(days=8))
    _offered_only_with(match([p, other], [line]), code)


@pytest.mark.parametrize(
    ("contact", "holder", "code"),
    [
        (
            "Landeszahnärztekammer Baden-Württemberg",
            "LZK BW",
            "name_abbreviated:LZK BW",
        ),
        ("Deutsche Rentenversicherung Bund", "DRV BUND", "name_abbreviated:DRV BUND"),
        ("Handwerkskammer zu Köln", "HWK KOELN", "name_abbreviated:HWK KOELN"),
        ("Techniker Krankenkasse", "TK", "name_abbreviated:TK"),
        ("Landeszahnärztekammer Baden-Württemberg", "LZK", None),  # the region left out
        ("Landesbank Baden-Württemberg", "LZK BW", None),  # no Z in Landesbank
        ("Müller Bau GmbH", "MB BAU", None),  # a word too many
    ],
)
def test_an_account_holder_writing_the_contacts_name_abbreviated_is_offered(
    contact: str, holder: str, code: str | None
) -> None:
    """Found by the dental practice's reviewed replays (seeds 1 and 5): the chamber's
    first instalment came from its account „LZK BW“ (name similarity 33 to
    „Landeszahnärztekammer Baden-Württemberg“), ten days before the paid date, to the
    cent, naming the member number only. It scored below the threshold and was offered
    nowhere: the person linked it by hand (the later instalments then followed from
    the account it taught). Offered now at the threshold, never linked."""
    p = payment(
        number="Beitragsbescheid 2024",
        vtype="purchaseinvoice",
        amount=46500,
        name=contact,
        voucher_date=D0 - timedelta(days=40),
    )
    line = txn(
        amount=-46500,
        text="Kammerbeitrag 2024 Mitgl.-Nr. 40871 Rate 1",
        name=holder,
        day=D0 - timedelta(days=10),
    )
    _offered_only_with(match([p], [line]), code)


@pytest.mark.parametrize(
    ("purpose", "code"),
    [
        ("Rechnung RE-2024-00026", "number_mistyped:RE-2024-00026"),  # swapped
        ("RE-2024-00063", "number_mistyped:RE-2024-00063"),  # one digit wrong
        ("RE 2023 00062 danke", "number_mistyped:202300062"),  # the year
        ("Rechnung RE-2024-000621", None),  # a digit more
        ("Rechnung RE-2024-00206", None),  # two digits wrong
        ("Lieferung vom 21.03.2024", None),
    ],
)
def test_a_voucher_number_typed_wrongly_is_offered(purpose: str, code: str | None) -> None:
    """Found by the wholesaler's reviewed replay (seed 2024): a new customer's first
    transfer, to the cent, eight days before the paid date, citing „RE-2024-00026“
    for RE-2024-00062 (the digits swapped: another customer's invoice, paid long
    before) from „DEMIR, HAKAN“. The number named no open voucher, the payer was
    unknown: offered nowhere, the person linked it by hand. A number one typo from the
    voucher's — two neighbouring digits swapped, one digit wrong — is now offered at
    the threshold; two typos, or a digit more, are no longer the voucher's number."""
    p = payment(number="RE-2024-00062", amount=662057, name="Autohaus Berger", voucher_date=D0)
    line = txn(amount=662057, text=purpose, name="Lisa Brandt", day=D0 - timedelta(days=8))
    _offered_only_with(match([p], [line]), code)


@pytest.mark.parametrize(
    ("reach", "reason"),
    [
        (None, UnmatchedReason.NO_CANDIDATE),  # not told: as before
        ({"t1": D0 + timedelta(days=9)}, UnmatchedReason.AWAITING_LINES),
        ({"t1": D0 + timedelta(days=10)}, UnmatchedReason.NO_CANDIDATE),
        ({"t1": None}, UnmatchedReason.AWAITING_LINES),  # no lines yet
        ({"t2": D0 - timedelta(days=30)}, UnmatchedReason.NO_CANDIDATE),  # another's
    ],
)
def test_a_payment_without_a_line_awaits_the_lines_reaching_past_its_window(
    reach: dict[str, date | None] | None, reason: UnmatchedReason
) -> None:
    """Paid on D0 (its window ends ten days after): until the client's lines reach
    that far, its line may still come with the next statement."""
    p = payment(amount=61880)
    unrelated = txn(amount=-1290, text="Kontoführungsentgelt", name="", day=D0 - timedelta(days=20))
    assert _reason(match([p], [unrelated], lines_until=reach).unmatched) is reason


def test_a_payment_with_only_a_line_below_the_threshold_is_left_for_a_person_either_way() -> None:
    p = payment(amount=61880)
    near = txn(amount=61880, text="Zahlung", name="", day=D0 + timedelta(days=1))
    result = match([p], [near], rejected={("v1#0", "b1")}, lines_until={"t1": D0})
    assert _reason(result.unmatched) is UnmatchedReason.BELOW_THRESHOLD


# found on the 904 held-out seeds: lines that paid a payment which the run listed as
# needing an external transaction (each test fails on the code before, in both input
# orders)

_LAB = "Dentallabor Özdemir & Kraus GbR"
_LAB_PAYER = "Oezdemir + Kraus Dentallabor GbR"


def _lab_invoice(number: str, amount: int, written: date, paid: date | None) -> ExpectedPayment:
    return payment(
        f"{number}#0",
        number=number,
        amount=amount,
        vtype="purchaseinvoice",
        paid=paid,
        voucher_date=written,
        name=_LAB,
        contact="lab",
    )


def _lab_line(amount: int, text: str, day: date) -> BankTxn:
    """The practice's debit ``b1`` to the laboratory."""
    return txn("b1", amount=amount, text=text, name=_LAB_PAYER, day=day)


def test_a_transfer_citing_two_invoices_goes_to_them_not_to_the_next_of_a_near_amount() -> None:
    """The laboratory's „Rg. 0499, 0500 Kd 112“, the two invoices' sum to the cent,
    was ranked first by the next invoice (open, 3 % more, dated the day before):
    a voucher of that amount alone might explain the line, so no collective was looked
    for, and the two invoices were listed as needing an external transaction (the
    dental practice of held-out seed 1602)."""
    invoices = [
        _lab_invoice("0499", 126991, date(2025, 5, 7), date(2025, 6, 15)),
        _lab_invoice("0500", 19339, date(2025, 5, 21), date(2025, 6, 15)),
        _lab_invoice("0501", 151027, date(2025, 6, 3), None),
    ]
    line = _lab_line(-146330, "Rg. 0499, 0500 Kd 112", date(2025, 6, 4))
    for order in (invoices, invoices[::-1]):
        result = match(order, [line])
        assert linked(result) == {"0499#0": "b1", "0500#0": "b1"}
        assert "0501#0" not in result.suggestions_by_payment


def test_a_transfer_citing_three_invoices_is_no_fee_kept_from_a_fourth() -> None:
    """„Rechnung 0455 / 0456 / 0457“, the three invoices' sum, 27 days before their
    paid date: the invoice 0459, 0,60 € more and dated the day before, ranked it
    first (a fee kept back) and no collective was looked for (held-out seed 1352)."""
    invoices = [
        _lab_invoice("0455", 51073, date(2024, 2, 1), date(2024, 4, 3)),
        _lab_invoice("0456", 20867, date(2024, 2, 19), date(2024, 4, 3)),
        _lab_invoice("0457", 14924, date(2024, 2, 20), date(2024, 4, 3)),
        _lab_invoice("0459", 86924, date(2024, 3, 6), date(2024, 4, 5)),
    ]
    line = _lab_line(-86864, "Rechnung 0455 / 0456 / 0457", date(2024, 3, 7))
    for order in (invoices, invoices[::-1]):
        result = match(order, [line])
        assert linked(result) == {"0455#0": "b1", "0456#0": "b1", "0457#0": "b1"}


@pytest.mark.parametrize(
    ("holder", "offered"),
    [
        ("T. Groß", True),
        ("Groß, T.", True),
        ("GROSS T", True),
        ("M. Groß", False),  # a relative's initial: the name tells no payer
        ("T. Groß GmbH", False),  # a firm
    ],
)
def test_a_foreign_transfer_less_the_charges_from_the_contact_written_with_initials(
    holder: str, offered: bool
) -> None:
    """„Rechnung 62“ from „T. Groß“ (a Swiss account), 15,08 € short of Thomas Groß's
    invoice — the banks' charges —, ten days before the paid date: the holder's name,
    the given name as its initial, reached no 95 against the contact's, so the line
    counted as no payer's, and the invoice was listed as needing an external
    transaction (the joinery of held-out seeds 1149, 1212, 1259, 606; the consultancy
    of 1197)."""
    p = payment(number="RE-24-0062", amount=5950, name="Thomas Groß", paid=D0)
    line = txn(
        "b1",
        amount=4442,
        text="Rechnung 62",
        name=holder,
        iban="CH2900230704554651721",
        day=D0 - timedelta(days=10),
    )
    result = match([p], [line])
    if offered:
        assert "short_payment" in _short_offer(result)
    else:
        assert _reason(result.unmatched) is UnmatchedReason.NO_CANDIDATE


_KOCH = "Stefan Koch"
_MUELLER = "Maximilian Müller-Lüdenscheidt"


@pytest.mark.parametrize(
    ("patient", "holder", "purpose", "offered"),
    [
        (_KOCH, "S. Koch", "Rate 1 Rechnung Koch", True),
        (_KOCH, "Petra Krause", "Rate 1 Rechnung Koch", True),  # a relative, another name
        (_KOCH, "Petra Krause", "1. Rate Stefan Koch", True),
        (_KOCH, "Petra Krause", "Rechnung Koch", False),  # no rate stated
        (_KOCH, "Petra Krause", "Rate 1 Rechnung Meyer", False),  # another patient's
        (_KOCH, "Petra Krause", "Karate Kurs Koch", False),  # „RATE“ in a word, no rate
        # a double family name is two words as purposes are read (seeds 1324, 1898)
        (_MUELLER, "Birgit Müller-Lüdenscheidt", "Rate 1 Rechnung Müller-Lüdenscheidt", True),
    ],
)
def test_a_first_rate_naming_the_patient_of_an_invoice_lexware_holds_no_rates_of(
    patient: str, holder: str, purpose: str, offered: bool
) -> None:
    """An open invoice of 1.674,81 €: three weeks after its date „Rate 1 Rechnung
    Koch“, 558,00 €, a third of it — from „S. Koch“ (the contact, given name as its
    initial) or from a relative. Only the name told the payer, for less than half
    the invoice: not offered, and the invoice was listed as needing an external
    transaction (the dental practice of held-out seeds 1126, 1155, 1157, 1165, 1182,
    1397, 1663, 1758, 1814)."""
    p = payment(number="ZA-25-0146", amount=167481, name=patient, paid=None, voucher_date=D0)
    day = D0 + timedelta(days=17)
    line = txn("b1", amount=55800, text=purpose, name=holder, iban=IBAN_B, day=day)
    result = match([p], [line])
    if not offered:
        assert "v1#0" not in result.suggestions_by_payment
        return
    assert result.auto_links == ()
    (only,) = result.suggestions_by_payment["v1#0"]
    assert only.txn_id == "b1"
    assert "instalment:1" in only.features.extra
    assert "short_payment" not in only.features.extra  # the rate says why it is less
    assert only.score == ScoringRules().suggest_threshold


def _invoice(
    pid: str, number: str, amount: int, name: str, written: date, paid: date | None
) -> ExpectedPayment:
    """A patient's invoice, the patient's own contact (by the given name)."""
    contact = name.split()[0].lower()
    return payment(
        pid,
        number=number,
        amount=amount,
        name=name,
        contact=contact,
        voucher_date=written,
        paid=paid,
    )


def test_a_third_persons_transfer_for_two_of_a_family_goes_to_the_two_it_names() -> None:
    """„Rechnungen Renate und Emma Wolff“ from „Sauer, Birgit“, the sum of Renate's
    and Emma's invoices to the cent; Sabine Wolff's open invoice has Emma's amount, so
    two combinations of the family's invoices made the line and none was offered:
    Renate's and Emma's invoices were listed as needing an external transaction (the
    dental practice of held-out seed 1186)."""
    written, paid = date(2024, 5, 31), date(2024, 6, 23)
    invoices = [
        _invoice("v1#0", "ZA-24-0142", 43185, "Renate Wolff", written, paid),
        _invoice("v2#0", "ZA-24-0143", 12950, "Emma Wolff", written, paid),
        _invoice("v3#0", "ZA-24-0125", 12950, "Sabine Wolff", date(2024, 5, 15), date(2024, 6, 12)),
    ]
    text = "Rechnungen Renate und Emma Wolff"
    line = txn("b1", amount=56135, text=text, name="Sauer, Birgit", day=date(2024, 6, 13))
    for order in (invoices, invoices[::-1]):
        assert linked_or_first(match(order, [line])) == {"v1#0": "b1", "v2#0": "b1"}


def test_a_family_transfer_goes_to_the_invoices_no_other_line_names() -> None:
    """„Rechnungen Helga und Wolfgang Mayer“, the sum of their invoices of 22 April;
    Helga's invoice of a week before has the same amount and its own line naming it
    („ZA-25-0105 ZA-25-0106 Stefan u. Helga“, only offered). Both combinations name
    the two persons: none was offered, and the two invoices were listed as needing an
    external transaction (the dental practice of held-out seed 1788)."""
    written, paid = date(2025, 4, 22), date(2025, 5, 12)
    before, later = date(2025, 4, 16), date(2025, 5, 18)
    invoices = [
        _invoice("v1#0", "ZA-25-0111", 9800, "Helga Mayer", written, paid),
        _invoice("v2#0", "ZA-25-0112", 6259, "Wolfgang Mayer", written, paid),
        _invoice("v3#0", "ZA-25-0106", 9800, "Helga Mayer", before, later),
        _invoice("v4#0", "ZA-25-0105", 37321, "Stefan Lorenz", before, later),
    ]
    payer = "HANS-JUERGEN LORENZ"
    lines = [
        txn("b1", amount=16059, text="Rechnungen Helga und Wolfgang Mayer", name=payer, day=paid),
        txn(
            "b2",
            amount=47121,
            text="ZA-25-0105 ZA-25-0106 Stefan u. Helga",
            name=payer,
            day=date(2025, 5, 7),
        ),
    ]
    for order in (invoices, invoices[::-1]):
        for them in (lines, lines[::-1]):
            found = linked_or_first(match(order, them))
            assert found == {"v1#0": "b1", "v2#0": "b1", "v3#0": "b2", "v4#0": "b2"}


def test_a_family_transfer_naming_every_person_is_offered_though_a_stranger_ranks_it() -> None:
    """„Rechnungen Claudia und Björn Koch“ from „Koch, Mia“, the sum of their open
    invoices; a stranger's open invoice of that very amount ranked the line first, so
    the family's combination was not offered and both invoices were listed as needing
    an external transaction (the dental practice of held-out seed 1645)."""
    written = date(2025, 6, 10)
    invoices = [
        _invoice("v1#0", "ZA-25-0156", 261989, "Claudia Koch", written, None),
        _invoice("v2#0", "ZA-25-0157", 11500, "Björn Koch", written, None),
        _invoice("v3#0", "ZA-25-0165", 273489, "Hans-Jürgen Busch", date(2025, 6, 18), None),
    ]
    text = "Rechnungen Claudia und Björn Koch"
    line = txn("b1", amount=273489, text=text, name="Koch, Mia", day=date(2025, 6, 26))
    for order in (invoices, invoices[::-1]):
        result = match(order, [line])
        assert result.auto_links == ()
        offered = {p: [s.txn_id for s in o] for p, o in result.suggestions_by_payment.items()}
        assert offered["v1#0"] == offered["v2#0"] == ["b1"]


def test_a_family_transfer_goes_to_the_invoices_no_other_line_is_ranked_first_by() -> None:
    """„Rechnungen Agnieszka und Hans König“ from „HELGA KOENIG“, the sum of the two
    invoices of one visit; Agnieszka's invoice of January has the same amount as this
    visit's and its own line from the account three days before its paid date („Dr.
    Albers Rechnung“, offered). Both combinations name the two persons and no line
    names an invoice by number: none was offered, and Hans's invoice, in both, was
    listed as needing an external transaction (the dental practice of held-out seed
    2153)."""
    visit, paid, january = date(2025, 2, 21), date(2025, 3, 20), date(2025, 1, 23)
    invoices = [
        _invoice("v1#0", "ZA-25-0057", 11500, "Agnieszka König", visit, paid),
        _invoice("v2#0", "ZA-25-0058", 12950, "Hans König", visit, paid),
        _invoice("v3#0", "ZA-25-0022", 11500, "Agnieszka König", january, date(2025, 3, 2)),
    ]
    payer = "HELGA KOENIG"
    lines = [
        txn(
            "b1",
            amount=24450,
            text="Rechnungen Agnieszka und Hans König",
            name=payer,
            day=date(2025, 3, 17),
        ),
        txn("b2", amount=11500, text="Dr. Albers Rechnung", name=payer, day=date(2025, 2, 27)),
    ]
    for order in (invoices, invoices[::-1]):
        for them in (lines, lines[::-1]):
            result = match(order, them)
            assert linked_or_first(result) == {"v1#0": "b1", "v2#0": "b1", "v3#0": "b2"}
            assert "v2#0" not in {u.payment_id for u in result.unmatched}
