"""Forecast from now: a failure case run forward from the replay's last operating point."""

from __future__ import annotations

import numpy as np

from twin.telemetry.forecast import forecast, operating_point
from twin.telemetry.replay import replay


def test_pump_trip_now_from_the_measured_point(demo, demo_map, demo_day):
    data, truth = demo_day
    ds = replay(demo, data, demo_map)
    point = operating_point(ds, demo)
    measured = truth["inputs"]["P_it"][-1].sum() / demo.P_it_peak
    assert abs(point["fraction"] - measured) < 0.03
    frame = forecast(demo, point, ["pump_trip", "utility_outage"], hours=0.5, plant_step=30.0)
    trip = frame.iloc[0]
    # without facility water the racks heat to their throttle within minutes (seen at 40 s in the
    # demo's full-load case); a utility outage rides through on UPS and Megapacks without throttling
    assert 0 < trip["time_to_throttle_s"] < 900
    assert trip["peak_coolant_inlet_degC"] > ds["T_tcs_supply"].isel(time=-1).max()
    assert np.isnan(frame.iloc[1]["time_to_throttle_s"])
