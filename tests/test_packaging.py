"""The wheel carries everything the installed app reads; the two lock files agree.

scripts/wheel-smoke (run by `make test`) installs the wheel outside the checkout and runs the
CLI there; this test checks the wheel's file list itself, so a file left out is named.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from careplan.persistence import schema

REPO = Path(__file__).resolve().parents[1]
# Repository folder -> where the wheel puts it (setup.py's mapping).
MAPPED = {"careplan/": "careplan/", "resources/": "careplan/resources/", "db/migrations/": "careplan/migrations/"}


def git_files(*folders: str) -> list[str]:
    done = subprocess.run(["git", "ls-files", "--cached", "--others", "--exclude-standard", *folders],
                          cwd=REPO, capture_output=True, text=True, check=True)
    return [f for f in done.stdout.splitlines() if (REPO / f).is_file()]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Iterator[zipfile.ZipFile]:
    """The wheel `make test` built for scripts/wheel-smoke just before, else a new one."""
    built = os.environ.get("CAREPLAN_TEST_WHEEL_DIR")
    if built:
        (path,) = Path(built).glob("careplan-*.whl")
    else:
        out = tmp_path_factory.mktemp("dist")
        done = subprocess.run([str(REPO / "scripts" / "build-wheel"), sys.executable, str(out)],
                              capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stderr
        path = Path(done.stdout.strip())
    with zipfile.ZipFile(path) as opened:
        yield opened


def test_wheel_holds_every_package_resource_and_migration(wheel: zipfile.ZipFile) -> None:
    names = set(wheel.namelist())
    expected = {MAPPED[folder] + f.removeprefix(folder) for folder in MAPPED for f in git_files(folder)}
    assert expected - names == set(), "files the installed app needs are missing from the wheel"
    # The things whose absence broke the installed app, named, in case a folder moves.
    for needed in ("careplan/resources/catalogue.yaml", "careplan/resources/catalogue.schema.json",
                   "careplan/resources/export.schema.json", "careplan/resources/fonts/DejaVuSans.ttf",
                   "careplan/resources/fonts/LICENSE-DejaVu.txt", "careplan/migrations/env.py",
                   "careplan/migrations/script.py.mako",
                   *(f"careplan/migrations/versions/{rev}.py" for rev in schema.KNOWN_REVISIONS)):
        assert needed in names


def test_wheel_installs_nothing_outside_the_package(wheel: zipfile.ZipFile) -> None:
    top = {name.split("/")[0] for name in wheel.namelist()}
    assert {t for t in top if not t.endswith(".dist-info")} == {"careplan"}
    entry_points = next(n for n in wheel.namelist() if n.endswith(".dist-info/entry_points.txt"))
    assert "careplan = careplan.cli:main" in wheel.read(entry_points).decode()


def pins(lock: str) -> dict[str, str]:
    text = (REPO / lock).read_text(encoding="utf-8")
    return dict(re.findall(r"^([A-Za-z0-9_.-]+)==(\S+)", text, flags=re.MULTILINE))


def test_development_lock_pins_the_runtime_lock_unchanged() -> None:
    """`make run` installs requirements.lock, `make test` requirements-dev.lock into the same
    .venv: switching between them must not change a runtime package's version."""
    runtime, dev = pins("requirements.lock"), pins("requirements-dev.lock")
    assert runtime and {name: dev.get(name) for name in runtime} == runtime


@pytest.mark.parametrize("lock", ["requirements.lock", "requirements-dev.lock"])
def test_the_locks_also_install_on_windows_and_macos(lock: str) -> None:
    """Made on Linux, the locks are universal (`make lock`, uv --universal): keyring's Windows
    backend is pinned with its hashes for Windows only, and the Linux password store's packages
    only for Linux. A lock made for one platform fails `pip install --require-hashes` on the others."""
    text = (REPO / lock).read_text(encoding="utf-8")
    entries = re.findall(r"^([a-z0-9_.-]+)==(\S+)(?: ; ([^\\\n]+))?((?:\s*\\\n\s*--hash=sha256:[0-9a-f]{64})+)",
                         text, flags=re.MULTILINE)
    markers = {name: marker.strip() for name, _version, marker, _hashes in entries}
    assert len(entries) == len(pins(lock)), "every pinned package carries its hashes"
    assert markers.get("pywin32-ctypes") == "sys_platform == 'win32'"
    assert markers.get("secretstorage") == markers.get("jeepney") == "sys_platform == 'linux'"
    assert markers.get("keyring") == ""  # every platform
