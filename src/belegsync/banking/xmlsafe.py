"""Safe XML loading and namespace-agnostic element access for the CAMT parser."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, TypeAlias

# lxml ships no type information; everything it returns is typed through ``Element``.
from lxml import etree  # type: ignore[import-untyped]

from belegsync.banking.errors import StatementError

MAX_XML_BYTES = 50 * 1024 * 1024

Element: TypeAlias = Any  # lxml.Element


def _parser() -> Any:
    # No entities, no DTD, no network, no huge trees: a statement never needs any of it.
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
    )


def load_xml(data: bytes, source: str) -> Element:
    """Parse ``data``; DTDs, entity declarations and oversized files are refused."""
    if len(data) > MAX_XML_BYTES:
        raise StatementError(
            source,
            f"Die XML-Datei ist größer als {MAX_XML_BYTES // (1024 * 1024)} MB.",
            f"The XML file is larger than {MAX_XML_BYTES // (1024 * 1024)} MB.",
        )
    if b"<!DOCTYPE" in data or b"<!ENTITY" in data:
        raise StatementError(
            source,
            "Die XML-Datei enthält eine DTD; das ist bei CAMT nicht erlaubt.",
            "The XML file contains a DTD, which CAMT does not allow.",
        )
    try:
        root = etree.fromstring(data, parser=_parser())
    except etree.XMLSyntaxError as error:
        line = error.lineno or 0
        raise StatementError(
            f"{source} Zeile {line} (line {line})",
            f"kein wohlgeformtes XML ({error.msg}).",
            f"not well-formed XML ({error.msg}).",
        ) from None
    except (ValueError, etree.LxmlError) as error:
        raise StatementError(
            source, f"kein lesbares XML ({error}).", f"unreadable XML ({error})."
        ) from None
    if root is None:
        raise StatementError(source, "Die XML-Datei ist leer.", "The XML file is empty.")
    return root


def local(element: Element) -> str:
    tag = element.tag
    if not isinstance(tag, str):
        return ""
    return tag.rsplit("}", 1)[-1]


def kids(element: Element, name: str) -> Iterator[Element]:
    for child in element:
        if local(child) == name:
            yield child


def find(element: Element | None, path: str) -> Element | None:
    """The first element along ``path`` (``"RltdPties/Dbtr/Nm"``), matched by local name."""
    current = element
    for name in path.split("/"):
        if current is None:
            return None
        current = next(kids(current, name), None)
    return current


def findall(element: Element | None, path: str) -> list[Element]:
    if element is None:
        return []
    *parents, last = path.split("/")
    parent = find(element, "/".join(parents)) if parents else element
    return [] if parent is None else list(kids(parent, last))


def text(element: Element | None, path: str | None = None) -> str | None:
    target = find(element, path) if path else element
    if target is None or target.text is None:
        return None
    value = target.text.strip()
    return value or None


def first_text(element: Element | None, *paths: str) -> str | None:
    for path in paths:
        value = text(element, path)
        if value is not None:
            return value
    return None


def path_of(element: Element) -> str:
    """``/Document/BkToCstmrStmt/Stmt/Ntry[5]/Amt (Zeile 57)``: local names, 1-based
    positions where siblings share a name, and the source line."""
    parts: list[str] = []
    current: Element | None = element
    while current is not None:
        name = local(current)
        parent = current.getparent()
        if parent is not None:
            same = [c for c in parent if local(c) == name]
            if len(same) > 1:
                name = f"{name}[{same.index(current) + 1}]"
        parts.append(name)
        current = parent
    line = element.sourceline
    suffix = f" (Zeile {line})" if line else ""
    return "/" + "/".join(reversed(parts)) + suffix
