"""Reports: PNG figures and a self-contained HTML page whose numbers are the Dataset's; bad run files."""

import base64
import io
import html
import re

import numpy as np
import pytest
from rich.console import Console

import twin
from twin.errors import InputError
from twin.report import load_run, make_report, summary_rows
from twin.results import variable, write_netcdf

PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def run():
    """Six hours of the demo site, quasi-steady at 60 s steps."""
    return twin.simulate("demo", duration=6 * 3600, plant_step=60, mode="quasi_steady")


@pytest.fixture(scope="module")
def saved(run, tmp_path_factory):
    path = tmp_path_factory.mktemp("run") / "demo.nc"
    return write_netcdf(run, path)


def _rows(page: str) -> dict[str, str]:
    return {html.unescape(k): html.unescape(v) for k, v in re.findall(r"<tr><th>(.*?)</th><td>(.*?)</td></tr>", page)}


def test_report_files_and_numbers(saved, tmp_path):
    ds = load_run(saved)
    paths = make_report(ds, tmp_path / "report")
    names = [p.name for p in paths]
    assert names == ["temperatures.png", "power.png", "water_heat.png", "report.html"]
    for path in paths[:-1]:
        assert path.read_bytes()[:8] == PNG
    page = paths[-1].read_text()
    assert page.startswith("<!DOCTYPE html>") and page.rstrip().endswith("</html>")
    for path in paths[:-1]:  # every figure embedded, byte for byte
        assert f"data:image/png;base64,{base64.b64encode(path.read_bytes()).decode()}" in page
    assert "src=\"http" not in page and "<link" not in page  # self-contained
    rows = _rows(page)
    assert rows["PUE (total facility / IT, ISO/IEC 30134-2)"] == f"{ds.twin.pue():.3f}"
    assert rows["IT energy"] == f"{ds.twin.energy('P_it') / 3.6e9:,.2f} MWh"
    assert rows["max die temperature"].startswith(f"{float(ds.T_die_max.max()):.1f} degC")
    assert rows["max facility supply"] == f"{float(ds.T_fws_supply.max()):.1f} degC"
    assert rows["max TCS supply"] == f"{float(ds.T_tcs_supply.max()):.1f} degC"
    water = float(ds.m_flow_water_use.sum()) * ds.attrs["step_s"] / 1e3
    assert rows["water use"] == f"{water:,.1f} m3"
    assert rows["energy-balance residual"] == f"{ds.twin.energy_residual():.2e} of IT energy"
    assert not any("cost" in k or "grid connection" in k for k in rows)
    assert not [p for p in (tmp_path / "report").iterdir() if p.name.startswith(".")]  # no temporary files left


def test_grid_power_ramp_and_costs(run, tmp_path):
    ds = run.copy()
    P = ds.P_facility.values * 1.05
    P[180:] += 0.3e6  # a 0.3 MW step: 0.3 MW/min over the 60 s steps
    ds["P_poi"] = variable("time", P, "W", "power at the point of interconnection")
    ds["cost_energy"] = variable("time", np.full(ds.sizes["time"], 10.0), "USD", "energy cost")
    paths = make_report(ds, tmp_path)
    assert [p.name for p in paths] == ["temperatures.png", "power.png", "water_heat.png", "grid.png", "report.html"]
    assert (tmp_path / "grid.png").read_bytes()[:8] == PNG
    rows = _rows(paths[-1].read_text())
    assert rows["peak power at the grid connection"] == f"{P.max() / 1e6:,.2f} MW"
    ramp = np.abs(np.diff(P)).max() / 60 * 60 / 1e6
    assert rows["max ramp rate at the grid connection (over 1 min)"] == f"{ramp:,.2f} MW/min"
    assert rows["cost: energy"] == f"{10.0 * ds.sizes['time']:,.0f} USD"
    assert dict(summary_rows(ds)).items() <= rows.items()


def test_bad_run_files(tmp_path, run):
    with pytest.raises(InputError, match="no such file"):
        load_run(tmp_path / "missing.nc")
    corrupt = tmp_path / "corrupt.nc"
    corrupt.write_bytes(b"not a netCDF file")
    with pytest.raises(InputError) as error:
        load_run(corrupt)
    assert str(corrupt) in str(error.value) and "unreadable" in str(error.value)
    other = tmp_path / "other.nc"
    write_netcdf(run[["P_it", "T_die_max"]].assign_attrs(site="demo", step_s=60.0), other)
    with pytest.raises(InputError) as error:
        load_run(other)
    assert str(other) in str(error.value) and "P_facility" in str(error.value)
    no_attrs = tmp_path / "no_attrs.nc"
    write_netcdf(run.drop_attrs(), no_attrs)
    with pytest.raises(InputError, match="'step_s'"):
        load_run(no_attrs)
    (tmp_path / "taken").write_text("a file")
    with pytest.raises(InputError, match="output folder"):
        make_report(run, tmp_path / "taken")


def test_failure_run_report_tells_what_ran(tmp_path):
    """A scenario run's report names the scenario, weather and events, marks them, and has the ride-through table."""
    ds = twin.simulate("demo", start="2025-07-21 14:00", duration=1200, plant_step=10,
                       scenario="chiller_trip:at=14:05,duration=10 min", weather="design:austin:cooling_0.4")
    paths = make_report(ds, tmp_path / "failure")
    page = paths[-1].read_text()
    rows = _rows(page)
    assert rows["scenario"] == "chiller_trip:at=14:05,duration=10 min"
    assert rows["weather"].startswith("design:austin:cooling_0.4")
    assert rows["events"] == "chiller outage 100% from 2025-07-21 14:05 CDT for 10 min"
    assert rows["start"].startswith("2025-07-21T14:00:00-05:00") and "America/Chicago" in rows["start"]
    assert rows["site file SHA-256"] == ds.attrs["site_sha256"] and len(rows["site file SHA-256"]) == 64
    assert "<h2>Ride-through</h2>" in page and "peak facility supply after the event" in rows
    assert "<h2>Design-day sizing" in page and rows["loop fws"].endswith("with spares out: margin " +
                                                                         rows["loop fws"].split("margin ")[-1])
    assert "Energy, water and emissions by month" in page and "2025-07" in page
    assert rows["PUE (total facility / IT, ISO/IEC 30134-2)"] == f"{ds.twin.pue():.3f}"
    from twin.cli import ride_through_table
    from twin.metrics import ride_through_rows

    console = Console(file=io.StringIO(), width=200)
    console.print(ride_through_table(ds))  # the CLI prints the report's rows, in words and units
    for name, value in ride_through_rows(ds):
        assert rows[name] == value and name in console.file.getvalue() and value in console.file.getvalue()
    assert "time_to_throttle_s" not in console.file.getvalue()
