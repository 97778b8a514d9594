"""Cooling set-point MILP: checked against dynamic programming over the same candidate table,
and run back through the simulator."""

import dataclasses

import numpy as np
import pytest

import twin
from twin.optimize.diagnose import InfeasiblePlan
from twin.optimize.setpoints import candidate_table, setpoints, solve, verify
from twin.workload import ConstantProfile

PRICE = 0.05 / 3.6e6


def dynamic_programming(table, price, max_change, start_cost):
    """Exact optimum per loop: states = candidates, cost = energy + chiller starts, ramp-limited moves."""
    n, S, L = table.power.shape
    total = 0.0
    for l in range(L):
        cand = table.candidates[l]
        energy = price * table.power[:, :, l] * table.step
        energy = np.where(table.allowed[:, :, l], energy, np.inf)
        best = energy[0].copy()
        for t in range(1, n):
            starts = np.maximum(table.chillers[t, :, l][None, :] - table.chillers[t - 1, :, l][:, None], 0)
            move = np.abs(cand[None, :] - cand[:, None]) <= max_change + 1e-9
            step_cost = np.where(move, best[:, None] + start_cost * starts, np.inf)
            best = step_cost.min(axis=0) + energy[t]
        total += best.min()
    return total


@pytest.fixture(scope="module")
def design_day_table():
    """Colossus 1 (two loops, towers + chillers) through a Memphis design day, 12 periods of 2 h."""
    site = twin.load_site("colossus1")
    return site, candidate_table(site, hours=24, step=7200, weather="design:memphis:evaporation_0.4",
                                 workload=ConstantProfile(0.95), candidates=np.array([np.arange(27.0, 33.0),
                                                                                      np.arange(35.0, 41.0)]))


@pytest.mark.parametrize("max_change", [np.inf, 1.0])
def test_milp_optimum_equals_dynamic_programming(design_day_table, max_change):
    site, table = design_day_table
    # make the ramp limit bite: the hottest periods may only use the two lowest candidates
    allowed = table.allowed.copy()
    allowed[5:8, 2:, :] = False
    table = dataclasses.replace(table, allowed=allowed)
    plan = solve(table, site, price=PRICE, max_change=max_change, start_cost=50.0, mip_gap=0.0)
    expected = dynamic_programming(table, PRICE, max_change, 50.0)
    assert plan.attrs["objective_USD"] == pytest.approx(expected, rel=1e-6)
    costs = float(plan.cost_cooling_energy.sum() + plan.cost_chiller_starts.sum())
    assert costs == pytest.approx(plan.attrs["objective_USD"], rel=1e-6)  # costs add up by category
    if np.isfinite(max_change):
        assert np.all(np.abs(np.diff(plan.T_fws_supply_set.values, axis=0)) <= max_change + 1e-9)


def test_plan_runs_through_the_simulator():
    site = twin.load_site("colossus2")
    plan = setpoints(site, hours=6, workload=ConstantProfile(0.85))
    # air-cooled chillers: the warmest allowed water (W40 class) saves compressor energy
    assert float(plan.cost_cooling_energy.sum()) < 0.9 * float(plan.cost_cooling_energy_baseline.sum())
    check = verify(site, plan, workload=ConstantProfile(0.85))
    assert abs(check["gap_fraction"]) < 0.02
    assert check["die_over_throttle_steps"] == 0 and check["facility_over_class_steps"] == 0
    assert abs(check["energy_residual"]) < 1e-9


def test_infeasible_margin_names_the_time_and_loop():
    site = twin.load_site("colossus2")
    with pytest.raises(InfeasiblePlan, match=r"2025-07-21 00:00: no candidate set-point"):
        setpoints(site, hours=2, workload=ConstantProfile(1.0), die_margin=15.0)
