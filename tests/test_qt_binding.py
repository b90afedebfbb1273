"""The Qt binding must not corrupt Python's reference counts.

PySide6-Essentials 6.12.0 on Python 3.11 dropped a reference to None on every void call and to
True/False on every Signal.emit(): after a few thousand calls the interpreter aborted. It is
pinned below 6.12 in pyproject.toml; this test fails if a lock update brings such a build back.
"""

from __future__ import annotations

import os
import subprocess
import sys

PROBE = """
import sys
from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QApplication, QLabel

class Emitter(QObject):
    fired = Signal(bool)

app = QApplication([])
label, emitter = QLabel(), Emitter()
emitter.fired.connect(lambda flag: None)
before = (sys.getrefcount(None), sys.getrefcount(True))
for _ in range(20000):
    label.setText("x")
    emitter.fired.emit(True)
after = (sys.getrefcount(None), sys.getrefcount(True))
print(after[0] - before[0], after[1] - before[1])
"""


def test_void_calls_and_signals_keep_reference_counts() -> None:
    r = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, timeout=120,
                       env={**os.environ, "QT_QPA_PLATFORM": "offscreen"})
    assert r.returncode == 0, f"the Qt binding crashed the interpreter: {r.stderr[-500:]}"
    none_delta, true_delta = (int(x) for x in r.stdout.split())
    assert abs(none_delta) < 100 and abs(true_delta) < 100
