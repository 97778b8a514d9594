"""Sweeps on a Dask LocalCluster: a 3 x 3 sweep with failing cases, results equal to direct
simulations, resume after losing one saved case, and the checks on parameters and paths."""

import shutil
from pathlib import Path

import numpy as np
import pytest
import xarray as xr

import twin
from twin.errors import InputError
from twin.sweep import apply_supply_set, cases, check_vary, reduce_run, run_sweep, write_zarr

HOURS = 6
VARY = {"T_supply_set": [30, 35, 70]}  # 70 degC is outside 2-60 degC: those cases fail
SCENARIOS = ["baseline", "heat_wave", "plant_half_out"]


@pytest.fixture(scope="module")
def scheduler():
    """One local cluster (2 workers, 1 thread each) for the whole module."""
    pytest.importorskip("distributed")
    from twin.sweep import local_cluster

    with local_cluster(n_workers=2) as cluster:
        yield cluster.scheduler_address


@pytest.fixture(scope="module")
def swept(scheduler, tmp_path_factory):
    out = tmp_path_factory.mktemp("sweep") / "sweep.zarr"
    calls = []
    ds = run_sweep("demo", VARY, SCENARIOS, out, scheduler=scheduler, duration=HOURS * 3600,
                   progress=lambda done, total: calls.append((done, total)))
    return out, ds, calls


def _parts(out):
    """Saved case label -> part path."""
    found = {}
    for path in sorted(out.parent.joinpath(out.name + ".parts").glob("*.nc")):
        with xr.open_dataset(path, engine="h5netcdf") as part:
            found[part.attrs["case"]] = path
    return found


def test_sweep_gathers_every_case(swept):
    out, ds, calls = swept
    assert calls == [(k, 9) for k in range(10)]
    assert list(ds.scenario.values)[:3] == ["T_supply_set=30|scenario=baseline", "T_supply_set=30|scenario=heat_wave",
                                            "T_supply_set=30|scenario=plant_half_out"]
    assert ds.sizes == {"scenario": 9, "time": HOURS * 60}
    assert list(ds.T_supply_set.values) == [30.0] * 3 + [35.0] * 3 + [70.0] * 3
    assert list(ds.scenario_name.values) == SCENARIOS * 3
    assert set(ds.start.values) == {"2025-07-21 00:00"} and ds.attrs["varied"] == ["T_supply_set"]
    failed = ds.status.values == "failed"
    # 70 degC is refused; half the plant out leaves the demo's one tower out too: no steady state exists
    assert list(failed) == [False, False, True] * 2 + [True] * 3
    assert all("T_supply_set" in m and "2-60 degC" in m for m in ds.message.values[6:])
    assert all("no steady state" in m for m in ds.message.values[[2, 5]])
    assert bool(ds.pue.isel(scenario=~failed).notnull().all()) and bool(ds.pue.isel(scenario=failed).isnull().all())
    for name, v in ds.variables.items():
        assert "long_name" in v.attrs, name
        if name in ds.data_vars:
            assert "units" in v.attrs, name
    # baseline and heat wave: energy closes, the set-point is held (35 degC moved the W32 loop to W40)
    ok = ds.isel(scenario=~failed & (ds.scenario_name != "plant_half_out"))
    assert float(np.abs(ok.energy_residual).max()) < 1e-9 and set(ok.message.values) == {""}
    assert np.allclose(ok.T_fws_supply_peak, ok.T_supply_set)

    back = xr.open_zarr(out).load()
    assert list(back.scenario.values) == list(ds.scenario.values)
    assert list(back.status.values) == list(ds.status.values)
    xr.testing.assert_allclose(back[["pue", "P_cooling", "V_water"]], ds[["pue", "P_cooling", "V_water"]])
    assert not [p for p in out.parent.iterdir() if p.name.startswith(".")]  # no temporary stores left


def test_cases_equal_direct_simulations(swept):
    _, ds, _ = swept
    site = twin.load_site("demo")
    hot = reduce_run(twin.simulate(apply_supply_set(site, 35.0), weather="heatwave:austin", duration=HOURS * 3600,
                                   plant_step=60, mode="quasi_steady"))
    case = ds.sel(scenario="T_supply_set=35|scenario=heat_wave")
    for name in ("pue", "E_it", "V_water", "T_die_peak", "P_cooling", "T_dry_bulb", "T_fws_supply"):
        np.testing.assert_allclose(case[name].values, hot[name].values, rtol=1e-12, err_msg=name)
    baseline = ds.sel(scenario="T_supply_set=30|scenario=baseline")
    assert float(ds.sel(scenario="T_supply_set=30|scenario=heat_wave").T_dry_bulb.max()) > \
        float(baseline.T_dry_bulb.max())


def test_resume_recomputes_only_the_lost_case(swept, scheduler, tmp_path):
    out, first, _ = swept
    copy = tmp_path / "sweep.zarr"
    shutil.copytree(out, copy)
    shutil.copytree(out.parent / (out.name + ".parts"), tmp_path / "sweep.zarr.parts")
    parts = _parts(copy)
    assert len(parts) == 9  # failed (bad input) cases are saved too
    lost = "T_supply_set=35|scenario=baseline"
    parts.pop(lost).unlink()
    stamps = {label: path.stat().st_mtime_ns for label, path in parts.items()}
    calls = []
    again = run_sweep("demo", VARY, SCENARIOS, copy, scheduler=scheduler, duration=HOURS * 3600,
                      progress=lambda done, total: calls.append((done, total)))
    assert calls == [(8, 9), (9, 9)]  # one case computed
    assert list(again.resumed.values) == [label != lost for label in again.scenario.values]
    assert again.attrs["n_resumed"] == 8
    assert {label: path.stat().st_mtime_ns for label, path in _parts(copy).items() if label != lost} == stamps
    assert list(again.status.values) == list(first.status.values)
    xr.testing.assert_equal(again[["pue", "P_facility", "T_die_peak"]], first[["pue", "P_facility", "T_die_peak"]])

    calls.clear()  # other settings (a shorter run) share no saved case
    short = run_sweep("demo", VARY, ["baseline"], copy, scheduler=scheduler, duration=3600,
                      progress=lambda done, total: calls.append((done, total)))
    assert calls[0] == (0, 3) and short.sizes == {"scenario": 3, "time": 60}
    assert int(short.resumed.sum()) == 0


def test_checks_on_parameters_and_paths(tmp_path):
    with pytest.raises(InputError, match="did you mean 'workload'"):
        check_vary({"workloads": [0.5]})
    with pytest.raises(InputError, match="'warm'"):
        check_vary({"T_supply_set": [30, "warm"]})
    with pytest.raises(InputError, match="distinct values"):
        check_vary({"workload": [0.5, 0.5]})
    with pytest.raises(InputError, match="did you mean 'heat_wave'"):
        cases({}, ["heatwave"])
    with pytest.raises(InputError, match="sets weather"):
        cases({"weather": ["austin"]}, ["heat_wave"])
    assert [label for label, _ in cases({"workload": [0.5, 1]}, None)] == \
        ["workload=0.5|scenario=baseline", "workload=1|scenario=baseline"]
    (tmp_path / "folder").mkdir()
    (tmp_path / "folder" / "keep.txt").write_text("not a zarr store")
    with pytest.raises(InputError, match="not a zarr store"):
        write_zarr(xr.Dataset(), tmp_path / "folder")
    assert (tmp_path / "folder" / "keep.txt").is_file()
    with pytest.raises(InputError, match="does not exist"):
        run_sweep("demo", {}, None, tmp_path / "missing" / "sweep.zarr")
    store = write_zarr(xr.Dataset({"x": ("a", [1.0])}), tmp_path / "s.zarr")
    write_zarr(xr.Dataset({"y": ("a", [2.0])}), store)  # an earlier store is replaced
    assert list(xr.open_zarr(store).data_vars) == ["y"]


# --- resume keyed on content -------------------------------------------------------------------

def write_epw(path, T_dry_bulb: float) -> str:
    """A synthetic EPW (standard layout, 8 header lines, 8,760 rows) at a constant dry bulb."""
    import pandas as pd

    header = ["LOCATION,Synthetic,TX,USA,test,000000,30.3,-97.7,-6.0,150.0", "DESIGN CONDITIONS,0",
              "TYPICAL/EXTREME PERIODS,0", "GROUND TEMPERATURES,0", "HOLIDAYS/DAYLIGHT SAVINGS,No,0,0,0",
              "COMMENTS 1,synthetic", "COMMENTS 2,synthetic", "DATA PERIODS,1,1,Data,Sunday, 1/ 1,12/31"]
    rows = []
    for t in pd.date_range("2025-01-01", periods=8760, freq="h"):
        fields = [2025, t.month, t.day, t.hour + 1, 60, "?", T_dry_bulb, T_dry_bulb - 8.0, 60, 99000] + [0] * 25
        fields[21] = 3.0
        rows.append(",".join(map(str, fields)))
    path.write_text("\n".join(header + rows) + "\n")
    return str(path)


def test_a_changed_weather_file_recomputes_exactly_its_cases(scheduler, tmp_path):
    mild, hot = write_epw(tmp_path / "mild.epw", 20.0), write_epw(tmp_path / "hot.epw", 30.0)
    vary = {"weather": [mild, hot], "workload": [0.5, 0.9]}
    out = tmp_path / "s.zarr"
    options = dict(scheduler=scheduler, duration=2 * 3600, plant_step=600.0)
    first = run_sweep("demo", vary, None, out, **options)
    assert list(first.status.values) == ["ok"] * 4 and int(first.resumed.sum()) == 0
    write_epw(tmp_path / "hot.epw", 35.0)  # same path, new content
    again = run_sweep("demo", vary, None, out, **options)
    assert [bool(r) for r in again.resumed.values] == [w == mild for w in again.weather.values]
    changed = again.weather.values == hot
    assert (again.T_fws_supply_peak.values[changed] >= first.T_fws_supply_peak.values[changed]).all()
    xr.testing.assert_equal(again.pue.where(~changed), first.pue.where(~changed))


def test_the_resume_key_follows_content_not_paths(tmp_path, monkeypatch):
    import twin.sweep as sweep

    site = twin.load_site("demo")
    key = sweep._part_key(site, {"scenario": "baseline"}, 3600.0, 60.0, "quasi_steady")
    assert key == sweep._part_key(site, {"scenario": "baseline"}, 3600.0, 60.0, "quasi_steady")
    assert key != sweep._part_key(site, {"scenario": "baseline"}, 3600.0, 30.0, "quasi_steady")
    copy = tmp_path / "demo.toml"
    copy.write_text(open(site.file).read())
    moved = twin.load_site(copy)
    assert sweep._part_key(moved, {"scenario": "baseline"}, 3600.0, 60.0, "quasi_steady") == key
    copy.write_text(open(site.file).read().replace('pipe_length = "400 m"', 'pipe_length = "500 m"'))
    assert sweep._part_key(twin.load_site(copy), {"scenario": "baseline"}, 3600.0, 60.0, "quasi_steady") != key
    monkeypatch.setattr(sweep, "code_fingerprint", lambda: "other code")
    assert sweep._part_key(site, {"scenario": "baseline"}, 3600.0, 60.0, "quasi_steady") != key


def test_the_local_cluster_serves_no_dashboard():
    import urllib.error
    import urllib.request

    from twin.sweep import local_cluster

    with local_cluster(n_workers=0) as cluster:
        port = cluster.scheduler.http_server._sockets and next(
            iter(cluster.scheduler.http_server._sockets.values())).getsockname()[1]
        assert port and port != 8787
        for path in ("/status", "/health", "/metrics"):
            with pytest.raises(urllib.error.HTTPError, match="404"):
                urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=5)


def test_tls_options_name_missing_files(tmp_path):
    from twin.sweep import tls_security

    with pytest.raises(InputError, match="--tls-cert"):
        tls_security(tmp_path / "ca.pem", tmp_path / "cert.pem")


def test_a_sweep_whose_every_case_fails_exits_non_zero(scheduler, tmp_path):
    from typer.testing import CliRunner

    from conftest import assert_bad_input
    from twin.cli import app

    result = CliRunner().invoke(app, ["sweep", "demo", "--vary", "T_supply_set=70,80", "--out",
                                      str(tmp_path / "s.zarr"), "--scheduler", scheduler, "--hours", "1"])
    assert_bad_input(result, "T_supply_set=70", "T_supply_set=80", "2-60 degC")


def test_the_local_cluster_keeps_distributed_warnings_out_of_the_output():
    """distributed's warnings (the nanny's "Worker process still alive after 4.0 seconds, killing" at
    shutdown) are not printed while a sweep's cluster runs; errors still are.  In a fresh interpreter,
    where distributed installs its own log handler (pytest replaces it)."""
    import subprocess
    import sys

    probe = ("import logging\n"
             "from twin.sweep import local_cluster\n"
             "with local_cluster(n_workers=0):\n"
             "    logging.getLogger('distributed.nanny').warning('probe-warning')\n"
             "    logging.getLogger('distributed.nanny').error('probe-error')\n")
    run = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120,
                         cwd=Path(__file__).resolve().parents[1])
    assert run.returncode == 0, run.stderr
    assert "probe-warning" not in run.stderr and "probe-error" in run.stderr, run.stderr
