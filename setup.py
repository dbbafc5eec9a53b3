"""Map the source folders onto the import package; all metadata is in pyproject.toml.

``core/`` is the package ``synthgenesis`` and ``plugins/`` is
``synthgenesis.plugins``. setuptools needs every sub-package listed under such a
mapping, so they are discovered here rather than kept by hand.
"""

from setuptools import find_packages, setup

ROOTS = {"synthgenesis": "core", "synthgenesis.plugins": "plugins"}

packages = [
    f"{name}.{sub}" if sub else name for name, folder in ROOTS.items() for sub in ["", *find_packages(folder)]
]

setup(packages=packages, package_dir=ROOTS)
