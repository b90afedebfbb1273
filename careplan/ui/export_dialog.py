"""Where to save the printout and how it should look (paper size, large print)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QStandardPaths, Slot
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from careplan.ui import print_settings
from careplan.ui.dialog_kit import error_label, plain_label, set_error


@dataclass(frozen=True)
class PrintoutChoice:
    path: Path | None  # None when printing: the app makes its own temporary file
    large_print: bool
    paper: str  # "a4" or "letter"


def documents_folder() -> Path:
    found = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
    folder = Path(found) if found else Path.home()
    return folder if folder.is_dir() else Path.home()


# Qt's own file dialog, not the system's: the idle lock can cover only a window Qt draws, and the
# suggested file name carries the patient's MRN (ui/lock_curtains.py).
FILE_DIALOG_OPTIONS = QFileDialog.Option.DontUseNativeDialog


def ask_save_path(parent: QWidget | None, suggested: Path) -> Path | None:
    """The save dialog. Tests replace this function."""
    chosen, _ = QFileDialog.getSaveFileName(parent, "Save the care plan as PDF", str(suggested),
                                            "PDF files (*.pdf)", options=FILE_DIALOG_OPTIONS)
    return Path(chosen) if chosen else None


class PrintoutDialog(QDialog):
    """One small dialog for both exporting (with a file) and printing (without)."""

    def __init__(self, parent: QWidget | None, *, title: str, intro: str, suggested: Path | None):
        super().__init__(parent)
        self.setObjectName("printoutDialog")
        self.setWindowTitle(title)
        self.setAccessibleName(title)
        self.path: QLineEdit | None = None
        self._folder = suggested.parent if suggested is not None else documents_folder()
        form = QFormLayout()
        form.setVerticalSpacing(10)
        if suggested is not None:
            self.path = QLineEdit(str(suggested))
            self.path.setObjectName("printoutPath")
            self.path.setAccessibleName("Save as")
            self.path.setMinimumWidth(420)
            browse = QPushButton("&Choose…")
            browse.setObjectName("printoutBrowse")
            browse.setAccessibleName("Choose where to save")
            browse.setAutoDefault(False)
            browse.clicked.connect(self._browse)
            row = QHBoxLayout()
            row.addWidget(self.path, 1)
            row.addWidget(browse)
            label = QLabel("&Save as:")
            label.setBuddy(self.path)
            form.addRow(label, row)
        self.paper = QComboBox()
        self.paper.setObjectName("printoutPaper")
        self.paper.setAccessibleName("Paper size")
        self.paper.addItem("A4", "a4")
        self.paper.addItem("US Letter", "letter")
        paper_label = QLabel("&Paper:")
        paper_label.setBuddy(self.paper)
        form.addRow(paper_label, self.paper)
        self.large_print = QCheckBox("&Large print (bigger text for readers who find small print hard)")
        self.large_print.setObjectName("printoutLargePrint")
        paper, large = print_settings.remembered()  # the last choices: most printouts look like the last one
        self.paper.setCurrentIndex(max(0, self.paper.findData(paper)))
        self.large_print.setChecked(large)
        form.addRow("", self.large_print)
        self.error = error_label("printoutError")
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        ok = buttons.button(QDialogButtonBox.StandardButton.Ok)
        ok.setText("Export" if suggested is not None else "Preview and print")
        ok.setObjectName("printoutOk")
        buttons.accepted.connect(self._accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.setSpacing(10)
        layout.addWidget(plain_label(intro, "printoutIntro"))
        layout.addSpacing(4)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(buttons)

    @Slot()
    def _browse(self) -> None:
        assert self.path is not None
        chosen = ask_save_path(self, Path(self.path.text().strip() or documents_folder()))
        if chosen is not None:
            self.path.setText(str(chosen))

    @Slot()
    def _accept(self) -> None:
        if self.path is not None:
            text = self.path.text().strip()
            if not text:
                set_error(self.error, "Enter a file name, or use Choose… to pick one.")
                return
            path = Path(text).expanduser()
            if not path.is_absolute():  # a bare name goes where the suggested file would have gone
                path = self._folder / path
            if path.is_dir() or text.endswith(("/", "\\")):
                set_error(self.error, f"{path} is a folder. Add a file name to the end, for example careplan.pdf.")
                return
            if path.suffix.lower() != ".pdf":
                path = path.with_name(path.name + ".pdf")
            if not path.parent.is_dir():
                set_error(self.error, f"The folder {path.parent} does not exist. Choose another place.")
                return
            self.path.setText(str(path))
        print_settings.remember(str(self.paper.currentData()), self.large_print.isChecked())
        self.accept()

    def choice(self) -> PrintoutChoice:
        path = Path(self.path.text().strip()) if self.path is not None else None
        return PrintoutChoice(path=path, large_print=self.large_print.isChecked(), paper=str(self.paper.currentData()))


def ask_export_options(parent: QWidget | None, suggested: Path, revision: int) -> PrintoutChoice | None:
    """Tests replace this function; the real one asks with PrintoutDialog."""
    dialog = PrintoutDialog(parent, title="Export PDF", suggested=suggested,
                            intro=f"Save revision {revision} of the care plan as a PDF for caregivers.")
    return dialog.choice() if dialog.exec() == QDialog.DialogCode.Accepted else None


def ask_print_options(parent: QWidget | None, revision: int) -> PrintoutChoice | None:
    """File > Print options…: choose (and remember for Ctrl+P) paper and print size, then preview."""
    dialog = PrintoutDialog(parent, title="Print options", suggested=None,
                            intro=f"Print revision {revision} of the care plan for caregivers. These choices are "
                                  "remembered: Ctrl+P then prints with them straight away.")
    return dialog.choice() if dialog.exec() == QDialog.DialogCode.Accepted else None


def remembered_print_choice() -> PrintoutChoice:
    paper, large = print_settings.remembered()
    return PrintoutChoice(path=None, large_print=large, paper=paper)
