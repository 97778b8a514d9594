"""The validation data live in the checkout: the tables a library can produce are what
tests/data/make_reference.py writes, and no test reaches a folder beside the checkout."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

TESTS = Path(__file__).resolve().parent


def test_library_tables_are_reproducible():
    run = subprocess.run([sys.executable, str(TESTS / "data" / "make_reference.py"), "--check"],
                         capture_output=True, text=True)
    assert run.returncode == 0, run.stderr


def test_no_test_reads_a_folder_beside_the_checkout():
    pattern = re.compile(r"shared_dir|\.\./shared|parents?\[?\d?\]?\s*/\s*[\"']shared[\"']|skip\(.*shared")
    offenders = [p.name for p in TESTS.rglob("*.py") if p != Path(__file__).resolve() and pattern.search(p.read_text())]
    assert offenders == []
