"""The customer numbers of the synced vouchers' contacts (``sync.contact_numbers``), on
fakes: asked once per new contact, never by a run without one, and a failure to read
them costs the run nothing."""

from __future__ import annotations

from datetime import date

from belegsync.lexware import Contact, LexwareUnavailableError
from belegsync.store.contact_numbers import ContactNumbers
from belegsync.sync.contact_numbers import contact_numbers
from unit.sync.test_engine import Engine, engine

__all__ = ["engine"]


def _contact(contact_id: str, customer: int | None, vendor: int | None = None) -> dict[str, object]:
    roles: dict[str, object] = {}
    if customer is not None:
        roles["customer"] = {"number": customer}
    if vendor is not None:
        roles["vendor"] = {"number": vendor}
    return {
        "id": contact_id,
        "version": 3,
        "roles": roles,
        "company": {"name": f"Firma {contact_id}", "contactPersons": []},
        "archived": False,
    }


async def test_the_numbers_of_new_contacts_are_read_once(engine: Engine) -> None:
    engine.add("v1", date(2026, 1, 2), contact_id="k1")
    engine.add("v2", date(2026, 1, 3), contact_id="k2")
    engine.add("v3", date(2026, 1, 4))  # the collective contact: no id
    engine.lexware.contacts = [_contact("k1", 10051, 70003), _contact("k9", 10099)]

    first = await engine.run()

    assert first.status == "succeeded"
    assert engine.lexware.kinds()["contacts"] == 1
    assert engine.store.data.contacts == {
        ("t1", "k1"): ContactNumbers("k1", 10051, 70003, "Firma k1"),
        ("t1", "k9"): ContactNumbers("k9", 10099, None, "Firma k9"),
        # named by a voucher, not listed (deleted since): kept without numbers
        ("t1", "k2"): ContactNumbers("k2", None, None),
    }
    # an incremental run with no new contact asks nothing
    await engine.run()
    assert "contacts" not in engine.lexware.kinds()
    # a voucher of a new customer: one listing again
    engine.clock.advance(hours=2)
    engine.add("v4", date(2026, 2, 1), contact_id="k5")
    engine.lexware.contacts.append(_contact("k5", 10100))
    await engine.run()
    assert engine.lexware.kinds()["contacts"] == 1
    assert engine.store.data.contacts[("t1", "k5")].customer_number == 10100


async def test_contacts_lexware_does_not_answer_for_end_nothing(engine: Engine) -> None:
    engine.add("v1", date(2026, 1, 2), contact_id="k1")
    engine.lexware.contacts = [_contact("k1", 10051)]
    engine.lexware.fail("/v1/contacts", LexwareUnavailableError("down", status=503))

    outcome = await engine.run()

    assert (outcome.status, outcome.counts.new) == ("succeeded", 1)
    assert engine.store.data.contacts == {}
    # the next run asks again, and stores them
    await engine.run()
    assert engine.store.data.contacts[("t1", "k1")].customer_number == 10051


async def test_a_listing_cut_short_keeps_what_it_read(engine: Engine) -> None:
    engine.add("v1", date(2026, 1, 2), contact_id="k1")
    engine.add("v2", date(2026, 1, 3), contact_id="k3")
    engine.lexware.contacts = [_contact("k1", 10051), _contact("k2", 10052), _contact("k3", 10053)]
    engine.lexware.contacts_page_size = 2
    # the first page comes, the second fails after the client's retries
    pages = 0
    original = engine.lexware._call

    def second_page_fails(path: str) -> None:
        nonlocal pages
        original(path)
        if path == "/v1/contacts":
            pages += 1
            if pages == 2:
                raise LexwareUnavailableError("down", status=503)

    engine.lexware._call = second_page_fails  # type: ignore[method-assign]

    outcome = await engine.run()

    assert outcome.status == "succeeded"
    # the first page is kept; k3 was not read, and is not taken for gone
    assert set(engine.store.data.contacts) == {("t1", "k1"), ("t1", "k2")}
    engine.lexware._call = original  # type: ignore[method-assign]
    await engine.run()
    assert engine.store.data.contacts[("t1", "k3")].customer_number == 10053


def test_a_malformed_contact_is_kept_within_what_the_table_holds() -> None:
    listed = Contact.from_json(
        {
            "id": "k1",
            "roles": {"customer": {"number": 10**20}, "vendor": {"number": -3}},
            "company": {"name": "X" * 300},
        }
    )
    assert contact_numbers(listed) == ContactNumbers("k1", None, None, "X" * 255)
    assert contact_numbers(Contact.from_json({"id": "k" * 65})) is None
    assert contact_numbers(Contact.from_json({"id": ""})) is None
    person = Contact.from_json(
        {
            "id": "k2",
            "roles": {"customer": {"number": 10007}},
            "person": {"firstName": "Eva", "lastName": "Kahl"},
        }
    )
    assert contact_numbers(person) == ContactNumbers("k2", 10007, None, "Eva Kahl")
