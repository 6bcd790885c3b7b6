"""Import a statement, then match: new lines may pay open vouchers.

Banking and matching are siblings that never import each other, so the web layer
composes the two steps.
"""

from __future__ import annotations

from collections.abc import Callable

from belegsync.banking import ImportResult, import_statement
from belegsync.domain.clock import Clock
from belegsync.matching.service import run_matching
from belegsync.store.uow import UnitOfWork

__all__ = ["import_and_match"]


async def import_and_match(
    *,
    uow_factory: Callable[[], UnitOfWork],
    clock: Clock,
    tenant_id: str,
    filename: str,
    data: bytes,
    account_iban: str | None,
    actor: str,
) -> ImportResult:
    """Import a statement file, then match: new lines may pay open vouchers."""
    result = await import_statement(
        uow_factory=uow_factory, clock=clock, tenant_id=tenant_id, filename=filename,
        data=data, account_iban=account_iban, actor=actor,
    )  # fmt: skip
    await run_matching(uow_factory, clock, tenant_id)
    return result
