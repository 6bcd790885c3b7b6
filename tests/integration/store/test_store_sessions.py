"""A browser session and its user, read in one query on every page."""

from __future__ import annotations

from datetime import timedelta

from belegsync.store.uow import UnitOfWorkFactory
from support.store_helpers import NOW


async def _user(uow_factory: UnitOfWorkFactory, *, disabled: bool = False) -> str:
    async with uow_factory() as uow:
        user = await uow.accounts.add_user(
            email="kanzlei@example.test",
            password_hash="x",
            role="staff",
            tenant_id=None,
            locale="en",
            now=NOW,
        )
        if disabled:
            user.disabled_at = NOW
        await uow.commit()
        return user.id


async def _session(uow_factory: UnitOfWorkFactory, user_id: str | None, *, minutes: int) -> None:
    async with uow_factory() as uow:
        await uow.accounts.add_session(
            id_hash="h" * 64,
            user_id=user_id,
            data=b'{"uid":1}',
            now=NOW,
            expires_at=NOW + timedelta(minutes=minutes),
        )
        await uow.commit()


async def test_a_live_session_comes_with_its_user(uow_factory: UnitOfWorkFactory) -> None:
    user_id = await _user(uow_factory)
    await _session(uow_factory, user_id, minutes=60)
    async with uow_factory.read_only() as uow:
        found = await uow.accounts.live_session("h" * 64, now=NOW + timedelta(minutes=59))
        missing = await uow.accounts.live_session("x" * 64, now=NOW)
    assert found is not None and missing is None
    assert (found.data, found.created_at, found.expires_at) == (
        b'{"uid":1}',
        NOW,
        NOW + timedelta(minutes=60),
    )
    assert found.user is not None
    assert (found.user.id, found.user.email, found.user.role, found.user.locale) == (
        user_id,
        "kanzlei@example.test",
        "staff",
        "en",
    )


async def test_an_expired_session_is_none(uow_factory: UnitOfWorkFactory) -> None:
    await _session(uow_factory, await _user(uow_factory), minutes=60)
    async with uow_factory.read_only() as uow:
        assert await uow.accounts.live_session("h" * 64, now=NOW + timedelta(minutes=60)) is None


async def test_a_disabled_login_or_none_gives_a_session_without_user(
    uow_factory: UnitOfWorkFactory,
) -> None:
    await _session(uow_factory, await _user(uow_factory, disabled=True), minutes=60)
    async with uow_factory.read_only() as uow:
        found = await uow.accounts.live_session("h" * 64, now=NOW)
    assert found is not None and found.user is None
