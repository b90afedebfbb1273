"""Where CarePlan keeps its files and finds its resources.

The shipped data (resources/ and db/migrations/ in the repository) is installed as the
packages careplan.resources and careplan.migrations (see setup.py), and read only through
importlib.resources: never from the checkout's path, which an installed wheel does not have.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from importlib.resources import as_file, files
from importlib.resources.abc import Traversable
from pathlib import Path

APP_NAME = "CarePlan"
APP_AUTHOR = "CarePlan"

RESOURCES_PACKAGE = "careplan.resources"
MIGRATIONS_PACKAGE = "careplan.migrations"
# The installed resources/ folder: `RESOURCES / "export.schema.json"` reads with .read_text().
RESOURCES: Traversable = files(RESOURCES_PACKAGE)


def resource(name: str) -> Traversable:
    """A shipped data file, named by its path inside resources/ ("fonts/DejaVuSans.ttf")."""
    return RESOURCES.joinpath(*name.split("/"))


@contextmanager
def migrations_dir() -> Iterator[Path]:
    """The Alembic script folder as a real path, which Alembic needs, for the block's duration.

    Wheels and editable installs leave it on disk, so this is the installed folder itself.
    """
    with as_file(files(MIGRATIONS_PACKAGE)) as path:
        yield path


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
