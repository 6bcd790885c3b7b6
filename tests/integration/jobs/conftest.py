from __future__ import annotations

from support.sync_harness import harness, harness_factory, migrated_template

__all__ = ["harness", "harness_factory", "migrated_template"]
