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
        keywords={"_": None, "gettext": None, "ngettext": (1, 2)},
    ):
        found.add(message if isinstance(message, str) else message[0])
    return found


def test_every_text_has_an_english_translation() -> None:
    with (WEB / "locale" / "en.po").open("rb") as po:
        catalog = read_po(po)
    # a text for a count by its singular, with every form of its English
    forms = {
        m.id if isinstance(m.id, str) else m.id[0]: (
            (m.string,) if isinstance(m.string, str) else tuple(m.string or ())
        )
        for m in catalog
        if m.id
    }
    ids = _msgids()
    assert len(ids) > 150
    missing = sorted(i for i in ids if not all(forms.get(i, ("",))))
    assert missing == []
    for msgid in ids:
        if "%(" in msgid:
            # The same placeholders on both sides, or formatting fails at run time.
            for form in forms[msgid]:
                assert sorted(_placeholders(msgid)) == sorted(_placeholders(str(form)))


def _placeholders(text: str) -> list[str]:
    import re

    return re.findall(r"%\((\w+)\)s", text)
