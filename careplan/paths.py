"""Where CarePlan keeps its files and finds its resources."""

from __future__ import annotations

import os
from pathlib import Path

APP_NAME = "CarePlan"
APP_AUTHOR = "CarePlan"

REPO_ROOT = Path(__file__).resolve().parent.parent
RESOURCES = REPO_ROOT / "resources"
MIGRATIONS = REPO_ROOT / "db" / "migrations"


def data_dir() -> Path:
    """The per-user data folder; CAREPLAN_DATA_DIR overrides it (tests, portable installs)."""
    override = os.environ.get("CAREPLAN_DATA_DIR")
    if override:
        return Path(override)
    from platformdirs import user_data_dir

    return Path(user_data_dir(APP_NAME, APP_AUTHOR))


def default_database_path() -> Path:
    return data_dir() / "careplan.sqlite3"


def backups_dir() -> Path:
    return data_dir() / "backups"


def ensure_private_dir(path: Path) -> Path:
    """Create a folder readable by the owner only: it holds patient data."""
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    os.chmod(path, 0o700)
    return path
