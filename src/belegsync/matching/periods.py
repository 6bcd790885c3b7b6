"""The months and quarters a purpose names ("Miete 02/2026", "Q1/2026", "1. Quartal
2026", "Beitrag Mai"): the rules for one text, and the same as tokens worked out once
per line.

A purpose naming the voucher's month or quarter counts as a weak reference in full
scoring; a purpose naming only another period is said so and is no competitor of one
naming the voucher's own. A line never changes after import, so its periods are read
once and stored with its other keys (``line_keys``): each as a negative 64-bit token
(:func:`period_tokens`), in the order the purpose names them, months before quarters.
A token holds the period's code (a month: year × 12 + month − 1; a quarter: year × 4 +
quarter − 1) and its kind: a month on its own, a month that is part of a full date
("vom 12.02.2024"), or a quarter. The label a reason shows ("02/2026", "Q1/2026")
follows from the code.

A month named by its name without a year ("Zahnbehandlung Mai", "Miete Juni",
"Beitrag November Marie") is a token of its own kind whose code is the month alone
(0–11): it counts only for the voucher's own month (a name may be a person's too —
„August Meier“, „Thomas Mai“ —, so it never says that a line pays another period), and
matching counts it only where the line may be the payer's (``features.PAYER_PLAUSIBLE``):
a patient's „Zahnbehandlung Mai“ is no rival of every other invoice of May.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date

import numpy as np
import numpy.typing as npt

from belegsync.matching.textscan import TextBlob

__all__ = [
    "MONTH_ALONE",
    "MONTH_IN_DATE",
    "MONTH_NAMED",
    "MONTH_NAME_RE",
    "PERIOD_HINT",
    "PERIOD_RE",
    "QUARTER",
    "QUARTER_RE",
    "month_label",
    "months_alone",
    "months_away",
    "other_period_in_text",
    "period_in_text",
    "period_tokens",
    "quarter_label",
    "token_parts",
]

IntArray = npt.NDArray[np.int64]

# a month ("02/2026") and a quarter ("Q1/2026", "1. Quartal 2026") named in a purpose.
# The month reads what (?<![0-9])(0?[1-9]|1[0-2]) ?[/.-] ?(20[0-9]{2})(?![0-9]) reads, its
# first digit taken before the look-behind: a pattern that opens with a character class
# is searched by skipping to that class, one that opens with a look-behind is tried at
# every position (twice the time over a purpose)
PERIOD_RE = re.compile(
    r"([0-9](?<![0-9]{2})(?:(?<=0)[1-9]|(?<=1)[0-2]?|(?<=[2-9]))) ?[/.-] ?(20[0-9]{2})(?![0-9])"
)
QUARTER_RE = re.compile(
    r"(?<![0-9A-Z])(?:Q([1-4]) ?/? ?|([1-4])\. ?QUARTAL ?)(20[0-9]{2})(?![0-9])", re.IGNORECASE
)

# what stands before a month that is part of a full date ("vom 12.02.2024"): a day
_DAY_BEFORE = re.compile(r"[0-9] ?[/.-] ?\Z")

# a month named by its German name, without a year (a word of its own; „Jan“ is a
# first name before it is January, and is not read). Its group's number is the month.
_LETTER = "A-Za-zÄÖÜäöüß"
MONTH_NAME_RE = re.compile(
    rf"(?<![{_LETTER}])(?:(JANUAR)|(FEBRUAR|FEB)|(MÄRZ|MAERZ|MARZ)|"
    r"(APRIL|APR)|(MAI)|(JUNI|JUN)|(JULI|JUL)|(AUGUST|AUG)|(SEPTEMBER|SEPT|SEP)|"
    rf"(OKTOBER|OKT)|(NOVEMBER|NOV)|(DEZEMBER|DEZ))(?![{_LETTER}])",
    re.IGNORECASE,
)
# a cheap check on the raw text before the exact rules run
PERIOD_HINT = re.compile(
    rf"[0-9] ?[/.-] ?20[0-9]{{2}}|QUARTAL|Q[1-4]|{MONTH_NAME_RE.pattern}", re.IGNORECASE
)
# what a purpose naming a month by its name holds (ASCII, as ``TextBlob`` searches):
# the rows the pattern reads („MÄRZ“ by its end)
_MONTH_NAME_MARKERS = (
    *(b"JAN", b"FEB", b"RZ", b"APR", b"MAI", b"JUN"),
    *(b"JUL", b"AUG", b"SEP", b"OKT", b"NOV", b"DEZ"),
)

# the kinds of a period token
MONTH_IN_DATE, MONTH_ALONE, QUARTER, MONTH_NAMED = 0, 1, 2, 3
_KINDS = 4


def period_in_text(
    text: str, voucher_day: int, *, in_dates: bool = True, names: bool = True
) -> str | None:
    """The period the purpose names (``Miete 02/2026``, ``Q1/2026``, ``1. Quartal
    2026``, ``Beitrag Mai``) if it is the month or quarter of the voucher date; the
    month of a full date (``Rezept vom 06.05.2024``) too, unless ``in_dates`` is
    false; a month by its name unless ``names`` is false."""
    month_date = date.fromordinal(voucher_day)
    for m in PERIOD_RE.finditer(text):
        month, year = int(m.group(1)), int(m.group(2))
        if (year, month) == (month_date.year, month_date.month) and (
            in_dates or not _in_date(text, m.start())
        ):
            return f"{month:02d}/{year}"
    quarter = (month_date.month - 1) // 3 + 1
    for m in QUARTER_RE.finditer(text):
        q, year = int(m.group(1) or m.group(2)), int(m.group(3))
        if (year, q) == (month_date.year, quarter):
            return f"Q{q}/{year}"
    if names and any(_named_month(m) == month_date.month - 1 for m in MONTH_NAME_RE.finditer(text)):
        return f"{month_date.month:02d}/{month_date.year}"
    return None


def other_period_in_text(text: str, voucher_day: int) -> str | None:
    """A period the purpose names when none is the voucher's month or quarter
    (``Leasingrate 04/2024`` for the voucher of February): the first month named on
    its own (not the month of a full date, ``vom 12.04.2024``), else the first
    quarter."""
    if period_in_text(text, voucher_day) is not None:
        return None
    return first_period(text)


def first_period(text: str) -> str | None:
    """The first month named on its own in ``text``, else the first quarter."""
    for m in PERIOD_RE.finditer(text):
        if not _in_date(text, m.start()):
            return month_label(_month_code(m))
    quarter = QUARTER_RE.search(text)
    return None if quarter is None else quarter_label(_quarter_code(quarter))


def months_away(label: str, day: int) -> int:
    """How many months the period ``label`` („02/2024“, „Q1/2024“: :func:`month_label`,
    :func:`quarter_label`) lies from the month of ``day`` (an ordinal): 0 within it (a
    quarter's three months), else to its nearest month."""
    head, _, year = label.partition("/")
    if head.startswith("Q"):
        first = int(year) * 12 + (int(head[1:]) - 1) * 3
        last = first + 2
    else:
        first = last = int(year) * 12 + int(head) - 1
    on = date.fromordinal(day)
    month = on.year * 12 + on.month - 1
    return max(first - month, month - last, 0)


def month_label(code: int) -> str:
    """``02/2024`` for a month's code."""
    year, month = divmod(code, 12)
    return f"{month + 1:02d}/{year}"


def quarter_label(code: int) -> str:
    """``Q1/2024`` for a quarter's code."""
    year, quarter = divmod(code, 4)
    return f"Q{quarter + 1}/{year}"


def period_tokens(texts: list[str], blob: TextBlob | None = None) -> tuple[IntArray, IntArray]:
    """(row, token) of every period the texts name, by row, each row's in the order of
    the text, its months before its quarters, then the months named by their names.
    The months are read from the digit groups of all texts at once (``TextBlob.months``,
    as :data:`PERIOD_RE` reads them), the quarters by :data:`QUARTER_RE` in the texts
    with a Q, the month names by :data:`MONTH_NAME_RE` in the texts holding a part of
    one; ``blob``: the texts joined, where the caller has them."""
    if not texts:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty
    blob = TextBlob(texts) if blob is None else blob
    if not blob.exact:  # a text holds the separator itself: each read by the patterns
        each = [_pattern_tokens(text) for text in texts]
        sizes = np.fromiter(map(len, each), np.int64, len(each))
        return np.repeat(np.arange(len(each), dtype=np.int64), sizes), np.concatenate(each)
    at, codes, in_date = blob.months()
    month_rows = blob.rows_at(at)
    month_tokens = _tokens(codes, np.where(in_date, MONTH_IN_DATE, MONTH_ALONE))
    blob.search((b"Q",))
    quartered = np.unique(blob.marker_rows(b"Q"))
    quarter_rows = quarter_tokens = np.zeros(0, dtype=np.int64)
    if quartered.size:
        picked, picked_ends = _joined(list(map(texts.__getitem__, quartered.tolist())))
        quarters = list(QUARTER_RE.finditer(picked))
        quarter_rows = quartered[picked_ends.searchsorted(_starts(quarters), "right")]
        codes = np.fromiter(map(_quarter_code, quarters), np.int64, len(quarters))
        quarter_tokens = _tokens(codes, np.full(codes.size, QUARTER, dtype=np.int64))
    named_rows, named_tokens = _month_name_tokens(texts, blob)
    rows = np.concatenate((month_rows, quarter_rows, named_rows))
    order = np.argsort(rows, kind="stable")
    return rows[order], np.concatenate((month_tokens, quarter_tokens, named_tokens))[order]


def _month_name_tokens(texts: list[str], blob: TextBlob) -> tuple[IntArray, IntArray]:
    """(row, token) of the months the texts name by their names, by row, each row's in
    the order of its text: read in the rows whose text holds a part of one."""
    blob.search(_MONTH_NAME_MARKERS)
    asked = np.unique(np.concatenate([blob.marker_rows(m) for m in _MONTH_NAME_MARKERS]))
    rows: list[int] = []
    codes: list[int] = []
    for row in asked.tolist():
        for m in MONTH_NAME_RE.finditer(texts[row]):
            rows.append(row)
            codes.append(_named_month(m))
    code = np.asarray(codes, dtype=np.int64)
    return np.asarray(rows, dtype=np.int64), _tokens(
        code, np.full(code.size, MONTH_NAMED, dtype=np.int64)
    )


def _pattern_tokens(text: str) -> IntArray:
    """The period tokens of one text, read by the patterns (:func:`period_tokens`'
    order)."""
    months = list(PERIOD_RE.finditer(text))
    quarters = list(QUARTER_RE.finditer(text))
    named = np.fromiter(map(_named_month, MONTH_NAME_RE.finditer(text)), np.int64)
    return np.concatenate(
        (
            _tokens(
                np.fromiter(map(_month_code, months), np.int64, len(months)),
                np.fromiter(
                    (MONTH_IN_DATE if _in_date(text, m.start()) else MONTH_ALONE for m in months),
                    np.int64,
                    len(months),
                ),
            ),
            _tokens(
                np.fromiter(map(_quarter_code, quarters), np.int64, len(quarters)),
                np.full(len(quarters), QUARTER, dtype=np.int64),
            ),
            _tokens(named, np.full(named.size, MONTH_NAMED, dtype=np.int64)),
        )
    )


def months_alone(texts: int, text_of: IntArray, tokens: IntArray) -> IntArray:
    """Per text (``texts`` of them; ``text_of`` the position of each token's text), the
    code of the month it names on its own where it names no other period („Abschlag
    06/2025“), else -1."""
    kind, code = token_parts(tokens)
    out = np.full(texts, -1, dtype=np.int64)
    alone = kind == MONTH_ALONE
    out[text_of[alone]] = code[alone]
    # the months named by their names count neither way
    dated = kind != MONTH_NAMED
    out[np.bincount(text_of[dated], minlength=texts) != 1] = -1
    return out


def token_parts(tokens: IntArray) -> tuple[IntArray, IntArray]:
    """(kind, code) of each period token."""
    value = -1 - tokens
    return value % _KINDS, value // _KINDS


def _tokens(codes: IntArray, kinds: IntArray) -> IntArray:
    """The tokens of periods (codes and kinds): negative, unlike every number token."""
    return -1 - (codes * _KINDS + kinds)


def _in_date(text: str, start: int) -> bool:
    """Whether the month found at ``start`` is part of a full date (a day before it)."""
    return _DAY_BEFORE.search(text, max(0, start - 4), start) is not None


def _joined(texts: Sequence[str]) -> tuple[str, IntArray]:
    """The texts joined by a unit separator, and where each ends (its separator
    counted)."""
    ends = np.cumsum(np.fromiter(map(len, texts), np.int64, len(texts)) + 1)
    return "\x1f".join(texts), ends


def _starts(found: list[re.Match[str]]) -> IntArray:
    """Where each match starts."""
    return np.fromiter((m.start() for m in found), np.int64, len(found))


def _month_code(match: re.Match[str]) -> int:
    """year * 12 + month - 1 of a month named (``02/2026``)."""
    return int(match.group(2)) * 12 + int(match.group(1)) - 1


def _named_month(match: re.Match[str]) -> int:
    """The month (0–11) a month's name names (:data:`MONTH_NAME_RE`)."""
    return next(k for k, group in enumerate(match.groups()) if group is not None)


def _quarter_code(match: re.Match[str]) -> int:
    """year * 4 + quarter - 1 of a quarter named (``Q1/2026``, ``1. Quartal 2026``)."""
    return int(match.group(3)) * 4 + int(match.group(1) or match.group(2)) - 1
