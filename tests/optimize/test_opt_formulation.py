"""The dispatch formulation against independent ones: a hand-built HiGHS model,
brute-force enumeration of a tiny unit commitment, and the Pyomo route."""

from __future__ import annotations

import itertools

from dataclasses import replace

import highspy
import numpy as np
import pandas as pd
import pytest
from opt_cases import MW, MWH, battery, case, per_mwh, turbine

from twin.optimize import CoincidentPeak, CoolingSurrogate, FlexibleLoad, Tariff, dispatch
from twin.optimize.tariffs import ERCOT_4CP_RATE_USD_PER_W_YEAR


def _inputs_lp():
    load = np.array([50.0, 60.0, 80.0, 40.0])
    IT = np.array([45.0, 50.0, 70.0, 35.0])
    bess = replace(battery(20, 40, soc_initial=0.5, degradation_cost=2.0 / MWH), eta_charge=0.9, eta_discharge=0.95)
    return case(
        load, [20.0, 50.0, 120.0, 10.0], bess=bess,
        flexible=FlexibleLoad(E=10 * MW * 86400, period="day", P_max=25 * MW, curtailment_max=0.8),
        cooling=CoolingSurrogate(P_it=np.array([0.0, 50.0, 100.0]) * MW, P=np.array([2.0, 6.0, 16.0]) * MW,
                                 P_it_inflexible=IT * MW),
    )


def _hand_built_optimum() -> float:
    """The same 4-hour problem written row by row into HiGHS (MW, MWh, USD), summing flexible energy directly."""
    load = [50.0, 60.0, 80.0, 40.0]
    IT = [45.0, 50.0, 70.0, 35.0]
    price = [20.0, 50.0, 120.0, 10.0]
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    inf = highspy.kHighsInf
    col = {}

    def var(name, lo, hi, cost):
        col[name] = h.getNumCol()
        h.addVar(lo, hi)
        h.changeColCost(col[name], cost)

    for t in range(4):
        var(("g", t), 0, inf, price[t])      # grid import
        var(("c", t), 0, 20, 2.0)            # charge, with degradation
        var(("d", t), 0, 20, 2.0)            # discharge
        var(("e", t), 0, 40, 0.0)            # stored energy
        var(("f", t), 5, 25, 0.0)            # flexible load
        var(("k", t), 0, 16, 0.0)            # cooling

    def row(lo, hi, terms):
        idx = np.array([col[n] for n, _ in terms], dtype=np.int32)
        val = np.array([v for _, v in terms], dtype=float)
        h.addRow(lo, hi, len(terms), idx, val)

    for t in range(4):
        row(load[t], load[t], [(("g", t), 1), (("d", t), 1), (("c", t), -1), (("f", t), -1), (("k", t), -1)])
        previous = [(("e", t - 1), -1)] if t else []
        rhs = 0.0 if t else 20.0
        row(rhs, rhs, [(("e", t), 1), *previous, (("c", t), -0.9), (("d", t), 1 / 0.95)])
        row(2.0 + 0.08 * IT[t], inf, [(("k", t), 1), (("f", t), -0.08)])
        row(-4.0 + 0.2 * IT[t], inf, [(("k", t), 1), (("f", t), -0.2)])
    row(20.0, inf, [(("e", 3), 1)])
    row(40.0, 40.0, [(("f", t), 1) for t in range(4)])
    h.run()
    assert h.getModelStatus() == highspy.HighsModelStatus.kOptimal
    return h.getInfo().objective_function_value


def test_lp_matches_hand_built_highs_model():
    plan = dispatch(_inputs_lp())
    expected = _hand_built_optimum()
    assert float(plan["objective"]) == pytest.approx(expected, rel=1e-6)
    # and the plan keeps its own promises: cooling on the curve, flexible energy delivered
    IT = np.array([45.0, 50.0, 70.0, 35.0]) * MW + plan["P_flexible"].values
    np.testing.assert_allclose(plan["P_cooling"].values, np.interp(IT, [0, 50e6, 100e6], [2e6, 6e6, 16e6]), atol=1.0)
    assert plan["P_flexible"].sum().item() * 3600 == pytest.approx(40 * MWH, rel=1e-9)


def test_pyomo_route_reaches_the_same_lp_optimum_and_duals():
    inputs = _inputs_lp()
    direct = dispatch(inputs)
    via = dispatch(inputs, interface="pyomo")
    assert float(via["objective"]) == pytest.approx(float(direct["objective"]), rel=1e-6)
    np.testing.assert_allclose(via["marginal_price"].values, direct["marginal_price"].values, rtol=1e-6, atol=1e-15)


def test_marginal_price_is_the_energy_price_plus_the_4cp_weight():
    price = np.linspace(20, 43, 24)
    peak = pd.DatetimeIndex([pd.Timestamp("2025-07-01 16:00", tz="America/Chicago")])
    tariff = Tariff(per_mwh(price), coincident_peak=CoincidentPeak(peak, ERCOT_4CP_RATE_USD_PER_W_YEAR))
    plan = dispatch(case(np.full(24, 100.0), price, tariff=tariff))
    # One more J in hour 16 raises that hour's mean power by 1/3600 W; the 15-minute
    # interval lies inside the hour and counts 1/4 of the yearly rate.
    expected = per_mwh(price)
    expected[16] += ERCOT_4CP_RATE_USD_PER_W_YEAR / 4 / 3600.0
    np.testing.assert_allclose(plan["marginal_price"].values, expected, rtol=1e-9)


# -- unit commitment against brute force --------------------------------------------------

LOAD = [30.0, 55.0, 20.0, 60.0, 20.0, 50.0]
PRICE = [40.0, 90.0, 30.0, 95.0, 35.0, 90.0]
N = len(LOAD)
GRID_MAX = 25.0


def _unit_fuel(q):
    return np.interp(q, [10.0, 20.0, 30.0], [30.0, 55.0, 85.0])


def _step_cost(k: int, load: float, price: float) -> float:
    """Cheapest grid + fuel cost of one hour with k units on, sharing load equally (inf if impossible)."""
    lo, hi = max(10.0 * k, load - GRID_MAX, 0.0), min(30.0 * k, load)
    if k == 0:
        return price * load if load <= GRID_MAX else np.inf
    if lo > hi + 1e-12:
        return np.inf
    candidates = [p for p in (lo, hi, 10.0 * k, 20.0 * k, 30.0 * k) if lo - 1e-12 <= p <= hi + 1e-12]
    return min(price * (load - p) + 20.0 * k * _unit_fuel(p / k) for p in candidates)


def _unit_ok(on, up, down) -> bool:
    """Per-unit minimum up and down times (the unit is off before the horizon)."""
    state = [0, *on]
    for t in range(1, len(state)):
        if state[t] and not state[t - 1] and not all(state[t:t + up]):
            return False
        if state[t - 1] and not state[t] and any(state[t:t + down]):
            return False
    return True


def _brute_force(start_cost, up, down, max_starts=np.inf) -> float:
    """Cheapest plan over every pair of feasible per-unit on/off schedules."""
    best = np.inf
    schedules = [s for s in itertools.product([0, 1], repeat=N) if _unit_ok(s, up, down)]
    for a, b in itertools.product(schedules, repeat=2):
        starts = sum(s[t] and not (s[t - 1] if t else 0) for s in (a, b) for t in range(N))
        if starts > max_starts:
            continue
        cost = sum(_step_cost(a[t] + b[t], LOAD[t], PRICE[t]) for t in range(N)) + start_cost * starts
        best = min(best, cost)
    return best


# Each case changes the optimum (enumeration: 12,600 / 12,950 / 13,300 / 13,100 / 13,700 USD).
@pytest.mark.parametrize("start_cost, up, down, max_starts", [
    (100.0, 1, 1, np.inf),
    (100.0, 2, 1, np.inf),
    (100.0, 1, 2, np.inf),
    (100.0, 1, 1, 3),
    (300.0, 1, 1, np.inf),
])
def test_unit_commitment_matches_enumeration_of_unit_schedules(start_cost, up, down, max_starts):
    per_year = max_starts * 8760 / (2 * N) if np.isfinite(max_starts) else np.inf   # fleet cap over N hours
    gt = turbine(start_cost=start_cost, min_up_s=up * 3600, min_down_s=down * 3600, starts_per_year_max=per_year)
    inputs = case(LOAD, PRICE, import_max_MW=GRID_MAX, turbines=(gt,))
    plan = dispatch(inputs, mip_gap=1e-9)
    expected = _brute_force(start_cost, up, down, max_starts)
    assert np.isfinite(expected)
    assert float(plan["objective"]) == pytest.approx(expected, rel=1e-6)
    assert plan.attrs["problem"] == "MILP"


def test_pyomo_route_reaches_the_same_milp_optimum():
    gt = turbine(start_cost=100.0, min_up_s=2 * 3600, min_down_s=2 * 3600)
    inputs = case(LOAD, PRICE, import_max_MW=GRID_MAX, turbines=(gt,))
    a = dispatch(inputs, mip_gap=1e-9)
    b = dispatch(inputs, mip_gap=1e-9, interface="pyomo")
    assert float(b["objective"]) == pytest.approx(float(a["objective"]), rel=1e-6)
    np.testing.assert_array_equal(a["units_on"].values, b["units_on"].values)
