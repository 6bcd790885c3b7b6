"""JSON writer that prints Decimal money as numbers with two decimals (never via float)."""

from __future__ import annotations

import json.encoder
from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal
from typing import Any

_CENT = Decimal("0.01")
# The C string encoder behind ``json.dumps(text, ensure_ascii=False)``, without the
# per-call set-up of json.dumps (the emulator writes tens of thousands of strings/s).
_string: Callable[[str], str] = json.encoder.encode_basestring


def money_text(value: Decimal) -> str:
    return format(value.quantize(_CENT), "f")


def _encode(value: Any, out: list[str]) -> None:
    kind = type(value)
    if kind is str:
        out.append(_string(value))
    elif kind is dict:
        out.append("{")
        first = True
        for key, item in value.items():
            if first:
                first = False
            else:
                out.append(",")
            out.append(_string(key) if type(key) is str else _string(str(key)))
            out.append(":")
            _encode(item, out)
        out.append("}")
    elif kind is Decimal:
        out.append(money_text(value))
    elif kind is list:
        out.append("[")
        for index, item in enumerate(value):
            if index:
                out.append(",")
            _encode(item, out)
        out.append("]")
    else:
        _encode_other(value, out)


def _encode_other(value: Any, out: list[str]) -> None:
    """Everything but the exact str, dict, Decimal and list types (subclasses included)."""
    if value is None:
        out.append("null")
    elif value is True:
        out.append("true")
    elif value is False:
        out.append("false")
    elif isinstance(value, str):
        out.append(_string(value))
    elif isinstance(value, Decimal):
        out.append(money_text(value))
    elif isinstance(value, int):
        out.append(str(value))
    elif isinstance(value, Mapping):
        _encode(dict(value.items()), out)
    elif isinstance(value, Sequence):
        _encode(list(value), out)
    else:
        raise TypeError(f"cannot encode {type(value).__name__} as JSON")


def dumps(value: Any) -> bytes:
    out: list[str] = []
    _encode(value, out)
    return "".join(out).encode()
