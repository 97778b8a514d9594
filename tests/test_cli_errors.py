"""The CLI's one error path and its option bounds: bad input -> one line per problem and
exit 2, before any work; anything unexpected -> one line pointing to a log, exit 1."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from conftest import assert_bad_input
from twin.cli import app

runner = CliRunner()


def _simulate(*args):
    return runner.invoke(app, ["simulate", "demo", *args])


@pytest.mark.parametrize("args, words", [
    (["--hours", "inf"], ["--hours", "finite"]),
    (["--hours", "nan"], ["--hours", "finite"]),
    (["--hours", "-1"], ["--hours"]),
    (["--plant-step", "nan"], ["--plant-step", "finite"]),
    (["--plant-step", "7200"], ["--plant-step", "3600"]),
    (["--it-step", "0"], ["--it-step"]),
    (["--it-step", "20"], ["--it-step", "plant step"]),
    (["--poi-ramp-limit", "-inf"], ["--poi-ramp-limit"]),
    (["--start", "1500-01-01"], ["--start", "between 1900 and 2200"]),
    (["--start", "2300-01-01"], ["--start", "between 1900 and 2200"]),
    (["--start", "yesterday-ish"], ["--start"]),
    (["--hours", "1e7"], ["GiB", "TWIN_MEMORY_MAX"]),
    (["--it-step", "1e-9"], ["h of CPU", "TWIN_TIME_MAX"]),
    (["--scenario", "chiller_trip:at=12:75"], ["at", "HH:MM"]),
    (["--scenario", "chiller_trip:at=23:00"], ["a time inside the run"]),
    (["--scenario", "chiller_trip:target=plnt"], ["target", "did you mean 'plant'"]),
])
def test_simulate_options_are_bounded_before_any_work(args, words):
    assert_bad_input(_simulate(*args), *words)


def test_out_at_a_folder_is_refused_before_the_run(tmp_path: Path):
    assert_bad_input(_simulate("--out", str(tmp_path)), "--out", "a folder")


def test_out_in_a_missing_folder_is_refused_before_the_run(tmp_path: Path):
    assert_bad_input(_simulate("--out", str(tmp_path / "nowhere" / "run.nc")), "--out", "does not exist")


def test_out_in_an_unwritable_folder_is_refused_before_the_run(tmp_path: Path):
    if os.geteuid() == 0:  # root writes anywhere a mode bit forbids; sysfs takes no new files from anyone
        assert_bad_input(_simulate("--out", "/sys/run.nc"), "--out", "writable folder", "Permission denied")
        return
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o500)
    try:
        assert_bad_input(_simulate("--out", str(folder / "run.nc")), "--out", "cannot write")
    finally:
        folder.chmod(0o700)


def test_an_unexpected_error_is_one_line_with_a_log(tmp_path: Path, monkeypatch):
    import twin.site

    def broken(*args, **kwargs):
        raise ZeroDivisionError("something deep went wrong")

    monkeypatch.setattr(twin.site, "load_site", broken)
    monkeypatch.setenv("TWIN_LOG_DIR", str(tmp_path / "logs"))
    result = runner.invoke(app, ["validate", "demo"])
    assert result.exit_code == 1, result.output
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: unexpected ZeroDivisionError"), result.output
    assert "Traceback" not in result.output
    (log,) = (tmp_path / "logs").glob("twin-*.log")
    assert str(log) in result.output.replace("\n", "")
    assert "Traceback" in log.read_text() and "something deep went wrong" in log.read_text()


def test_nan_is_refused_in_any_command_option():
    result = runner.invoke(app, ["optimize", "setpoints", "demo", "--hours", "nan"])
    assert_bad_input(result, "--hours", "finite")


def test_run_estimate_grows_with_steps_and_units():
    from twin.cli.options import estimate_run

    small = estimate_run(4, 1.0, 10.0, 1.0)
    assert estimate_run(40, 1.0, 10.0, 1.0)[1] > small[1]
    assert estimate_run(4, 10.0, 10.0, 1.0)[0] == pytest.approx(10 * small[0])
    assert estimate_run(4, 1.0, 10.0, 1e-9)[1] > 1e6   # refused by any sane limit


def test_usage_errors_stay_click_usage_errors():
    result = runner.invoke(app, ["simulate", "demo", "--no-such-option"])
    assert result.exit_code == 2 and "unexpected" not in result.output, result.output


def test_what_did_not_hold_is_stated():
    import numpy as np
    import xarray as xr

    from twin.cli.held import did_not_hold

    time = np.arange(6)
    ds = xr.Dataset({"T_fws_supply": (("time", "loop"), [[30.0], [31], [33], [34], [31], [30]]),
                     "liquid_class_limit": ("loop", [32.0]),
                     "n_tripped": (("time", "group"), [[0], [0], [0], [4], [4], [4]]),
                     "n_throttled": (("time", "group"), np.zeros((6, 1)))},
                    coords={"time": time, "loop": ["fws"], "group": ["gb200"]},
                    attrs={"step_s": 600.0, "electrical_E_unserved": 7.2e9})
    lines = did_not_hold(ds)
    assert any("ASHRAE class exceeded on loop fws: 0.33 h above 32 degC (peak 34.0 degC)" in x for x in lines)
    assert any("powered off by their coolant protection: up to 4 at once, for 0.50 h" in x for x in lines)
    assert any("unserved energy: 2.000 MWh" in x for x in lines)
    assert not any("throttled" in x for x in lines)
    held = ds.assign(T_fws_supply=ds.T_fws_supply.clip(max=32), n_tripped=ds.n_tripped * 0).assign_attrs(
        electrical_E_unserved=0.0)
    assert did_not_hold(held) == []


def test_dispatch_refuses_plots_at_a_file_and_out_at_a_folder_before_planning(tmp_path: Path):
    afile = tmp_path / "figures.png"
    afile.write_text("")
    assert_bad_input(runner.invoke(app, ["optimize", "dispatch", "demo", "--plots", str(afile)]),
                     "--plots", "an existing file")
    assert_bad_input(runner.invoke(app, ["optimize", "dispatch", "demo", "--out", str(tmp_path)]),
                     "--out", "a folder")


@pytest.mark.parametrize("args, words", [
    (["optimize", "setpoints", "demo", "--start", "1500-01-01"], ["--start", "between 1900 and 2200"]),
    (["optimize", "dispatch", "demo", "--start", "2300-01-01"], ["--start", "between 1900 and 2200"]),
    (["optimize", "setpoints", "demo", "--hours", "1e9"], ["--hours", "8784"]),
    (["optimize", "dispatch", "demo", "--days", "1e6"], ["--days", "366"]),
])
def test_optimize_options_are_bounded_before_any_work(args, words):
    assert_bad_input(runner.invoke(app, args), *words)
