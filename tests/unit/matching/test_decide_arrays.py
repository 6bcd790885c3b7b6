"""The array paths of the decisions and of the fast path's set-up against their per-item
references (hypothesis): the greedy order against sorting by (score, ids), runner-ups
and sole pairs against a walk over the edges, the auto policy against its conditions
pair by pair, joined edge columns against the edges given together, digit values
against ``digit_value``, the fast path's name similarities against one pair at a time."""

from __future__ import annotations

from random import Random

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from rapidfuzz import fuzz

from belegsync.domain.matching import AmountKind, MatchFeatures, Suggestion
from belegsync.domain.matching_score import auto_confirm_failures
from belegsync.domain.matching_text import normalise_name
from belegsync.matching.decide import (
    Edge,
    EdgeColumns,
    _greedy_order,
    _without_siblings,
    assign_greedy,
    auto_decisions,
    id_ranking,
    id_ranks,
    runner_ups,
    series_in_step,
    sole_pairs,
)
from belegsync.matching.fastpath import _digit_values, _similarities
from belegsync.matching.features import name_similarity
from belegsync.matching.line_keys import processed_name, text_keys
from belegsync.matching.params import MatchParams
from belegsync.matching.textscan import digit_value

SCORES = (0.0, 0.3, 0.55, 0.8, 0.9, 1.0)


@st.composite
def edge_lists(draw: st.DrawFn, *, states: bool = False) -> list[Edge]:
    """Few payments and rows, so that scores and ids tie; payment and row ids in
    an order other than their numbers. With ``states``: lines booked or pending,
    payments in part or whole, features identifying or not (the auto policy's other
    conditions)."""
    pairs = draw(
        st.lists(st.tuples(st.integers(0, 5), st.integers(0, 6)), unique=True, max_size=25)
    )
    edges = []
    for payment, row in pairs:
        features = MatchFeatures(
            draw(st.sampled_from((0.0, 0.8, 1.0))),
            draw(st.sampled_from((0.0, 0.5, 1.0))),
            draw(st.sampled_from((0.0, 0.4, 1.0))),
            1.0,
            0.0,
            AmountKind.EXACT,
            0,
            0,
            None,
            draw(st.sampled_from(("unknown", "identifier_known"))) if states else "unknown",
            draw(st.booleans()) if states else True,
        )
        bank = draw(st.sampled_from((1000, 2000)))
        suggestion = Suggestion(
            f"p{(7 - payment) % 6}",
            f"t{(3 * row) % 7}",
            draw(st.sampled_from(SCORES)),
            draw(st.sampled_from((1000, 2000))),
            0,
            None,
            features,
        )
        booked, part_payment = (
            (draw(st.booleans()), draw(st.booleans())) if states else (True, False)
        )
        edges.append(Edge(payment, row, suggestion, booked, part_payment, bank))
    return edges


def _best_other(edges: list[Edge], edge: Edge, same: str) -> float:
    scores = [
        e.suggestion.score
        for e in edges
        if getattr(e, same) == getattr(edge, same) and e[:2] != edge[:2]
    ]
    return max([0.0, *scores])


@settings(max_examples=300, deadline=None)
@given(edge_lists())
def test_greedy_order_and_assignment_equal_sorting_by_score_and_ids(edges: list[Edge]) -> None:
    columns = EdgeColumns.of(edges)
    ordered = sorted(
        range(len(edges)),
        key=lambda i: (
            -edges[i].suggestion.score,
            edges[i].suggestion.payment_id,
            edges[i].suggestion.txn_id,
        ),
    )
    assert _greedy_order(columns).tolist() == ordered
    taken: dict[int, int] = {}
    left: dict[int, int] = {}
    for i in ordered:
        edge = edges[i]
        have = left.get(edge.row, edge.bank_cents)
        if edge.payment in taken or edge.suggestion.allocated_cents > have:
            continue
        left[edge.row] = have - edge.suggestion.allocated_cents
        taken[edge.payment] = i
    assert list(assign_greedy(columns).items()) == list(taken.items())
    # the same with each payment's rank among all payments' ids given (as a run knows
    # them: more payments than the edges name)
    ranks = id_ranks([f"p{(7 - payment) % 6}" for payment in range(6)] + ["p", "q"])
    assert _greedy_order(columns, ranks).tolist() == ordered
    assert list(assign_greedy(columns, ranks).items()) == list(taken.items())


@settings(max_examples=300, deadline=None)
@given(edge_lists())
def test_runner_ups_and_sole_pairs_equal_a_walk_over_the_edges(edges: list[Edge]) -> None:
    columns = EdgeColumns.of(edges)
    by_payment, by_txn = runner_ups(columns)
    assert by_payment.tolist() == [_best_other(edges, e, "payment") for e in edges]
    assert by_txn.tolist() == [_best_other(edges, e, "row") for e in edges]

    def plausible(e: Edge) -> bool:
        f = e.suggestion.features
        referenced = f.reference >= 0.5
        return (f.amount >= 0.8 or referenced) and (f.counterparty >= 0.4 or referenced)

    kept = [e for e in edges if plausible(e)]
    assert sole_pairs(columns).tolist() == [
        plausible(e)
        and sum(k.payment == e.payment for k in kept) == 1
        and sum(k.row == e.row for k in kept) == 1
        for e in edges
    ]


@settings(max_examples=300, deadline=None)
@given(edge_lists(states=True))
def test_auto_decisions_are_the_assigned_pairs_that_pass_every_condition(
    edges: list[Edge],
) -> None:
    """The columns' tests (score and margins, booked, the line covered exactly) drop a
    pair before its suggestion is built: the decisions are those of the policy asked
    pair by pair (``auto_confirm_failures``)."""
    columns = EdgeColumns.of(edges)
    assigned = assign_greedy(columns)
    params = MatchParams()
    by_payment, by_txn = runner_ups(columns)
    sole = sole_pairs(columns)
    expected = {}
    for payment, i in assigned.items():
        edge = edges[i]
        failures = auto_confirm_failures(
            score_value=edge.suggestion.score,
            features=edge.suggestion.features,
            payment_runner_up=float(by_payment[i]),
            txn_runner_up=float(by_txn[i]),
            booked=edge.booked,
            part_payment=edge.part_payment,
            exact_cover=edge.suggestion.allocated_cents == edge.bank_cents,
            rules=params.rules,
            sole=bool(sole[i]),
        )
        if not failures:
            expected[payment] = (edge.suggestion, float(by_payment[i]), float(by_txn[i]))
    made = auto_decisions(assigned, columns, params)
    assert {
        p: (d.suggestion, d.payment_runner_up, d.txn_runner_up) for p, d in made.items()
    } == expected


@settings(max_examples=300, deadline=None)
@given(edge_lists(), st.lists(st.integers(0, 2), min_size=6, max_size=6))
def test_without_siblings_drops_the_other_items_edges_on_an_assigned_line(
    edges: list[Edge], voucher_of: list[int]
) -> None:
    columns = EdgeColumns.of(edges)
    assigned = assign_greedy(columns)
    if not assigned:
        return
    at = np.fromiter(assigned.values(), np.int64, len(assigned))
    vouchers = np.array(voucher_of, dtype=np.int64)
    kept, moved = _without_siblings(columns, at, vouchers)
    picked = set(assigned.values())
    holders = {(edges[i].row, voucher_of[edges[i].payment]) for i in picked}
    expected = [
        i
        for i, e in enumerate(edges)
        if i in picked or (e.row, voucher_of[e.payment]) not in holders
    ]
    assert kept.at.tolist() == expected
    # the assigned edges are all kept, each where it went
    assert kept.at[moved].tolist() == at.tolist()


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.text(alphabet="0123456789 -/.\nabRExßıſﬆ²٣Ä\x00", max_size=30)
        | st.text(alphabet="0123456789-", max_size=25),
        max_size=12,
    )
)
def test_digit_values_equal_digit_value(texts: list[str]) -> None:
    values = [digit_value(text) for text in texts]
    assert _digit_values(texts).tolist() == [-1 if v is None else v for v in values]


def test_a_number_that_reads_as_a_year_is_no_key() -> None:
    texts = ["Beitragsbescheid 2024", "2099", "RE-1990", "1989", "2100", "RE-2024-0042", "02024"]
    keys = [None, None, None, 1989, 2100, 20240042, None]
    assert [digit_value(text) for text in texts] == keys
    assert _digit_values(texts).tolist() == [-1 if k is None else k for k in keys]


@settings(max_examples=200, deadline=None)
@given(edge_lists(), edge_lists(), st.integers(0, 3), st.randoms(use_true_random=False))
def test_joined_edges_read_as_the_edges_given_together(
    first: list[Edge], second: list[Edge], dropped: int, random: Random
) -> None:
    """Edges scored in a second round joined to the first's (some of those dropped):
    every column, the greedy assignment and the suggestions read at any positions are
    those of the same edges given in one list."""
    kept = [e for i, e in enumerate(first) if i % 4 != dropped]
    columns = EdgeColumns.of(first)
    later = EdgeColumns.of(second)
    offset = len(first)
    later = later._replace(at=later.at + offset)
    keep = np.array([i % 4 != dropped for i in range(len(first))], dtype=np.bool_)
    joined = columns.take(keep).joined(later, offset)
    together = EdgeColumns.of(kept + second)
    for name in ("payment", "row", "score", "allocated", "bank_cents", "plausible"):
        assert getattr(joined, name).tolist() == getattr(together, name).tolist()
    assert assign_greedy(joined) == assign_greedy(together)
    order = list(range(len(kept) + len(second)))
    random.shuffle(order)
    at = np.array(order, dtype=np.int64)
    assert joined.source.suggestions(joined.at[at]) == together.source.suggestions(at)
    assert joined.source.txn_ids(joined.at[at].tolist()) == together.source.txn_ids(order)


# names alike, spelled apart, with legal forms, umlauts and none at all
_NAMES = (
    "Müller GmbH",
    "MUELLER GMBH",
    "Mueller Bau GmbH & Co. KG",
    "Bäckerei Groß KG",
    "GROSS BAECKEREI",
    "Schmidt",
    "Schmitt & Söhne",
    "Anna Böhm",
    "BOEHM, ANNA",
    "",
)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.sampled_from(_NAMES), min_size=1, max_size=6),
    st.lists(st.sampled_from(_NAMES), min_size=1, max_size=8),
    st.lists(st.tuples(st.integers(0, 5), st.integers(0, 7), st.booleans()), max_size=30),
    st.booleans(),
)
def test_fast_path_similarities_equal_one_pair_at_a_time(
    contacts: list[str],
    payers: list[str],
    pairs: list[tuple[int, int, bool]],
    as_full_scoring: bool,
) -> None:
    """Each distinct pair of names is compared once (payers by their keys): the same
    similarity as comparing every pair, on rapidfuzz's defaults with umlauts spelled out
    (as banks write them) or normalised as full scoring compares names; the pairs not
    asked about are left alone."""
    pay = np.array([p % len(contacts) for p, _, _ in pairs], dtype=np.int64)
    rows = np.array([r % len(payers) for _, r, _ in pairs], dtype=np.int64)
    among = np.array([asked for _, _, asked in pairs], dtype=np.bool_)
    out = np.full(len(pairs), -1.0)
    _similarities(
        contacts, payers, text_keys(payers), pay, rows, among, out, as_full_scoring=as_full_scoring
    )
    expected = [
        -1.0
        if not asked
        else name_similarity(normalise_name(contacts[p]), normalise_name(payers[r]))
        if as_full_scoring
        else fuzz.token_set_ratio(processed_name(contacts[p]), processed_name(payers[r]))
        for p, r, asked in zip(pay.tolist(), rows.tolist(), among.tolist(), strict=True)
    ]
    assert out.tolist() == expected


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.one_of(
            st.text(max_size=6),
            st.text(alphabet="ab\x00\U0001f600\ud800 ", max_size=4),
            st.text(min_size=129, max_size=130),
        ),
        max_size=12,
    )
)
def test_id_ranking_is_the_string_order_of_python(labels: list[str]) -> None:
    """The ranks on numpy strings, or on Python's sort where a label holds a NUL or is
    long, are the ranks of Python's string order, and asked again the same."""
    order = {label: i for i, label in enumerate(sorted(set(labels)))}
    ranks, ranked = id_ranking(labels)
    assert ranks.tolist() == [order[label] for label in labels]
    assert ranks.dtype == np.int64
    asked = labels[::-1][:3]
    assert ranked(asked).tolist() == [order[label] for label in asked]
    assert ranked([]).tolist() == []


def test_a_series_takes_the_one_step_every_payment_has_a_line_in() -> None:
    # three rents, each with its own month's line (2 days after its voucher's date) and
    # the next month's (about 30): the first and second hold the next month's lines
    options = {
        0: [(10, 100, 2), (11, 101, 30)],
        1: [(12, 101, 1), (13, 102, 31)],
        2: [(14, 102, 3)],
    }
    assert series_in_step({0: 11, 1: 13}, options) == {0: 10, 1: 12, 2: 14}
    # held in step already: nothing changes
    assert series_in_step({0: 10, 1: 12, 2: 14}, options) is None
    # the third with a line a month on too: two steps fit every payment, none is taken
    wider = {**options, 2: [(14, 102, 3), (15, 103, 29)]}
    assert series_in_step({0: 11, 1: 13}, wider) is None
    # a payment with two lines inside one step, or two payments sharing one line: none
    assert series_in_step({0: 11}, {0: [(10, 100, 2), (11, 101, 5)]}) is None
    assert series_in_step({0: 11}, {0: [(10, 100, 2), (11, 101, 30)], 1: [(12, 100, 3)]}) is None
