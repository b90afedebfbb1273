"""History shows which revisions arrived by import (issue 18), in the revision list's notes column."""

from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtCore import Qt

from careplan.persistence.engine import Database, open_database
from careplan.services.exchange import export_to_file, import_file
from careplan.services.patients import get_patient_by_mrn
from tests.history_builders import make_patient, save_history
from tests.test_ui_windows import open_history


def test_history_says_a_revision_arrived_by_import(qtbot, sqlite_db: Database, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    source = open_database(str(tmp_path / "source.sqlite3"))
    try:
        patient = make_patient(source, "UI-PROV-1")
        save_history(source, patient.id or 0, 2)
        export_to_file(source, tmp_path / "from-clinic-b.json", actor="Exporter")
    finally:
        source.dispose()
    import_file(sqlite_db, tmp_path / "from-clinic-b.json", actor="Admin Ásta")
    own_id = make_patient(sqlite_db, "UI-PROV-2").id or 0
    w = open_history(qtbot, sqlite_db, get_patient_by_mrn(sqlite_db, "UI-PROV-1").id or 0)
    notes = [w.model.data(w.model.index(row, 5)) for row in range(w.model.rowCount())]
    assert len(notes) == 2
    assert all(n.startswith("Arrived by import from from-clinic-b.json on ") and n.split(", ")[0].endswith(" by Admin Ásta")
               for n in notes)
    assert w.model.data(w.model.index(0, 5), Qt.ItemDataRole.ToolTipRole) == notes[0]  # the column cuts it short
    if os.environ.get("CAREPLAN_SHOTS"):
        w.resize(1280, 720)
        w.grab().save(os.environ["CAREPLAN_SHOTS"])
    save_history(sqlite_db, own_id, 1)
    w2 = open_history(qtbot, sqlite_db, own_id)
    assert "import" not in str(w2.model.data(w2.model.index(0, 5)))
