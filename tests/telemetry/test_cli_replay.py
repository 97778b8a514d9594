"""twin telemetry check / synth and twin replay on the demo site; replay statistics on known data."""

from __future__ import annotations

import numpy as np
import pandas as pd
import xarray as xr
from typer.testing import CliRunner

from tests.conftest import assert_bad_input
from twin.cli import app
from twin.telemetry.replay import replay
from twin.telemetry.synthetic import Fault, synthesize

runner = CliRunner()


def test_synth_check_replay_commands(tmp_path):
    data, tags = tmp_path / "demo.parquet", tmp_path / "tags.toml"
    result = runner.invoke(app, ["telemetry", "synth", "demo", "--out", str(data), "--map-out", str(tags),
                                 "--days", "0.5", "--fault", "drift:FWS.FWS.RETURN_TEMP:2025-07-14T08:00:1.0"],
                           terminal_width=200)
    assert result.exit_code == 0, result.output
    assert "SYNTHETIC telemetry of demo" in result.output
    result = runner.invoke(app, ["telemetry", "check", "demo", str(tags), str(data)], terminal_width=200)
    assert result.exit_code == 0, result.output
    assert "20 mapped tags" in result.output and "findings" in result.output
    out = tmp_path / "replay.nc"
    result = runner.invoke(app, ["replay", "demo", "--telemetry", str(data), "--map", str(tags), "--out", str(out)],
                           terminal_width=200)
    assert result.exit_code == 0, result.output
    assert "replay of demo" in result.output and "pass" in result.output
    ds = xr.open_dataset(out, engine="h5netcdf")
    # the drifting return sensor reads about 1 K per hour of drift too high on average
    assert float(ds.bias.sel(tag="FWS.FWS.RETURN_TEMP")) > 0.5


def test_bad_map_is_one_line(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text('[tags]\n"X" = { component = "rack_groups.nope", variable = "P_it", units = "kW" }\n')
    data = tmp_path / "d.csv"
    data.write_text("time,X\n2025-07-21T00:00:00Z,1\n")
    result = runner.invoke(app, ["telemetry", "check", "demo", str(bad), str(data)])
    assert_bad_input(result, "bad.toml: tags.X.component: found 'rack_groups.nope'")


def test_replay_of_fault_free_data_meets_guideline_14(demo, demo_map, demo_day):
    data, truth = demo_day
    ds = replay(demo, data, demo_map)
    power = ds.gl14.where(ds.variable.isin(["P_cooling", "P_fws_pumps", "m_flow_fws", "valve"]), drop=True)
    assert (power == "pass").all(), ds.gl14.values
    # temperatures: the residual is the sensors' noise (0.05 degF-scaled) and quantisation, no bias
    temps = ds.variable.isin(["T_fws_supply", "T_fws_return", "T_tcs_supply"])
    assert float(np.abs(ds.bias.where(temps, drop=True)).max()) < 0.02
    assert float(ds.rmse.where(temps, drop=True).max()) < 0.1
    assert ds.simulated_step.mean() > 0.99


def test_replay_with_a_fouled_cdu_misses_guideline_14_on_its_valve(demo, demo_map):
    start = pd.Timestamp("2025-07-14 05:00")
    data, _ = synthesize(demo, demo_map, start=start, days=1.0, seed=5,
                         faults=[Fault("fouling", "gb200", start, 0.5)])
    ds = replay(demo, data, demo_map)
    assert str(ds.gl14.sel(tag="GB200.CDU.VALVE").values) == "fail"
    assert float(ds.bias.sel(tag="GB200.CDU.VALVE")) > 0.05  # the valve opens wider than the clean twin's


def test_every_command_on_a_large_site(tmp_path):
    """colossus1 (4 rack groups, 2 facility loops, ~150 MW): synth, check, replay, watch, calibrate, forecast.

    SYNTHETIC data with the GB200 loop's facility pumps drawing 30 % more from 2025-07-15 08:13 UTC.
    """
    data, tags = tmp_path / "c1.parquet", tmp_path / "tags.toml"
    result = runner.invoke(app, ["telemetry", "synth", "colossus1", "--out", str(data), "--map-out", str(tags),
                                 "--days", "1.25", "--seed", "4",
                                 "--fault", "pump:fws_gb200:2025-07-15T08:13:1.3"], terminal_width=200)
    assert result.exit_code == 0, result.output
    result = runner.invoke(app, ["telemetry", "check", "colossus1", str(tags), str(data)], terminal_width=250)
    assert result.exit_code == 0 and "25 mapped tags" in result.output, result.output
    assert not any(kind in result.output for kind in ("stuck:", "out_of_range:", "unit_suspect:", "missing:"))
    result = runner.invoke(app, ["replay", "colossus1", "--telemetry", str(data), "--map", str(tags)],
                           terminal_width=250)
    assert result.exit_code == 0 and "replay of colossus1" in result.output, result.output
    log = tmp_path / "alerts.log"
    result = runner.invoke(app, ["watch", "colossus1", "--source", str(data), "--map", str(tags), "--log", str(log)],
                           terminal_width=250)
    assert result.exit_code == 0, result.output
    alerts = log.read_text().splitlines()
    pumps = [line for line in alerts if "FWS_GB200.FWS.PUMPS.KW" in line]
    assert pumps and pumps[0].startswith("ALERT 2025-07-15 08:"), alerts
    detected = pd.Timestamp(pumps[0][6:22])
    assert pd.Timedelta(0) <= detected - pd.Timestamp("2025-07-15 08:13") <= pd.Timedelta(minutes=15), pumps[0]
    assert all(pd.Timestamp(line[6:22]) >= pd.Timestamp("2025-07-15 08:13") for line in alerts), alerts
    overlay = tmp_path / "overlay.toml"
    result = runner.invoke(app, ["telemetry", "calibrate", "colossus1", "--telemetry", str(data), "--map", str(tags),
                                 "--parameter", "P_fws_pumps[fws_gb200]", "--parameter", "UA_cdu[gb200]",
                                 "--start", "2025-07-15T09:00", "--out", str(overlay)], terminal_width=200)
    assert result.exit_code == 0, result.output
    from twin.site import load_site
    from twin.telemetry.calibrate import read_overlay

    fitted = read_overlay(overlay, load_site("colossus1"))
    import tomllib

    std = tomllib.loads(overlay.read_text())["calibration"]["parameters"]["P_fws_pumps[fws_gb200]"]["std"]
    assert abs(fitted["P_fws_pumps[fws_gb200]"] - 1.3) <= 3 * std + 1e-4, (fitted, std)
    assert abs(fitted["UA_cdu[gb200]"] - 1.0) < 0.01, fitted
    result = runner.invoke(app, ["telemetry", "forecast", "colossus1", "--telemetry", str(data), "--map", str(tags),
                                 "--case", "pump_trip", "--hours", "0.25", "--plant-step", "30"], terminal_width=200)
    assert result.exit_code == 0 and "failure now" in result.output and "pump_tr" in result.output, result.output
