from __future__ import annotations

from belegsync.matching import IbanContactMemory, match
from belegsync.matching.memory import is_usable_identifier
from unit.matching.factories import IBAN_A, IBAN_B, payment, txn


def test_confirmations_teach_and_rejections_weaken() -> None:
    memory = IbanContactMemory()
    assert memory.learn_confirmed("t1", "DE89 3704 0044 0532 0130 00", "c1")
    assert memory.contacts_for("t1", IBAN_A) == {"c1"}
    assert memory.contacts_for("t2", IBAN_A) == frozenset()
    memory.learn_rejected("t1", IBAN_A, "c1")
    assert memory.contacts_for("t1", IBAN_A) == frozenset()
    memory.learn_confirmed("t1", IBAN_A, "c1")
    assert memory.identifiers_by_contact("t1") == {"c1": {IBAN_A}}
    restored = IbanContactMemory(memory.rows())
    assert restored.rows() == memory.rows()


def test_invalid_identifiers_are_not_learned() -> None:
    memory = IbanContactMemory()
    assert not memory.learn_confirmed("t1", "DE00370400440532013000", "c1")
    assert not memory.learn_confirmed("t1", "", "c1")
    assert is_usable_identifier("DE98ZZZ09999999999")
    assert memory.rows() == []


def test_memory_is_a_feature_and_a_candidate_channel() -> None:
    p = payment(number="X", amount=10000, name="Totally Different Name")
    # fee shortfall, no reference, unrelated name: only a known IBAN makes it a candidate
    lines = [txn(amount=9950, text="Zahlung", name="FOO", iban=IBAN_B)]
    assert match([p], lines).suggestions_by_payment == {}
    memory = IbanContactMemory()
    memory.learn_confirmed("t1", IBAN_B, "c1")
    result = match([p], lines, memory=memory)
    (top,) = result.suggestions_by_payment["v1#0"]
    assert top.features.counterparty_evidence == "identifier_known"
    assert top.difference_reason is not None and top.difference_reason.value == "fee"
