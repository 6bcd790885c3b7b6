from __future__ import annotations

import re
from pathlib import Path

import pytest

from belegsync.settings import SETTINGS, Settings, SettingsError

README = Path(__file__).resolve().parents[2] / "README.md"


def _readme_settings() -> dict[str, tuple[str, str]]:
    rows = {}
    for line in README.read_text(encoding="utf-8").splitlines():
        m = re.match(r"^\| `(BELEGSYNC_[A-Z_]+)` \| `(.*)` \| (.*) \|$", line)
        if m:
            rows[m.group(1)] = (m.group(2), m.group(3))
    return rows


def test_readme_settings_table_matches_settings_module() -> None:
    documented = _readme_settings()
    assert documented == {s.env: (s.default, s.help) for s in SETTINGS}


def test_defaults_and_data_dir_derived_database_url(tmp_path: Path) -> None:
    settings = Settings.from_env({"BELEGSYNC_DATA_DIR": str(tmp_path)})
    assert settings.data_dir == tmp_path.resolve()
    assert settings.database_url == f"sqlite+aiosqlite:///{tmp_path.resolve()}/belegsync.sqlite3"
    assert settings.lexware_base_url == "https://api.lexware.io"
    assert settings.lexware_rate == 2.0
    assert settings.sync_time.hour == 6
    assert settings.keyfile_path == tmp_path.resolve() / "secrets.key"


@pytest.mark.parametrize(
    ("name", "value", "fragment"),
    [
        ("BELEGSYNC_LEXWARE_RATE", "fast", "expected a number"),
        ("BELEGSYNC_LEXWARE_RATE", "0", "greater than 0"),
        ("BELEGSYNC_PORT", "70000", "between 1 and 65535"),
        ("BELEGSYNC_SYNC_TIME", "6 Uhr", "expected a time"),
        ("BELEGSYNC_LOG_LEVEL", "loud", "expected one of"),
    ],
)
def test_bad_values_name_the_variable(name: str, value: str, fragment: str) -> None:
    with pytest.raises(SettingsError) as info:
        Settings.from_env({name: value})
    assert name in str(info.value)
    assert fragment in str(info.value)
