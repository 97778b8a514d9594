"""The package's faces: version, a light ``twin --help``, the accessor registered by ``import twin``."""

import subprocess
import sys
import tomllib

import pytest
from pathlib import Path

from typer.testing import CliRunner

import twin
from twin.cli import app

REPO = Path(__file__).resolve().parents[1]


def _run(code: str) -> str:
    return subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True).stdout


def test_version_matches_the_package():
    version = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["version"]
    assert twin.__version__ == version
    result = CliRunner().invoke(app, ["--version"])
    assert result.exit_code == 0 and result.output.strip() == f"twin {version}"


def test_help_imports_no_heavy_library():
    """``twin --help`` lists every command without importing the optimiser, pandas, xarray, pint or dask."""
    out = _run("import sys\nfrom typer.testing import CliRunner\nfrom twin.cli import app\n"
               "r = CliRunner().invoke(app, ['--help'])\nassert r.exit_code == 0, r.output\n"
               "print(r.output)\nprint(sorted(m for m in ('pyomo', 'pandas', 'xarray', 'pint', 'dask', 'scipy',"
               " 'matplotlib', 'twin.optimize') if m in sys.modules))")
    for command in ("simulate", "report", "sweep", "optimize", "calibrate", "export"):
        assert command in out, command
    assert out.strip().splitlines()[-1] == "[]"


def test_import_twin_registers_the_accessor(tmp_path):
    """A saved result opened with xarray has ds.twin after a bare ``import twin`` (before or after xarray)."""
    path = tmp_path / "r.nc"
    make = ("import numpy as np, xarray as xr\n"
            f"xr.Dataset({{'P_it_total': ('time', np.ones(2)), 'P_facility': ('time', np.full(2, 1.25))}},"
            f" attrs={{'step_s': 1.0}}).to_netcdf(r'{path}', engine='h5netcdf')\n")
    _run(make)
    for order in ("import twin\nimport xarray as xr\n", "import xarray as xr\nimport twin\n"):
        out = _run(order + f"print(xr.open_dataset(r'{path}', engine='h5netcdf').twin.pue())")
        assert out.strip() == "1.25"


@pytest.fixture
def wide(monkeypatch):
    import twin.cli

    monkeypatch.setattr(twin.cli.console, "width", 220)


def test_equipment_schedule_names_every_set(wide):
    result = CliRunner().invoke(app, ["show", "colossus2", "--equipment"])
    assert result.exit_code == 0, result.output
    for word in ("gb200_nvl72", "in_row_2500kw", "air_cooled_1700kw_free_cooling", "megapack2xl_2h",
                 "gas turbine", "solar_titan350", "3,820", "transformer"):
        assert word in result.output, word


def test_catalog_datasheet_shows_sources_and_estimates(wide):
    result = CliRunner().invoke(app, ["catalog", "rack", "gb200_nvl72"])
    assert result.exit_code == 0, result.output
    assert "source: NVIDIA GB200 NVL72" in result.output and "132 kW" in result.output
    assert "estimated: P_idle" in result.output
    assert_bad = CliRunner().invoke(app, ["catalog", "gb200_nvl72"])
    assert assert_bad.exit_code == 2 and "twin catalog rack gb200_nvl72" in assert_bad.output
    missing = CliRunner().invoke(app, ["catalog", "rack", "gb201"])
    assert missing.exit_code == 2 and "gb200_nvl72" in missing.output and "Traceback" not in missing.output


def test_show_says_the_solar_units_are_gas_turbines(wide):
    result = CliRunner().invoke(app, ["show", "colossus1"])
    assert result.exit_code == 0, result.output
    line = next(line for line in result.output.splitlines() if "solar_smt130" in line)
    assert line.startswith("gas-turbine fleet: 15 x solar_smt130") and "Solar Turbines" in line
