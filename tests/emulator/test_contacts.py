from __future__ import annotations

from typing import Any

import httpx

from belegsync.emulator import MAIN_ORG_ID, NO_XL_KEY, EmulatorApp, World
from belegsync.emulator.model import Contact

LIST = "/v1/contacts"
Headers = dict[str, str]


async def new_org(
    client: httpx.AsyncClient, name: str = "Kontakt Test GmbH"
) -> tuple[str, Headers]:
    """A fresh organisation and a key for it: contacts numbered from the start."""
    org = await client.post("/_emulator/organizations", json={"name": name})
    assert org.status_code == 201, org.text
    org_id: str = org.json()["id"]
    key = await client.post("/_emulator/keys", json={"organizationId": org_id})
    assert key.status_code == 201, key.text
    return org_id, {"Authorization": f"Bearer {key.json()['key']}"}


async def add_contact(client: httpx.AsyncClient, org_id: str, **body: Any) -> dict[str, Any]:
    r = await client.post(f"/_emulator/organizations/{org_id}/contacts", json=body)
    assert r.status_code == 201, r.text
    result: dict[str, Any] = r.json()
    return result


async def listed(client: httpx.AsyncClient, headers: Headers, **params: Any) -> dict[str, Any]:
    r = await client.get(LIST, params=params, headers=headers)
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    return body


def names(page: dict[str, Any]) -> list[str]:
    return [c["company"]["name"] for c in page["content"]]


def assert_legacy_400(response: httpx.Response, source: str) -> None:
    assert response.status_code == 400, response.text
    body = response.json()
    assert "message" not in body and "requestId" in body
    assert body["IssueList"][0]["i18nKey"] == "bad_request_error"
    assert body["IssueList"][0]["source"] == source


async def test_numbers_per_organisation_in_order_added(
    app: EmulatorApp, client: httpx.AsyncClient
) -> None:
    # the seeded contacts of the demo organisation, numbered in the order they were added
    seeded = list(app.world.contacts(MAIN_ORG_ID))
    assert [c.customer_number for c in seeded] == list(range(10000, 10000 + len(seeded)))
    assert [c.vendor_number for c in seeded] == list(range(70000, 70000 + len(seeded)))

    org_a, _ = await new_org(client, "A GmbH")
    org_b, headers_b = await new_org(client, "B GmbH")
    made = [await add_contact(client, org_a, name=f"Kunde {i}") for i in range(3)]
    assert [(c["customerNumber"], c["vendorNumber"]) for c in made] == [
        (10000, 70000),
        (10001, 70001),
        (10002, 70002),
    ]
    other = await add_contact(client, org_b, name="Erster Kontakt B")
    assert (other["customerNumber"], other["vendorNumber"]) == (10000, 70000)
    detail = (await client.get(f"{LIST}/{other['id']}", headers=headers_b)).json()
    assert detail["roles"] == {"customer": {"number": 10000}, "vendor": {"number": 70000}}


async def test_explicit_numbers_and_roles(client: httpx.AsyncClient) -> None:
    org_id, headers = await new_org(client)
    only_customer = await add_contact(client, org_id, name="Nur Kunde", customerNumber=10500)
    assert (only_customer["customerNumber"], only_customer["vendorNumber"]) == (10500, None)
    both = await add_contact(client, org_id, name="Beides")
    assert (both["customerNumber"], both["vendorNumber"]) == (10501, 70000)
    vendor = await add_contact(client, org_id, name="Nur Lieferant", roles=["vendor"])
    assert (vendor["customerNumber"], vendor["vendorNumber"]) == (None, 70001)
    lower = await add_contact(client, org_id, name="Tief", customerNumber=10200, roles=["customer"])
    assert (lower["customerNumber"], lower["vendorNumber"]) == (10200, None)
    mixed = await add_contact(
        client, org_id, name="Gemischt", vendorNumber=70100, roles=["customer", "vendor"]
    )
    # above the highest number used, not after the last one given
    assert (mixed["customerNumber"], mixed["vendorNumber"]) == (10502, 70100)
    after = await add_contact(client, org_id, name="Danach")
    assert (after["customerNumber"], after["vendorNumber"]) == (10503, 70101)

    detail = (await client.get(f"{LIST}/{only_customer['id']}", headers=headers)).json()
    assert detail["roles"] == {"customer": {"number": 10500}}
    detail = (await client.get(f"{LIST}/{vendor['id']}", headers=headers)).json()
    assert detail["roles"] == {"vendor": {"number": 70001}}

    refused = [
        {"name": "Doppelt", "vendorNumber": 70001},
        {"name": "Doppelt", "customerNumber": 10000 + 500},
        {"name": "Widerspruch", "customerNumber": 10900, "roles": ["vendor"]},
        {"name": "Falsch", "roles": ["boss"]},
        {"name": "Leer", "roles": []},
        {"name": "Text", "customerNumber": "zehn"},
        {"name": "Null", "customerNumber": 0},
    ]
    for body in refused:
        r = await client.post(f"/_emulator/organizations/{org_id}/contacts", json=body)
        assert r.status_code == 400 and "error" in r.json(), body
    assert (await listed(client, headers))["totalElements"] == 6


def test_numbering_draws_nothing_from_the_id_generator() -> None:
    numbered, plain = World(seed=7), World(seed=7)
    org_a = numbered.add_organization("A", org_id="org")
    plain.add_organization("A", org_id="org")
    # positional construction as before the numbers existed
    contact = numbered.add_contact(Contact("c-1", org_a.id, "Alt GmbH", "Weg 1", "10115", "Berlin"))
    assert (contact.customer_number, contact.vendor_number, contact.version) == (10000, 70000, 1)
    assert contact.archived is False
    assert numbered.new_id() == plain.new_id()


async def test_paging_sorted_by_name_then_id(client: httpx.AsyncClient) -> None:
    org_id, headers = await new_org(client)
    for number in (5, 2, 7, 1, 4, 3):
        await add_contact(client, org_id, name=f"Kontakt {number}")
    await add_contact(client, org_id, id="bbbb", name="Kontakt 6")
    await add_contact(client, org_id, id="aaaa", name="Kontakt 6")
    seen: list[str] = []
    ids: list[str] = []
    for page in range(3):
        body = await listed(client, headers, size=3, page=page)
        assert body["size"] == 3 and body["number"] == page
        assert body["first"] is (page == 0) and body["last"] is (page == 2)
        assert body["totalElements"] == 8 and body["totalPages"] == 3
        assert body["numberOfElements"] == len(body["content"]) == (2 if page == 2 else 3)
        assert body["sort"] == [
            {
                "property": "name",
                "direction": "ASC",
                "ignoreCase": False,
                "nullHandling": "NATIVE",
                "ascending": True,
            }
        ]
        seen += names(body)
        ids += [c["id"] for c in body["content"]]
    assert seen == [f"Kontakt {n}" for n in (1, 2, 3, 4, 5, 6, 6, 7)]
    assert ids[5:7] == ["aaaa", "bbbb"]
    beyond = await listed(client, headers, size=3, page=3)
    assert beyond["content"] == [] and beyond["last"] is True and beyond["totalElements"] == 8
    envelope = await listed(client, headers)
    assert list(envelope) == [
        "content",
        "first",
        "last",
        "totalPages",
        "totalElements",
        "numberOfElements",
        "size",
        "number",
        "sort",
    ]


async def test_size_500_accepted_above_refused(app: EmulatorApp, client: httpx.AsyncClient) -> None:
    org_id, headers = await new_org(client)
    for index in range(501):
        app.world.add_contact(
            Contact(f"c-{index:04d}", org_id, f"Firma {index:04d}", "Weg 1", "10115", "Berlin")
        )
    body = await listed(client, headers, size=500)
    assert body["size"] == 500 and body["numberOfElements"] == 500
    assert body["totalElements"] == 501 and body["totalPages"] == 2 and body["last"] is False
    last = await listed(client, headers, size=500, page=1)
    assert names(last) == ["Firma 0500"] and last["last"] is True
    for size in ("501", "1000"):
        r = await client.get(LIST, params={"size": size}, headers=headers)
        assert_legacy_400(r, "parameter 'size' exceeds the limit")


async def test_bad_page_and_size_fall_back_to_defaults(client: httpx.AsyncClient) -> None:
    org_id, headers = await new_org(client)
    for number in range(30):
        await add_contact(client, org_id, name=f"Kontakt {number:02d}")
    for size in ("0", "-5", "abc", "", "2.5"):
        body = await listed(client, headers, size=size)
        assert body["size"] == 25 and body["numberOfElements"] == 25, size
    for page in ("-1", "x", ""):
        body = await listed(client, headers, size=10, page=page)
        assert body["number"] == 0 and names(body)[0] == "Kontakt 00", page
    body = await listed(client, headers, size="-1", page="1")
    assert body["size"] == 25 and body["number"] == 1 and body["numberOfElements"] == 5


async def test_filters(client: httpx.AsyncClient) -> None:
    org_id, headers = await new_org(client)
    both = await add_contact(
        client, org_id, name="Müller Holzbau GmbH", email="Buchhaltung@Mueller-Holzbau.de"
    )
    customer = await add_contact(client, org_id, name="HOLZHANDEL Nord", roles=["customer"])
    vendor = await add_contact(client, org_id, name="Schmidt Metall", roles=["vendor"])
    archived = await add_contact(client, org_id, name="Alte Holzerei KG", archived=True)

    everything = await listed(client, headers)
    assert names(everything) == [
        "Alte Holzerei KG",
        "HOLZHANDEL Nord",
        "Müller Holzbau GmbH",
        "Schmidt Metall",
    ]
    assert [c["archived"] for c in everything["content"]] == [True, False, False, False]

    async def ids(**params: str) -> set[str]:
        return {c["id"] for c in (await listed(client, headers, **params))["content"]}

    assert await ids(name="holz") == {both["id"], customer["id"], archived["id"]}
    assert await ids(name="olzB") == {both["id"]}
    assert await ids(name="müller holz") == {both["id"]}
    assert await ids(name="Nichts") == set()
    assert await ids(customer="true") == {both["id"], customer["id"], archived["id"]}
    assert await ids(customer="false") == {vendor["id"]}
    assert await ids(vendor="true") == {both["id"], vendor["id"], archived["id"]}
    assert await ids(vendor="false") == {customer["id"]}
    assert await ids(customer="true", vendor="false") == {customer["id"]}
    assert await ids(name="holz", vendor="true") == {both["id"], archived["id"]}
    assert await ids(name="metall", customer="true") == set()
    # the business address, any part of it, in any case
    assert await ids(email="mueller-holzbau.de") == {both["id"]}
    assert await ids(email="BUCHHALTUNG@") == {both["id"]}
    assert await ids(email="holz", name="nord") == set()
    assert await ids(email="mueller@example.de") == set()
    shown = [c for c in (await listed(client, headers))["content"] if c["id"] == both["id"]]
    assert shown[0]["emailAddresses"] == {"business": ["Buchhaltung@Mueller-Holzbau.de"]}

    for params, source in (
        ({"name": "ho"}, "parameter 'name' needs at least 3 characters"),
        ({"email": "@x"}, "parameter 'email' needs at least 3 characters"),
        ({"customer": "yes"}, "parameter 'customer' is invalid"),
        ({"vendor": "1"}, "parameter 'vendor' is invalid"),
    ):
        assert_legacy_400(await client.get(LIST, params=params, headers=headers), source)


async def test_number_filter(client: httpx.AsyncClient) -> None:
    org_id, headers = await new_org(client)
    first = await add_contact(client, org_id, name="Erste GmbH")
    second = await add_contact(client, org_id, name="Zweite GmbH")
    vendor = await add_contact(client, org_id, name="Lieferant AG", roles=["vendor"])
    for number, expected in (
        (second["customerNumber"], [second["id"]]),
        (second["vendorNumber"], [second["id"]]),
        (first["customerNumber"], [first["id"]]),
        (vendor["vendorNumber"], [vendor["id"]]),
        (99999, []),
    ):
        body = await listed(client, headers, number=number)
        assert [c["id"] for c in body["content"]] == expected, number
        assert body["totalElements"] == len(expected)
    body = await listed(client, headers, number=vendor["vendorNumber"], customer="true")
    assert body["content"] == []
    r = await client.get(LIST, params={"number": "abc"}, headers=headers)
    assert_legacy_400(r, "parameter 'number' is invalid")


async def test_detail_and_404(client: httpx.AsyncClient) -> None:
    org_id, headers = await new_org(client)
    made = await add_contact(
        client, org_id, name="Detail GmbH", street="Ringstraße 4", zip="50667", city="Köln"
    )
    r = await client.get(f"{LIST}/{made['id']}", headers=headers)
    assert r.status_code == 200
    assert r.json() == {
        "id": made["id"],
        "organizationId": org_id,
        "version": 1,
        "roles": {"customer": {"number": 10000}, "vendor": {"number": 70000}},
        "company": {"name": "Detail GmbH", "contactPersons": []},
        "addresses": {
            "billing": [
                {"street": "Ringstraße 4", "zip": "50667", "city": "Köln", "countryCode": "DE"}
            ]
        },
        "archived": False,
    }
    assert (await listed(client, headers))["content"] == [r.json()]

    missing = await client.get(f"{LIST}/00000000-0000-4000-8000-000000000000", headers=headers)
    assert missing.status_code == 404
    body = missing.json()
    assert set(body) == {"IssueList", "requestId"}
    assert body["IssueList"][0]["i18nKey"] == "not_found"
    assert body["IssueList"][0]["type"] == "not_found"


async def test_other_organisations_contacts_are_invisible(
    app: EmulatorApp, client: httpx.AsyncClient
) -> None:
    org_id, headers = await new_org(client)
    theirs = await add_contact(client, org_id, name="Fremde Firma GmbH")
    # the demo key's organisation
    assert (await client.get(f"{LIST}/{theirs['id']}")).status_code == 404
    mine = await client.get(LIST, params={"size": 500})
    assert mine.status_code == 200
    assert theirs["id"] not in {c["id"] for c in mine.json()["content"]}
    assert mine.json()["totalElements"] == len(list(app.world.contacts(MAIN_ORG_ID)))
    assert {c["organizationId"] for c in mine.json()["content"]} == {MAIN_ORG_ID}
    assert (await client.get(LIST, params={"name": "Fremde"})).json()["content"] == []
    # both organisations have a contact with customer number 10000: each sees its own
    own = (await client.get(LIST, params={"number": 10000})).json()["content"]
    assert [c["organizationId"] for c in own] == [MAIN_ORG_ID]
    assert (await listed(client, headers, number=10000))["content"][0]["id"] == theirs["id"]


async def test_contacts_go_through_the_gateway(client: httpx.AsyncClient) -> None:
    assert (await client.get(LIST, headers={"Authorization": ""})).status_code == 401
    no_xl = await client.get(LIST, headers={"Authorization": f"Bearer {NO_XL_KEY}"})
    assert no_xl.status_code == 402 and "IssueList" in no_xl.json()
    # a method the emulator does not serve: the gateway's 403
    refused = await client.request("DELETE", f"{LIST}/abc")
    assert refused.status_code == 403 and "message" in refused.json()
    await client.delete("/_emulator/counters")
    fault = {"kind": "error", "status": 503, "pathPrefix": "/v1/contacts", "count": 1}
    assert (await client.post("/_emulator/faults", json=fault)).status_code == 201
    assert (await client.get(LIST)).status_code == 503
    assert (await client.get(LIST)).status_code == 200
    counters = (await client.get("/_emulator/counters")).json()
    assert counters["byResource"]["contacts"] == 2
