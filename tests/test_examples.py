"""The examples people copy run: the ``>>>`` examples of README.md and of ``help(twin)`` as doctests,
and the README's year of Cortex (its commands, its monthly table, its exported workbook) against a
fresh run of the same commands."""

import doctest
import re
import shlex
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

import twin
from twin.cli import app

REPO = Path(__file__).resolve().parents[1]
README = (REPO / "README.md").read_text()
FLAGS = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE


def test_help_twin_examples_run():
    result = doctest.testmod(twin, optionflags=FLAGS, verbose=False)
    assert result.attempted >= 8 and result.failed == 0


def test_readme_examples_run():
    result = doctest.testfile(str(REPO / "README.md"), module_relative=False, optionflags=FLAGS, verbose=False)
    assert result.attempted >= 5 and result.failed == 0


def _markdown_table(marker: str) -> pd.DataFrame:
    """The markdown table that follows ``marker`` in the README, as text cells."""
    lines = README.split(marker, 1)[1].split("-->", 1)[1].strip().splitlines()
    rows = []
    for line in lines:
        if not line.startswith("|"):
            break
        rows.append([cell.strip() for cell in line.strip("|").split("|")])
    header, body = rows[0], [r for r in rows[2:]]
    return pd.DataFrame(body, columns=header).set_index(header[0])


def _number(text: str) -> float:
    return float(text.replace(",", ""))


@pytest.fixture(scope="module")
def year(tmp_path_factory):
    """The README's commands, as written there, run into a temporary folder."""
    folder = tmp_path_factory.mktemp("readme")
    commands = {}
    for line in README.split("### Results, tables and exports", 1)[1].splitlines():
        if line.startswith(".venv/bin/twin simulate cortex") or line.startswith(".venv/bin/twin export"):
            words = shlex.split(line.split("#")[0] if " #" in line else line)[1:]
            commands[words[0]] = [str(folder / w) if w.startswith("cortex_year") else w for w in words]
    assert set(commands) == {"simulate", "export"}
    for name in ("simulate", "export"):
        result = CliRunner().invoke(app, commands[name])
        assert result.exit_code == 0, result.output
    import xarray as xr

    return xr.open_dataset(folder / "cortex_year.nc"), folder / "cortex_year.xlsx"


def test_readme_monthly_table_is_what_the_commands_give(year):
    ds, _ = year
    shown = _markdown_table("<!-- monthly table:")
    table = ds.twin.monthly()
    assert list(shown.index) == list(table.index)
    for column in shown.columns:
        assert column in table.columns, column
    assert len(table.columns) == int(re.search(r"\((\d+) of its (\d+) columns", README).group(2))
    for month in shown.index:  # the README's figures hold to their printed precision (PUE to 0.002)
        assert _number(shown.loc[month, "PUE"]) == pytest.approx(table.loc[month, "PUE"], abs=2e-3), month
        assert _number(shown.loc[month, "IT energy (MWh)"]) == pytest.approx(table.loc[month, "IT energy (MWh)"],
                                                                              rel=1e-3)
        assert _number(shown.loc[month, "water (m3)"]) == pytest.approx(table.loc[month, "water (m3)"], rel=0.02)


def test_readme_workbook_is_what_export_writes(year):
    from openpyxl import load_workbook

    _, workbook = year
    shown = _markdown_table("<!-- exported sheets:")
    book = load_workbook(workbook, read_only=True)
    assert [name.strip("`") for name in shown.index] == book.sheetnames
    for name, rows in shown["rows"].items():
        assert book[name.strip("`")].max_row - 1 == _number(rows), name  # less the header row
    series = pd.read_excel(workbook, sheet_name="timeseries", nrows=2)
    assert list(series.columns[:5]) == ["time_utc", "time_local (America/Chicago)", "P_it[h100]", "P_it[h200]",
                                        "P_it[cpu_storage]"]
    assert str(series.iloc[0, 0]) == "2025-01-01 06:00:00" and str(series.iloc[0, 1]) == "2025-01-01 00:00:00"


def test_readme_shows_the_failure_report_screenshot():
    assert "![Report of a failure run](docs/images/failure_report.png)" in README
    assert (REPO / "docs" / "images" / "failure_report.png").stat().st_size > 50_000
    assert (REPO / "docs" / "report_screenshot.sh").is_file()
