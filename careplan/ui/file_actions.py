"""File menu: print options, and the clinic's data in and out (backup, restore, export, import).

The same service functions as `careplan backup|restore|export|import`, run on the worker with progress,
so the GUI gets exactly the CLI's checks (never over the live database, atomic writes, one transaction
per import). Each asks for the user's name first: all four are recorded in the audit log.
The services are imported when first used: they are not on the start-up path.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Protocol

from PySide6.QtGui import QAction
from PySide6.QtWidgets import QFileDialog, QMainWindow, QMenu, QWidget

from careplan.domain.errors import CarePlanError
from careplan.persistence.engine import Database
from careplan.services import clock
from careplan.services.changes import Changes, Outcome, audit_only
from careplan.ui import dialog_kit
from careplan.ui.export_dialog import FILE_DIALOG_OPTIONS, documents_folder
from careplan.ui.operations import CollectionOp

DATA_FILES = "CarePlan export (*.json);;All files (*)"
BACKUP_FILES = "CarePlan backup (*.sqlite3 *.db *.sqlite);;All files (*)"


class FileHost(Protocol):
    db: Database

    def named_actor(self) -> str | None: ...
    def print_plan(self, one_step: bool = True) -> None: ...
    def show_message(self, text: str) -> None: ...
    def close(self) -> bool: ...


# --- questions tests replace ------------------------------------------------------------------
def ask_save_file(parent: QWidget | None, title: str, suggested: Path, filters: str) -> Path | None:
    chosen, _ = QFileDialog.getSaveFileName(parent, title, str(suggested), filters, options=FILE_DIALOG_OPTIONS)
    return Path(chosen) if chosen else None


def ask_open_file(parent: QWidget | None, title: str, filters: str) -> Path | None:
    chosen, _ = QFileDialog.getOpenFileName(parent, title, str(documents_folder()), filters,
                                            options=FILE_DIALOG_OPTIONS)
    return Path(chosen) if chosen else None


def confirm_restore(parent: QWidget | None, source: Path) -> bool:
    return dialog_kit.ask_yes_no(
        parent, "Restore from backup?",
        f"Put the backup {source.name} in place of the database CarePlan is using?\n\n"
        "The current database is kept aside in the same folder, and nothing it holds that the backup lacks is "
        "thrown away without asking. CarePlan closes when the restore is done; start it again to work on the "
        "restored data.", "Restore", destructive=True)


# --- the work ---------------------------------------------------------------------------------
def _run(w: FileHost, what: str, work: Callable[[], Outcome[object]], done: Callable[[object], None]) -> None:
    parent = w if isinstance(w, QWidget) else None

    def failed(error: BaseException) -> None:
        if not isinstance(error, CarePlanError | OSError):
            raise error
        dialog_kit.show_error(parent, f"The {what} did not finish", str(error))

    CollectionOp(parent, lambda _progress: work()).with_progress(f"{what.capitalize()} in progress\u2026").exclusive(
        "data-file").success(done).failure(failed).named(what).run_in_background()


def backup_now(w: FileHost) -> None:
    from careplan.services import backup

    actor = w.named_actor()
    if not actor:
        return
    if not w.db.is_sqlite:
        dialog_kit.show_error(w if isinstance(w, QWidget) else None, "Backup", backup.SERVER_BACKUP)
        return
    out = ask_save_file(w if isinstance(w, QWidget) else None, "Back up the database to",
                        documents_folder() / f"careplan-backup-{clock.today().isoformat()}.sqlite3", BACKUP_FILES)
    if out is None:
        return
    db = w.db

    def done(result: object) -> None:
        assert isinstance(result, backup.BackupResult)
        w.show_message(f"Backed up {result.patients} patients and {result.revisions} plan revisions to {result.path}.")

    _run(w, "backup", lambda: audit_only(backup.backup_database(db, out, actor=actor)), done)


def restore_now(w: FileHost) -> None:
    from careplan.services import backup

    parent = w if isinstance(w, QWidget) else None
    actor = w.named_actor()
    if not actor:
        return
    db = w.db
    if not db.is_sqlite or db.path is None:
        dialog_kit.show_error(parent, "Restore", backup.SERVER_RESTORE)
        return
    source = ask_open_file(parent, "Restore from which backup?", BACKUP_FILES)
    if source is None or not confirm_restore(parent, source):
        return
    live = db.path

    def work() -> Outcome[object]:
        db.dispose()  # our own connections would keep the old file open: the swap needs it closed
        return Outcome(backup.restore_database(live, source, actor=actor), Changes(everything=True))

    def done(result: object) -> None:
        assert isinstance(result, backup.RestoreResult)
        dialog_kit.show_info(parent, "Restored", "\n\n".join(
            [*backup.describe_restore(result), "CarePlan closes now. Start it again to work on the restored data."]))
        w.close()

    _run(w, "restore", work, done)


def export_data(w: FileHost) -> None:
    from careplan.services import exchange

    actor = w.named_actor()
    if not actor:
        return
    out = ask_save_file(w if isinstance(w, QWidget) else None, "Export all patients and plan history to",
                        documents_folder() / f"careplan-export-{clock.today().isoformat()}.json", DATA_FILES)
    if out is None:
        return
    db = w.db

    def done(result: object) -> None:
        assert isinstance(result, exchange.ExportResult)
        w.show_message(f"Exported {result.patients} patients with {result.revisions} plan revisions to {result.path}.")

    _run(w, "export", lambda: audit_only(exchange.export_to_file(db, out, actor=actor)), done)


def import_data(w: FileHost) -> None:
    from careplan.services import exchange

    parent = w if isinstance(w, QWidget) else None
    actor = w.named_actor()
    if not actor:
        return
    source = ask_open_file(parent, "Import patients and plan history from", DATA_FILES)
    if source is None:
        return
    db = w.db

    def done(result: object) -> None:
        assert isinstance(result, exchange.ImportSummary)
        dialog_kit.show_info(parent, "Import finished", "\n\n".join(result.lines()))

    _run(w, "import", lambda: Outcome(exchange.import_file(db, source, actor=actor), Changes(everything=True)), done)


# --- the menu -----------------------------------------------------------------------------------
def add_file_actions(w: QMainWindow, file_menu: QMenu, before: QAction | None) -> dict[str, QAction]:
    host: FileHost = w  # type: ignore[assignment]
    added: dict[str, QAction] = {}

    def after(name: str) -> QAction | None:
        """The menu entry just below the action named `name` (new entries go between them)."""
        entries = file_menu.actions()
        found = next((n for n, e in enumerate(entries) if e.objectName() == name), len(entries) - 1)
        return entries[found + 1] if found + 1 < len(entries) else None

    def action(key: str, text: str, name: str, slot: Callable[[], None], tip: str, shortcut: str = "",
               where: QAction | None = before) -> None:
        a = QAction(text, w)
        a.setObjectName(name)
        a.setStatusTip(tip)
        if shortcut:
            a.setShortcut(shortcut)
            a.setShortcutVisibleInContextMenu(True)
        a.triggered.connect(lambda _checked=False: slot())
        file_menu.insertAction(where, a)  # type: ignore[arg-type]
        added[key] = a

    action("print_options", "Print op&tions\u2026", "actionPrintOptions", lambda: host.print_plan(one_step=False),
           "Choose paper size and large print (remembered for Ctrl+P), with a preview", "Ctrl+Shift+P",
           after("actionPrint"))
    action("backup", "&Back up database\u2026", "actionBackup", lambda: backup_now(host),
           "Copy the whole database to a file, even while CarePlan is open")
    action("restore", "&Restore from backup\u2026", "actionRestore", lambda: restore_now(host),
           "Put a backup in place of the database; the current one is kept aside")
    action("export_data", "E&xport patients\u2026", "actionExportData", lambda: export_data(host),
           "Write every patient and their whole plan history to a JSON file")
    action("import_data", "&Import patients\u2026", "actionImportData", lambda: import_data(host),
           "Add patients and plan history from a CarePlan export file")
    file_menu.insertSeparator(before)  # type: ignore[arg-type]
    return added
