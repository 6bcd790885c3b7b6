from __future__ import annotations

from support.worker_kill import database_url

__all__ = ["database_url"]
