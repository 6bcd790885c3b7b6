"""Rendered fragments are reused by key and the least recently used go first."""

from __future__ import annotations

from markupsafe import Markup

from belegsync.web.templating import FragmentCache, create_environment


def test_a_fragment_is_rendered_once_per_key_and_the_oldest_goes_first() -> None:
    calls: list[str] = []

    def render(text: str) -> Markup:
        calls.append(text)
        return Markup("<b>{}</b>").format(text)

    cache = FragmentCache(2)
    assert cache("a", render, "a") == Markup("<b>a</b>")
    assert cache("a", render, "other") == Markup("<b>a</b>")
    cache("b", render, "b")
    cache("a", render, "a")  # a is the most recent again
    cache("c", render, "c")  # b goes
    cache("b", render, "b")
    assert calls == ["a", "b", "c", "b"]
    assert len(cache) == 2


def test_templates_reuse_a_macro_row_per_key() -> None:
    env = create_environment(fragments=10)
    template = env.from_string(
        "{% macro row(v) %}<i>{{ v }}</i>{% endmacro %}"
        "{% for v in values %}{{ fragment(('row', v), row, v) }}{% endfor %}"
    )
    assert template.render(values=["<x>", "y", "<x>"]) == "<i>&lt;x&gt;</i><i>y</i><i>&lt;x&gt;</i>"
    assert len(env.globals["fragment"]) == 2  # type: ignore[arg-type]
