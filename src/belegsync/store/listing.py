"""Helpers shared by the list read models: text search, sorting, one page and its total."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Select
from sqlalchemy.ext.asyncio import AsyncSession

from belegsync.store.access import MAX_PER_PAGE


def contains(column: Any, text: str) -> ColumnElement[bool]:
    """Case-insensitive "contains", with LIKE's wildcards taken literally."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return column.ilike(f"%{escaped}%", escape="\\")  # type: ignore[no-any-return]


@dataclass(frozen=True, slots=True)
class Sorting:
    key: str
    descending: bool = False


async def page_of(
    session: AsyncSession,
    query: Select[Any] | Any,
    count: Select[Any] | Any,
    *,
    page: int,
    per_page: int,
) -> tuple[list[tuple[Any, ...]], int]:
    if page < 1 or not 1 <= per_page <= MAX_PER_PAGE:
        raise ValueError("page or per_page out of range")
    total = await session.scalar(count)
    rows = await session.execute(query.limit(per_page).offset((page - 1) * per_page))
    return [tuple(r) for r in rows], int(total or 0)
