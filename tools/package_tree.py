"""Run a static tool (mypy, lint-imports) on the package as it is imported: ``synthgenesis``.

``core/`` is the package ``synthgenesis`` and ``plugins/`` is ``synthgenesis.plugins`` (the
package-dir mapping in setup.py). An editable install resolves that mapping with an import hook,
which static tools cannot follow: looking at the folders, they would see packages named ``core``
and ``plugins``. This script lays a tree of links, ``build/package-tree/synthgenesis/``, whose
entries point at the files in ``core/`` and whose ``plugins`` entry points at ``plugins/``; runs the
given command with that tree first on ``MYPYPATH`` and ``PYTHONPATH``; and rewrites the tree's paths
in the command's output back to the real ones, so every message names ``core/...`` or
``plugins/...``. The exit status is the command's.

Usage::

    python tools/package_tree.py mypy
    python tools/package_tree.py lint-imports
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TREE = ROOT / "build" / "package-tree"
PACKAGE = "synthgenesis"
# (package path inside the tree, real folder): the longest first, so the rewrite meets it first.
MAPPING = [(f"{PACKAGE}/plugins", "plugins"), (PACKAGE, "core")]


def build_tree() -> Path:
    """Lay ``build/package-tree/synthgenesis`` afresh (links are cheap) and return the tree's root."""
    package = TREE / PACKAGE
    if package.exists() or package.is_symlink():
        shutil.rmtree(package)
    package.mkdir(parents=True)
    for entry in sorted((ROOT / "core").iterdir()):
        if entry.name in ("__pycache__", "plugins"):
            continue
        (package / entry.name).symlink_to(entry)
    (package / "plugins").symlink_to(ROOT / "plugins", target_is_directory=True)
    return TREE


def real_paths(text: str, tree: Path) -> str:
    """Rewrite the tree's paths (absolute or relative to the project root) to the real files' paths."""
    relative_tree = tree.relative_to(ROOT).as_posix()
    for inside, real in MAPPING:
        text = text.replace(f"{tree.as_posix()}/{inside}/", f"{(ROOT / real).as_posix()}/")
        text = text.replace(f"{relative_tree}/{inside}/", f"{real}/")
    return text


def main(argv: list[str]) -> int:
    """Run ``argv`` with the tree on the search paths; print its output with real paths."""
    if not argv:
        print(__doc__)
        return 2
    tree = build_tree()
    env = dict(os.environ)
    for var in ("MYPYPATH", "PYTHONPATH"):
        env[var] = os.pathsep.join(p for p in (str(tree), env.get(var, "")) if p)
    command = list(argv)
    # A tool installed in the interpreter's environment is found even when that is not on PATH.
    local = Path(sys.executable).parent / command[0]
    if shutil.which(command[0]) is None and local.exists():
        command[0] = str(local)
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    sys.stdout.write(real_paths(done.stdout, tree))
    sys.stderr.write(real_paths(done.stderr, tree))
    return done.returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
