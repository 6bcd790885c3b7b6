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

import pytest

from belegsync.domain.matching import BankTxn, ExistingLink, LinkDecision, LinkStatus
from belegsync.matching import match
from belegsync.matching.history import LinkHistory
from belegsync.matching.payouts import teaches_payer
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


AMAZON_IBAN = "LU350195000123456789"
AMAZON = "Amazon EU S.à r.l."


@pytest.mark.parametrize(
    ("contact", "payer", "purpose", "teaches"),
    [
        ("Anna Schulz", PAYPAL, "Auszahlung 4711", False),
        ("Anna Schulz", "Anna Schulz", "RE-2024-0101 via PayPal", False),
        ("Anna Schulz", "Anna Schulz", "RE-2024-0101", True),
        (AMAZON, "AMAZON PAYMENTS EUROPE S.C.A.", "302-4711 Amazon.de", True),
        ("Verkäufe PayPal", PAYPAL, "Auszahlung 4711", True),
        ("PayPal (Europe)", "KLARNA BANK AB", "Klarna via PayPal", False),
    ],
)
def test_a_providers_line_teaches_only_the_provider_itself(
    contact: str, payer: str, purpose: str, teaches: bool
) -> None:
    assert teaches_payer(contact, payer, purpose) is teaches


def test_a_provider_that_is_the_contact_learns_its_own_account() -> None:
    """Amazon as a supplier: its lines' account is its own; stored links teach it."""
    rows = [("c-amazon", AMAZON_IBAN, "", "AMAZON EU SARL", D0 - timedelta(40), 0)]
    history = LinkHistory.from_rows("t1", rows, {"c-amazon": AMAZON})
    assert history.identifiers == {("t1", "c-amazon"): {AMAZON_IBAN}}
    assert LinkHistory.from_rows("t1", rows, {"c-amazon": "Anna Schulz"}).identifiers == {}


def test_a_provider_that_is_the_contact_is_known_by_its_account_in_the_run() -> None:
    """Amazon's first purchase is linked by its order number; the second line from
    Amazon's account, without a number and with a stranger's debit of the same amount
    booked next to it, is linked in the same run: from Amazon's own account."""
    purchases = [
        payment(
            f"amz{i}#0",
            vtype="purchaseinvoice",
            number=number,
            amount=8990,
            name=AMAZON,
            contact="c-amazon",
            paid=D0 + timedelta(days),
        )
        for i, (number, days) in enumerate((("302-4711", 0), ("302-4799", 20)), start=1)
    ]
    lines = [
        txn(
            "b-1", amount=-8990, text="302-4711 Amazon.de", name="AMAZON EU SARL", iban=AMAZON_IBAN
        ),
        txn(
            "b-2",
            amount=-8990,
            text="Amazon.de Bestellung",
            name="AMAZON EU SARL",
            iban=AMAZON_IBAN,
            day=D0 + timedelta(20),
        ),
        txn("b-x", amount=-8990, text="Lastschrift", name="Kurt Weber", day=D0 + timedelta(19)),
    ]
    result = match(purchases, lines)
    assert sorted(_auto(result.auto_links)) == [("amz1#0", "b-1"), ("amz2#0", "b-2")]
