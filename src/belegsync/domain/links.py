"""The life of a link between an expected payment and a bank transaction.

Links are never deleted (GoBD): a person or the engine only moves them between the
states of :class:`~belegsync.domain.matching.LinkStatus`:

=================  ===========  ===========
from               action       to
=================  ===========  ===========
suggested          confirm      confirmed
auto_confirmed     confirm      confirmed
suggested          reject       rejected
auto_confirmed     reject       rejected
confirmed          undo         undone
auto_confirmed     undo         undone
suggested,         retire       undone
confirmed,
auto_confirmed
=================  ===========  ===========

``retire`` is the engine's own step (a suggestion it no longer makes, an external
transaction a real one replaced). A rejected pair is never offered again; an undone
pair may come back, but only as a suggestion when a person undid it, so that the
engine never links again automatically what a person took apart.

A confirmed link whose collection came back (a return undid its line) stays as the
person confirmed it and names the return; the person then undoes it or keeps it
(:func:`check_return`). Keeping it changes no status: it records that the return
was checked.

``difference_cents`` has one meaning everywhere: the part of the expected payment
that this link does not cover, ``expected − allocated`` (never negative). It is what
Skonto, a bank fee or a part payment leaves open; an overpayment leaves nothing open.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from belegsync.domain.errors import DomainError
from belegsync.domain.matching import ALLOCATING_STATUSES, LinkStatus

__all__ = [
    "ENGINE_ACTOR",
    "LinkAction",
    "LinkStateError",
    "ReturnNotPending",
    "SafeSuggestionRule",
    "allocation",
    "already_done",
    "check_return",
    "is_allocating",
    "is_safe_suggestion",
    "link_difference",
    "may_auto_link_again",
    "next_status",
    "status_label",
]

# The actor recorded for what the engine does by itself.
ENGINE_ACTOR = "matching"


class LinkAction(StrEnum):
    CONFIRM = "confirm"
    REJECT = "reject"
    UNDO = "undo"
    RETIRE = "retire"


_TRANSITIONS: dict[tuple[LinkStatus, LinkAction], LinkStatus] = {
    (LinkStatus.SUGGESTED, LinkAction.CONFIRM): LinkStatus.CONFIRMED,
    (LinkStatus.AUTO_CONFIRMED, LinkAction.CONFIRM): LinkStatus.CONFIRMED,
    (LinkStatus.SUGGESTED, LinkAction.REJECT): LinkStatus.REJECTED,
    (LinkStatus.AUTO_CONFIRMED, LinkAction.REJECT): LinkStatus.REJECTED,
    (LinkStatus.CONFIRMED, LinkAction.UNDO): LinkStatus.UNDONE,
    (LinkStatus.AUTO_CONFIRMED, LinkAction.UNDO): LinkStatus.UNDONE,
    (LinkStatus.SUGGESTED, LinkAction.RETIRE): LinkStatus.UNDONE,
    (LinkStatus.CONFIRMED, LinkAction.RETIRE): LinkStatus.UNDONE,
    (LinkStatus.AUTO_CONFIRMED, LinkAction.RETIRE): LinkStatus.UNDONE,
}

_REFUSALS: dict[LinkAction, tuple[str, str]] = {
    LinkAction.CONFIRM: (
        "Diese Zuordnung kann nicht mehr bestätigt werden.",
        "This link can no longer be confirmed.",
    ),
    LinkAction.REJECT: (
        "Nur Vorschläge und automatische Zuordnungen können abgelehnt werden.",
        "Only suggestions and automatic links can be rejected.",
    ),
    LinkAction.UNDO: (
        "Nur bestehende Zuordnungen können aufgehoben werden.",
        "Only existing links can be undone.",
    ),
    LinkAction.RETIRE: (
        "Diese Zuordnung ist bereits abgeschlossen.",
        "This link is already closed.",
    ),
}

_LABELS: dict[LinkStatus, tuple[str, str]] = {
    LinkStatus.SUGGESTED: ("Vorschlag", "Suggestion"),
    LinkStatus.AUTO_CONFIRMED: ("automatisch verknüpft", "linked automatically"),
    LinkStatus.CONFIRMED: ("bestätigt", "confirmed"),
    LinkStatus.REJECTED: ("abgelehnt", "rejected"),
    LinkStatus.UNDONE: ("aufgehoben", "undone"),
}


class LinkStateError(DomainError):
    """The action does not fit the link's status (e.g. confirming a rejected link)."""

    code = "link_state"

    def __init__(self, status: LinkStatus, action: LinkAction) -> None:
        german, english = _REFUSALS[action]
        super().__init__(
            german,
            message_en=english,
            fields={"status": status.value, "action": action.value},
        )
        self.status = status
        self.action = action


class ReturnNotPending(DomainError):
    """Keeping a link after its return was asked of a link with no return to check."""

    code = "return_not_pending"

    def __init__(self) -> None:
        super().__init__(
            "Für diese Zuordnung ist keine Rücklastschrift zu prüfen.",
            message_en="This link has no returned direct debit to check.",
        )


def check_return(status: LinkStatus | str, returned_by: str | None, checked: bool) -> None:
    """May a person keep this link after its return (the money came back, and the
    person found the voucher paid all the same)? Only a confirmed link that names a
    return not yet checked; :class:`ReturnNotPending` otherwise (an automatic link
    whose collection came back is retired by the engine, never kept)."""
    if LinkStatus(status) is not LinkStatus.CONFIRMED or not returned_by or checked:
        raise ReturnNotPending()


# what a person's action leaves the link as: a link found so has had it done already
_DONE: dict[LinkAction, LinkStatus] = {
    LinkAction.CONFIRM: LinkStatus.CONFIRMED,
    LinkAction.REJECT: LinkStatus.REJECTED,
    LinkAction.UNDO: LinkStatus.UNDONE,
}


def already_done(status: LinkStatus | str, action: LinkAction) -> bool:
    """Whether a link in ``status`` had ``action`` done already: the same form sent
    twice (a double click) finds it so, and the second answer is the first's."""
    return _DONE.get(action) is LinkStatus(status)


def next_status(status: LinkStatus | str, action: LinkAction) -> LinkStatus:
    """The status after ``action``; :class:`LinkStateError` if the rules refuse it."""
    current = LinkStatus(status)
    target = _TRANSITIONS.get((current, action))
    if target is None:
        raise LinkStateError(current, action)
    return target


def is_allocating(status: LinkStatus | str) -> bool:
    """The link holds money of the transaction and settles the payment."""
    return LinkStatus(status) in ALLOCATING_STATUSES


def may_auto_link_again(status: LinkStatus | str, actor: str) -> bool:
    """May the engine link this pair automatically again, after this old link?

    Never after a person rejected it (the pair is excluded altogether) or undid it
    (it may come back as a suggestion only).
    """
    current = LinkStatus(status)
    if current is LinkStatus.REJECTED:
        return False
    return not (current is LinkStatus.UNDONE and actor != ENGINE_ACTOR)


def status_label(status: LinkStatus | str) -> tuple[str, str]:
    """(German, English) label of a status for pages and exports."""
    return _LABELS[LinkStatus(status)]


def allocation(expected_cents: int, bank_cents: int) -> int:
    """What a transaction of ``bank_cents`` (signed) pays of an expected payment."""
    return min(abs(bank_cents), expected_cents)


def link_difference(expected_cents: int, allocated_cents: int) -> int:
    """The part of the expected payment the link leaves open: ``expected − allocated``."""
    return max(0, expected_cents - abs(allocated_cents))


# Scores are rounded floats: 0.75 - 0.65 must count as a margin of 0.10.
_EPSILON = 1e-9


@dataclass(frozen=True, slots=True)
class SafeSuggestionRule:
    """When a suggestion is safe enough to confirm in bulk ("Alle sicheren …").

    Stricter than a suggestion, a little looser than an automatic link: a high score,
    the amount to the cent, identifying evidence, and a clear lead over every other
    suggestion for the same payment and for the same transaction.
    """

    min_score: float = 0.75
    min_margin: float = 0.10


def is_safe_suggestion(
    score: float,
    *,
    amount_exact: bool,
    identifying: bool,
    runner_up: float,
    rule: SafeSuggestionRule = SafeSuggestionRule(),
) -> bool:
    """``runner_up``: the best other score for the same payment or transaction (0 if none)."""
    return (
        score >= rule.min_score
        and amount_exact
        and identifying
        and score - runner_up >= rule.min_margin - _EPSILON
    )
