from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import text
from sqlalchemy.exc import StatementError

from belegsync.store import jsoncodec
from belegsync.store.types import NaiveDatetimeError
from belegsync.store.uow import UnitOfWorkFactory
from support.store_helpers import NOW, voucher_data

BERLIN_SUMMER = timezone(timedelta(hours=2))


async def test_naive_datetime_is_rejected(uow_factory: UnitOfWorkFactory) -> None:
    async with uow_factory() as uow:
        with pytest.raises(StatementError) as raised:
            await uow.tenants.add(name="Naiv GmbH", now=datetime(2024, 1, 1, 12, 0))

    assert isinstance(raised.value.orig, NaiveDatetimeError)
    assert "naive datetime 2024-01-01T12:00:00" in str(raised.value.orig)


async def test_naive_datetime_is_rejected_in_comparisons(uow_factory: UnitOfWorkFactory) -> None:
    async with uow_factory() as uow:
        with pytest.raises(StatementError):
            await uow.sync_runs.stale_running_runs(before=datetime(2024, 1, 1))


async def test_aware_datetime_round_trips_as_utc(uow_factory: UnitOfWorkFactory) -> None:
    created_at = datetime(2024, 7, 14, 0, 30, tzinfo=BERLIN_SUMMER)
    async with uow_factory() as uow:
        tenant = await uow.tenants.add(name="Sommer KG", now=created_at)
        await uow.commit()

    async with uow_factory() as uow:
        loaded = await uow.tenants.get(tenant.id)
        assert loaded is not None
        await uow.session.refresh(loaded)

    assert loaded.created_at == created_at
    assert loaded.created_at.tzinfo is UTC
    assert loaded.created_at == datetime(2024, 7, 13, 22, 30, tzinfo=UTC)


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_sqlite_stores_the_utc_wall_time(uow_factory: UnitOfWorkFactory) -> None:
    async with uow_factory() as uow:
        await uow.tenants.add(
            name="Text GmbH", now=datetime(2024, 7, 14, 1, 0, tzinfo=BERLIN_SUMMER)
        )
        stored = await uow.session.scalar(text("SELECT created_at FROM tenants"))

    assert str(stored).startswith("2024-07-13 23:00:00")


async def test_cents_refuse_floats(uow_factory: UnitOfWorkFactory) -> None:
    async with uow_factory() as uow:
        tenant = await uow.tenants.add(name="Float AG", now=NOW)
        with pytest.raises(StatementError) as raised:
            await uow.vouchers.upsert(
                tenant.id, voucher_data("v-1", total_gross_cents=119.0), now=NOW
            )

    assert "integer cents" in str(raised.value.orig)


async def test_json_keeps_decimal_digits(uow_factory: UnitOfWorkFactory) -> None:
    raw = {"openAmount": Decimal("1337.00"), "totalGrossAmount": Decimal("0.10"), "n": 3}
    async with uow_factory() as uow:
        tenant = await uow.tenants.add(name="Dezimal GmbH", now=NOW)
        upserted = await uow.vouchers.upsert(tenant.id, voucher_data("v-1", raw_json=raw), now=NOW)
        await uow.commit()

    async with uow_factory() as uow:
        stored = await uow.vouchers.by_lexware_id(tenant.id, "v-1")
        assert stored is not None
        await uow.session.refresh(stored)

    assert stored.id == upserted.voucher.id
    assert stored.raw_json == raw
    assert str(stored.raw_json["openAmount"]) == "1337.00"
    assert stored.raw_list_json == {"id": "v-1"}


json_values: Any = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.text()
    | st.decimals(allow_nan=False, allow_infinity=False, places=2),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=12,
)


@given(json_values)
def test_jsoncodec_round_trips_decimals_exactly(value: Any) -> None:
    encoded = jsoncodec.dumps(value)

    assert jsoncodec.loads(encoded) == value
    assert jsoncodec.dumps(jsoncodec.loads(encoded)) == encoded


def test_content_hash_ignores_key_order_but_not_digits() -> None:
    first = jsoncodec.content_hash({"a": Decimal("1.10"), "b": [1, 2]})

    assert jsoncodec.content_hash({"b": [1, 2], "a": Decimal("1.10")}) == first
    assert jsoncodec.content_hash({"a": Decimal("1.1"), "b": [1, 2]}) != first
    assert jsoncodec.content_hash("ab", "c") != jsoncodec.content_hash("a", "bc")
