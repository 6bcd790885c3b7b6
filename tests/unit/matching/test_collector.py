"""The run and Python's garbage collector: paused during the run, and the result made
old at once (a young collection would walk every link only to find it alive)."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from belegsync.matching import match
from unit.matching.factories import payment, txn


@pytest.fixture
def collector_paused() -> Iterator[None]:
    """No collection runs in the test but the ones it makes (generations stay put)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _generation(obj: object) -> int:
    return next(g for g in range(3) if any(o is obj for o in gc.get_objects(generation=g)))


@pytest.mark.usefixtures("collector_paused")
def test_the_result_joins_the_oldest_generation() -> None:
    result = match([payment()], [txn()])
    (decision,) = result.auto_links
    assert gc.is_tracked(decision)
    assert _generation(decision) == 2
    assert _generation(decision.suggestion) == 2
    assert gc.get_count()[0] < 700  # no young collection pending over the result


@pytest.mark.usefixtures("collector_paused")
def test_the_collector_is_left_as_the_caller_had_it() -> None:
    match([payment()], [txn()])
    assert not gc.isenabled()
    gc.enable()
    match([payment()], [txn()])
    assert gc.isenabled()


@pytest.mark.usefixtures("collector_paused")
def test_objects_the_process_froze_stay_frozen() -> None:
    # judged on objects of its own: the count of frozen objects can drop while the
    # engine runs (a thread of the test runner frees a message it froze)
    mine = [[n] for n in range(100)]
    gc.freeze()
    try:
        result = match([payment()], [txn()])
        ids = set(map(id, mine))
        assert not [o for o in gc.get_objects() if id(o) in ids]  # none thawed
        assert _generation(result.auto_links[0]) == 0  # then the result stays young
    finally:
        gc.unfreeze()
