"""Scenarios of the decision policy, each on a handful of objects."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest

from belegsync.domain.matching import (
    ExistingLink,
    ExpectedPayment,
    LinkStatus,
    TxnStatus,
    UnmatchedReason,
)
from belegsync.matching import MatchParams, match
from unit.matching.factories import D0, IBAN_A, IBAN_B, payment, txn


def _auto(result: object) -> dict[str, str]:
    return {d.suggestion.payment_id: d.suggestion.txn_id for d in result.auto_links}  # type: ignore[attr-defined]


def test_exact_amount_reference_and_known_iban_is_linked() -> None:
    p = payment(known_identifiers=frozenset({IBAN_A}))
    result = match([p], [txn(), txn("noise", amount=5000, text="Miete")])
    (decision,) = result.auto_links
    assert decision.status is LinkStatus.AUTO_CONFIRMED
    assert decision.suggestion.txn_id == "b1"
    assert decision.suggestion.features.reference_hit == "RE-2024-0042"
    assert decision.provenance.startswith("auto: amount exact + RE-2024-0042")
    assert result.suggestions_by_payment == {}


def test_reference_variants_are_found() -> None:
    for text in ("RE20240042", "Rechnung 2024/0042", "Verwendungszweck RE-2024-00\n42"):
        assert _auto(match([payment()], [txn(text=text)])) == {"v1#0": "b1"}, text


@pytest.mark.parametrize("text", ["Verwendungszweck Beleg 2024\n/1930", "Beleg 2024/\n1930"])
def test_a_number_cut_at_its_separator_is_read(text: str) -> None:
    """A statement line cut after 27 characters right before (or after) the slash of
    „2024/1930“: the one euro short transfer from a payer the contact does not know was
    no candidate, and the voucher was listed as needing an external transaction (the
    held-out seed 99 of the synthetic set)."""
    p = payment(number="2024/1930", amount=843, name="Schreiber Immobilien GbR")
    line = txn(amount=743, text=text, name="Claudia Köhler", iban="", day=D0 - timedelta(2))
    result = match([p], [line])
    (top,) = result.suggestions_by_payment["v1#0"]
    assert top.features.reference_hit == "2024/1930"
    assert result.unmatched == ()


def test_skonto_exact_is_linked_with_reason() -> None:
    p = payment(amount=10000, has_items=False)
    result = match([p], [txn(amount=9800)])
    (decision,) = result.auto_links
    assert decision.suggestion.features.amount_kind.value == "skonto"
    assert decision.suggestion.difference_cents == 200
    assert decision.suggestion.difference_reason is not None
    assert decision.suggestion.difference_reason.value == "skonto"


def test_skonto_item_from_lexware_is_exact() -> None:
    p = payment(amount=9700, gross=10000, skonto_cents=300)
    assert _auto(match([p], [txn(amount=9700)])) == {"v1#0": "b1"}


def test_without_reference_the_sole_pair_from_a_known_iban_is_linked() -> None:
    p = payment(known_identifiers=frozenset({IBAN_A}))
    (decision,) = match([p], [txn(text="Zahlung")]).auto_links
    assert decision.suggestion.txn_id == "b1"
    assert "counterparty:identifier_known" in decision.suggestion.reasons


def test_without_reference_a_competing_voucher_makes_it_a_suggestion() -> None:
    p = payment(known_identifiers=frozenset({IBAN_A}))
    twin = payment("v2#0", number="RE-2024-0077", known_identifiers=frozenset({IBAN_A}))
    result = match([p, twin], [txn(text="Zahlung")])
    assert result.auto_links == ()
    (top,) = result.suggestions_by_payment["v1#0"]
    assert top.txn_id == "b1"
    assert "counterparty:identifier_known" in top.reasons


@pytest.mark.parametrize(("deposit_from", "linked"), [(IBAN_B, False), (IBAN_A, True)])
def test_part_payment_needs_a_reference_or_the_contacts_account(
    deposit_from: str, linked: bool
) -> None:
    # the rest cites the invoice and is linked, which teaches its account as the
    # contact's; the deposit cites nothing: linked only from that account (the only
    # pair of its line and of itself), else offered
    first = payment("v1#0", amount=5000, gross=11900)
    second = payment("v1#1", amount=6900, gross=11900, paid=D0 + timedelta(days=20))
    lines = [
        txn("b1", amount=5000, text="Anzahlung", iban=deposit_from),
        txn("b2", amount=6900, text="Rest RE-2024-0042", day=D0 + timedelta(days=20)),
    ]
    result = match([first, second], lines, memory=None)
    assert _auto(result) == ({"v1#0": "b1"} if linked else {}) | {"v1#1": "b2"}
    if not linked:
        assert result.suggestions_by_payment["v1#0"][0].txn_id == "b1"


def test_ambiguity_makes_a_suggestion_not_a_link() -> None:
    p = payment()
    lines = [txn("b1"), txn("b2")]  # paid twice, same day, same text
    result = match([p], lines)
    assert result.auto_links == ()
    assert {s.txn_id for s in result.suggestions_by_payment["v1#0"]} == {"b1", "b2"}


def test_two_payments_competing_for_one_transaction_block_each_other() -> None:
    a = payment("v1#0", number="RE-2024-0042")
    b = payment("v2#0", number="RE-2024-0043")
    line = txn(text="RE-2024-0042 RE-2024-0043")  # amount fits both, sum does not
    result = match([a, b], [line])
    assert result.auto_links == ()


def test_wrong_direction_is_excluded() -> None:
    p = payment(vtype="purchaseinvoice")  # money out
    result = match([p], [txn(amount=11900)])  # money in
    assert result.auto_links == ()
    assert result.suggestions_by_payment == {}
    assert result.unmatched[0].reason is UnmatchedReason.NO_CANDIDATE


def test_credit_notes_follow_their_direction() -> None:
    refund = payment(vtype="salescreditnote", number="GS-2024-0007")
    assert _auto(match([refund], [txn(amount=-11900, text="Gutschrift GS-2024-0007")])) == {
        "v1#0": "b1"
    }
    supplier = payment(vtype="purchasecreditnote", number="GS-2024-0008")
    assert _auto(match([supplier], [txn(amount=11900, text="GS-2024-0008")])) == {"v1#0": "b1"}


def test_reversals_are_never_linked() -> None:
    p = payment(vtype="purchaseinvoice")
    flagged = txn("r1", amount=-11900, is_reversal=True)
    assert match([p], [flagged]).suggestions_by_payment == {}
    by_text = txn("r2", amount=-11900, text="RUECKLASTSCHRIFT RE-2024-0042")
    assert match([p], [by_text]).suggestions_by_payment == {}


def test_rejected_pair_is_never_offered_again() -> None:
    p = payment()
    result = match([p], [txn()], rejected={("v1#0", "b1")})
    assert result.auto_links == ()
    assert result.suggestions_by_payment == {}


def test_pending_lines_are_suggested_only() -> None:
    result = match([payment()], [txn(status=TxnStatus.PENDING)])
    assert result.auto_links == ()
    assert result.suggestions_by_payment["v1#0"][0].txn_id == "b1"


def test_fully_allocated_transactions_and_settled_payments_are_excluded() -> None:
    other = payment("v9#0", number="RE-2024-0099")
    link = ExistingLink("v9#0", "b1", 11900, LinkStatus.CONFIRMED)
    result = match([payment(), other], [txn()], existing_links=[link])
    assert result.auto_links == ()
    assert result.suggestions_by_payment == {}
    assert [u.payment_id for u in result.unmatched] == ["v1#0"]
    undone = ExistingLink("v9#0", "b1", 11900, LinkStatus.UNDONE)
    assert _auto(match([payment()], [txn()], existing_links=[undone])) == {"v1#0": "b1"}


def test_fee_shortfall_is_a_suggestion_with_reason_fee() -> None:
    p = payment(known_identifiers=frozenset({IBAN_A}))
    result = match([p], [txn(amount=11850)])
    assert result.auto_links == ()
    (top,) = result.suggestions_by_payment["v1#0"]
    assert top.difference_cents == 50
    assert top.difference_reason is not None and top.difference_reason.value == "fee"


def test_collective_exact_sum_with_every_number_is_linked() -> None:
    a = payment("v1#0", number="RE-2024-0042", amount=10000)
    b = payment("v2#0", number="RE-2024-0043", amount=5000)
    note = payment("v3#0", number="GS-2024-0001", amount=2000, vtype="salescreditnote")
    line = txn(amount=13000, text="Rechnungen RE-2024-0042, RE-2024-0043 abzgl. GS-2024-0001")
    result = match([a, b, note], [line])
    links = {d.suggestion.payment_id: d.suggestion for d in result.auto_links}
    assert set(links) == {"v1#0", "v2#0", "v3#0"}
    assert {s.collective_group for s in links.values()} == {"b1"}
    assert sum(s.allocated_cents for s in links.values()) == 13000
    assert links["v3#0"].allocated_cents == -2000


@pytest.mark.parametrize(
    ("note_number", "text"),
    [
        ("7-G-33056", "Rechnung 7-3312392 abzgl. Gutschrift 7-G-33056 Kunde 480112"),
        ("7G33056", "Rechnung 7-3312392 abzgl. Gutschrift 7G33056"),
        ("2024/GS/48810", "RE 7-3312392 ./. GS 2024/GS/48810"),
    ],
)
def test_a_credit_note_numbered_with_letters_inside_is_offset_in_the_payment(
    note_number: str, text: str
) -> None:
    """Found by the dental practice's replay (seed 11, not tuned on): the supplier's
    credit note „7-G-33056“, offset in the client's payment of an invoice, was listed
    as needing an external transaction. The purpose's numbers are scanned as runs of
    digits; the credit note's digits as one (733056) are on no line. Its digits after
    the last letter are scanned too, checked on the line's spelling: the invoice and
    the credit note are linked as one payment, the credit note's part negative."""
    invoice = payment(
        "v1#0", number="7-3312392", amount=31913, vtype="purchaseinvoice", name="Dentaldepot"
    )
    note = payment(
        "v2#0", number=note_number, amount=4520, vtype="purchasecreditnote", name="Dentaldepot"
    )
    line = txn(amount=-27393, text=text, name="DENTALDEPOT SUEDWEST GMBH")
    result = match([invoice, note], [line])
    links = {d.suggestion.payment_id: d.suggestion for d in result.auto_links}
    assert set(links) == {"v1#0", "v2#0"}
    assert links["v2#0"].allocated_cents == -4520
    assert f"reference:{note_number}".upper() in [r.upper() for r in links["v2#0"].reasons]
    assert result.unmatched == ()


@pytest.mark.parametrize(
    "number",
    [
        "A-1-B-1234567890123456789012345",  # more digits after the letters than a key holds
        "GS-7-G-2024",  # a year after the letters: names no voucher alone
        "RE-00000000000000000000000000001",
        "ZA-00-0000",
    ],
)
def test_a_voucher_number_of_any_shape_is_read_without_failing(number: str) -> None:
    """Lexware's number of a supplier's voucher is what the client typed. A number
    with more than 18 digits after its letters made the run fail (an integer too large
    for a key) before any voucher of the client was matched; it names nothing now, and
    the others are matched."""
    odd = payment("v1#0", number=number, amount=5000)
    fine = payment("v2#0", number="RE-2024-0042", amount=7000, contact="c2", name="Berger GmbH")
    lines = [
        txn("b1", amount=5000, text=f"Zahlung {number} 1234567890123456789012345"),
        txn("b2", amount=7000, text="Rechnung RE-2024-0042", name="Berger GmbH"),
    ]
    result = match([odd, fine], lines)
    assert _auto(result).get("v2#0") == "b2"


def test_a_credit_note_named_by_a_line_is_no_case_for_an_external_transaction() -> None:
    """The credit note named in the payment of an invoice whose amounts do not add up
    (a deduction besides): nothing is linked, but the statement holds the credit note
    — a person looks; it is not listed as needing an external transaction."""
    invoice = payment("v1#0", number="7-3312392", amount=31913, vtype="purchaseinvoice")
    note = payment("v2#0", number="7-G-33056", amount=4520, vtype="purchasecreditnote")
    line = txn(amount=-26000, text="Rechnung 7-3312392 abzgl. Gutschrift 7-G-33056 u. Bonus")
    result = match([invoice, note], [line])
    assert UnmatchedReason.NO_CANDIDATE not in {
        u.reason for u in result.unmatched if u.payment_id == "v2#0"
    }


def test_collective_with_a_missing_number_is_a_suggestion() -> None:
    a = payment("v1#0", number="RE-2024-0042", amount=10000)
    b = payment("v2#0", number="RE-2024-0043", amount=5000)
    c = payment("v3#0", number="RE-2024-0044", amount=700)
    line = txn(amount=15000, text="RE-2024-0042 RE-2024-0043 RE-2024-0044")
    result = match([a, b, c], [line])
    assert result.auto_links == ()  # subset found, but not every number is paid
    assert result.suggestions_by_payment["v1#0"][0].collective_group == "b1"
    assert result.suggestions_by_payment["v2#0"][0].collective_group == "b1"


def test_collective_by_known_payer_without_numbers() -> None:
    ids = frozenset({IBAN_A})
    a = payment("v1#0", number="A-1", amount=10000, known_identifiers=ids)
    b = payment("v2#0", number="A-2", amount=5000, known_identifiers=ids)
    c = payment("v3#0", number="A-3", amount=3333, known_identifiers=ids)
    line = txn(amount=15000, text="Sammelzahlung", day=D0 + timedelta(days=5))
    result = match([a, b, c], [line])
    assert _auto(result) == {"v1#0": "b1", "v2#0": "b1"}  # the only exact combination
    assert all("collective_payer" in d.suggestion.reasons for d in result.auto_links)
    assert "v3#0" not in result.suggestions_by_payment


def test_collective_by_customer_number_links_the_unique_combination() -> None:
    kd: dict[str, Any] = {"customer_number": "10051"}
    a = payment("v1#0", number="RE-24-0030", amount=23800, **kd)
    b = payment("v2#0", number="RE-24-0034", amount=11900, **kd)
    c = payment("v3#0", number="RE-24-0036", amount=4000, **kd)
    line = txn(amount=35700, text="Sammelzahlung 2 Rechnungen Kd 10051", iban="")
    result = match([a, b, c], [line])
    assert _auto(result) == {"v1#0": "b1", "v2#0": "b1"}


def test_collective_with_two_fitting_combinations_links_nothing() -> None:
    ids = frozenset({IBAN_A})
    members = [
        payment(f"v{k}#0", number=f"A-{k}", amount=cents, known_identifiers=ids)
        for k, cents in enumerate((10000, 5000, 7000, 8000))
    ]
    line = txn(amount=15000, text="Sammelzahlung", day=D0 + timedelta(days=5))
    result = match(members, [line])
    assert result.auto_links == ()


def test_unconnected_bank_stays_unmatched_with_reason() -> None:
    # someone else's line: a smaller one from the payer might be a short payment
    rent = txn(amount=777, text="Miete", name="HAUSVERWALTUNG KURZ", iban="DE02120300000000202051")
    result = match([payment()], [rent])
    (open_payment,) = result.unmatched
    assert open_payment.reason is UnmatchedReason.NO_CANDIDATE


def test_shadow_mode_turns_links_into_suggestions() -> None:
    result = match([payment()], [txn()], params=MatchParams(shadow_mode=True))
    assert result.auto_links == ()
    assert result.suggestions_by_payment["v1#0"][0].txn_id == "b1"


def test_other_tenants_are_invisible() -> None:
    result = match([payment(tenant="t1")], [txn(tenant="t2")])
    assert result.suggestions_by_payment == {}


def test_top_three_suggestions_with_reasons() -> None:
    p = payment(number="X-1")
    lines = [txn(f"b{i}", text="Zahlung", day=D0 + timedelta(days=i)) for i in range(5)]
    ranked = match([p], lines).suggestions_by_payment["v1#0"]
    assert [s.txn_id for s in ranked] == ["b0", "b1", "b2"]
    assert ranked[0].score > ranked[1].score > ranked[2].score
    assert "days:paid:+1" in ranked[1].reasons


def test_a_line_without_a_payer_name_is_not_identified_by_its_name() -> None:
    p = payment(number="X-1")
    result = match([p], [txn(text="Bueromaterial", name="", iban="")])
    assert result.auto_links == ()
    assert result.suggestions_by_payment["v1#0"][0].txn_id == "b1"


def test_a_payout_pays_several_sales_minus_the_fee() -> None:
    ids = frozenset({IBAN_A})
    sales = [
        payment(
            f"v{k}#0",
            number=f"SH-{k}",
            amount=cents,
            name="Verkäufe PayPal",
            contact="paypal",
            paid=D0 + timedelta(days=k),
            known_identifiers=ids,
        )
        for k, cents in enumerate((4000, 2500, 6000))
    ]
    fee = 12500 * 249 // 10000 + 3 * 35
    line = txn(
        amount=12500 - fee,
        text="PayPal Auszahlung",
        name="PayPal (Europe) S.a r.l.",
        day=D0 + timedelta(days=5),
    )
    result = match(sales, [line])
    links = {d.suggestion.payment_id: d.suggestion for d in result.auto_links}
    assert set(links) == {"v0#0", "v1#0", "v2#0"}
    assert sum(s.allocated_cents for s in links.values()) == 12500 - fee
    assert sum(s.difference_cents for s in links.values()) == fee
    assert all("payout:PayPal:3" in s.reasons for s in links.values())


def _channel_sales(
    channel: str, sold: Sequence[tuple[int, int]], **extra: Any
) -> list[ExpectedPayment]:
    """A shop channel's sales (contact „Verkäufe <channel>“), each (cents, day after
    ``D0`` it was sold and paid), numbered SH-0, SH-1, …"""
    return [
        payment(
            f"v{k}#0",
            number=f"SH-{k}",
            amount=cents,
            name=f"Verkäufe {channel}",
            contact=channel.lower(),
            voucher_date=D0 + timedelta(days=day),
            paid=D0 + timedelta(days=day),
            **extra,
        )
        for k, (cents, day) in enumerate(sold)
    ]


def test_a_payout_with_two_fitting_runs_of_sales_is_not_linked() -> None:
    sales = _channel_sales("SumUp", [(50000, 0), (100, 1), (100, 2)])
    line = txn(
        amount=49500, text="SumUp Payout", name="SumUp Payments Limited", day=D0 + timedelta(days=5)
    )
    assert match(sales, [line]).auto_links == ()


@pytest.mark.parametrize("ids", [("b1", "b2", "b3"), ("z9", "m5", "a1"), ("m5", "z9", "a1")])
def test_a_providers_payouts_of_one_day_are_linked_whatever_their_ids(
    ids: tuple[str, str, str],
) -> None:
    """SumUp pays each day's card sales out two days later, less 1.39 %; Monday's
    statement holds the payouts of Friday's, Saturday's and Sunday's sales (and on
    Wednesday, a payout of two sales). The store's line ids are random: before, a
    day's later payout read first found no run from the oldest open sale, and every
    SumUp payout after it in the run was only offered. Each goes to the sales whose
    fee is SumUp's standard fee — a looser fit (a later sale's payout, 2.3 % off the
    oldest sale) is no reading."""
    amounts = (15591, 15455, 7174, 6731, 15977)
    days = (0, 1, 2, 4, 4)
    sales = _channel_sales(
        "SumUp", list(zip(amounts, days, strict=True)), known_identifiers=frozenset({IBAN_B})
    )
    monday = D0 + timedelta(days=3)

    def net(cents: int) -> int:
        return cents - (cents * 139 + 5000) // 10000

    lines = [
        txn(tid, amount=net(cents), text=f"SumUp Auszahlung {k}", day=monday, iban=IBAN_B)
        for k, (tid, cents) in enumerate(zip(ids, amounts[:3], strict=True))
    ]
    lines.append(
        txn(
            "w",
            amount=net(amounts[3] + amounts[4]),
            text="SumUp Auszahlung 4",
            day=monday + timedelta(days=3),
            iban=IBAN_B,
        )
    )
    lines = [replace(line, counterparty_name="SumUp Payments Limited") for line in lines]

    result = match(sales, lines)

    assert _auto(result) == {
        "v0#0": ids[0],
        "v1#0": ids[1],
        "v2#0": ids[2],
        "v3#0": "w",
        "v4#0": "w",
    }


def test_a_payout_made_exactly_by_some_open_sales_is_no_collective_link() -> None:
    """A Stripe payout that no run of the open sales fits (an older sale is still open:
    its voucher came late) is, to the cent, the sum of four of the channel's open
    sales — by chance, a payout keeps Stripe's fee. Before, the payer's account being
    known, that combination was linked („collective_payer“), taking a sale paid days
    after the payout. It is offered, never linked."""
    sold = [(40000, 0), (6851, 2), (7392, 3), (11052, 4), (9999, 5), (2683, 9)]
    sales = _channel_sales("Stripe", sold, known_identifiers=frozenset({IBAN_B}))
    line = txn(
        amount=6851 + 7392 + 11052 + 2683,
        text="Stripe Auszahlung 2025-11-24",
        name="STRIPE PAYMENTS EUROPE LTD",
        iban=IBAN_B,
        day=D0 + timedelta(days=6),
    )

    result = match(sales, [line])

    assert result.auto_links == ()


def test_a_payout_for_one_sales_exact_amount_pays_the_sale_before_it_net_of_the_fee() -> None:
    """Found by the online shop's replay (seed 64, not tuned on): Stripe paid out
    144,02 € on the 23rd — the 146,47 € sale of the 21st less Stripe's fee. A sale of
    the 23rd was 144,02 € to the cent, and the channel's account being known, the
    payout was linked to it (sole, „amount exact“); the sale of the 21st then went to
    the next payout. A provider keeps its fee from what it pays out: one sale's exact
    amount on a payout is chance. Such a pair is offered, never linked, and the payout
    pays the sale before it net of the fee."""
    sales = _channel_sales(
        "Stripe", [(14647, 0), (14402, 2)], known_identifiers=frozenset({IBAN_B})
    )
    payout = txn(
        "payout",
        amount=14402,
        text="Stripe Auszahlung 2025-10-23 Ref 28785112",
        name="STRIPE PAYMENTS EUROPE LTD",
        iban=IBAN_B,
        day=D0 + timedelta(days=2),
    )

    result = match(sales, [payout])

    assert _auto(result) == {"v0#0": "payout"}
    assert "v1#0" in result.suggestions_by_payment or {u.payment_id for u in result.unmatched} == {
        "v1#0"
    }
    # the sale before it not in Lexware yet: the pair is the only one of both sides
    alone = match(sales[1:], [payout])
    assert alone.auto_links == ()
    assert [s.txn_id for s in alone.suggestions_by_payment["v1#0"]] == ["payout"]


@pytest.mark.parametrize("fast_path", [True, False])
def test_a_line_whose_advice_lists_its_invoices_links_no_other_of_the_same_amount(
    fast_path: bool,
) -> None:
    """Found by the physiotherapy's reviewed replay (seed 8, not tuned on): a billing
    service paid six patients' invoices in one line, its advice listing them. One,
    Monika Vogel's (355,00 €), reached the store days later. After the person confirmed
    the five others, the line's last 355,00 € were linked to Petra Kaiser's invoice of
    the same list price (exact, the service's account known for every patient, paid
    without a date); Vogel's was then listed as needing an external transaction. A line
    whose advice lists what it pays links a payment alone only where it names it:
    Kaiser's is offered, Vogel's linked once it is there."""
    service = frozenset({IBAN_B})
    kaiser = payment(
        "kaiser#0",
        number="PR-25-0202",
        amount=35500,
        paid=None,
        voucher_date=D0 - timedelta(days=3),
        name="Petra Kaiser",
        known_identifiers=service,
    )
    vogel = payment(
        "vogel#0",
        number="PR-25-0185",
        amount=35500,
        voucher_date=D0 - timedelta(days=11),
        paid=D0 + timedelta(days=5),
        name="Monika Vogel",
        known_identifiers=service,
    )
    line = txn(
        "payout",
        amount=35500,
        text="Gutschrift Abrechnung 2025-039 6 Belege",
        name="THERAPIE-ABRECHNUNG NORD GMBH",
        iban=IBAN_B,
        advice="PR-25-0190 Lange, Sabine 282.00\nPR-25-0185 Vogel, Monika 355.00",
    )
    params = MatchParams(fast_path=fast_path)

    before = match([kaiser], [line], params=params)
    assert before.auto_links == ()
    assert [s.txn_id for s in before.suggestions_by_payment["kaiser#0"]] == ["payout"]
    # the same line without its advice: the service's account decides, as before
    assert _auto(match([kaiser], [replace(line, advice="")], params=params)) == {
        "kaiser#0": "payout"
    }
    assert _auto(match([kaiser, vogel], [line], params=params)) == {"vogel#0": "payout"}


def test_an_exact_amount_weeks_away_keeps_the_voucher_out_of_external() -> None:
    far = txn(text="Zahlung", day=D0 + timedelta(days=40), name="", iban="")
    (open_payment,) = match([payment()], [far]).unmatched
    assert open_payment.reason is UnmatchedReason.BELOW_THRESHOLD


def test_two_lines_alike_take_a_payers_collective_whatever_the_order() -> None:
    # two identical credits of 20,00 from the payer's known account, one voucher of the
    # payer and one of the same contact for 10,00 each: the pair is one line's, and
    # which line does not depend on the order of the inputs (found by the property
    # test: the line read first took it)
    known = payment("v1#0", amount=1000, known_identifiers=frozenset({IBAN_A}))
    other = payment("v0#0", amount=1000)
    lines = [txn(f"b{k}", amount=2000, text="") for k in range(2)]
    first = match([other, known], lines)
    assert match([known, other], lines[::-1]) == first
    assert {d.suggestion.txn_id for d in first.auto_links} == {"b0"}


def test_of_tokens_of_equal_length_in_the_purpose_the_first_in_string_order_is_shown() -> None:
    """A purpose naming the voucher number and a reference of the same length
    („RE20240042 AB12345678“): the hit shown is the first in string order, whatever
    order a set of the tokens has in this process (it changes with the string hashes
    of each process, and so did the reason a person read)."""
    payments, lines, expected = [], [], {}
    for i, (number, reference) in enumerate(
        [("RE-2024-0042", "AB-1234-5678"), ("ZX-3000-0001", "KD-7000-0002")]
        + [(f"R{k}-2024-5{k}01", f"Q{k}-2024-6{k}02") for k in range(2, 8)]
    ):
        pid = f"v{i}#0"
        payments.append(payment(pid, number=number, amount=10_000 + i, references=(reference,)))
        written = [number.replace("-", ""), reference.replace("-", "")]
        # a cent short: offered from full scoring, not linked on the fast path
        lines.append(txn(f"b{i}", amount=9_999 + i, text=" ".join(reversed(written))))
        expected[pid] = min(written)
    result = match(payments, lines)
    shown = {
        payment_id: options[0].features.reference_hit
        for payment_id, options in result.suggestions_by_payment.items()
    }
    assert shown == expected


def test_a_link_on_the_end_to_end_id_a_payment_lists_names_it() -> None:
    """The hit shown is the end-to-end id where the payment lists it (a SEPA collection
    the client's software gave the id), the voucher number where the payment lists
    none, whatever id the line carries."""
    listed = payment("v1#0", amount=2500, references=("E2E-4711",))
    plain = payment("v2#0", number="RE-2024-0043", amount=3500, contact="c2", name="Lorenz KG")
    result = match(
        [listed, plain],
        [
            txn("b1", amount=2500, text="Lastschrift RE-2024-0042", end_to_end_id="E2E-4711"),
            txn("b2", amount=3500, text="RE-2024-0043", name="LORENZ KG", end_to_end_id="E2E-9"),
        ],
    )
    hits = {d.suggestion.payment_id: d.suggestion.features.reference_hit for d in result.auto_links}
    assert hits == {"v1#0": "E2E E2E-4711", "v2#0": "RE-2024-0043"}
