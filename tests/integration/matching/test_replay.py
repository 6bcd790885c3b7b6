"""Two businesses of the scenario set played week by week through the store, as their
clients live them (``bench/matching_data/replay.py``): every run reads only what is
still open, the vouchers arrive when Lexware says they are paid, the payment advices
when their lines have arrived.

The one-shot figures of ``bench/matching.py`` hid both failures these tests caught:
the online shop's SumUp payouts were linked 0.7 % of the time after the first weeks
(several payouts a day, read in the order of their random ids, broke the provider's
first-in-first-out chain: every later payout of the run was only offered), and the
dance school's members whose collections came back stayed linked to the batch (a batch
line still partly open was never searched for the returned item)."""

from __future__ import annotations

from pathlib import Path

import pytest

from matching_data import scenarios_de, statement_files
from matching_data.replay import replay
from matching_data.store_client import migrated_database

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def scenarios() -> scenarios_de.ScenarioSet:
    return scenarios_de.generate(2024)


@pytest.fixture
def url(tmp_path: Path) -> str:
    """A new SQLite database at the newest schema (migrated outside the test's loop)."""
    return migrated_database(tmp_path)


@pytest.mark.parametrize("business", ["keramikshop", "tanzschule"])
async def test_a_business_played_week_by_week_is_matched_as_in_one_run(
    business: str, scenarios: scenarios_de.ScenarioSet, url: str
) -> None:
    found = await replay(url, scenarios.only(business), business)

    metrics = found.metrics
    assert metrics.auto_links and metrics.auto_precision == 1.0
    assert metrics.auto_share >= 0.99
    assert metrics.linked_or_top >= 0.99
    assert metrics.wrongly_external == 0
    assert found.runs >= 40  # a run a week for the year after the history
    # no sale listed as needing an external transaction before its payout was booked
    # (the online shop: 249 of its 783 payments, for a week or two each)
    assert found.listed_early == 0
    # „Alle sicheren Vorschläge bestätigen“ after any run would have made no wrong link
    assert found.safe_wrong == 0


async def test_a_dance_school_of_another_seed_keeps_no_returned_collection_linked(
    url: str,
) -> None:
    """The dance school of seed 42 (not tuned on), week by week: a father paid his
    son's September fee by transfer after its collection came back, and October's came
    back too. The October return was read as undoing the September transfer, so
    October's item stayed linked to its batch (precision 0.9985). Every automatic link
    is right now."""
    found = await replay(url, scenarios_de.generate(42).only("tanzschule"), "tanzschule")

    assert found.metrics.auto_precision == 1.0
    assert found.metrics.wrongly_external == 0


async def test_an_online_shop_of_another_seed_links_no_payout_to_another_days_sale(
    url: str,
) -> None:
    """The online shop of seed 64 (not tuned on), week by week: Stripe paid out 144,02 €
    on 23 October — the sale of the 21st less Stripe's fee — and a sale of the 23rd was
    144,02 € to the cent. The channel's account being known, the payout was linked to
    that sale, and the sale of the 21st to the next payout (precision 0.9976). A sale's
    exact amount on a provider's payout is offered now, never linked: every payout pays
    its own sales."""
    found = await replay(url, scenarios_de.generate(64).only("keramikshop"), "keramikshop")

    assert found.metrics.auto_precision == 1.0
    assert found.metrics.auto_share == 1.0


async def test_a_client_confirming_the_right_suggestions_each_week_keeps_every_link_right(
    scenarios: scenarios_de.ScenarioSet, url: str
) -> None:
    """The dance school's person confirms each week the suggestions that are right:
    later runs build on those confirmations (taught accounts, returns of confirmed
    items shown for a check), and every voucher ends linked rightly, the engine's
    links all right."""
    found = await replay(url, scenarios.only("tanzschule"), "tanzschule", review=True)

    metrics = found.metrics
    assert metrics.auto_precision == 1.0
    assert metrics.linked_or_top == 1.0
    assert metrics.wrongly_external == 0


async def test_a_client_rejecting_the_wrong_suggestions_and_linking_the_rest_by_hand(
    url: str,
) -> None:
    """The café's person works through every tab each week, its monthly statement
    files uploaded: confirms the right suggestions, rejects the wrong ones of a payment
    offered no right one, and would link by hand what still lies open two weeks after
    its line arrived. A rejection holds (the pair is never offered again: with the run
    blind to rejections, 14 rejected pairs came back), a rejected rival never turns the
    engine's next choice into a wrong automatic link, and every voucher ends linked
    rightly."""
    cafe = statement_files.generate(2024).only("cafe")
    found = await replay(url, cafe, "cafe", statement_files=cafe.files, thorough=True)

    metrics, work = found.metrics, found.work
    assert work.rejected > 0 and work.confirmed > 0
    # every voucher was offered rightly within two weeks of its line: nothing left to
    # search by hand (before: a customer's deposit ten days before the paid date, its
    # pair below the threshold and counted as ranked by another payment — itself)
    assert work.by_hand == 0
    assert work.offered_again == 0
    assert metrics.auto_precision == 1.0
    assert metrics.linked_or_top == 1.0
    assert metrics.wrongly_external == 0
    assert all(line in cafe.truth.get(p, ()) for p, line in found.outcome.top.items())
    # nothing listed as needing an external transaction before the statement holding its
    # line was uploaded (594 of the café's 934 payments were, for a week or two each)
    assert found.listed_early == 0
    assert found.safe_wrong == 0


@pytest.mark.parametrize("seed", [7, 5])
async def test_a_dental_practice_reviewed_leaves_only_the_unnamed_for_a_person(
    url: str, seed: int
) -> None:
    """The dental practice of seeds 7 and 5 (seeds the rules were not tuned on),
    reviewed the same way.

    Seed 7: its person linked three vouchers by hand: two patients' invoices paid by a
    relative of the same family name, naming only a patient number or the invoice date
    („Sergej Krämer“ for Renate Krämer, „Andreas Schuster“ for Jörg Schuster), and the
    chamber's second instalment, eight days before its paid date — its first had just
    been confirmed, but what that taught waited for the next morning's run. Now the
    relatives' lines are offered (``family_name``) and a confirmation matches again at
    once.

    Seed 5: the chamber's first instalment from its account „LZK BW“ was linked by hand
    (now offered: ``name_abbreviated``), and a patient's two equal rates, both marked
    paid in March, were linked crosswise („Rate 1“ of February to the item entered
    second; now the items take their lines in Lexware's order, ``siblings_in_order``).

    Nothing is left to link by hand, and nothing is linked wrongly."""
    dental = statement_files.generate(seed).only("zahnarzt")
    found = await replay(url, dental, "zahnarzt", statement_files=dental.files, thorough=True)

    metrics, work = found.metrics, found.work
    assert work.by_hand == 0
    assert work.offered_again == 0
    assert metrics.auto_precision == 1.0
    assert metrics.linked_or_top == 1.0
    assert metrics.wrongly_external == 0


async def test_a_physiotherapy_reviewed_links_no_invoice_its_billing_advice_does_not_list(
    url: str,
) -> None:
    """The physiotherapy of seed 8 (not tuned on), reviewed each week: a billing
    service's payout for six patients, its advice listing them, one invoice synced days
    later. After the person confirmed the five others, the line's rest went to another
    patient's invoice of the same list price, and the late one was listed as needing an
    external transaction (precision 0.9982, one linked by hand). A line whose advice
    lists its invoices links a payment alone only where it names it."""
    physio = scenarios_de.generate(8).only("physio")
    found = await replay(url, physio, "physio", thorough=True)

    assert found.metrics.auto_precision == 1.0
    assert found.metrics.wrongly_external == 0
    assert found.work.by_hand == 0
