from __future__ import annotations

from support.sync_harness import migrated_template
from support.web_stack import stack, web_template

__all__ = ["migrated_template", "stack", "web_template"]
