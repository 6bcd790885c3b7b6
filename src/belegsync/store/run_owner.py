"""Which process owns a sync run, and whether that process is provably dead.

A run's owner is ``host:pid:start`` (the process's start time in clock ticks since
boot, from ``/proc``), so a reused pid is never mistaken for the owner. Only a run
owned on this host can be proved dead; elsewhere its lease has to expire.
"""

from __future__ import annotations

import functools
import os
import socket


def _start_ticks(pid: int) -> str | None:
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as stat:
            text = stat.read()
    except OSError:
        return None
    # Field 3 (state) and 22 (starttime); the command name (field 2) may hold spaces
    # and parentheses. A zombie has exited: it owns nothing any more.
    fields = text.rsplit(")", 1)[-1].split()
    if len(fields) <= 19 or fields[0] in ("Z", "X"):
        return None
    return fields[19]


@functools.cache
def process_owner() -> str:
    """This process as a run owner."""
    pid = os.getpid()
    return f"{socket.gethostname()}:{pid}:{_start_ticks(pid) or '-'}"


def owner_is_dead(owner: str) -> bool:
    """True only if ``owner`` ran on this host and that process no longer runs."""
    host, _, rest = owner.partition(":")
    pid_text, _, start = rest.partition(":")
    if host != socket.gethostname() or not pid_text.isdigit():
        return False
    pid = int(pid_text)
    if start != "-":
        return _start_ticks(pid) != start
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False
