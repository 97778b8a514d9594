"""Rolling-horizon dispatch: agrees with the full plan when it sees everything, keeps
its carried states, and re-solves a persistent model."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from opt_cases import MW, MWH, battery, case, per_mwh, steps, turbine

from twin.errors import InputError
from twin.optimize import DemandCharge, FlexibleLoad, Tariff, dispatch, rolling_horizon


def _inputs(days=3, step_s=3600.0):
    n = int(days * 86400 / step_s)
    hours = np.arange(n) * step_s / 3600
    price = 40 + 30 * np.sin(2 * np.pi * (hours - 10) / 24) + 10 * np.cos(2 * np.pi * hours / 7)
    return case(100 + 10 * np.sin(2 * np.pi * hours / 24), price, step_s=step_s,
                bess=battery(30, 90, eta=0.95, soc_initial=0.5),
                flexible=FlexibleLoad(E=20 * MW * 86400, period="day", P_max=40 * MW, curtailment_max=1.0))


def test_one_window_over_everything_is_the_plan():
    inputs = _inputs()
    horizon = len(inputs.time) * inputs.step_s
    run = rolling_horizon(inputs, window_s=horizon, step_s=horizon)
    plan = dispatch(inputs)
    assert float(run["objective"]) == pytest.approx(float(plan["objective"]), rel=1e-6)
    assert run.sizes["solve"] == 1


def test_short_windows_cost_more_keep_states_and_reuse_the_model():
    inputs = _inputs(days=3, step_s=900.0)
    run = rolling_horizon(inputs, window_s=24 * 3600, step_s=3600)
    plan = dispatch(inputs)
    assert float(run["objective"]) >= float(plan["objective"]) * (1 - 1e-9)
    assert run.sizes["solve"] == 72
    assert run["reused"].sum() > 40
    # battery energy follows the applied charge and discharge from the initial state
    dt = inputs.step_s
    E = 45 * MWH + np.cumsum(0.95 * run["P_battery_charge"].values - run["P_battery_discharge"].values / 0.95) * dt
    np.testing.assert_allclose(run["E_battery"].values, E, rtol=1e-6, atol=1e3)
    assert run["E_battery"].values[-1] >= 45 * MWH * (1 - 1e-6)
    # every calendar day gets its flexible energy
    daily = pd.Series(run["P_flexible"].values * dt, index=inputs.time).groupby(inputs.time.normalize()).sum()
    np.testing.assert_allclose(daily.values, 20 * MW * 86400, rtol=1e-6)
    # costs are settled after the fact and add up
    assert float(run["cost"].sum()) == pytest.approx(float(run["objective"]))


def test_demand_peak_so_far_is_carried_between_windows():
    # A spike the battery cannot hide early in the month sets the billing demand; later windows
    # need not shave below it.  The settled demand charge equals the direct one.
    time = steps(96, "2025-07-01")
    load = np.full(96, 100.0)
    load[10] = 200.0
    dc = DemandCharge(np.ones(96, bool), 11e-3)
    tariff = Tariff(per_mwh(np.full(96, 40.0)), demand_charge=dc)
    inputs = case(load, 40.0, tariff=tariff, bess=battery(20, 40, soc_initial=0.5))
    run = rolling_horizon(inputs, window_s=12 * 3600, step_s=3600)
    assert run["P_grid_import"].max().item() == pytest.approx(180 * MW)
    share = 96 / (31 * 24)
    assert run["cost"].sel(category="demand").item() == pytest.approx(11e-3 * 180 * MW * share)
    assert time.equals(run.indexes["time"])
    assert run["reused"].sum() == run.sizes["solve"] - 12      # all but the first and the 11 shrinking windows


def test_unit_commitment_windows_respect_minimum_up_time_across_windows():
    price = np.tile([30.0, 30.0, 200.0, 30.0, 30.0, 30.0], 4)
    gt = turbine(count=1, P_min_MW=5.0, P_max_MW=40.0, points_MW=(5.0, 40.0), fuel_MW=(20.0, 90.0),
                 min_up_s=4 * 3600, start_cost=10.0)
    inputs = case(np.full(24, 20.0), price, turbines=(gt,))
    run = rolling_horizon(inputs, window_s=3 * 3600, step_s=3600)
    on = run["units_on"].values[0]
    started = np.flatnonzero(np.diff(np.concatenate([[0], on])) > 0)
    assert started.size > 0
    for t in started:
        assert on[t:t + 4].min() == 1, f"unit started at {t} ran less than 4 h: {on}"


def test_window_and_step_must_be_whole_steps():
    inputs = _inputs(days=1)
    with pytest.raises(InputError, match="window_s: found 5400 s; expected a whole multiple of the 3600 s step"):
        rolling_horizon(inputs, window_s=5400, step_s=3600)
    with pytest.raises(InputError, match="step_s: found 7200 s; expected at most window_s = 3600 s"):
        rolling_horizon(inputs, window_s=3600, step_s=7200)


def test_seasonal_naive_forecast_reads_only_the_past():
    from twin.optimize.mpc import seasonal_naive

    price = np.arange(10.0)
    # window 5..9 with a season of 2: step t is forecast from t - 2k < 5
    np.testing.assert_array_equal(seasonal_naive(price, 5, 10, 2), [3, 4, 3, 4, 3])
    np.testing.assert_array_equal(seasonal_naive(price, 0, 3, 2), [0, 0, 0])   # no history: the first price


def test_forecast_driven_mpc_costs_more_than_perfect_foresight():
    inputs = _inputs(days=4)
    rng = np.random.default_rng(3)
    # real prices move from day to day: the seasonal-naive forecast (yesterday's price) misses part of it
    price = np.asarray(inputs.tariff.energy_price) * (1 + 0.5 * rng.standard_normal(len(inputs.time)))
    inputs = case(inputs.P_load / MW, price * MWH, bess=inputs.bess, flexible=inputs.flexible)
    plan = dispatch(inputs)
    seeing = rolling_horizon(inputs, window_s=24 * 3600, step_s=3600)
    naive = rolling_horizon(inputs, window_s=24 * 3600, step_s=3600, forecast="seasonal_naive")
    given = rolling_horizon(inputs, window_s=24 * 3600, step_s=3600,
                            forecast=np.asarray(inputs.tariff.energy_price))
    assert naive.attrs["forecast"] == "seasonal naive (24 h season)"
    value_of_perfect_information = float(naive["objective"]) - float(plan["objective"])
    assert value_of_perfect_information > 1e-3 * float(plan["objective"])
    assert float(naive["objective"]) > float(seeing["objective"])
    # a forecast equal to the real prices is perfect foresight inside the window
    assert float(given["objective"]) == pytest.approx(float(seeing["objective"]), rel=1e-9)
    with pytest.raises(InputError, match="forecast"):
        rolling_horizon(inputs, window_s=24 * 3600, step_s=3600, forecast="crystal_ball")


def test_predicted_coincident_peaks_are_summer_weekday_afternoons():
    from twin.optimize import CoincidentPeak
    from twin.optimize.mpc import predicted_coincident_peaks

    time = steps(24 * 14, start="2025-07-01")
    cp = predicted_coincident_peaks(time, CoincidentPeak(pd.DatetimeIndex([]), 50e-3))
    assert len(cp.intervals) == 10 and cp.intervals_per_year == 4 * 22
    assert set(cp.intervals.hour) == {16} and set(cp.intervals.minute) == {30}
    assert (cp.intervals.day_of_week < 5).all()
