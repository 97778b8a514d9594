"""A plan in the simulation's language: names, dims, units and cell methods of docs/nomenclature.md, the UTC clock
with the site's zone, so a plan overlays a simulation of the same hours with no renaming."""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr

import twin
from twin.optimize import plan_site, write_plan


def test_plan_overlays_a_simulation_with_no_renaming(tmp_path, nomenclature):
    site = twin.load_site("colossus1")
    result = plan_site(site, start="2025-07-21 00:00", days=1, step=3600, cooling=False, flexible_share=0.0)
    plan = result.results
    first = result.plan.indexes["time"][0]
    sim = twin.simulate(site, start=first.isoformat(), duration=86400, plant_step=3600, mode="quasi_steady")
    # one clock: the same UTC steps, the site's zone as the attribute
    np.testing.assert_array_equal(plan.time.values, sim.time.values)
    assert plan.attrs["time_zone"] == sim.attrs["time_zone"] == "America/Chicago"
    np.testing.assert_allclose(plan["P_it_total"].values, sim["P_it_total"].values, rtol=1e-12)
    # names, dims, units and cell methods of the simulation's results
    table = nomenclature
    for name in ("P_poi", "P_turbines", "n_turbines_online", "fuel", "NOx", "CO2", "P_bess", "E_bess", "soc",
                 "P_it_total", "P_cooling", "P_demand"):
        row = table[name]
        assert plan[name].attrs["units"] == row["units"], name
        assert ",".join(plan[name].dims) == row["dims"], name
        assert plan[name].attrs["cell_methods"] == row["cell_methods"] or not row["cell_methods"], name
    assert list(plan.fleet.values) == [f"{t.count}x{t.model}" for t in site.electrical.turbines]
    # per-fleet emission rates from the fuel, as the simulator reports them
    x = result.inputs
    np.testing.assert_allclose(plan["NOx"].values, plan["fuel"].values * x.turbines[0].NOx_factor)
    assert float(plan["NOx"].sum()) * 3600 == pytest.approx(float(result.plan["NOx"].sum()), rel=1e-9)
    # the plan file speaks the same language
    with xr.open_dataset(write_plan(result, tmp_path / "plan.nc"), engine="h5netcdf") as saved:
        assert {"P_poi", "P_turbines", "P_bess"} <= set(saved.data_vars)
        np.testing.assert_array_equal(saved.time.values, sim.time.values)
        assert saved.attrs["time_zone"] == "America/Chicago"
