"""The event loop of the long-running commands (``belegsync worker``, ``serve``).

uvloop (libuv) spends less CPU per socket event than asyncio's own loop; a worker keeping
a thousand Lexware connections busy is mostly socket events. ``BELEGSYNC_EVENT_LOOP=asyncio``
turns it off; where uvloop is not installed (Windows) asyncio's loop runs.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any, TypeVar

from belegsync.settings import Settings

T = TypeVar("T")


def run_loop(main: Coroutine[Any, Any, T], settings: Settings) -> T:
    """Run ``main`` to completion in the event loop ``settings.event_loop`` names."""
    if settings.event_loop == "uvloop":
        try:
            import uvloop
        except ImportError:  # not built for this platform
            pass
        else:
            return uvloop.run(main)
    return asyncio.run(main)
