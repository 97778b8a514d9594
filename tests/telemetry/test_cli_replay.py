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
