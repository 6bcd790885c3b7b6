"""Column types shared by every model: aware UTC datetimes and integer cents."""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum

from sqlalchemy import JSON, BigInteger, DateTime, Dialect, Enum
from sqlalchemy.types import TypeDecorator


class NaiveDatetimeError(TypeError):
    """A naive datetime was about to be stored; only aware datetimes are allowed."""


class UTCDateTime(TypeDecorator[datetime]):
    """An aware datetime, stored in UTC.

    Binding a naive datetime raises :class:`NaiveDatetimeError` instead of guessing a
    zone. Loaded values always carry ``UTC``, also on SQLite, which drops offsets.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if not isinstance(value, datetime):
            raise TypeError(f"UTCDateTime expects a datetime, got {type(value).__name__}")
        if value.tzinfo is None or value.utcoffset() is None:
            raise NaiveDatetimeError(
                f"refusing to store naive datetime {value.isoformat()}: "
                "pass an aware datetime, e.g. datetime.now(UTC)"
            )
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class Cents(TypeDecorator[int]):
    """An amount of money in integer cents (``BIGINT``); floats and decimals are refused."""

    impl = BigInteger
    cache_ok = True

    def process_bind_param(self, value: int | None, dialect: Dialect) -> int | None:
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            raise TypeError(
                f"amounts are stored as integer cents, got {type(value).__name__} {value!r}"
            )
        return value


def string_enum(name: str, values: tuple[str, ...], *, length: int = 32) -> Enum:
    """A portable enum: ``VARCHAR(length)`` plus a named CHECK constraint, no native type."""
    return Enum(
        *values,
        name=name,
        native_enum=False,
        create_constraint=True,
        validate_strings=True,
        length=length,
    )


def json_document(*, nullable: bool = False) -> JSON:
    """The ``JSON`` type (never ``JSONB``: it would reorder keys of the raw documents).

    For nullable columns Python ``None`` is stored as SQL ``NULL``, not JSON ``null``.
    """
    return JSON(none_as_null=nullable)


def enum_of(enum: type[StrEnum], name: str, *, length: int = 32) -> Enum:
    """Like :func:`string_enum`, with the values of a domain ``StrEnum``; rows load as
    its members."""
    return Enum(
        enum,
        name=name,
        native_enum=False,
        create_constraint=True,
        validate_strings=True,
        values_callable=lambda members: [member.value for member in members],
        length=length,
    )
