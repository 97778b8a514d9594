"""The readable Pyomo model and the fast matrix path are one formulation: same optimum, same duals,
named components on every built-in site; a user extension changes the plan as it should."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyomo.environ as pyo
import pytest
from opt_cases import MWH, battery, case

import twin
from twin.errors import InputError
from twin.optimize import dispatch, pyomo_model, site_dispatch_inputs
from twin.optimize.formulation import solve_highs, solve_pyomo
from twin.paths import data_dir

SITES = sorted(p.stem for p in data_dir("sites").glob("*.toml"))


@pytest.fixture(scope="module", params=SITES)
def site_inputs(request):
    return site_dispatch_inputs(twin.load_site(request.param), start="2025-07-14", days=1, step=3600.0)


def _relaxed(model):
    """The model with integer variables made continuous (an LP: duals exist)."""
    for var in model.component_objects(pyo.Var):
        for v in var.values():
            if not v.is_continuous():
                v.domain = pyo.Reals
    return model


def test_pyomo_model_and_fast_path_agree_on_every_built_in_site(site_inputs):
    x = site_inputs
    model = pyomo_model(x)
    lp = model._lp
    # names: every block of the matrix is a component of the model, indexed by what it means
    for name in [*lp.variables, *lp.constraints, *lp.params]:
        assert model.component(name) is not None, name
    assert list(model.time) == list(pd.DatetimeIndex(x.time).tz_convert("UTC"))
    assert str(model.time.first().tz) == "UTC"
    assert "==" in model.power_balance.doc and "P_load" in model.power_balance.doc
    assert model.P_load.mutable and model.energy_price.mutable
    assert set(model.category) == set(lp.categories)
    if x.turbines:
        assert list(model.turbine_type) == [t.name for t in x.turbines]
    # the LP (relaxation, for a MILP) through both paths: objective 1e-9 relative, duals of the balance rows
    integer = lp.integrality().any()
    lp._integer = [np.zeros_like(a) for a in lp._integer]
    fast, _ = solve_highs(lp)
    slow = solve_pyomo(_relaxed(model), lp)
    assert fast.status == "Optimal" and slow.status == "Optimal"
    assert slow.objective == pytest.approx(fast.objective, rel=1e-9)
    balance = lp.constraints["power_balance"]
    rows = slice(balance.start, balance.start + balance.size)
    scale = np.abs(fast.row_dual[rows]).max()
    np.testing.assert_allclose(slow.row_dual[rows], fast.row_dual[rows], rtol=1e-7, atol=1e-9 * scale)
    if integer and x.site_name == "colossus2":
        # the MILP itself: both paths within the gap they were asked for
        a = dispatch(x, mip_gap=1e-4)
        b = dispatch(x, mip_gap=1e-4, interface="pyomo")
        assert float(b["objective"]) == pytest.approx(float(a["objective"]), rel=2e-4)


def _small():
    return case([50.0, 60.0, 80.0, 40.0], [20.0, 50.0, 120.0, 10.0], bess=battery(20, 40, soc_initial=0.5))


def test_a_mutable_price_changes_the_plan_when_resolved():
    x = _small()
    model = pyomo_model(x)
    first = solve_pyomo(model, model._lp)
    hour = list(model.time)[2]
    model.energy_price[hour] = 20.0          # USD/MWh, was 120
    second = solve_pyomo(model, model._lp)
    cheaper = case([50.0, 60.0, 80.0, 40.0], [20.0, 50.0, 20.0, 10.0], bess=battery(20, 40, soc_initial=0.5))
    assert second.objective < first.objective
    assert second.objective == pytest.approx(float(dispatch(cheaper)["objective"]), rel=1e-9)


def test_an_extension_changes_the_plan_and_says_so():
    x = _small()
    plain = dispatch(x)
    assert plain.attrs["path"].startswith("fast")
    assert plain["P_battery_discharge"].values[2] > 1e6          # the battery serves the 120 USD/MWh hour

    def no_discharge_at_the_peak(model):
        """A contract clause: the battery is held back in the third hour."""
        hour = list(model.time)[2]
        model.hold_battery = pyo.Constraint(expr=model.battery_discharge[hour] == 0)

    held = dispatch(x, extend=no_discharge_at_the_peak)
    assert held.attrs["path"] == "Pyomo model solved with highs, extended by " \
                                 "test_an_extension_changes_the_plan_and_says_so.<locals>.no_discharge_at_the_peak"
    assert abs(held["P_battery_discharge"].values[2]) < 1e-3
    assert float(held["objective"]) > float(plain["objective"])


def test_an_extension_that_cannot_be_met_and_an_absent_solver_say_so_in_one_line():
    x = _small()

    def impossible(model):
        model.impossible = pyo.Constraint(expr=sum(model.grid_import[t] for t in model.time) <= -1.0)

    with pytest.raises(InputError, match="constraints with no feasible plan"):
        dispatch(x, extend=impossible)
    with pytest.raises(InputError, match="'no_such_solver' \\(not installed or not found by Pyomo\\)") as error:
        dispatch(x, solver="no_such_solver")
    assert "\n" not in str(error.value)


def test_cost_expressions_are_the_plan_costs():
    x = case([50.0, 60.0], [30.0, 60.0], bess=battery(20, 40, soc_initial=0.5, degradation_cost=2.0 / MWH))
    plan = dispatch(x, interface="pyomo")
    direct = dispatch(x)
    np.testing.assert_allclose(plan["cost"].values, direct["cost"].values, rtol=1e-9)
