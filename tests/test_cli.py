"""The `careplan` command as clinics script it."""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from careplan import __version__
from careplan.cli import main
from careplan.cli.gui import NO_DISPLAY

REQUIRED_CATALOGUE_KEYS = {"code", "discipline", "title", "clinical_description", "caregiver_instructions",
                           "frequency", "role", "source", "active"}


def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(args)
    out, err = capsys.readouterr()
    return code, out, err


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as e:
        main(["--version"])
    assert e.value.code == 0
    assert capsys.readouterr().out.strip() == f"CarePlan {__version__}"


def test_help_names_every_subcommand(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["--help"])
    out = capsys.readouterr().out
    for cmd in ("check", "demo", "catalogue", "patients", "history", "--exit-after-startup", "--db"):
        assert cmd in out


def test_help_and_version_do_not_load_the_database_libraries() -> None:
    script = ("import sys\nfrom careplan.cli import main\n"
              "for argv in (['--version'], ['--help'], ['export', '--help']):\n"
              "    try:\n        main(argv)\n    except SystemExit:\n        pass\n"
              "print(sorted({m.split('.')[0] for m in sys.modules} & {'sqlalchemy', 'PySide6', 'reportlab', 'alembic'}))")
    r = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip().splitlines()[-1] == "[]"


def test_demo_is_deterministic_for_a_seed(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    outputs = []
    for name in ("a", "b"):
        db = str(tmp_path / f"{name}.sqlite3")
        assert run(["demo", "--patients", "12", "--seed", "7", "--create", "--db", db], capsys)[0] == 0
        code, out, _ = run(["patients", "--json", "--db", db], capsys)
        assert code == 0
        outputs.append(json.loads(out))
    assert outputs[0] == outputs[1]
    assert len(outputs[0]) == 12
    assert {"mrn", "name", "plan_status", "revisions", "next_review"} <= set(outputs[0][0])
    assert all(p["revisions"] >= 1 for p in outputs[0])
    other = str(tmp_path / "c.sqlite3")
    run(["demo", "--patients", "12", "--seed", "8", "--create", "--db", other], capsys)
    assert json.loads(run(["patients", "--json", "--db", other], capsys)[1]) != outputs[0]


def test_demo_refuses_the_same_seed_twice(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = str(tmp_path / "a.sqlite3")
    run(["demo", "--patients", "3", "--create", "--db", db], capsys)
    code, _, err = run(["demo", "--patients", "3", "--create", "--db", db], capsys)
    assert code == 2 and "already in this database" in err


def test_history_and_check_after_demo(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = str(tmp_path / "a.sqlite3")
    run(["demo", "--patients", "4", "--seed", "2", "--create", "--db", db], capsys)
    patients = json.loads(run(["patients", "--json", "--db", db], capsys)[1])
    mrn = patients[0]["mrn"]
    code, out, _ = run(["history", mrn, "--json", "--db", db], capsys)
    hist = json.loads(out)
    assert code == 0 and len(hist) == patients[0]["revisions"]
    assert [h["revision"] for h in hist] == list(range(1, len(hist) + 1))
    assert set(hist[0]) >= {"revision", "created_at", "author", "reason", "items", "hash"}
    assert hist[0]["created_at"].endswith("+00:00") and len(hist[0]["hash"]) == 64
    code, out, _ = run(["check", "--db", db], capsys)
    assert (code, out.strip()) == (0, "ok")
    code, _, err = run(["history", "NOPE", "--db", db], capsys)
    assert code == 2 and "NOPE" in err


def test_catalogue_json_contract(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["catalogue", "--json", "--create", "--db", str(tmp_path / "a.sqlite3")], capsys)
    items = json.loads(out)
    assert code == 0 and len(items) > 50
    assert all(set(i) == REQUIRED_CATALOGUE_KEYS for i in items)
    assert all(i["active"] is True for i in items)


def test_patients_search_filters(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = str(tmp_path / "a.sqlite3")
    run(["demo", "--patients", "20", "--create", "--db", db], capsys)
    everyone = json.loads(run(["patients", "--json", "--db", db], capsys)[1])
    some = json.loads(run(["patients", "--json", "--search", everyone[3]["mrn"], "--db", db], capsys)[1])
    assert [p["mrn"] for p in some] == [everyone[3]["mrn"]]


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    env.update(extra)
    return env


def test_no_display_gives_one_clear_sentence(tmp_path: Path) -> None:
    r = subprocess.run([sys.executable, "main.py", "--db", str(tmp_path / "x.sqlite3")], capture_output=True, text=True,
                       env=_env(), timeout=60, cwd=Path(__file__).parents[1])
    assert r.returncode == 2
    assert r.stderr.strip() == NO_DISPLAY
    assert "QT_QPA_PLATFORM=offscreen" in r.stderr


def test_missing_x11_libraries_are_named_with_the_command_that_installs_them(tmp_path: Path, monkeypatch) -> None:
    """Qt's own abort ("could not load the Qt platform plugin xcb") does not say what to install."""
    from careplan.cli import gui

    present = {"libc.so.6": "libc6"}
    absent = {"libcareplan-not-there.so.7": "careplan-nothing7", "libc.so.6": "libc6", "libnope.so.1": "nope1"}
    assert gui.missing_x11_packages(present) == []
    assert gui.missing_x11_packages(absent) == ["careplan-nothing7", "nope1"]

    monkeypatch.setattr(gui, "X11_LIBRARIES", absent)
    for key in ("WAYLAND_DISPLAY", "QT_QPA_PLATFORM"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("DISPLAY", ":97")
    refusal = gui.x11_refusal()
    assert refusal is not None
    assert "careplan-nothing7, nope1" in refusal and "sudo apt install careplan-nothing7 nope1" in refusal
    args = argparse.Namespace(db=str(tmp_path / "x.sqlite3"), exit_after_startup=True, create=True)
    assert gui.open_app(args) == 2
    assert not (tmp_path / "x.sqlite3").exists()  # refused before the database is touched
    for platform, expected in (("xcb", True), ("offscreen", False), ("wayland", False)):
        monkeypatch.setenv("QT_QPA_PLATFORM", platform)
        assert gui.uses_x11() is expected, platform
    monkeypatch.delenv("QT_QPA_PLATFORM")
    monkeypatch.setenv("WAYLAND_DISPLAY", "wayland-0")
    assert gui.x11_refusal() is None  # Qt picks Wayland there


def test_exit_after_startup_paints_and_reports(tmp_path: Path) -> None:
    r = subprocess.run([sys.executable, "-m", "careplan", "--exit-after-startup", "--create", "--db", str(tmp_path / "x.sqlite3")],
                       capture_output=True, text=True, env=_env(QT_QPA_PLATFORM="offscreen"), timeout=120)
    assert r.returncode == 0, r.stderr
    line = [x for x in r.stdout.splitlines() if x.startswith("startup_s=")]
    assert len(line) == 1 and 0 < float(line[0].split("=")[1]) < 60


def test_app_with_a_bad_database_exits_2_with_message(tmp_path: Path) -> None:
    f = tmp_path / "notes.txt"
    f.write_text("hello")
    r = subprocess.run([sys.executable, "-m", "careplan", "--exit-after-startup", "--db", str(f)],
                       capture_output=True, text=True, env=_env(QT_QPA_PLATFORM="offscreen"), timeout=120)
    assert r.returncode == 2
    assert "not a CarePlan database" in r.stderr
    assert f.read_text() == "hello"


def test_app_imports_its_data_layer_before_qt(tmp_path: Path) -> None:
    """PySide6's import hook reads and keeps the source of every module imported after it (~19 MB
    and ~45 ms for SQLAlchemy and our data layer), so open_app imports those first."""
    r = subprocess.run([sys.executable, "-X", "importtime", "-m", "careplan", "--exit-after-startup",
                        "--create", "--db", str(tmp_path / "x.sqlite3")],
                       capture_output=True, text=True, env=_env(QT_QPA_PLATFORM="offscreen"), timeout=120)
    assert r.returncode == 0, r.stderr[-2000:]
    # -X importtime prints one line per module as its import finishes, in order.
    names = [line.rsplit("|", 1)[1].strip() for line in r.stderr.splitlines() if line.startswith("import time:")]
    assert "shiboken6" in names and "careplan.ui.main_window" in names
    after_qt = names[names.index("shiboken6"):]
    late = [n for n in after_qt
            if n.split(".")[0] in ("sqlalchemy", "alembic") or n.startswith(("careplan.domain", "careplan.persistence",
                                                                               "careplan.services"))]
    assert late == [], f"imported after PySide6: {late}"
