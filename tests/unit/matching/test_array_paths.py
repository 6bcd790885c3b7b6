"""The array paths of the engine against their per-pair / per-item references
(hypothesis): the fast path's clear links against full scoring, marker search against
``bytes.find``, digit groups against ``int``, the index order against ``lexsort``,
membership against ``isin``, the candidate pairs and their scores on arrays against the
rule and the scoring per pair."""

from __future__ import annotations

import re
import sys
from datetime import date, timedelta
from functools import partial
from typing import Any

import numpy as np
import numpy.typing as npt
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from belegsync.domain.matching import BankTxn, ExpectedPayment, MatchFeatures, Suggestion
from belegsync.domain.matching_text import normalise_name, normalise_text
from belegsync.matching import (
    MatchParams,
    engine,
    fastpath,
    features,
    match,
    periods,
    textscan,
)
from belegsync.matching.candidates import (
    ReferenceKeys,
    Returns,
    StateColumns,
    TxnIndex,
    _order_by_key_and_day,
    _packed_order,
    _recollections,
    _with_charges,
    candidate_pairs,
    distinct,
    find_sorted,
    is_member,
    unique_first,
    unique_inverse,
)
from belegsync.matching.columns import TxnColumns
from belegsync.matching.decide import Edge, EdgeColumns
from belegsync.matching.features import FeatureContext
from belegsync.matching.history import LinkHistory
from belegsync.matching.line_keys import KeyColumns, marker_mask
from belegsync.matching.line_marks import RECOLLECTION_MARKERS
from belegsync.matching.memory import IbanContactMemory
from belegsync.matching.textscan import TextBlob, _group_values, _marker_positions, digit_tokens
from unit.matching.factories import D0, IBAN_A, IBAN_B, payment, txn

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
AMOUNTS = (1000, 2000, 11900, 11662, 5000)
NUMBERS = ("RE-2024-0001", "RE-2024-0002", "RE-2024-0003", "10042", "RE-2024-0004")
CONTACTS = (("c1", "Müller Bau GmbH", IBAN_A), ("c2", "Schmidt & Söhne KG", IBAN_B))
PAYERS = ("MUELLER BAU GMBH", "Schmidt und Soehne", "Meier", "")


WORLD = {
    "payments": st.integers(1, 6),
    "amount": st.sampled_from(AMOUNTS),
    "gross": st.sampled_from((None, 11900)),
    "vtype": st.sampled_from(("salesinvoice", "purchaseinvoice")),
    "paid": st.sampled_from((None, D0, D0 + timedelta(days=5))),
    "has_items": st.booleans(),
    "voucher_date": st.just(date(2024, 2, 20)),
    "lines": st.integers(0, 8),
    "line_amount": st.sampled_from((1, -1)).flatmap(
        lambda sign: st.sampled_from(AMOUNTS).map(lambda a: sign * a)
    ),
    "text": st.lists(
        st.sampled_from((*NUMBERS, "Zahlung", "Miete 02/2024", "Kd-Nr 4711", "Rechnung 2")),
        max_size=2,
    ).map(" ".join),
    "days": st.integers(-15, 12),
    # a customer number the purpose may cite (a weak reference)
    "customer": st.sampled_from((None, "4711", "K-0815")),
}
# equal amounts from several contacts, purposes naming a month or a quarter
RENT = WORLD | {
    "payments": st.integers(1, 4),
    "amount": st.sampled_from((1000, 2000)),
    "gross": st.none(),
    "vtype": st.just("purchaseinvoice"),
    "paid": st.none(),
    "has_items": st.just(False),
    "voucher_date": st.sampled_from((date(2024, 2, 20), date(2024, 3, 20))),
    "lines": st.integers(1, 5),
    "line_amount": st.sampled_from((-1000, -2000)),
    "text": st.sampled_from(("Miete 02/2024", "Miete 03/2024", "Q1/2024", "Zahlung")),
    "days": st.integers(-10, 10),
}
# amounts near the item (the tolerance band) and few exact ones
BAND = WORLD | {
    "amount": st.just(11900),
    "gross": st.none(),
    "has_items": st.just(True),
    "line_amount": st.sampled_from((11662, 11800, 11850, 11990, 11500, 11900)),
    "text": st.sampled_from(("Zahlung", "RE-2024-0001")),
}


@st.composite
def worlds(
    draw: st.DrawFn, choices: dict[str, st.SearchStrategy[Any]] = WORLD
) -> tuple[list[ExpectedPayment], list[BankTxn]]:
    payments = []
    for i in range(draw(choices["payments"])):
        contact, name, iban = draw(st.sampled_from(CONTACTS))
        payments.append(
            payment(
                f"v{i}#0",
                number=draw(st.sampled_from(NUMBERS)),
                amount=draw(choices["amount"]),
                gross=draw(choices["gross"]),
                vtype=draw(choices["vtype"]),
                paid=draw(choices["paid"]),
                contact=contact,
                name=name,
                has_items=draw(choices["has_items"]),
                voucher_date=draw(choices["voucher_date"]),
                known_identifiers=frozenset({iban}) if draw(st.booleans()) else frozenset(),
                customer_number=draw(choices["customer"]),
            )
        )
    lines = [
        txn(
            f"b{j}",
            amount=draw(choices["line_amount"]),
            text=draw(choices["text"]),
            day=D0 + timedelta(days=draw(choices["days"])),
            name=draw(st.sampled_from(PAYERS)),
            iban=draw(st.sampled_from((IBAN_A, IBAN_B, ""))),
        )
        for j in range(draw(choices["lines"]))
    ]
    return payments, lines


def _core(features: MatchFeatures) -> tuple[object, ...]:
    # what both paths must agree on: every feature a reason or the score reads; the full
    # path may add reason codes (recurring, period) and the runner-ups it saw (the fast
    # path has no competitor by construction), and names a number hit as the purpose
    # writes it where the fast path names the voucher number
    return (
        features.amount,
        features.amount_kind,
        features.amount_delta_cents,
        features.days_delta,
        features.reference,
        features.reference is not None and features.reference < 1.0 and features.reference_hit,
        features.counterparty,
        features.counterparty_evidence,
        features.date,
        features.penalty,
    )


@st.composite
def histories(draw: st.DrawFn) -> LinkHistory | None:
    """What confirmed links may have taught: payer names (of the world's payers) and
    past amounts per contact, or nothing."""
    if draw(st.booleans()):
        return None
    contacts = [("t1", contact) for contact, _, _ in CONTACTS]
    names = {
        key: {normalise_name(n) for n in draw(st.sets(st.sampled_from(PAYERS[:3]), max_size=2))}
        for key in contacts
    }
    past = {
        key: [
            ((D0 - timedelta(days=days)).toordinal(), draw(st.sampled_from(AMOUNTS)))
            for days in draw(st.lists(st.sampled_from((30, 31, 91)), max_size=2))
        ]
        for key in contacts
    }
    return LinkHistory(
        names={k: v for k, v in names.items() if v}, past={k: v for k, v in past.items() if v}
    )


@SETTINGS
@given(worlds(), histories())
def test_fast_path_links_only_what_full_scoring_links(
    world: tuple[list[ExpectedPayment], list[BankTxn]], history: LinkHistory | None
) -> None:
    payments, lines = world
    fast = match(payments, lines, history=history)
    full = match(payments, lines, params=MatchParams(fast_path=False), history=history)
    full_links = {(d.suggestion.payment_id, d.suggestion.txn_id): d for d in full.auto_links}
    for decision in fast.auto_links:
        s = decision.suggestion
        reference = full_links.get((s.payment_id, s.txn_id))
        assert reference is not None, s
        t = reference.suggestion
        assert (s.allocated_cents, s.difference_cents) == (t.allocated_cents, t.difference_cents)
        assert _core(s.features) == _core(t.features)
        assert s.score == t.score
        assert s.features.extra == t.features.extra
    assert {(d.suggestion.payment_id, d.suggestion.txn_id) for d in fast.auto_links} == set(
        full_links
    )


def test_a_payment_whose_tolerance_band_holds_the_line_keeps_the_fast_path_off() -> None:
    """Found by the property test above in CI: two invoices of one contact, both
    119,00 €; a line of 116,62 € citing the customer number. One has no items (its 2 %
    Skonto guessed: an exact pair), the other is 2 % above the line — inside its
    tolerance band, a rival in full scoring, which links neither. The fast path looked
    for rivals only a fee above the line and linked the first."""
    invoice = partial(payment, number="RE-2024-0001", amount=11900, paid=None, contact="c1")
    payments = [invoice("v0#0", customer_number="4711"), invoice("v1#0", has_items=False)]
    line = txn("b0", amount=11662, day=date(2024, 3, 1), text="Kd-Nr 4711", iban=IBAN_A)

    fast = match(payments, [line])
    full = match(payments, [line], params=MatchParams(fast_path=False))

    assert fast.auto_links == full.auto_links == ()


def test_a_late_line_whose_payer_full_scoring_names_keeps_the_fast_path_off() -> None:
    """Found by the property test above: a supplier's invoice marked paid two weeks
    after its date; on its date a line from „Schmidt und Soehne“ (no text), and five
    days before the paid date another payer's line citing the invoice. Full scoring
    reads the first as from the contact „Schmidt & Söhne KG“ (names normalised), a
    rival within the margin, and links neither; the fast path compared the names as
    written, left the early line out and linked the cited one."""
    invoice = payment(
        "v0#0",
        number="RE-2024-0002",
        amount=1000,
        vtype="purchaseinvoice",
        paid=date(2024, 3, 6),
        name="Schmidt & Söhne KG",
        contact="c2",
    )
    early = txn("b0", amount=-1000, day=date(2024, 2, 20), text="", name="Schmidt und Soehne")
    cited = txn("b1", amount=-1000, day=date(2024, 3, 1), text="RE-2024-0002")

    fast = match([invoice], [early, cited])
    full = match([invoice], [early, cited], params=MatchParams(fast_path=False))

    assert fast.auto_links == full.auto_links == ()


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(worlds(RENT))
def test_fast_path_reads_periods_only_where_they_may_matter(
    world: tuple[list[ExpectedPayment], list[BankTxn]],
) -> None:
    """Reading the period in every purpose the fast path looks at gives the same result
    as reading it only where it can change which pairs are sole."""
    payments, lines = world
    restricted = match(payments, lines)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(fastpath, "_may_matter", lambda pay, rows, among, *_: among)
        everywhere = match(payments, lines)
    assert restricted == everywhere


def _find_all(blob: bytes, markers: list[bytes]) -> list[int]:
    found = []
    for marker in markers:
        at = blob.find(marker)
        while at >= 0:
            found.append(at)
            at = blob.find(marker, at + 1)
    return sorted(found)


@settings(max_examples=300, deadline=None)
@given(
    # upper- and lower-case letters: markers are found in the text read upper-cased
    st.binary(max_size=80).map(lambda b: bytes(c % 8 + (97 if c & 8 else 65) for c in b)),
    st.lists(
        st.binary(min_size=1, max_size=5).map(lambda b: bytes(c % 8 + 65 for c in b)),
        min_size=1,
        max_size=4,
    )
    | st.lists(
        # three bytes or more: found from the words at even offsets
        st.binary(min_size=3, max_size=6).map(lambda b: bytes(c % 4 + 65 for c in b)),
        min_size=1,
        max_size=4,
    ),
)
def test_marker_positions_equal_bytes_find(blob: bytes, markers: list[bytes]) -> None:
    markers = list(dict.fromkeys(markers))
    found = _marker_positions(np.frombuffer(blob, dtype=np.uint8), markers)
    assert [sorted(f.tolist()) for f in found] == [_find_all(blob.upper(), [m]) for m in markers]


TEXTS = st.lists(st.text(alphabet="0123456789 -/.,\n\x1fabREexsßıſﬆ²٣Ä", max_size=30), max_size=12)


@settings(max_examples=200, deadline=None)
@given(TEXTS, st.lists(st.sampled_from([b"RE", b"SS", b"I", b"ST", b"X"]), min_size=1))
def test_blob_rows_mentioning_equal_each_text(texts: list[str], markers: list[bytes]) -> None:
    """Also where a text holds the separator itself."""
    found = TextBlob(texts).rows_mentioning(markers)
    upper = [t.replace("\x1f", " ").upper().encode() for t in texts]
    assert found == {row for row, text in enumerate(upper) if any(m in text for m in markers)}


@settings(max_examples=200, deadline=None)
@given(TEXTS, st.integers(1, 4))
def test_digit_tokens_read_each_row_alone_in_chunks_of_any_size(
    texts: list[str], chunk: int
) -> None:
    each = sorted(
        (row, value)
        for row, text in enumerate(texts)
        for value in digit_tokens([text.replace("\x1f", " ")])[1].tolist()
    )
    default = textscan._TOKEN_ROWS
    try:
        textscan._TOKEN_ROWS = chunk
        rows, values = digit_tokens(texts)
    finally:
        textscan._TOKEN_ROWS = default
    assert sorted(zip(rows.tolist(), values.tolist(), strict=True)) == each


@pytest.mark.parametrize(
    ("text", "values"),
    [
        # an amount the purpose states is no number: euros, comma, cents or a dash
        ("RE 4711 Betrag 1.234,56 EUR", [4711]),
        ("Zahlung 2.345,00 EUR Kd 10051", [10051]),
        ("1.234,- EUR RE 4711", [4711]),
        ("EUR 1234,56 RE 4711", [4711]),
        ("12.345.678,90 4711", [4711]),
        # nor joined to the number before it ("4711 12.500" was 471112)
        ("RE 4711 12.500,00", [4711]),
        # a list of numbers, a date and a comma without cents stay what they were
        ("Rechnungen 4711,4712", [4711, 4712]),
        ("RG 4711 vom 12.03.2024", [4711]),
        ("RE 4711, 1234,5", [1234, 4711]),
    ],
)
def test_amounts_in_a_purpose_are_no_numbers(text: str, values: list[int]) -> None:
    assert sorted(digit_tokens([text])[1].tolist()) == values


def test_upper_case_keeps_digits_and_their_separators() -> None:
    """Why digit tokens may be read from the upper-cased blob: an ASCII digit, a
    separator between digit groups (``-/.``, space, line break) and the row separator
    stay themselves, and no other character upper-cases to a string holding one."""
    special = set("0123456789-/. \n\x1f")
    changed = []
    for code in range(sys.maxunicode + 1):
        char = chr(code)
        upper = char.upper()
        if (upper != char) if char in special else not special.isdisjoint(upper):
            changed.append(char)
    assert changed == []


def test_only_the_listed_characters_upper_case_to_ascii_letters() -> None:
    """Why the marker search may read only ASCII letters upper-cased: besides ASCII,
    only ``_TO_ASCII_LETTERS`` upper-case to a string holding an ASCII letter."""
    letters = set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")
    found = [
        char
        for char in map(chr, range(0x80, sys.maxunicode + 1))
        if not letters.isdisjoint(char.upper())
    ]
    assert "".join(found) == textscan._TO_ASCII_LETTERS


@settings(max_examples=300, deadline=None)
@given(
    st.text(alphabet="0123456789ab -", max_size=60)
    | st.lists(st.text(alphabet="0123456789", min_size=1, max_size=26), max_size=4).map(" ".join)
)
def test_digit_group_values_equal_int(text: str) -> None:
    arr = np.frombuffer(text.encode(), dtype=np.uint8)
    groups = list(re.finditer("[0-9]+", text))
    starts = np.array([m.start() for m in groups], dtype=np.int64)
    lengths = np.array([len(m.group()) for m in groups], dtype=np.int64)
    values = _group_values(arr, starts, lengths).tolist()
    assert values == [int(m.group()[:18]) for m in groups]


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(0, 50) | st.integers(0, 1 << 45), st.integers(700_000, 700_040))
        | st.tuples(st.integers(0, 1 << 45), st.integers(700_000, 800_000)),
        max_size=40,
    ),
    st.booleans(),
)
def test_index_order_equals_lexsort(pairs: list[tuple[int, int]], huge: bool) -> None:
    """Keys that leave room for the row number, for the day only, for neither."""
    key = np.array([k << 17 if huge else k for k, _ in pairs], dtype=np.int64)
    day = np.array([d for _, d in pairs], dtype=np.int64)
    expected = np.lexsort((day, key)) if pairs else np.zeros(0, dtype=np.int64)
    assert _order_by_key_and_day(key, day).tolist() == expected.tolist()


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(0, 20) | st.integers(0, 1 << 62), max_size=40))
def test_stable_order_equals_stable_argsort(keys: list[int]) -> None:
    """Few distinct keys (ties keep their order), and keys that leave no room for the
    positions."""
    values = np.array(keys, dtype=np.int64)
    bound = int(values.max(initial=0)) + 1
    expected = np.argsort(values, kind="stable")
    assert fastpath._stable_order(values, bound).tolist() == expected.tolist()


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.integers(-2, 9),
            st.integers(-5, 40) | st.integers(1 << 38, 1 << 41),
            st.integers(700_000, 700_040) | st.integers(0, 800_000),
            st.booleans(),
        ),
        max_size=40,
    )
)
def test_packed_order_equals_lexsort(rows: list[tuple[int, int, int, bool]]) -> None:
    """Eligible rows by partition, remaining amount, day and row; or None where the
    four do not fit in 62 bits."""
    part = np.array([r[0] for r in rows], dtype=np.int64)
    remaining = np.array([r[1] for r in rows], dtype=np.int64)
    day = np.array([r[2] for r in rows], dtype=np.int64)
    eligible = np.array([r[3] for r in rows], dtype=np.bool_)
    eligible &= (part >= 0) & (remaining > 0) & (remaining < 1 << 40)
    packed = _packed_order(part, remaining, day, eligible)
    idx = np.flatnonzero(eligible)
    order = idx[np.lexsort((idx, day[idx], remaining[idx], part[idx]))]
    if packed is None:
        assert (
            idx.size == 0
            or sum(
                int(v).bit_length()
                for v in (
                    part[idx].max(),
                    remaining[idx].max(),
                    day[idx].max() - day[idx].min(),
                    max(part.size - 1, 1),
                )
            )
            > 62
        )
        return
    key, listed, days = packed
    assert listed.tolist() == order.tolist()
    assert key.tolist() == ((part[order] << 40) | remaining[order]).tolist()
    assert days.tolist() == day[order].tolist()


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.integers(-3, 3).flatmap(lambda k: st.integers(0, 9).map(lambda v: k << 16 | v))),
    st.lists(st.integers(-3, 3).flatmap(lambda k: st.integers(0, 9).map(lambda v: k << 16 | v))),
)
def test_is_member_equals_isin_where_low_bits_collide(values: list[int], wanted: list[int]) -> None:
    arr = np.array(values, dtype=np.int64)
    wanted_arr = np.array(wanted, dtype=np.int64)
    assert is_member(arr, wanted_arr).tolist() == np.isin(arr, wanted_arr).tolist()
    # both tables: flags (few values), and positions (many: a key alone on its low
    # bits is compared directly, keys sharing them are searched)
    keys = distinct(wanted_arr)
    listed = keys.tolist()
    expected = [(i, listed.index(v)) for i, v in enumerate(values) if v in listed]
    for positions_from in (0, 1 << 30):
        where, pos = find_sorted(arr, keys, positions_from=positions_from)
        assert list(zip(where.tolist(), pos.tolist(), strict=True)) == expected


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.integers(-(1 << 60), 1 << 60), max_size=40),
    st.lists(st.integers(-(1 << 60), 1 << 60), max_size=10),
    st.lists(st.integers(0, 39), max_size=10),
)
def test_is_member_equals_isin(values: list[int], others: list[int], picks: list[int]) -> None:
    """Wanted values both among the values (picked by position) and elsewhere."""
    wanted = others + [values[i] for i in picks if i < len(values)]
    arr = np.array(values, dtype=np.int64)
    wanted_arr = np.array(wanted, dtype=np.int64)
    assert is_member(arr, wanted_arr).tolist() == np.isin(arr, wanted_arr).tolist()


@settings(max_examples=300, deadline=None)
@given(
    st.integers(-(1 << 62), 1 << 61),
    st.lists(st.integers(0, 70) | st.integers(0, 1 << 24) | st.integers(0, 1 << 61), max_size=60),
    st.sampled_from([np.int64, np.int32, np.uint16]),
)
def test_unique_by_flags_equals_numpys_unique(low: int, offsets: list[int], dtype: Any) -> None:
    """Narrow ranges are read by flags, wide ones (more than 32 slots per value, or
    8 million) by ``np.unique``: the same arrays either way, dtypes included."""
    info = np.iinfo(dtype)
    values = np.array(
        [min(max(low + o, info.min), info.max) for o in offsets], dtype=np.int64
    ).astype(dtype)
    found, inverse = unique_inverse(values)
    want, want_inverse = np.unique(values, return_inverse=True)
    assert (found.dtype, found.tolist()) == (want.dtype, want.tolist())
    assert inverse.tolist() == want_inverse.reshape(-1).tolist()
    found, first, inverse = unique_first(values)
    want, want_first, want_inverse = np.unique(values, return_index=True, return_inverse=True)
    assert (found.tolist(), first.tolist()) == (want.tolist(), want_first.tolist())
    assert inverse.tolist() == want_inverse.reshape(-1).tolist()
    assert (distinct(values).dtype, distinct(values).tolist()) == (want.dtype, want.tolist())


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.integers(-(1 << 60), 1 << 60), max_size=40),
    st.lists(st.integers(-(1 << 60), 1 << 60) | st.integers(0, 3), max_size=10),
    st.lists(st.integers(0, 39), max_size=10),
)
def test_find_sorted_gives_each_present_value_its_key(
    values: list[int], others: list[int], picks: list[int]
) -> None:
    wanted = others + [values[i] for i in picks if i < len(values)]
    keys = distinct(np.array(wanted, dtype=np.int64))
    assert keys.tolist() == sorted(set(wanted))
    listed = keys.tolist()
    expected = [(i, listed.index(v)) for i, v in enumerate(values) if v in listed]
    for positions_from in (0, 1 << 30):  # the table of positions, the table of flags
        where, pos = find_sorted(
            np.array(values, dtype=np.int64), keys, positions_from=positions_from
        )
        assert list(zip(where.tolist(), pos.tolist(), strict=True)) == expected


CREDITOR = "DE98ZZZ09999999999"


@settings(max_examples=100, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["t1", "t2", "t3"]),
            st.sampled_from([IBAN_A, IBAN_B, ""]),
            st.sampled_from([CREDITOR, ""]),
            st.sampled_from([-500, 500, 700]),
            st.integers(0, 3),
        ),
        max_size=30,
    ),
    st.sampled_from([{0}, {1}, {0, 1}, {2}]),
)
def test_known_accounts_indexed_by_partition_and_day(
    rows: list[tuple[str, str, str, int, int]], tcs: set[int]
) -> None:
    """Each wanted IBAN or creditor id under the partitions of the tenant-currencies
    that want it, rows by day then row; ``identified`` also for the owned ones."""
    lines = [
        txn(f"b{i}", tenant=t, iban=iban, creditor_id=cred, amount=cents, day=D0 + timedelta(d))
        for i, (t, iban, cred, cents, d) in enumerate(rows)
    ]
    cols = TxnColumns.from_txns(lines)
    ids = {("t1", "EUR"): 0, ("t2", "EUR"): 1}
    wanted = {CREDITOR: tcs, IBAN_A: {0}}
    index = TxnIndex.build(cols, ids, {}, wanted, (), {IBAN_B})
    expected: dict[tuple[int, str], list[tuple[int, int]]] = {}
    for row, line in enumerate(lines):
        tc = ids.get((line.tenant_id, "EUR"), -1)
        if tc < 0:
            continue
        for ident in _accounts(line) & wanted.keys():
            if tc in wanted[ident]:
                part = tc * 2 + (line.amount_cents < 0)
                expected.setdefault((part, ident), []).append((int(cols.day[row]), row))
    assert index.by_identifier == {
        key: ([d for d, _ in sorted(each)], [r for _, r in sorted(each)])
        for key, each in expected.items()
    }
    owned = {IBAN_A, IBAN_B, CREDITOR}
    assert index.identified is not None
    assert index.identified.tolist() == [
        ids.get((line.tenant_id, "EUR"), -1) >= 0 and bool(_accounts(line) & owned)
        for line in lines
    ]


def _accounts(line: BankTxn) -> set[str]:
    """The line's IBAN, and its creditor id where money went out (on a credit it is the
    client's own)."""
    return {line.counterparty_iban, line.creditor_id if line.amount_cents < 0 else ""}


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from([IBAN_A, IBAN_B, ""]),
            st.sampled_from([CREDITOR, ""]),
            st.sampled_from([-500, -700, 500]),
            st.integers(0, 70),
            st.booleans(),
            st.booleans(),
            st.sampled_from(["t1", "t2"]),
        ),
        max_size=30,
    )
)
def test_recollections_follow_an_undone_movement_of_the_counterparty_within_30_days(
    rows: list[tuple[str, str, int, int, bool, bool, str]],
) -> None:
    """Debits and credits alike (a supplier's debit, a customer's collection): the first
    line of the amount, counterparty and client (partition) after an undone movement —
    taken as following the latest undone one before it — makes that one again. Another
    client's debit to the same payee is not collected again because this one's came
    back."""
    lines = [
        txn(f"b{i}", iban=iban, creditor_id=cred, amount=cents, day=D0 + timedelta(d), tenant=t)
        for i, (iban, cred, cents, d, _, _, t) in enumerate(rows)
    ]
    cols = TxnColumns.from_txns(lines)
    undone = [i for i, row in enumerate(rows) if row[4]]
    eligible = np.array([row[5] for row in rows], dtype=np.bool_)
    part = np.array([(t == "t2") * 2 + (c < 0) for _, _, c, _, _, _, t in rows], dtype=np.int64)

    def payee(row: int) -> str:
        return cols.ibans[row] or cols.creditors[row]

    follows: dict[int, int] = {}  # row → the day of the latest undone movement before it
    for r in range(len(rows)):
        earlier = [
            int(cols.day[q])
            for q in undone
            if eligible[r]
            and cols.amount[r] == cols.amount[q]
            and payee(r) == payee(q)
            and part[r] == part[q]
            and 0 < cols.day[r] - cols.day[q] <= 30
        ]
        if earlier:
            follows[r] = max(earlier)
    found = _recollections(cols, Returns([], undone, [], {}), eligible, part.reshape(-1))
    assert all(first in undone for first in found.values())
    assert len(set(found.values())) == len(found)  # one line per undone movement
    assert set(found) <= set(follows)
    for row, first in found.items():
        assert int(cols.day[first]) == follows[row]
        # no line following the same undone movement comes before it
        assert not any(
            follows.get(other) == follows[row]
            and payee(other) == payee(row)
            and cols.amount[other] == cols.amount[row]
            and part[other] == part[row]
            and (int(cols.day[other]), other) < (int(cols.day[row]), row)
            for other in follows
        )
    # every undone movement followed by a line has one
    assert {(follows[r], payee(r), int(cols.amount[r]), int(part[r])) for r in follows} == {
        (int(cols.day[f]), payee(r), int(cols.amount[r]), int(part[r])) for r, f in found.items()
    }


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from([IBAN_A, IBAN_B, ""]),
            st.sampled_from(["MUELLER BAU GMBH", "Müller Bau GmbH", "SCHULZE", ""]),
            st.sampled_from([59500, 60150, 61500, 62000, 100, 2050]),
            st.booleans(),  # money in
            st.integers(0, 45),
            st.booleans(),  # a return
        ),
        max_size=25,
    )
)
def test_returns_with_charges_pair_with_a_lesser_opposite_movement_of_the_payer(
    rows: list[tuple[str, str, int, bool, int, bool]],
) -> None:
    """Each pair: opposite signs, the return up to 20 € more, within 30 days before, the
    same account or name; each movement undone once; a return left unpaired has no such
    movement left (one without account and name is not read)."""
    lines = [
        txn(
            f"b{i}", iban=iban, name=name, amount=cents if credit else -cents, day=D0 + timedelta(d)
        )
        for i, (iban, name, cents, credit, d, _) in enumerate(rows)
    ]
    cols = TxnColumns.from_txns(lines)
    returns = [i for i, row in enumerate(rows) if row[5]]
    tc = np.zeros(len(rows), dtype=np.int64)
    keys = cols.amount.copy()
    found = _with_charges(cols, tc, keys, returns, set())

    def fits(row: int, r: int) -> bool:
        more = abs(int(cols.amount[r])) - abs(int(cols.amount[row]))
        same = bool(cols.ibans[row] and cols.ibans[row] == cols.ibans[r]) or bool(
            cols.names[row] and normalise_text(cols.names[row]) == normalise_text(cols.names[r])
        )
        return (
            (cols.amount[row] > 0) != (cols.amount[r] > 0)
            and 0 < more <= 2000
            and 0 <= int(cols.day[r]) - int(cols.day[row]) <= 30
            and same
        )

    assert len(set(found.values())) == len(found)
    assert all(fits(row, r) for r, row in found.items())
    for r in returns:
        if r not in found and (cols.ibans[r] or cols.names[r]):
            assert not any(fits(row, r) and row not in found.values() for row in range(len(rows)))


def test_period_in_the_purpose_makes_a_competitor_for_the_fast_path_too() -> None:
    """Hypothesis found it: the line from Schmidt's known account names the month of
    Müller's voucher ("Miete 02/2024") in the name of Müller's firm. Full scoring reads
    the period as a reference, so Müller's pair competes and nothing is linked; the fast
    path must not link Schmidt's payment as the sole pair either."""
    payments = [
        payment(
            "v1#0",
            amount=1000,
            gross=1000,
            vtype="purchaseinvoice",
            paid=None,
            contact="c2",
            name="Schmidt & Söhne KG",
            has_items=False,
            known_identifiers=frozenset({IBAN_B}),
        ),
        payment(
            "v2#0",
            amount=1000,
            gross=1000,
            vtype="purchaseinvoice",
            paid=None,
            contact="c1",
            name="Müller Bau GmbH",
            has_items=False,
        ),
    ]
    lines = [txn("b0", amount=-1000, text="Miete 02/2024", name="MUELLER BAU GMBH", iban=IBAN_B)]
    fast = match(payments, lines)
    full = match(payments, lines, params=MatchParams(fast_path=False))
    assert full.auto_links == ()
    assert fast.auto_links == ()


@pytest.mark.parametrize(
    ("b_line", "purpose", "clear"),
    [
        (True, "Zahlung", True),  # B has a line of its own amount: full scoring bands none
        (False, "Zahlung", False),  # B has none: its tolerance band holds A's line
        (True, "Zahlung RE-2024-0002", False),  # A's line names B: a reference hit of B's
    ],
)
def test_a_payment_near_the_amount_competes_only_where_full_scoring_pairs_them(
    b_line: bool, purpose: str, clear: bool
) -> None:
    """A's line pays 119.00 €; B's invoice is 119.50 €, 50 cents more (a fee kept back).
    Full scoring pairs B with A's line only by its tolerance band, which a payment with
    a line of its own amount does not have, or by a reference or known account. Where
    it does not, A's pair is sole and the fast path links it (at full scale 7,600
    links that full scoring made the same way)."""
    payments = [
        payment("a#0", number="RE-2024-0001", amount=11900, name="Schneider Bau GmbH"),
        payment("b#0", number="RE-2024-0002", amount=11950, contact="c2", name="Schmidt KG"),
    ]
    lines = [txn("ra", amount=11900, text=purpose, name="SCHNEIDER BAU GMBH", iban="")]
    if b_line:
        lines.append(txn("rb", amount=11950, text="Zahlung", name="SCHMIDT KG", iban=IBAN_B))
    run = _run(payments, lines, MatchParams())
    cleared = {(d.suggestion.payment_id, d.suggestion.txn_id) for d in run.clear.decisions}
    assert (("a#0", "ra") in cleared) is clear
    links = [
        {(d.suggestion.payment_id, d.suggestion.txn_id) for d in result.auto_links}
        for result in (
            match(payments, lines),
            match(payments, lines, params=MatchParams(fast_path=False)),
        )
    ]
    assert links[0] == links[1]
    assert (("a#0", "ra") in links[1]) or not clear


def test_a_payer_confirmed_links_taught_reads_as_full_scoring_reads_it() -> None:
    """Confirmed links taught that Becker KG pays for Lindenhof and that H. Albrecht pays
    Lindenhof's rent every month. A line of 500 € from BECKER KG is Lindenhof's known
    payer in full scoring (1.0), ahead of Becker's own invoice by name (0.7): Becker's
    pair is no sole pair, and the fast path must not link it as one. A line from
    H. ALBRECHT naming Lindenhof's invoice reads as full scoring reads it: a known payer,
    a monthly payment."""

    def lindenhof() -> ExpectedPayment:
        return payment(
            "l#0", number="RE-2024-0001", amount=50000, contact="cl", name="Lindenhof GbR"
        )

    history = LinkHistory(
        names={("t1", "cl"): {normalise_name("BECKER KG"), normalise_name("H. ALBRECHT")}},
        past={("t1", "cl"): [((D0 - timedelta(days=31)).toordinal(), 50000)]},
    )
    worlds_ = [
        (
            [
                lindenhof(),
                payment("b#0", number="RE-2024-0002", amount=50000, contact="cb", name="Becker KG"),
            ],
            [txn("r", amount=50000, text="Zahlung", name="BECKER KG", iban="")],
        ),
        (
            [lindenhof()],
            [txn("r", amount=50000, text="Miete RE-2024-0001", name="H. ALBRECHT", iban="")],
        ),
    ]
    for payments, lines in worlds_:
        fast = match(payments, lines, history=history)
        full = match(payments, lines, history=history, params=MatchParams(fast_path=False))
        assert [_read(d.suggestion) for d in fast.auto_links] == [
            _read(d.suggestion) for d in full.auto_links
        ]
    run = _run(*worlds_[1], MatchParams(), history)
    (link,) = run.clear.decisions
    assert link.suggestion.features.counterparty_evidence == "payer_known"
    assert link.suggestion.features.extra == ("recurring:monthly",)


def test_a_line_from_another_contacts_account_is_not_linked_by_the_name() -> None:
    """Hypothesis found it: Meier's rent (February) and a line from Schmidt's known IBAN
    under the name MEIER BAU GMBH, naming February. Full scoring does not compare the
    names of a line from another contact's account: no identifying signal, a suggestion
    only. The fast path linked it by the name as the sole pair."""
    payments = [
        payment(
            "v0#0",
            amount=1000,
            gross=1000,
            vtype="purchaseinvoice",
            paid=None,
            name="Meier Bau GmbH",
            has_items=False,
        ),
        payment(
            "v1#0",
            number="RE-2024-0002",
            amount=5000,
            contact="c2",
            name="Schmidt KG",
            known_identifiers=frozenset({IBAN_B}),
        ),
    ]
    lines = [
        txn(
            "b0",
            amount=-1000,
            text="Miete 02/2024",
            name="MEIER BAU GMBH",
            iban=IBAN_B,
            day=date(2024, 3, 1),
        )
    ]
    for params in (MatchParams(), MatchParams(fast_path=False)):
        result = match(payments, lines, params=params)
        assert result.auto_links == ()
        (offered,) = result.suggestions_by_payment["v0#0"]
        assert offered.features.counterparty_evidence == "identifier_of_other_contact"


def test_a_rival_citing_its_customer_number_keeps_a_pair_from_being_sole() -> None:
    """Hypothesis found it: a line from MUELLER BAU GMBH whose purpose says „Kd-Nr 4711“,
    Schmidt's customer number, and two invoices of its amount. Full scoring reads
    Schmidt's pair as a weak reference (0.5): a rival of Müller's by name, so neither is
    linked. The fast path took Müller's pair as sole (it read no weak reference there)."""
    payments = [
        payment("v0#0", amount=11900, vtype="purchaseinvoice", paid=None, has_items=False),
        payment(
            "v1#0",
            amount=11900,
            vtype="purchaseinvoice",
            paid=None,
            contact="c2",
            name="Schmidt & Söhne KG",
            has_items=False,
            customer_number="4711",
        ),
    ]
    lines = [txn("b0", amount=-11900, text="Kd-Nr 4711", day=date(2024, 3, 1))]
    for params in (MatchParams(), MatchParams(fast_path=False)):
        assert match(payments, lines, params=params).auto_links == ()


def _read(s: Suggestion) -> tuple[object, ...]:
    f = s.features
    return (s.payment_id, s.txn_id, s.score, _core(f), f.extra)


def _run(
    payments: list[ExpectedPayment],
    lines: list[BankTxn],
    params: MatchParams,
    history: LinkHistory | None = None,
) -> engine._Run:
    return engine._Run(
        payments,
        TxnColumns.from_txns(lines),
        frozenset(),
        (),
        IbanContactMemory(),
        params,
        history,
    )


def _candidates_one_by_one(run: engine._Run) -> set[tuple[int, int, bool]]:
    """The candidate rule per payment, over every row."""
    index, params = run.index, run.params
    cols = index.cols
    out: set[tuple[int, int, bool]] = set()
    for state in run.states:
        found = {
            row: True
            for row in index.hits_by_payment.get(state.index, ())
            if index.part[row] == state.part
            and abs(int(index.day[row]) - state.anchor_day) <= params.reference_lookback_days
        }
        first, last = state.window
        window = [
            row
            for row in np.flatnonzero(index.eligible).tolist()
            if index.part[row] == state.part and first <= index.day[row] <= last
        ]
        exact = {cents for cents, _ in state.amounts}
        for row in window:
            if int(index.remaining[row]) in exact:
                found.setdefault(row, False)
        item, fee = state.payment.amount_cents, params.rules.fee_cents
        low = max(1, item * params.tolerance_low_permille // 1000 - fee)
        band = sorted(
            (row for row in window if low <= index.remaining[row] <= item + fee),
            key=lambda row: (abs(int(index.remaining[row]) - item), cols.ids[row]),
        )
        for row in band[: params.max_tolerance_candidates] if not found else ():
            found.setdefault(row, False)
        for row in window:
            if {cols.ibans[row], cols.creditors[row]} & state.identifiers:
                found.setdefault(row, False)
        out.update((state.index, row, strong) for row, strong in found.items())
    return out


@SETTINGS
@given(worlds() | worlds(BAND), st.integers(1, 3))
def test_candidate_pairs_equal_the_rule_per_payment(
    world: tuple[list[ExpectedPayment], list[BankTxn]], cap: int
) -> None:
    payments, lines = world
    run = _run(payments, lines, MatchParams(fast_path=False, max_tolerance_candidates=cap))
    pay, rows, strong = candidate_pairs(
        run.states, StateColumns.of(run.states), run.index, run.params
    )
    pairs = list(zip(pay.tolist(), rows.tolist(), strong.tolist(), strict=True))
    assert pairs == sorted(set(pairs))
    assert set(pairs) == _candidates_one_by_one(run)
    # read from the payment arrays, the columns are the states' own
    mine, theirs = StateColumns.of(run.states), StateColumns.of(run.states, run.arrays, run.rest)
    for name in StateColumns.__dataclass_fields__:
        assert getattr(mine, name).tolist() == getattr(theirs, name).tolist(), name


@SETTINGS
@given(worlds() | worlds(BAND))
def test_suggestions_on_arrays_equal_one_pair_at_a_time(
    world: tuple[list[ExpectedPayment], list[BankTxn]],
) -> None:
    """The same suggestions (to the last bit of every float) and the same pairs
    dropped."""
    payments, lines = world
    run = _run(payments, lines, MatchParams(fast_path=False))
    for state in run.states:
        if state.payment.contact_id == "c1":  # what confirmed links taught
            state.payer_names = frozenset({normalise_name(PAYERS[0])})
            state.past = (((D0 - timedelta(days=30)).toordinal(), state.payment.amount_cents),)
    pay, rows, strong = candidate_pairs(
        run.states, StateColumns.of(run.states), run.index, run.params
    )
    scored = run.ctx.suggestions(run.states, StateColumns.of(run.states), pay, rows, strong)
    one = FeatureContext(run.index, run.params, run.ctx.identifier_owners)
    expected = [
        (p, row, suggestion)
        for p, row, hit in zip(pay.tolist(), rows.tolist(), strong.tolist(), strict=True)
        for suggestion in (one.suggestion(run.states[p], row, hit),)
        if suggestion is not None
    ]
    built = scored.suggestions(np.arange(len(scored)))
    got = list(zip(scored.pay.tolist(), scored.rows.tolist(), built, strict=True))
    assert repr(got) == repr(expected)
    assert scored.score.tolist() == [s.score for _, _, s in expected]
    assert scored.allocated.tolist() == [s.allocated_cents for _, _, s in expected]
    assert scored.exact_reference.tolist() == [
        s.features.reference >= 1.0 and s.features.amount_kind.is_exact for _, _, s in expected
    ]
    edges = EdgeColumns.of([Edge(p, row, s, True, False, 0) for p, row, s in expected])
    assert scored.plausible.tolist() == edges.plausible.tolist()
    # a few pairs asked for, in another order: the same suggestions
    at = np.arange(len(scored))[::-2]
    assert repr(scored.suggestions(at)) == repr([built[i] for i in at.tolist()])
    assert scored.payment_ids(at.tolist()) == [built[i].payment_id for i in at.tolist()]
    assert scored.txn_ids(at.tolist()) == [built[i].txn_id for i in at.tolist()]


# what a purpose was searched for before the stored marks said it: a word of a
# re-collection, ignoring case
_RECOLLECTION_HINT = re.compile(r"lastschrift|einzug|wiedervorlage", re.IGNORECASE)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.text(
            alphabet="0123456789 /.-QUARTLqurtalEINZUGeinzugWIEDERVORLAGEİıſß\x1f\u0307",
            max_size=30,
        ),
        max_size=8,
    )
    | st.lists(
        st.sampled_from(
            (
                "nach Rücklastschrift",
                "NACH RUECKLASTSCHRIFT RE 5",
                "erneuter Einzug",
                "Wiedervorlage",
                "WIEDERVORLAGE",
                "nach Rücklaſtſchrift",
                "LASTSCHRİFT WIEDERVORLAGE",
            )
        ),
        max_size=4,
    )
)
def test_a_recollection_read_by_the_marks_is_the_one_read_by_the_words(
    texts: list[str],
) -> None:
    """The marks stored with a line tell which purposes to read for a re-collection:
    every purpose the old hint (the words ignoring case) led to, and the rule finds
    the same there."""
    keys = KeyColumns.of([""] * len(texts), [""] * len(texts), [""] * len(texts), texts)
    marked = (keys.purpose_marks & marker_mask(RECOLLECTION_MARKERS)) != 0
    said = [features._RECOLLECTION_RE.search(normalise_text(text)) is not None for text in texts]
    hinted = [_RECOLLECTION_HINT.search(text) is not None for text in texts]
    assert [m and s for m, s in zip(marked.tolist(), said, strict=True)] == [
        h and s for h, s in zip(hinted, said, strict=True)
    ]


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from((*PAYERS, "MUELLER", "SCHMIDT SOEHNE KG")), st.sampled_from(PAYERS)
        ),
        max_size=6,
    )
)
def test_name_similarities_equal_one_pair_at_a_time(pairs: list[tuple[str, str]]) -> None:
    a, b = [x for x, _ in pairs], [y for _, y in pairs]
    assert features.name_similarities(a, b) == [features.name_similarity(x, y) for x, y in pairs]


PERIOD_TEXTS = st.lists(
    st.sampled_from(
        (
            *("0", "1", "01", "2", "9", "10", "12", "13", "Q", "q", "1.", " ", "/", ".", "-"),
            *("2024", "2025", "Quartal", "QUARTAL", "x", "\x1f", "İ", "ſ"),
        )
    ),
    max_size=8,
).map("".join) | st.sampled_from(
    ("Miete 02/2024", "Q1/2024", "1. Quartal 2024", "010/2024", "12-2024", "4.quartal2024")
)


@settings(max_examples=300, deadline=None)
@given(PERIOD_TEXTS)
def test_month_pattern_reads_what_the_plain_one_reads(text: str) -> None:
    plain = re.compile(r"(?<![0-9])(0?[1-9]|1[0-2]) ?[/.-] ?(20[0-9]{2})(?![0-9])")
    assert [(m.span(), m.groups()) for m in periods.PERIOD_RE.finditer(text)] == [
        (m.span(), m.groups()) for m in plain.finditer(text)
    ]


def _texts_of(
    pairs: list[tuple[str, date]], spare: list[str]
) -> tuple[list[str], npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """The distinct texts of the pairs and ``spare`` ones no pair asks about, and per
    pair the position of its text and its voucher's day."""
    texts = list(dict.fromkeys(text for text, _ in pairs)) + spare
    text_of = np.array([texts.index(text) for text, _ in pairs], dtype=np.int64)
    days = np.array([day.toordinal() for _, day in pairs], dtype=np.int64)
    return texts, text_of, days


def _period_pairs(texts: st.SearchStrategy[str]) -> st.SearchStrategy[list[tuple[str, date]]]:
    """Pairs of a text and a voucher date."""
    days = (date(2024, 1, 5), date(2024, 2, 20), date(2024, 10, 1), date(2024, 12, 31))
    return st.lists(st.tuples(texts, st.sampled_from(days)), max_size=6)


@settings(max_examples=300, deadline=None)
@given(_period_pairs(PERIOD_TEXTS), st.integers(min_value=0, max_value=3))
def test_periods_named_in_joined_texts_equal_each_text(
    pairs: list[tuple[str, date]], spare: int
) -> None:
    """Each pair's text among ``texts`` (some shared, some asked by no pair)."""
    texts, text_of, days = _texts_of(pairs, ["Miete 02/2024"] * spare)
    assert features.periods_named(texts, text_of, days).tolist() == [
        periods.period_in_text(text, day.toordinal()) is not None for text, day in pairs
    ]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(-1, 50), max_size=20), st.data())
def test_reference_keys_flat_list_each_payments_keys_in_order(
    first: list[int], data: st.DataObject
) -> None:
    positions = st.integers(0, max(len(first) - 1, 0))
    more = {
        g: tuple(sorted(data.draw(st.sets(st.integers(0, 50), max_size=4))))
        for g in (data.draw(st.sets(positions, max_size=5)) if first else ())
    }
    payments, values = ReferenceKeys(np.array(first, dtype=np.int64), more).flat()
    expected = [
        (g, key)
        for g, value in enumerate(first)
        for key in more.get(g, (value,) if value >= 0 else ())
    ]
    assert list(zip(payments.tolist(), values.tolist(), strict=True)) == expected


@settings(max_examples=300, deadline=None)
@given(
    _period_pairs(PERIOD_TEXTS | PERIOD_TEXTS.map(lambda text: f"vom 12.{text}")),
    st.integers(min_value=0, max_value=3),
)
def test_other_periods_in_joined_texts_equal_each_text(
    pairs: list[tuple[str, date]], spare: int
) -> None:
    """What the bulk path says per pair (the voucher's own period, else the other period
    its text names) is what the scalar one says."""
    texts, text_of, days = _texts_of(pairs, ["Leasing 02/2024"] * spare)
    named = features.TextPeriods.of_texts(texts)
    own = named.own(text_of, days)
    asked = text_of[~own & np.isin(text_of, named.naming())]
    others = named.others(asked)
    said = [
        None if o else others.get(t) for o, t in zip(own.tolist(), text_of.tolist(), strict=True)
    ]
    assert said == [periods.other_period_in_text(text, day.toordinal()) for text, day in pairs]


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(-3, 3), st.integers(-(2**63), 2**63 - 1) | st.integers(-2, 2)),
        max_size=30,
    )
)
def test_distinct_pairs_are_those_unique_finds_along_the_rows(
    pairs: list[tuple[int, int]],
) -> None:
    first = np.array([a for a, _ in pairs], dtype=np.int64)
    second = np.array([b for _, b in pairs], dtype=np.int64)
    expected = np.unique(np.stack((first, second), axis=1), axis=0).reshape(-1, 2)
    assert engine._distinct_pairs(first, second).tolist() == expected.tolist()


_PERIOD_PIECES = st.sampled_from(
    (
        *("0", "1", "01", "2", "9", "10", "12", "13", "00", "123", "2024", "20245", "1999"),
        *(" ", "/", ".", "-", "  ", "\n", ",", "Q", "q", "Quartal", "x", "ä", "ſ", "vom 12."),
    )
)
_PERIOD_WRITTEN = st.lists(_PERIOD_PIECES, max_size=10).map("".join)


@settings(max_examples=500, deadline=None)
@given(
    st.lists(_PERIOD_WRITTEN | PERIOD_TEXTS.filter(lambda t: "\x1f" not in t), max_size=8)
    | st.lists(PERIOD_TEXTS, max_size=4)
)
def test_period_tokens_read_from_the_digit_groups_are_what_the_patterns_read(
    texts: list[str],
) -> None:
    """The months read from the digit groups of all texts at once (and the quarters)
    are, text by text and in order, what the month and quarter patterns find, with the
    months inside a full date told apart as the pattern before a month tells them."""
    rows, tokens = periods.period_tokens(texts)
    expected = [
        (row, token)
        for row, text in enumerate(texts)
        for token in periods._pattern_tokens(text).tolist()
    ]
    assert list(zip(rows.tolist(), tokens.tolist(), strict=True)) == expected


@SETTINGS
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["t1", "t2"]),
            st.sampled_from([-1, 1]),
            st.integers(1, 20),
            st.integers(0, 15),
        ),
        max_size=40,
    ),
    st.lists(
        st.tuples(
            st.integers(0, 3),
            st.integers(0, 22),
            st.integers(0, 22),
            st.integers(-3, 15),
            st.integers(-2, 8),
        ),
        max_size=8,
    ),
    st.sets(st.integers(0, 39), max_size=8),
)
def test_rows_in_windows_read_by_amount_and_by_day_alike(
    rows: list[tuple[str, int, int, int]],
    slices: list[tuple[int, int, int, int, int]],
    taken_rows: set[int],
) -> None:
    """A slice of the index's order (partition, amounts from–to) inside a window of
    days: read slice by slice and read from the windows in the order by day (what a
    busy account's wide slices take), the same pairs in the same order, and those a
    reading of every row finds."""
    lines = [
        txn(f"b{i}", tenant=t, amount=sign * cents, day=D0 + timedelta(d))
        for i, (t, sign, cents, d) in enumerate(rows)
    ]
    index = TxnIndex.build(
        TxnColumns.from_txns(lines), {("t1", "EUR"): 0, ("t2", "EUR"): 1}, {}, {}
    )
    taken = np.zeros(len(lines), dtype=np.bool_)
    taken[[r for r in taken_rows if r < len(lines)]] = True
    part = np.array([p for p, *_ in slices], dtype=np.int64)
    low = np.array([min(a, b) for _, a, b, *_ in slices], dtype=np.int64)
    high = np.array([max(a, b) for _, a, b, *_ in slices], dtype=np.int64)
    first = np.array([D0.toordinal() + d for *_, d, _ in slices], dtype=np.int64)
    last = first + np.array([span for *_, span in slices], dtype=np.int64)
    key = index.sorted_key
    lo = key.searchsorted((part << 40) | low, side="left")
    hi = key.searchsorted((part << 40) | high, side="right")
    windows = (first, last)
    # both readers take the slices as ``rows_in_windows`` hands them over: a window
    # ending before it begins holds nothing
    read = np.where(last >= first, hi, lo)
    by_amount = index._rows_by_amount(lo, read, windows, taken)
    by_day = index._rows_by_day(lo, read, windows, taken, positions=10**9)
    assert by_day is not None
    assert by_amount[0].tolist() == by_day[0].tolist()
    assert by_amount[1].tolist() == by_day[1].tolist()
    owner, found = index.rows_in_windows(lo, hi, windows, taken)
    assert list(zip(owner.tolist(), found.tolist(), strict=True)) == [
        (s, r)
        for s in range(len(slices))
        for p in range(int(lo[s]), int(hi[s]) if last[s] >= first[s] else int(lo[s]))
        for r in [int(index.sorted_idx_arr[p])]
        if first[s] <= index.day[r] <= last[s] and not taken[r]
    ]
