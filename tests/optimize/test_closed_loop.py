"""A day's plan for Cortex run back through the co-simulation: energies agree, nothing is violated."""

from __future__ import annotations

import numpy as np
import pytest

import twin
from twin.errors import InputError
from twin.optimize import plan_site, verify_plan

MWH = 3.6e9


@pytest.fixture(scope="module")
def day():
    site = twin.load_site("cortex")
    return site, plan_site(site, start="2025-07-14 00:00", days=1)


@pytest.fixture(scope="module")
def cosimulated(day):
    site, result = day
    return verify_plan(site, result)


def test_the_plan_through_the_cosimulation(day, cosimulated):
    site, result = day
    report, ds = cosimulated
    plan, x = result.plan, result.inputs
    assert report["mode"] == "dynamic" and report["electrical"]
    # the simulation ran the plan's IT schedule: same IT energy, hour by hour
    m = int(round(x.step_s / ds.attrs["step_s"]))
    IT_hourly = ds["P_it_total"].values.reshape(-1, m).mean(axis=1)
    assert np.allclose(IT_hourly, plan["P_it"].values, rtol=1e-9)
    # cooling and facility energy within a few per cent of the plan
    assert abs(report["cooling_gap_fraction"]) < 0.03
    assert abs(report["facility_gap_fraction"]) < 0.01
    assert report["simulated_cooling_MWh"] == pytest.approx(ds.twin.energy("P_cooling") / MWH)
    assert report["planned_cooling_MWh"] == pytest.approx(float(plan["P_cooling"].sum()) * x.step_s / MWH)
    # no violations: dies, facility class, battery window, grid limit, unserved energy
    assert report["violated"] == [] and report["violations"]["unserved_MWh"] == 0.0
    assert float((ds.T_die_max - ds.T_die_limit).max()) < 0
    # the simulator's controller is billed on its own import: energy cost by hand
    P_poi = ds["P_poi"].values.reshape(-1, m).mean(axis=1)
    energy = float(np.sum(np.asarray(x.tariff.energy_price) * P_poi) * x.step_s)
    assert report["simulated_costs_USD"]["energy"] == pytest.approx(energy, rel=1e-9)
    # it does not follow the plan's battery: the plan-following cost is the comparable one
    assert abs(report["plan_following_cost_gap_fraction"]) < 0.01
    assert any("does not follow the plan" in note for note in report["notes"])


def test_quasi_steady_runs_the_electrical_network_over_the_simulated_load(day, cosimulated):
    site, result = day
    report, ds = verify_plan(site, result, mode="quasi_steady")
    assert report["mode"] == "quasi_steady" and report["electrical"] and "P_poi" not in ds
    assert abs(report["cooling_gap_fraction"]) < 0.03
    # battery window, grid limit and unserved energy checked through the network, nothing violated
    assert {"simulated_soc_outside_steps", "simulated_import_over_limit_steps", "unserved_MWh"} \
        <= set(report["violations"])
    assert report["violated"] == [] and report["violations"]["unserved_MWh"] == 0.0
    assert any("electrical network (the co-simulation's component) then run" in n for n in report["notes"])
    # the same grid energy as the co-simulation of the day, within the plant models' difference
    dynamic, _ = cosimulated
    assert report["simulated_grid_MWh"] == pytest.approx(dynamic["simulated_grid_MWh"], rel=0.01)
    with pytest.raises(InputError):
        verify_plan(site, result, mode="steady")


def test_network_pass_closes_the_balance_on_an_islanded_site():
    from twin.electrical.network import ElectricalNetwork
    from twin.optimize.closed_loop import network_pass
    from twin.optimize.from_site import site_dispatch_inputs

    site = twin.load_site("colossus2")
    x = site_dispatch_inputs(site, start="2025-07-14", days=1, cooling=False)
    IT = np.repeat(x.P_it, 4)
    cooling = 0.1 * IT
    el, dt = network_pass(site, x, IT, cooling, 900.0)
    assert dt == 60.0 and el["P_poi"].size == IT.size * 15
    # the islanded site's turbines carry what the 30 MW grid cannot; nothing unserved
    assert el["P_turbines"].sum(axis=1).min() > 0 and float(np.sum(el["P_unserved"])) == 0.0
    assert el["P_poi"].max() <= site.electrical.utility.P_import_max * (1 + 1e-9)
    supply = el["P_poi"] + el["P_turbines"].sum(axis=1) + el["P_bess"]
    demand = np.repeat(ElectricalNetwork.from_site(site).demand(IT, cooling)["P_demand"], 15)
    assert np.abs(supply - demand).max() < 1e-6 * demand.max() + 1.0
