"""A database that was expected is never created silently (issue 18): a missing file named by --db
or CAREPLAN_DB_URL is an error naming the copies kept beside it, unless --create is given."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from careplan.cli import main
from careplan.paths import default_database_path


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize("command", [["patients"], ["history", "X-1"], ["check"], ["worklist"], ["catalogue"],
                                     ["demo", "--patients", "1"], ["settings", "--json"]])
@pytest.mark.parametrize("how", ["path", "sqlite-url", "env"])
def test_a_missing_named_database_is_refused_and_not_created(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
        command: list[str], how: str) -> None:
    live = tmp_path / "clinic" / "live.sqlite3"
    live.parent.mkdir()
    if how == "env":
        monkeypatch.setenv("CAREPLAN_DB_URL", f"sqlite:///{live}")
        args = command
    else:
        args = [*command, "--db", str(live) if how == "path" else f"sqlite:///{live}"]
    code, out, err = run(capsys, *args)
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and err.startswith("careplan: there is no database at ")
    assert str(live) in err and "--create" in err
    assert list(live.parent.iterdir()) == []  # nothing at all was created


def test_the_refusal_names_the_copies_kept_beside_it(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    live = tmp_path / "live.sqlite3"
    assert run(capsys, "demo", "--patients", "2", "--create", "--db", str(live))[0] == 0
    kept = tmp_path / "live.sqlite3.replaced-20261201T010203Z"
    live.rename(kept)
    upgrade = tmp_path / "live.sqlite3.before-0007-from-0006-20261130T000000Z.bak"
    upgrade.write_bytes(kept.read_bytes())
    (tmp_path / "live.sqlite3.replaced-20261201T010203Z-wal").write_bytes(b"")  # a companion, not a copy
    (tmp_path / "other.sqlite3.replaced-20261201T010203Z").write_bytes(b"")  # another database's copy
    code, _, err = run(capsys, "patients", "--db", str(live))
    assert code == 2 and err.count("\n") == 1
    assert kept.name in err and upgrade.name in err
    assert "-wal" not in err and "other.sqlite3" not in err
    assert f"careplan restore --db {live} {kept}" in err  # the newest name sorts last
    assert not live.exists()


def test_create_makes_a_new_database_where_asked(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    live = tmp_path / "new.sqlite3"
    code, out, err = run(capsys, "--create", "patients", "--json", "--db", str(live))
    assert (code, json.loads(out), err) == (0, [], "")
    assert live.exists()
    assert run(capsys, "patients", "--json", "--db", str(live))[0] == 0  # it exists now: no --create needed


def test_the_first_run_at_the_default_place_creates_it_and_says_so(capsys: pytest.CaptureFixture[str]) -> None:
    default = default_database_path()
    assert not default.exists()
    code, _, err = run(capsys, "patients")
    assert code == 0 and err == f"careplan: no database yet at {default}; creating a new, empty one (first run).\n"
    assert default.exists()
    assert run(capsys, "patients") == (0, "", "")  # the second run says nothing


def test_the_app_refuses_a_missing_named_database_too(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    shown: list[str] = []
    monkeypatch.setattr("careplan.ui.app.show_startup_error", shown.append)
    live = tmp_path / "live.sqlite3"
    assert main(["--exit-after-startup", "--db", str(live)]) == 2
    assert len(shown) == 1 and "there is no database at" in shown[0] and not live.exists()
