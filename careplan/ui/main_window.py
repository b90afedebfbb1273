"""The main window: patient list on the left, the open patient's plan on the right."""

from __future__ import annotations

from PySide6.QtCore import Qt, Slot
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QApplication, QLabel, QMainWindow, QMessageBox

from careplan import __version__
from careplan.persistence.engine import Database


class MainWindow(QMainWindow):
    def __init__(self, db: Database):
        super().__init__()
        self.db = db
        self.setObjectName("mainWindow")
        self.setWindowTitle(f"CarePlan — {db.describe()}")
        self.resize(1200, 800)
        empty = QLabel(
            "<h2>Welcome to CarePlan</h2>"
            "<p>There are no patients yet. Choose <b>Patient &gt; New patient</b> (Ctrl+N) to add the first one,<br>"
            "or run <code>careplan demo</code> to try the app with fictional patients.</p>"
        )
        empty.setObjectName("emptyState")
        empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        empty.setAccessibleName("Getting started")
        self.setCentralWidget(empty)
        self._build_menus()

    def _build_menus(self) -> None:
        file_menu = self.menuBar().addMenu("&File")
        quit_action = QAction("&Quit", self)
        quit_action.setObjectName("actionQuit")
        quit_action.setShortcut(QKeySequence("Ctrl+Q"))
        quit_action.triggered.connect(self.close)
        file_menu.addAction(quit_action)
        help_menu = self.menuBar().addMenu("&Help")
        about = QAction("&About CarePlan", self)
        about.setObjectName("actionAbout")
        about.triggered.connect(self.show_about)
        help_menu.addAction(about)

    def about_text(self) -> str:
        return f"CarePlan {__version__}\nCare plans for ALS/MND clinics.\n\nDatabase: {self.db.describe()}"

    @Slot()
    def show_about(self) -> None:
        QMessageBox.about(self, "About CarePlan", self.about_text())

    def closeEvent(self, event) -> None:  # type: ignore[no-untyped-def]
        event.accept()
        QApplication.quit()
