"""SQLAlchemy models. Import from here: every model module is loaded, so ``Base.metadata``
is complete (Alembic and ``create_all`` rely on that)."""

from __future__ import annotations

from belegsync.store.models.audit import AuditLogEntry
from belegsync.store.models.banking import (
    BankAccount,
    BankTransaction,
    PaymentAdvice,
    StatementImport,
)
from belegsync.store.models.base import NAMING_CONVENTION, Base, new_id
from belegsync.store.models.connections import DEFAULT_LEXWARE_BASE_URL, Connection
from belegsync.store.models.events import EventSubscription, LexwareEvent
from belegsync.store.models.matching import (
    ContactPayer,
    ExpectedPayment,
    IbanContactMemory,
    PaymentLink,
)
from belegsync.store.models.sync import (
    ONE_ACTIVE_RUN_INDEX,
    SyncRun,
    SyncRunError,
    VoucherSyncFailure,
)
from belegsync.store.models.tenants import TaxYear, Tenant, VatReturn
from belegsync.store.models.vouchers import (
    LexwareContact,
    PaymentItem,
    Voucher,
    VoucherFile,
    VoucherVersion,
)
from belegsync.store.models.web import (
    ApiToken,
    LoginAttempt,
    NoticeSent,
    OutboxMessage,
    SupportRequest,
    User,
    WebSession,
)

__all__ = [
    "DEFAULT_LEXWARE_BASE_URL",
    "NAMING_CONVENTION",
    "ONE_ACTIVE_RUN_INDEX",
    "ApiToken",
    "AuditLogEntry",
    "BankAccount",
    "BankTransaction",
    "Base",
    "Connection",
    "ContactPayer",
    "EventSubscription",
    "ExpectedPayment",
    "IbanContactMemory",
    "LexwareContact",
    "LexwareEvent",
    "LoginAttempt",
    "NoticeSent",
    "OutboxMessage",
    "PaymentAdvice",
    "PaymentItem",
    "PaymentLink",
    "StatementImport",
    "SupportRequest",
    "SyncRun",
    "SyncRunError",
    "TaxYear",
    "Tenant",
    "User",
    "VatReturn",
    "Voucher",
    "VoucherFile",
    "VoucherSyncFailure",
    "VoucherVersion",
    "WebSession",
    "new_id",
]
