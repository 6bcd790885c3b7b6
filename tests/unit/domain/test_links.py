"""The link state machine: every allowed transition, every refusal, and the rules
that decide what may come back after a person's decision."""

from __future__ import annotations

import pytest

from belegsync.domain.errors import DomainError
from belegsync.domain.links import (
    ENGINE_ACTOR,
    LinkAction,
    LinkStateError,
    SafeSuggestionRule,
    allocation,
    already_done,
    is_allocating,
    is_safe_suggestion,
    link_difference,
    may_auto_link_again,
    next_status,
    status_label,
)
from belegsync.domain.matching import LinkStatus

S, A, C, R, U = (
    LinkStatus.SUGGESTED,
    LinkStatus.AUTO_CONFIRMED,
    LinkStatus.CONFIRMED,
    LinkStatus.REJECTED,
    LinkStatus.UNDONE,
)
ALLOWED = {
    (S, LinkAction.CONFIRM): C,
    (A, LinkAction.CONFIRM): C,
    (S, LinkAction.REJECT): R,
    (A, LinkAction.REJECT): R,
    (C, LinkAction.UNDO): U,
    (A, LinkAction.UNDO): U,
    (S, LinkAction.RETIRE): U,
    (C, LinkAction.RETIRE): U,
    (A, LinkAction.RETIRE): U,
}


@pytest.mark.parametrize("status", list(LinkStatus))
@pytest.mark.parametrize("action", list(LinkAction))
def test_every_pair_of_status_and_action(status: LinkStatus, action: LinkAction) -> None:
    expected = ALLOWED.get((status, action))
    if expected is not None:
        assert next_status(status, action) is expected
        assert next_status(status.value, action) is expected  # stored strings work too
        return
    with pytest.raises(LinkStateError) as refused:
        next_status(status, action)
    assert isinstance(refused.value, DomainError)
    assert refused.value.code == "link_state"
    assert refused.value.fields == {"status": status.value, "action": action.value}
    assert refused.value.message and refused.value.message_en != refused.value.message


@pytest.mark.parametrize("status", list(LinkStatus))
@pytest.mark.parametrize("action", [LinkAction.CONFIRM, LinkAction.REJECT, LinkAction.UNDO])
def test_a_refusal_is_already_done_only_where_the_action_leaves_the_link_so(
    status: LinkStatus, action: LinkAction
) -> None:
    """A person's action sent twice finds the link as the first left it: that refusal
    is „done already“; any other stays a refusal."""
    done = {s for (s, a), _ in ALLOWED.items() if a is action}
    left = {ALLOWED[(s, action)] for s in done}
    assert already_done(status, action) is (status in left)
    assert already_done(status.value, action) is (status in left)
    if status in left:  # and the rules refuse the action on it
        with pytest.raises(LinkStateError):
            next_status(status, action)


def test_rejected_and_undone_are_final() -> None:
    for status in (R, U):
        for action in LinkAction:
            with pytest.raises(LinkStateError):
                next_status(status, action)


def test_refusals_say_what_was_refused_in_both_languages() -> None:
    with pytest.raises(LinkStateError) as confirm:
        next_status(R, LinkAction.CONFIRM)
    with pytest.raises(LinkStateError) as undo:
        next_status(S, LinkAction.UNDO)
    assert "nicht mehr bestätigt" in confirm.value.message
    assert undo.value.message_en == "Only existing links can be undone."


def test_only_confirmed_and_automatic_links_allocate() -> None:
    assert {s for s in LinkStatus if is_allocating(s)} == {A, C}
    assert is_allocating("confirmed") and not is_allocating("suggested")


def test_what_the_engine_may_link_again_by_itself() -> None:
    assert not may_auto_link_again(R, ENGINE_ACTOR)
    assert not may_auto_link_again(R, "client@example.test")
    # Undone by a person: back only as a suggestion. Retired by the engine: anything.
    assert not may_auto_link_again(U, "client@example.test")
    assert may_auto_link_again(U, ENGINE_ACTOR)
    assert may_auto_link_again(S, ENGINE_ACTOR) and may_auto_link_again(C, "someone")


def test_difference_is_what_the_link_leaves_open() -> None:
    assert allocation(11900, -11900) == 11900
    assert allocation(11900, -11662) == 11662  # Skonto or a fee
    assert allocation(11900, 20000) == 11900  # an overpayment allocates the expected amount
    assert link_difference(11900, 11662) == 238
    assert link_difference(11900, 11900) == 0
    assert link_difference(11900, allocation(11900, 20000)) == 0  # never negative
    assert link_difference(5000, -4000) == 1000  # signed allocations count by size


def test_labels_exist_for_every_status() -> None:
    labels = {s: status_label(s) for s in LinkStatus}
    assert labels[A] == ("automatisch verknüpft", "linked automatically")
    assert all(de and en and de != s.value for s, (de, en) in labels.items())


@pytest.mark.parametrize(
    ("score", "exact", "identifying", "runner_up", "safe"),
    [
        (0.80, True, True, 0.0, True),
        (0.75, True, True, 0.65, True),  # exactly the margin
        (0.74, True, True, 0.0, False),  # score too low
        (0.95, False, True, 0.0, False),  # amount not to the cent
        (0.95, True, False, 0.0, False),  # nothing identifies the payer
        (0.90, True, True, 0.85, False),  # a close second for the payment or transaction
    ],
)
def test_safe_suggestion_rule(
    score: float, exact: bool, identifying: bool, runner_up: float, safe: bool
) -> None:
    got = is_safe_suggestion(
        score, amount_exact=exact, identifying=identifying, runner_up=runner_up
    )
    assert got is safe


def test_safe_rule_is_adjustable() -> None:
    strict = SafeSuggestionRule(min_score=0.9, min_margin=0.2)
    assert not is_safe_suggestion(
        0.85, amount_exact=True, identifying=True, runner_up=0.0, rule=strict
    )
