"""Packaging that pyproject.toml cannot express alone; everything else is in pyproject.toml.

The repository keeps resources/ and db/migrations/ at its top level, as the product's design
names them; the wheel carries them inside the package as careplan.resources and
careplan.migrations, where the code finds them through importlib.resources (careplan.paths).
The package list is found, not written out, so a new subpackage cannot be left out of the
wheel; only the mapped folders are added by hand. tests/test_packaging.py checks the result.
"""

from setuptools import find_packages, setup

# Folders outside careplan/ and the package each becomes; subfolders follow their parent.
MAPPED = {"careplan.resources": "resources", "careplan.migrations": "db/migrations"}
# Data folders are packages to setuptools too (it warns otherwise): list them with the rest.
MAPPED_SUBPACKAGES = ["careplan.resources.fonts", "careplan.migrations.versions"]

setup(
    packages=[*find_packages(include=["careplan", "careplan.*"]), *MAPPED, *MAPPED_SUBPACKAGES],
    package_dir=MAPPED,
    package_data={
        "careplan.resources": ["*.yaml", "*.json"],
        "careplan.resources.fonts": ["*.ttf", "*.txt", "*.md"],
        "careplan.migrations": ["*.mako"],
    },
)
