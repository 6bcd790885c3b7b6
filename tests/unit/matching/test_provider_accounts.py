"""A payment provider's account is no payer's.

PayPal, Stripe, SumUp, Amazon and the like pay out from one account for every customer
who paid that way (and take the payments of purchases paid that way). A link to such a
line must not teach the provider's account or name as the contact's: the next payout of
the amount of one of the contact's open invoices would be linked automatically from a
"known account", whoever's sales it pays out.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

from belegsync.domain.matching import BankTxn, ExistingLink, LinkDecision, LinkStatus
from belegsync.matching import match
from belegsync.matching.history import LinkHistory
from unit.matching.factories import D0, IBAN_A, payment, txn

PAYPAL_IBAN = "LU89751000135104200E"
PAYPAL = "PayPal Europe S.a.r.l. et Cie S.C.A"


def _payout(tid: str, cents: int, text: str, days: int) -> BankTxn:
    """A PayPal payout ``days`` after D0."""
    return txn(
        tid, amount=cents, text=text, name=PAYPAL, iban=PAYPAL_IBAN, day=D0 + timedelta(days)
    )


ANNA = payment("anna#0", number="RE-2024-0101", amount=4500, name="Anna Schulz", contact="c-anna")
PAYOUT = _payout("pp-2", 4500, "PayPal Auszahlung 4711", 1)


def _auto(links: Sequence[LinkDecision]) -> list[tuple[str, str]]:
    return [(d.suggestion.payment_id, d.suggestion.txn_id) for d in links]


def test_a_stored_link_to_a_payout_teaches_nothing() -> None:
    """Anna once paid through PayPal (the stored payer summary holds that line); a
    later payout of exactly her open invoice's amount stays a suggestion."""
    history = LinkHistory.from_rows(
        "t1",
        [
            ("c-anna", PAYPAL_IBAN, "", PAYPAL, D0 - timedelta(40), 3900),
            ("c-anna", PAYPAL_IBAN, "", PAYPAL, D0 - timedelta(40), 0),
        ],
    )
    result = match([ANNA], [PAYOUT], history=history)
    assert _auto(result.auto_links) == []
    assert [s.txn_id for s in result.suggestions_by_payment["anna#0"]] == ["pp-2"]


def test_a_payout_linked_in_the_input_teaches_nothing() -> None:
    """The same with the earlier payout and its link among the run's inputs."""
    earlier = payment(
        "anna-old#0",
        number="RE-2024-0077",
        amount=3900,
        name="Anna Schulz",
        contact="c-anna",
        paid=D0 - timedelta(40),
    )
    first = _payout("pp-1", 3900, "PayPal Auszahlung 4700 RE-2024-0077", -39)
    links = [ExistingLink("anna-old#0", "pp-1", 3900, LinkStatus.CONFIRMED)]
    result = match([earlier, ANNA], [first, PAYOUT], existing_links=links)
    assert _auto(result.auto_links) == []


def test_a_payers_own_account_is_still_learned() -> None:
    """The same history from Anna's own account links her next transfer."""
    history = LinkHistory.from_rows(
        "t1", [("c-anna", IBAN_A, "", "Anna Schulz", D0 - timedelta(40), 0)]
    )
    transfer = txn("b-2", amount=4500, text="Danke", name="A. Schulz", iban=IBAN_A)
    result = match([ANNA], [transfer], history=history)
    assert _auto(result.auto_links) == [("anna#0", "b-2")]


def test_a_payout_linked_in_this_run_makes_no_collective_from_its_account() -> None:
    """One payout names Anna's invoice and is linked; a second payout from PayPal's
    account of exactly the sum of two other invoices of hers is not "the account that
    paid her other invoice" (payouts are looked for with their fees, by
    ``payout_groups``)."""
    anna = [
        payment(
            f"a{i}#0", number=f"RE-2024-010{i}", amount=cents, name="Anna Schulz", contact="c-anna"
        )
        for i, cents in enumerate((3900, 2000, 2500), start=1)
    ]
    payouts = [
        _payout("pp-1", 3900, "PayPal Auszahlung RE-2024-0101", 1),
        _payout("pp-2", 4500, "Auszahlung 99887766", 2),
    ]
    result = match(anna, payouts)
    assert _auto(result.auto_links) == [("a1#0", "pp-1")]
