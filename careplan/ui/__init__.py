"""The Qt face of CarePlan: the only package that imports PySide6."""
