"""One clock: results in UTC with the site's zone; a plan and a simulation of the same hours overlay exactly."""

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

import twin
from twin.cli import app
from twin.clock import label, parse_start
from twin.weather import load_weather
from twin.workload import InferenceProfile


def test_plan_overlays_a_simulation_of_the_same_hours():
    """Same start typed the same way: identical UTC steps and identical IT load from the same workload clock."""
    from twin.optimize.from_site import site_dispatch_inputs

    start = "2025-07-21 00:00"
    plan = site_dispatch_inputs("cortex", start=start, days=1, step=3600, cooling=False, workload=InferenceProfile())
    sim = twin.simulate("cortex", start=start, duration=86400, plant_step=3600, mode="quasi_steady",
                        workload=InferenceProfile())
    plan_utc = pd.DatetimeIndex(plan.time).tz_convert("UTC").tz_localize(None)
    np.testing.assert_array_equal(plan_utc.values, sim.time.values)
    assert plan.P_it.std() > 0  # a load that moves over the day, so a shifted clock would show
    np.testing.assert_allclose(plan.P_it, sim.P_it_total.values, rtol=1e-12)


def test_a_start_with_an_offset_is_that_instant():
    """'14:00' in Austin in July is CDT; '19:00Z' is the same instant: same steps, same weather."""
    local = twin.simulate("demo", start="2025-07-21 14:00", duration=7200, plant_step=600, mode="quasi_steady")
    utc = twin.simulate("demo", start="2025-07-21T19:00Z", duration=7200, plant_step=600, mode="quasi_steady")
    np.testing.assert_array_equal(local.time.values, utc.time.values)
    np.testing.assert_array_equal(local.T_dry_bulb.values, utc.T_dry_bulb.values)
    assert str(utc.time.values[0])[:16] == "2025-07-21T19:00"
    # the typical year is tabulated in local standard time: 14:00 CDT is 13:00 CST
    wx = load_weather("austin", start="2025-07-21 13:00", duration=7200, step=600)
    np.testing.assert_allclose(utc.T_dry_bulb.values, wx.T_dry_bulb.values, rtol=1e-12)
    assert label(utc.time.values, utc.attrs["time_zone"]) == "2025-07-21 14:00 CDT"


def test_winter_is_standard_time_and_dst_edges_resolve():
    zone = "America/Chicago"
    assert parse_start("2025-01-15 14:00", zone) == pd.Timestamp("2025-01-15 20:00", tz="UTC")
    assert parse_start("2025-03-09 02:30", zone) == pd.Timestamp("2025-03-09 08:00", tz="UTC")  # does not exist
    assert parse_start("2025-11-02 01:30", zone) == pd.Timestamp("2025-11-02 06:30", tz="UTC")  # first of two


def test_cli_title_speaks_local_time_for_an_offset_start():
    result = CliRunner().invoke(app, ["simulate", "demo", "--hours", "0.5", "--start", "2025-07-21T19:00Z",
                                      "--mode", "quasi_steady", "--plant-step", "600"])
    assert result.exit_code == 0, result.output
    assert "2025-07-21 14:00 CDT" in result.output and "1753" not in result.output


@pytest.mark.parametrize("bad", ["2025-13-40", "not a time"])
def test_bad_start_is_one_line(bad):
    result = CliRunner().invoke(app, ["simulate", "demo", "--start", bad])
    assert result.exit_code == 2 and "start" in result.output and "Traceback" not in result.output
