"""Dispatch plans against hand-computed optima, and their cost bookkeeping."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
import pytest
from opt_cases import MW, MWH, TZ, battery, case, per_mwh, turbine

from twin.errors import InputError
from twin.optimize import (
    CoincidentPeak,
    CoolingSurrogate,
    DemandResponseEvent,
    Emissions,
    FixedPricePPA,
    FlexibleLoad,
    Tariff,
    VirtualPPA,
    baseline_inputs,
    dispatch,
    savings_table,
)
from twin.optimize.dispatch import evaluate_costs

SCHEDULE = ["P_load", "P_grid_import", "P_grid_export", "P_battery_charge", "P_battery_discharge", "E_battery",
            "P_flexible", "E_flexible_backlog", "P_cooling"]
UNITS = ["P_turbine", "units_on", "units_started", "units_stopped", "P_fuel"]


def test_battery_arbitrage_on_two_prices():
    # Charge 5 MW for an hour at $10 (stores 4.5 MWh), give back 4.05 MW for an hour at $100.
    toy = dict(bess=battery(5, 5, eta=0.9, soc_initial=0.0, soc_terminal=0.0))
    plan = dispatch(case([10.0, 10.0], [10.0, 100.0], **toy))
    assert float(plan["objective"]) == pytest.approx(10 * 15 + 100 * (10 - 4.05), rel=1e-9)
    np.testing.assert_allclose(plan["P_battery"].values / MW, [-5.0, 4.05], atol=1e-9)
    # At $90 vs $100 the round trip (81 %) loses money: the battery stays idle.
    idle = dispatch(case([10.0, 10.0], [90.0, 100.0], **toy))
    assert float(idle["objective"]) == pytest.approx(90 * 10 + 100 * 10, rel=1e-9)
    np.testing.assert_allclose(idle["P_battery"].values, 0.0, atol=1e-6)


def _mixed_inputs():
    """A two-day ERCOT-style case touching every cost category except turbines."""
    rng = np.random.default_rng(3)
    T = 48
    price = 30 + 20 * np.sin(np.arange(T) / 24 * 2 * np.pi) + rng.normal(0, 5, T)
    price[17] = 2500.0
    price[3] = -20.0
    time = pd.date_range(pd.Timestamp("2025-08-11", tz=TZ), periods=T, freq="h")
    tariff = Tariff(
        energy_price=per_mwh(price),
        export_price=per_mwh(price - 5),
        coincident_peak=CoincidentPeak(pd.DatetimeIndex([time[16] + pd.Timedelta(minutes=30)]), 60e-3),
        ppas=(FixedPricePPA(volume=40 * MW, price=per_mwh(45.0)),),
        vppas=(VirtualPPA(generation=np.clip(np.sin((np.arange(T) % 24 - 6) / 12 * np.pi), 0, None) * 50 * MW,
                          strike=per_mwh(40.0), hub_price=per_mwh(price + 3)),),
        demand_response=(DemandResponseEvent(time[40], time[42], baseline=150 * MW, reduction=40 * MW,
                                             credit=5000.0, penalty=per_mwh(800.0)),),
    )
    IT = 100 + 10 * rng.random(T)
    return case(
        IT + 20, price, start="2025-08-11", tariff=tariff, import_max_MW=300, export_max_MW=50,
        bess=replace(battery(30, 60, soc_initial=0.4, degradation_cost=6 / MWH),
                     eta_charge=0.93, eta_discharge=0.96),
        flexible=FlexibleLoad(E=15 * MW * 86400, period="day", P_max=30 * MW, curtailment_max=0.9),
        cooling=CoolingSurrogate(np.array([50.0, 100.0, 160.0]) * MW, np.array([8.0, 14.0, 26.0]) * MW, IT * MW),
        emissions=Emissions(CO2_price=0.05),
    )


def _settle(inputs, plan):
    names = SCHEDULE + (UNITS if inputs.turbines else [])
    return evaluate_costs(inputs, {n: plan[n].values for n in names})


def test_costs_add_up_and_match_settlement_lp():
    inputs = _mixed_inputs()
    inputs = replace(inputs, grid=replace(inputs.grid, CO2_factor=0.4 / 3.6e6))
    plan = dispatch(inputs)
    costs = plan["cost"].to_series()
    assert set(costs.index) == {"energy", "coincident_peak", "demand_response", "ppa", "vppa",
                                "battery_degradation", "emissions"}
    assert costs.sum() == pytest.approx(plan.attrs["solver_objective_USD"], rel=1e-6)
    assert float(plan["objective"]) == pytest.approx(costs.sum(), rel=1e-12)
    settled = _settle(inputs, plan)
    for category, value in costs.items():
        assert value == pytest.approx(settled[category], rel=1e-6, abs=1e-3), category


def test_costs_add_up_and_match_settlement_milp():
    gt = turbine(count=3, start_cost=250.0, min_up_s=2 * 3600, NOx_factor=2e-10, CO2_factor=5.6e-8)
    load = [30, 55, 20, 60, 80, 70, 20, 50]
    inputs = case(load, [40, 90, 30, 95, 120, 80, 35, 90], import_max_MW=25, turbines=(gt,),
                  bess=battery(10, 20, eta=0.95), emissions=Emissions(CO2_price=0.03, NOx_max=450.0))
    plan = dispatch(inputs, mip_gap=1e-9)
    costs = plan["cost"].to_series()
    assert costs.sum() == pytest.approx(plan.attrs["solver_objective_USD"], rel=1e-6)
    settled = _settle(inputs, plan)
    for category in ("energy", "fuel", "starts", "battery_degradation", "emissions"):
        assert costs[category] == pytest.approx(settled[category], rel=1e-6, abs=1e-6), category
    assert plan["NOx"].sum() <= 450.0 + 1e-6
    # fuel from the plan's own output, through the unit fuel curve with load shared equally
    on = plan["units_on"].values[0]
    P = plan["P_turbine"].values[0] / MW
    fuel = np.where(on > 0, on * np.interp(P / np.maximum(on, 1), [10, 20, 30], [30, 55, 85]), 0.0)
    np.testing.assert_allclose(plan["P_fuel"].values[0] / MW, fuel, rtol=1e-6, atol=1e-6)


def test_ramp_limit_hand_case():
    # One unit, cheap fuel, 5 MW/h ramp: load jumps 10 -> 30 MW, grid ($1000/MWh) fills the gap while it ramps.
    gt = turbine(count=1, P_min_MW=5.0, P_max_MW=40.0, points_MW=(5.0, 40.0), fuel_MW=(10.0, 80.0),
                 ramp_limit=5 * MW / 3600, units_on_initial=1)
    plan = dispatch(case([10, 30, 30, 30, 30], 1000.0, turbines=(gt,)), mip_gap=1e-9)
    np.testing.assert_allclose(plan["P_turbine"].values[0] / MW, [10, 15, 20, 25, 30], atol=1e-6)
    np.testing.assert_allclose(plan["P_grid_import"].values / MW, [0, 15, 10, 5, 0], atol=1e-6)


def test_flexible_energy_per_calendar_day_prorated_at_the_edges():
    # 60 hours from noon: half a day, two full days, and none of the fourth.
    T = 60
    price = 50 + 40 * np.sin(np.arange(T) / 24 * 2 * np.pi)
    flexible = FlexibleLoad(E=24 * MW * 3600 * 10, period="day", P_max=30 * MW, curtailment_max=1.0)
    inputs = case(np.full(T, 50.0), price, flexible=flexible)
    inputs = replace(inputs, time=inputs.time + pd.Timedelta(hours=12))
    plan = dispatch(inputs)
    energy = pd.Series(plan["P_flexible"].values * 3600 / MWH, index=inputs.time)
    daily = energy.groupby(inputs.time.normalize()).sum().values
    np.testing.assert_allclose(daily, [120.0, 240.0, 240.0], rtol=1e-9)
    # and the load does move to cheap hours
    assert float((plan["P_flexible"] * plan["energy_price"]).sum()) < 10 * MW * float(plan["energy_price"].sum())


def test_baseline_and_savings_table():
    inputs = _mixed_inputs()
    plan = dispatch(inputs)
    base_inputs = baseline_inputs(inputs)
    assert base_inputs.bess is None and base_inputs.flexible is None
    np.testing.assert_allclose(base_inputs.P_load - inputs.P_load, 15 * MW)
    baseline = dispatch(base_inputs)
    table = savings_table(plan, baseline)
    assert list(table.columns) == ["baseline_USD", "plan_USD", "savings_USD"]
    assert table.loc["total", "plan_USD"] == pytest.approx(float(plan["objective"]), rel=1e-9)
    assert table.loc["total", "baseline_USD"] == pytest.approx(float(baseline["objective"]), rel=1e-9)
    assert table.loc["battery_degradation", "baseline_USD"] == 0.0
    assert table.loc["total", "savings_USD"] > 0


def test_plan_dataset_conventions():
    plan = dispatch(_mixed_inputs())
    for name, var in plan.variables.items():
        if name in plan.dims:
            continue
        assert "units" in var.attrs and "long_name" in var.attrs, name
    assert plan["time"].size == 48
    np.testing.assert_allclose(plan["P_battery"], plan["P_battery_discharge"] - plan["P_battery_charge"])
    for key in ("build_time_s", "handover_time_s", "solve_time_s", "total_time_s"):
        assert plan.attrs[key] >= 0
    assert plan.attrs["solver_status"] == "Optimal"


def test_malformed_inputs_are_all_reported():
    inputs = _mixed_inputs()
    bad = replace(
        inputs,
        P_load=inputs.P_load[:-1],
        bess=replace(inputs.bess, soc_initial=1.2),
        turbines=(turbine(fuel_MW=(30.0, 70.0, 85.0)),),
        cooling=replace(inputs.cooling, P=np.array([8.0, 20.0, 26.0]) * MW),
    )
    with pytest.raises(InputError) as error:
        dispatch(bad)
    text = str(error.value)
    assert "P_load: found shape (47,); expected one value per step, shape (48,)" in text
    assert "bess.soc_initial: found 1.2" in text
    assert "incremental heat rates [4.0, 1.5]" in text and "convex" in text
    assert "cooling.P" in text and "convex" in text
    assert len(error.value.problems) == 4


def test_cooling_curves_per_step_are_followed():
    # The plant's curve scales with the weather; the flexible load shifts towards cool, cheap hours.
    T = 24
    weather = 1.0 + 0.5 * np.sin(np.arange(T) / T * 2 * np.pi)
    curves = np.outer(weather, [2.0, 6.0, 16.0]) * MW
    IT = np.full(T, 50.0) * MW
    flexible = FlexibleLoad(E=20 * MW * 86400, period="day", P_max=40 * MW)
    inputs = case(np.full(T, 60.0), 40.0, flexible=flexible,
                  cooling=CoolingSurrogate(np.array([0.0, 50.0, 100.0]) * MW, curves, IT))
    plan = dispatch(inputs)
    expected = [np.interp(it, [0, 50e6, 100e6], row) for it, row in zip(IT + plan["P_flexible"].values, curves)]
    np.testing.assert_allclose(plan["P_cooling"].values, expected, atol=1.0)
    # at a flat price the flexible load runs where cooling it costs least (cool hours, weather < 1)
    hot = weather > 1.2
    assert plan["P_flexible"].values[hot].max() < 20 * MW < plan["P_flexible"].values[~hot].max()
