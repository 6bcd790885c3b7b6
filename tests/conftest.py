"""Suite-wide fixtures. Area fixtures live in the conftest.py of each test folder."""

from __future__ import annotations
