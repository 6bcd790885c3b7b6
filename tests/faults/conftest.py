from __future__ import annotations

from support.sync_harness import harness_factory, migrated_template
from support.worker_kill import database_url

__all__ = ["database_url", "harness_factory", "migrated_template"]
