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


def test_the_plan_through_the_cosimulation(day):
    site, result = day
    report, ds = verify_plan(site, result)
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
    energy = float(np.sum(np.asarray(x.tariff.energy_price_USD_per_J) * P_poi) * x.step_s)
    assert report["simulated_costs_USD"]["energy"] == pytest.approx(energy, rel=1e-9)
    # it does not follow the plan's battery: the plan-following cost is the comparable one
    assert abs(report["plan_following_cost_gap_fraction"]) < 0.01
    assert any("does not follow the plan" in note for note in report["notes"])


def test_quasi_steady_compares_cooling_only(day):
    site, result = day
    report, ds = verify_plan(site, result, mode="quasi_steady")
    assert report["mode"] == "quasi_steady" and not report["electrical"] and "P_poi" not in ds
    assert abs(report["cooling_gap_fraction"]) < 0.03
    assert "unserved_MWh" not in report["violations"] and report["violated"] == []
    assert any("electrical network off" in note for note in report["notes"])
    with pytest.raises(InputError):
        verify_plan(site, result, mode="steady")
