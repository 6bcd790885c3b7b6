"""Tenants (clients) and the periods staff maintain for them."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from belegsync.store.models.base import Base, new_id
from belegsync.store.types import UTCDateTime


class Tenant(Base):
    __tablename__ = "tenants"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    bookkeeping_service: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # Counted up by every transaction that writes the tenant's links, which takes the
    # tenant's row first (``MatchingRepository.lock_links``): a matching run that
    # computed outside a transaction writes only where it is still what it read.
    links_version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")

    tax_years: Mapped[list[TaxYear]] = relationship(
        back_populates="tenant", lazy="raise", order_by="TaxYear.year"
    )
    vat_returns: Mapped[list[VatReturn]] = relationship(
        back_populates="tenant", lazy="raise", order_by="VatReturn.first_day"
    )


class TaxYear(Base):
    __tablename__ = "tax_years"
    __table_args__ = (UniqueConstraint("tenant_id", "year"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id"))
    year: Mapped[int] = mapped_column(Integer)
    closed: Mapped[bool] = mapped_column(default=False)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    tenant: Mapped[Tenant] = relationship(back_populates="tax_years", lazy="raise")


class VatReturn(Base):
    """A submitted VAT advance return (UStVA) for a month ("2024-03") or quarter ("2024-Q1")."""

    __tablename__ = "vat_returns"
    __table_args__ = (
        UniqueConstraint("tenant_id", "period"),
        CheckConstraint("last_day >= first_day", name="period_order"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id"))
    period: Mapped[str] = mapped_column(String(7))
    first_day: Mapped[date] = mapped_column(Date)
    last_day: Mapped[date] = mapped_column(Date)
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime)

    tenant: Mapped[Tenant] = relationship(back_populates="vat_returns", lazy="raise")
