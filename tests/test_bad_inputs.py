"""The corpus of bad inputs in tests/bad_inputs/: every file is refused on one line per
problem, naming the file and the field its first line expects (``# expect: FIELD``).

Add a case by adding a file: a site under ``sites/``, a catalogue entry under
``models/<kind>/``.  An empty FIELD means a problem with the file as a whole.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from twin.catalog import parse_entry
from twin.errors import InputError
from twin.site import load_site

CORPUS = Path(__file__).parent / "bad_inputs"
CASES = sorted(CORPUS.glob("sites/*.toml")) + sorted(CORPUS.glob("models/*/*.toml"))


def _expected_field(path: Path) -> str:
    first = path.read_bytes().split(b"\n", 1)[0].decode("ascii")
    assert first.startswith("# expect:"), f"{path}: first line must be '# expect: FIELD'"
    return first.removeprefix("# expect:").strip()


def test_the_corpus_has_cases_of_every_kind():
    assert len(list(CORPUS.glob("sites/*.toml"))) >= 20
    assert len({p.parent.name for p in CORPUS.glob("models/*/*.toml")}) >= 5


@pytest.mark.parametrize("path", CASES, ids=[f"{p.parent.name}/{p.stem}" for p in CASES])
def test_bad_input_is_refused_naming_file_and_field(path: Path):
    field = _expected_field(path)
    t0 = time.perf_counter()
    with pytest.raises(InputError) as err:
        if path.parent.parent.name == "models":
            parse_entry(path, path.parent.name)
        else:
            load_site(path)
    assert time.perf_counter() - t0 < 2.0, "bad input must be refused quickly"
    problems = err.value.problems
    assert all(p.file == str(path) for p in problems), [str(p) for p in problems]
    assert all("\n" not in str(p) and len(str(p)) < 600 for p in problems), [str(p) for p in problems]
    if field:
        assert any(p.field.startswith(field) for p in problems), [str(p) for p in problems]
    else:
        assert any(p.field == "" for p in problems), [str(p) for p in problems]


def test_validate_refuses_the_whole_corpus_on_one_line_per_problem():
    from typer.testing import CliRunner

    from twin.cli import app

    sites = sorted(CORPUS.glob("sites/*.toml"))
    result = CliRunner().invoke(app, ["validate", *map(str, sites)])
    assert result.exit_code == 2 and "Traceback" not in result.output
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert {line.split(": ")[1] for line in lines} == set(map(str, sites))
