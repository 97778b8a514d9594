"""``twin export``: CSV, Parquet and one Excel workbook whose numbers are the result's."""

import pandas as pd
import pytest
from typer.testing import CliRunner

import twin
from twin.cli import app
from twin.results import write_netcdf

from conftest import assert_bad_input


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    ds = twin.simulate("demo", duration=6 * 3600, plant_step=600, mode="quasi_steady")
    return ds, write_netcdf(ds, tmp_path_factory.mktemp("run") / "demo.nc")


def test_xlsx_one_sheet_per_table(saved, tmp_path):
    ds, path = saved
    result = CliRunner().invoke(app, ["export", str(path), "--format", "xlsx", "--out", str(tmp_path / "demo")])
    assert result.exit_code == 0, result.output
    book = pd.read_excel(tmp_path / "demo.xlsx", sheet_name=None, index_col=0)
    assert list(book) == ["summary", "monthly", "timeseries", "provenance", "units"]
    assert book["monthly"].loc["whole run", "PUE"] == pytest.approx(ds.twin.pue(), rel=1e-12)
    assert book["summary"].loc["PUE (total facility / IT, ISO/IEC 30134-2)", "value"] == f"{ds.twin.pue():.3f}"
    assert book["timeseries"]["P_facility"].to_numpy() == pytest.approx(ds.P_facility.values, rel=1e-12)
    assert book["provenance"].loc["site", "value"] == "demo"


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_csv_and_parquet_one_file_per_table(saved, tmp_path, fmt):
    ds, path = saved
    result = CliRunner().invoke(app, ["export", str(path), "--format", fmt, "--out", str(tmp_path / "demo")])
    assert result.exit_code == 0, result.output
    read = pd.read_csv if fmt == "csv" else pd.read_parquet
    for name in ("summary", "monthly", "timeseries", "provenance"):
        assert (tmp_path / f"demo_{name}.{fmt}").is_file()
    series = read(tmp_path / f"demo_timeseries.{fmt}")
    assert series["P_it_total"].to_numpy() == pytest.approx(ds.P_it_total.values, rel=1e-12)


def test_bad_format_is_one_line(saved):
    _, path = saved
    assert_bad_input(CliRunner().invoke(app, ["export", str(path), "--format", "xls"]), "--format", "xlsx")
