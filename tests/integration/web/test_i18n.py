"""Every German text of the templates and controllers has its English translation."""

from __future__ import annotations

from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

import belegsync.web

WEB = Path(belegsync.web.__file__).parent


def _msgids() -> set[str]:
    found = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
        str(WEB),
        method_map=[("templates/**.html", "jinja2"), ("**.py", "python")],
        keywords={"_": None, "gettext": None},
    ):
        found.add(message if isinstance(message, str) else message[0])
    return found


def test_every_text_has_an_english_translation() -> None:
    with (WEB / "locale" / "en.po").open("rb") as po:
        catalog = read_po(po)
    translated = {m.id: m.string for m in catalog if m.id}
    ids = _msgids()
    assert len(ids) > 150
    missing = sorted(i for i in ids if not translated.get(i))
    assert missing == []
    for msgid in ids:
        if "%(" in msgid:
            # The same placeholders on both sides, or formatting fails at run time.
            assert sorted(_placeholders(msgid)) == sorted(_placeholders(str(translated[msgid])))


def _placeholders(text: str) -> list[str]:
    import re

    return re.findall(r"%\((\w+)\)s", text)
