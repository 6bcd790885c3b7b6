"""JSON encoding that keeps money exact.

Lexware amounts are parsed with ``parse_float=Decimal``; the standard encoder cannot
write a ``Decimal`` as a JSON number, and going through ``float`` would change the
digits (``1337.00`` would come back as ``1337.0``). These functions write decimals
verbatim and read every fractional number back as a ``Decimal``. The engine uses them
for all ``JSON`` columns on SQLite and PostgreSQL.

Parsed JSON (dicts and lists of str, int, Decimal, bool and None) is written by
msgspec's C encoder, which gives the same text as the reference encoder below; what it
refuses (a lone surrogate, a non-finite Decimal) goes through the reference encoder.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

import msgspec

_encode_string = json.JSONEncoder(ensure_ascii=False).encode


_FAST_ENCODERS = {
    False: msgspec.json.Encoder(decimal_format="number").encode,
    True: msgspec.json.Encoder(decimal_format="number", order="sorted").encode,
}


def dumps(value: object, *, sort_keys: bool = False) -> str:
    """Serialise ``value`` compactly; ``Decimal`` becomes a JSON number with its digits."""
    fast = _fast_bytes(value, sort_keys)
    return fast.decode() if fast is not None else reference_dumps(value, sort_keys=sort_keys)


def reference_dumps(value: object, *, sort_keys: bool = False) -> str:
    """The encoding in plain Python: what :func:`dumps` writes, for every input."""
    parts: list[str] = []
    _encode(value, parts, sort_keys)
    return "".join(parts)


def _fast_bytes(value: object, sort_keys: bool) -> bytes | None:
    if type(value) is not dict and type(value) is not list:
        return None
    try:
        return _FAST_ENCODERS[sort_keys](value)
    except (TypeError, ValueError):  # a lone surrogate, a non-finite Decimal, an odd type
        return None


def loads(text: str | bytes) -> Any:
    """Parse JSON text; numbers with a fraction or exponent become ``Decimal``."""
    return json.loads(text, parse_float=Decimal)


def content_hash(*documents: object) -> str:
    """A sha256 over the canonical (key-sorted) encoding of ``documents``."""
    digest = hashlib.sha256()
    for document in documents:
        fast = _fast_bytes(document, True)
        if fast is None:
            fast = reference_dumps(document, sort_keys=True).encode()
        digest.update(fast)
        digest.update(b"\x1e")  # record separator: ("ab", "c") must differ from ("a", "bc")
    return digest.hexdigest()


def _encode(value: object, parts: list[str], sort_keys: bool) -> None:
    if value is None:
        parts.append("null")
    elif value is True:
        parts.append("true")
    elif value is False:
        parts.append("false")
    elif isinstance(value, str):
        parts.append(_encode_string(value))
    elif isinstance(value, int):
        parts.append(int.__repr__(value))
    elif isinstance(value, Decimal):
        if not value.is_finite():
            raise ValueError(f"cannot encode {value} as JSON")
        parts.append(str(value))
    elif isinstance(value, float):
        parts.append(json.dumps(value, allow_nan=False))
    elif isinstance(value, Mapping):
        _encode_object(value, parts, sort_keys)
    elif isinstance(value, Sequence) and not isinstance(value, bytes | bytearray):
        parts.append("[")
        for index, item in enumerate(value):
            if index:
                parts.append(",")
            _encode(item, parts, sort_keys)
        parts.append("]")
    else:
        raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def _encode_object(value: Mapping[Any, Any], parts: list[str], sort_keys: bool) -> None:
    items = list(value.items())
    for key, _ in items:
        if not isinstance(key, str):
            raise TypeError(f"JSON object keys must be str, not {type(key).__name__}")
    if sort_keys:
        items.sort(key=lambda item: item[0])
    parts.append("{")
    for index, (key, item) in enumerate(items):
        if index:
            parts.append(",")
        parts.append(_encode_string(key))
        parts.append(":")
        _encode(item, parts, sort_keys)
    parts.append("}")
