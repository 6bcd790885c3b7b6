from __future__ import annotations

from support.sync_harness import harness, migrated_template

__all__ = ["harness", "migrated_template"]
