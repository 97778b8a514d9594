"""The layout: thermal/ and electrical/ hold pure physics and import neither the site nor the catalogue;
one engine folder twin/simulation/ (and no twin/simulate/ shadowing the public twin.simulate)."""

import ast
import subprocess
import sys
from pathlib import Path

import twin

ROOT = Path(twin.__file__).parent
PHYSICS = ("thermal", "electrical")
FORBIDDEN = ("twin.site", "twin.catalog")


def _imports(tree: ast.AST):
    """Modules imported at run time (``if TYPE_CHECKING:`` blocks left out), with their line."""
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and getattr(node.test, "id", getattr(node.test, "attr", "")) == "TYPE_CHECKING":
            node.body = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from ((a.name, node.lineno) for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            yield node.module, node.lineno


def test_physics_packages_import_neither_site_nor_catalog_in_their_source():
    found = []
    for package in PHYSICS:
        for path in sorted((ROOT / package).glob("*.py")):
            for module, line in _imports(ast.parse(path.read_text())):
                if module in FORBIDDEN or module.startswith(tuple(f + "." for f in FORBIDDEN)):
                    found.append(f"{path.relative_to(ROOT)}:{line} imports {module}")
    assert not found, found


def test_importing_every_physics_module_loads_neither_site_nor_catalog():
    code = ("import importlib, pkgutil, sys, twin.thermal, twin.electrical\n"
            "for pkg in (twin.thermal, twin.electrical):\n"
            "    for m in pkgutil.iter_modules(pkg.__path__):\n"
            "        importlib.import_module(pkg.__name__ + '.' + m.name)\n"
            f"print(sorted(k for k in {FORBIDDEN!r} if k in sys.modules))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         cwd=ROOT.parent, env={"PYTHONPATH": str(ROOT.parent), "PATH": ""})
    assert out.stdout.strip() == "[]", out.stdout + out.stderr


def test_one_engine_folder():
    assert (ROOT / "simulation").is_dir() and not (ROOT / "simulate").exists()
    assert callable(twin.simulate)
