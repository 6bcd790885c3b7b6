from __future__ import annotations

from support.sync_harness import harness, harness_factory, migrated_template
from support.web_stack import (
    pg_databases,
    pg_web_template,
    sqlite_web_template,
    stack,
    web_template,
)

__all__ = [
    "harness",
    "harness_factory",
    "migrated_template",
    "pg_databases",
    "pg_web_template",
    "sqlite_web_template",
    "stack",
    "web_template",
]
