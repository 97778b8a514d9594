"""The report, sweep and calibrate commands through a small typer app registered the way twin.cli does:
exit 0 with the numbers printed, exit 2 with one line per problem and no traceback for bad input."""

import pytest
import typer
import xarray as xr
from conftest import assert_bad_input
from typer.testing import CliRunner

import twin
from twin.calibrate import fit_accelerator
from twin.cli import _Commands
from twin.commands import calibrate_command, parse_vary, report_command, sweep_command
from twin.errors import InputError
from twin.results import write_netcdf

app = typer.Typer(cls=_Commands, add_completion=False, pretty_exceptions_enable=False)
app.command("report")(report_command)
app.command("sweep")(sweep_command)
app.command("calibrate")(calibrate_command)
runner = CliRunner()


def invoke(*args):
    return runner.invoke(app, [str(a) for a in args], env={"COLUMNS": "200"})


@pytest.fixture(scope="module")
def scheduler():
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster:
        yield cluster.scheduler_address


def test_report_command(tmp_path):
    ds = twin.simulate("demo", duration=3 * 3600, plant_step=60, mode="quasi_steady")
    run = write_netcdf(ds, tmp_path / "day.nc")
    result = invoke("report", run)
    assert result.exit_code == 0, result.output
    folder = tmp_path / "day_report"
    assert (folder / "report.html").is_file() and (folder / "power.png").is_file()
    assert f"{ds.twin.pue():.3f}" in result.output and "report.html" in result.output

    result = invoke("report", run, "--out", tmp_path / "elsewhere")
    assert result.exit_code == 0 and (tmp_path / "elsewhere" / "temperatures.png").is_file()

    assert_bad_input(invoke("report", tmp_path / "missing.nc"), "missing.nc", "no such file")
    (tmp_path / "junk.nc").write_text("junk")
    assert_bad_input(invoke("report", tmp_path / "junk.nc"), "junk.nc", "unreadable")


def test_parse_vary():
    assert parse_vary(["T_supply_set=30,35", "weather = austin, heatwave:austin"]) == \
        {"T_supply_set": ["30", "35"], "weather": ["austin", "heatwave:austin"]}
    for bad, words in ((["workload"], "PARAM=V1"), (["workload=0.5,,0.8"], "no empty values"),
                       (["=0.5"], "PARAM=V1"), (["workload=0.5", "workload=0.8"], "given twice"),
                       (["T_suply_set=30"], "did you mean 'T_supply_set'"), (["workload=high"], "'high'")):
        with pytest.raises(InputError, match=words):
            parse_vary(bad)


def test_sweep_command(tmp_path, scheduler):
    out = tmp_path / "s.zarr"
    result = invoke("sweep", "demo", "--vary", "workload=0.5,0.8", "--scenario", "baseline",
                    "--scenario", "heat_wave", "--out", out, "--scheduler", scheduler, "--hours", 2)
    assert result.exit_code == 0, result.output
    ds = xr.open_zarr(out).load()
    assert ds.sizes["scenario"] == 4 and list(ds.status.values) == ["ok"] * 4
    for pue in ds.pue.values:
        assert f"{pue:.3f}" in result.output
    assert "heat_wave" in result.output and "0.8" in result.output
    assert "4 of 4 cases ok, 0 read from" in result.output
    # the demo's one tower cell runs below YorkCalc's flow range: said per case, kept in the store
    flow = "outside its validity range: cooling tower (YorkCalc): water-flow ratio per cell"
    assert all("water-flow ratio per cell" in text for text in ds.out_of_range.values)
    assert sum(f"NOT HELD: workload={w}|scenario={n}: {flow}" in " ".join(result.output.split())
               for w in ("0.5", "0.8") for n in ("baseline", "heat_wave")) == 4, result.output

    result = invoke("sweep", "demo", "--vary", "workload=0.5,0.8", "--scenario", "baseline",
                    "--scenario", "heat_wave", "--out", out, "--scheduler", scheduler, "--hours", 2)
    assert result.exit_code == 0 and "4 of 4 cases ok, 4 read from" in result.output
    assert " ".join(result.output.split()).count(flow) == 4  # resumed cases say it too

    assert_bad_input(invoke("sweep", "demo", "--vary", "workloads=0.5", "--out", tmp_path / "x.zarr"),
                     "<command line>", "did you mean 'workload'")
    assert_bad_input(invoke("sweep", "demo", "--vary", "workload", "--out", tmp_path / "x.zarr"), "PARAM=V1,V2")
    assert_bad_input(invoke("sweep", "demo", "--scenario", "heatwave", "--out", tmp_path / "x.zarr"),
                     "did you mean 'heat_wave'")
    assert_bad_input(invoke("sweep", "nowhere", "--out", tmp_path / "x.zarr"), "nowhere", "unknown site")
    assert not (tmp_path / "x.zarr").exists()


def test_calibrate_command(tmp_path):
    result = invoke("calibrate")
    assert result.exit_code == 0, result.output
    fit = fit_accelerator()
    p = fit.params
    for text in (f"{p.C_die:.4g}", f"{fit.stderr['C_die']:.2g}", f"{p.R_die_plate:.4g}",
                 f"{fit.stderr['R_die_plate']:.2g}", f"{fit.T_coolant:.4g}", f"{fit.tau_fast:.3f} s",
                 f"{fit.tau_slow:.2f} s", f"RMS {fit.fit_rms_error_K:.2f} K", f"RMS {fit.rms_error_K:.2f} K",
                 f"max {fit.max_error_K:.2f} K"):
        assert text in result.output, text

    trace = tmp_path / "trace.csv"
    trace.write_text("t_unix_s,power_avg_mW\n1,2\n")
    (tmp_path / "phases.csv").write_text("phase,start_unix_s,end_unix_s\nidle0,0,1\n")
    assert_bad_input(invoke("calibrate", trace), str(trace), "power_instant_mW")
    assert_bad_input(invoke("calibrate", tmp_path / "none.csv"), "none.csv")
