"""Flash messages in their signed cookie: read back only when signed by us, cleared
once shown, bounded whatever a handler adds."""

from __future__ import annotations

from typing import cast

import pytest
from hypothesis import given
from hypothesis import strategies as st
from litestar.types import Scope

from belegsync.web.flashes import (
    MAX_COOKIE_CHARS,
    MAX_FLASH_CHARS,
    MAX_FLASHES,
    flash,
    flash_cookie,
    flash_key,
    read_flashes,
    take_flashes,
)

KEY = flash_key(b"secret-of-this-app")


class _Request:
    """What :func:`flash` and :func:`take_flashes` read of a request: its scope."""

    def __init__(self, scope: Scope) -> None:
        self.scope = scope


def _scope(cookie: str | None = None, key: bytes = KEY) -> Scope:
    scope = cast("Scope", {"type": "http", "state": {}})
    if cookie is not None:
        read_flashes(scope, cookie, key)
    return scope


def _sent(*messages: tuple[str, str]) -> str:
    """The cookie a redirect carries after its handler flashed ``messages``."""
    scope = _scope()
    for level, text in messages:
        flash(_Request(scope), level, text)  # type: ignore[arg-type]
    cookie = flash_cookie(scope, KEY)
    assert cookie
    return cookie


def test_a_flash_reaches_the_next_page_and_is_cleared_there() -> None:
    cookie = _sent(("success", "Ihre Anfrage ist bei uns eingegangen."))
    page = _scope(cookie)
    assert take_flashes(_Request(page)) == [  # type: ignore[arg-type]
        ["success", "Ihre Anfrage ist bei uns eingegangen."]
    ]
    assert flash_cookie(page, KEY) == ""  # cleared
    # an answer that shows nothing (a redirect, a file) keeps the cookie as it is
    assert flash_cookie(_scope(cookie), KEY) is None


def test_messages_not_yet_shown_travel_on_with_those_added() -> None:
    scope = _scope(_sent(("info", "eins")))
    flash(_Request(scope), "warning", "zwei")  # type: ignore[arg-type]
    again = _scope(flash_cookie(scope, KEY))
    assert take_flashes(_Request(again)) == [["info", "eins"], ["warning", "zwei"]]  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "cookie",
    [
        "",
        "no-dot",
        "W10.bad-signature",
        "!!!.???",
        "ü.ä",
        "A" + _sent(("info", "x"))[1:],  # the payload changed, the signature not
    ],
)
def test_a_cookie_not_signed_by_us_shows_nothing_and_is_cleared(cookie: str) -> None:
    scope = _scope(cookie)
    assert take_flashes(_Request(scope)) == []  # type: ignore[arg-type]
    assert flash_cookie(scope, KEY) == ""


def test_another_apps_key_is_not_ours() -> None:
    cookie = _sent(("info", "Sprache geändert."))
    scope = _scope(cookie, key=flash_key(b"another-secret"))
    assert take_flashes(_Request(scope)) == []  # type: ignore[arg-type]


@given(st.lists(st.tuples(st.sampled_from(["info", "warning"]), st.text()), max_size=12))
def test_the_cookie_stays_small_whatever_is_flashed(messages: list[tuple[str, str]]) -> None:
    scope = _scope()
    for level, text in messages:
        flash(_Request(scope), level, text * 50)  # type: ignore[arg-type]
    cookie = flash_cookie(scope, KEY)
    if not messages:
        assert cookie is None
        return
    assert cookie is not None and len(cookie) <= MAX_COOKIE_CHARS
    shown = take_flashes(_Request(_scope(cookie)))  # type: ignore[arg-type]
    # the newest, as many as fit
    assert 1 <= len(shown) <= min(len(messages), MAX_FLASHES)
    assert all(len(text) <= MAX_FLASH_CHARS for _, text in shown)
    assert [level for level, _ in shown] == [level for level, _ in messages][-len(shown) :]
    newest = messages[-1][1] * 50
    if len(newest) > MAX_FLASH_CHARS:
        newest = newest[: MAX_FLASH_CHARS - 1] + "…"
    assert shown[-1][1] == newest
