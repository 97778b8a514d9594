"""Power-scheduling dispatch: grid, gas turbines, battery, flexible training load, cooling.

The formulation is a set of flat ``define_*`` functions in
:mod:`twin.optimize.constraints`, each adding whole blocks of variables and
constraints over the time index (and turbine types) to a
:class:`~twin.optimize.formulation.LinearProgram`.  :func:`build` runs
them; :func:`dispatch` builds, solves with HiGHS and returns the plan as an
``xarray.Dataset``.

Inside the linear program powers are in MW, energies in MWh, money in USD
(coefficients near 1 keep HiGHS well scaled); inputs and the returned plan
are SI (W, J, USD).

Power balance at every step (MW, ``+`` supply, ``-`` demand)::

    grid_import - grid_export + sum(turbine_power) + battery_discharge - battery_charge
        - flexible_power - cooling_power = load

Turbines of one type are identical; the plan commits a whole number of them
(``turbine_on``, 0..count) instead of one binary per unit.  For identical
units with a convex fuel curve that is exact: units of a type that are on
share load equally at the optimum, and any schedule of counts that respects
the aggregated minimum up/down rows can be assigned to individual units
(first started, first stopped).  Two aggregated rows are relaxations of the
per-unit rules: the starts cap is per fleet (``count * starts_per_year_max``,
exact when starts can be rotated between units), and the ramp rows bound
the fleet's change of output by the sum of the units' limits.
"""

from __future__ import annotations

import time as _time
from dataclasses import replace

import numpy as np
import pandas as pd
import xarray as xr

from twin.errors import InputError
from twin.optimize.diagnose import MW, MWH, check_feasibility, explain_infeasible
from twin.optimize.formulation import LinearProgram, Solution, solve_highs, solve_pyomo
from twin.optimize.inputs import PERIOD_S, DispatchInputs, check_inputs
from twin.optimize.tariffs import bill, months
from twin.optimize.constraints import (
    WindowState,
    _data,
    define_power_balance,
    define_grid,
    define_coincident_peak,
    define_demand_charge,
    define_demand_response,
    define_contracts,
    define_battery,
    define_flexible_load,
    define_cooling,
    define_turbines,
    define_emissions,
)

#: Cost categories of the objective, in the order they are reported.
CATEGORIES = ("energy", "coincident_peak", "demand", "demand_response", "ppa", "vppa",
              "fuel", "starts", "battery_degradation", "emissions")
#: How the categories are named in tables and figures.
CATEGORY_LABELS = {"energy": "energy", "coincident_peak": "4CP transmission", "demand": "demand charges",
                   "demand_response": "demand response", "ppa": "PPA", "vppa": "virtual PPA", "fuel": "fuel",
                   "starts": "turbine starts", "battery_degradation": "battery wear", "emissions": "emissions"}


def build(inputs: DispatchInputs, window: WindowState | None = None) -> LinearProgram:
    """The dispatch problem of ``inputs`` as a :class:`LinearProgram` (inputs assumed checked)."""
    d = _data(inputs, window)
    lp = LinearProgram(coords={"time": d.labels})
    if inputs.turbines:
        lp.coords["turbine_type"] = [t.name for t in inputs.turbines]
    balance = define_power_balance(lp, d)
    imp = define_grid(lp, d, balance)
    if inputs.tariff.coincident_peak is not None:
        define_coincident_peak(lp, d, imp)
    if inputs.tariff.demand_charge is not None:
        define_demand_charge(lp, d, imp)
    if inputs.tariff.demand_response:
        define_demand_response(lp, d, imp)
    define_contracts(lp, d)
    if inputs.bess is not None:
        define_battery(lp, d, balance)
    flexible = define_flexible_load(lp, d, balance) if inputs.flexible is not None else None
    if inputs.cooling is not None:
        define_cooling(lp, d, balance, flexible)
    fuel = define_turbines(lp, d, balance) if inputs.turbines else None
    define_emissions(lp, d, imp, fuel)
    return lp


# -- solving and the plan --------------------------------------------------------------


def pyomo_model(inputs: DispatchInputs):
    """The readable Pyomo model of the dispatch of ``inputs`` (see :meth:`LinearProgram.to_pyomo`).

    Sets ``time`` (UTC step starts), ``turbine_type``, ``month`` ...; one
    ``Var``/``Constraint`` per block with its equation in its doc; mutable
    ``Param`` components for loads, prices and limits; ``cost[category]``.
    The model's ``_lp`` is the matrix form of the same problem (the fast path).
    """
    check_inputs(inputs)
    lp = build(inputs)
    model = lp.to_pyomo()
    model._lp = lp
    return model


def dispatch(inputs: DispatchInputs, *, mip_gap: float = 1e-3, time_limit: float | None = None,
             interface: str = "highspy", extend=None, solver: str = "highs") -> xr.Dataset:
    """Cheapest schedule of grid, turbines, battery, flexible load and cooling over ``inputs.time``.

    ``interface`` is ``"highspy"`` (the fast path: the sparse matrix passed
    straight to HiGHS) or ``"pyomo"`` (the same problem as the readable Pyomo
    model of :func:`pyomo_model`, solved through Pyomo).  ``extend`` is a
    callable that receives the Pyomo model before the solve and may add
    variables, constraints or objective terms (it forces the Pyomo path);
    ``solver`` names any solver Pyomo can drive (``"highs"`` by default; any
    other forces the Pyomo path).  ``attrs["path"]`` says which path ran.
    ``mip_gap`` is the relative optimality gap at which a unit-commitment MILP
    stops; ``time_limit`` (s) bounds the solver's time.

    Returns the plan: decisions over ``time`` (SI units), costs by
    ``category`` (USD), the objective, HiGHS's status and timings (attrs
    ``build_time_s``, ``handover_time_s``, ``solve_time_s``, ``results_time_s``,
    ``total_time_s``) and, when the problem is an LP, shadow prices.

    Raises :class:`~twin.optimize.diagnose.InfeasiblePlan` naming what cannot
    be met, when and by how much.
    """
    t0 = _time.perf_counter()
    check_inputs(inputs)
    if interface not in ("highspy", "pyomo"):
        raise InputError.one("dispatch", "interface", repr(interface), "'highspy' or 'pyomo'")
    if extend is not None and not callable(extend):
        raise InputError.one("dispatch", "extend", type(extend).__name__, "a function taking the Pyomo model")
    check_solver(solver)
    if extend is not None or solver != "highs":
        interface = "pyomo"
    check_feasibility(inputs)
    lp = build(inputs)
    model = None
    if interface == "highspy":
        build_time = _time.perf_counter() - t0
        solution, _ = solve_highs(lp, mip_gap=mip_gap, time_limit=time_limit)
    else:
        model = lp.to_pyomo()
        model._lp = lp
        if extend is not None:
            extend(model)
        build_time = _time.perf_counter() - t0
        solution = solve_pyomo(model, lp, mip_gap=mip_gap, time_limit=time_limit, solver=solver)
    if solution.x is None:
        if solution.infeasible and extend is not None:
            raise InputError.one(_name(extend), "extend", "constraints with no feasible plan",
                                 "constraints the site can meet (the plan without them is feasible)")
        if solution.infeasible:
            raise explain_infeasible(inputs, lp, time_limit=time_limit)
        raise RuntimeError(f"{solver} found no plan: {solution.status}")
    t1 = _time.perf_counter()
    plan = plan_dataset(inputs, lp, solution, model)
    t2 = _time.perf_counter()
    plan.attrs.update(
        interface=interface,
        path=("fast: the matrix handed to HiGHS (highspy)" if interface == "highspy" else
              f"Pyomo model solved with {solver}" + (f", extended by {_name(extend)}" if extend is not None else "")),
        solver=solver,
        build_time_s=build_time,
        handover_time_s=solution.handover_time_s,
        solve_time_s=solution.solve_time_s,
        results_time_s=t2 - t1,
        total_time_s=t2 - t0,
    )
    return plan


_ATTRS = {
    "P_load": ("W", "inflexible site load"),
    "P_grid_import": ("W", "grid import"),
    "P_grid_export": ("W", "grid export"),
    "P_battery": ("W", "battery power at the site bus (positive discharging)"),
    "P_battery_charge": ("W", "battery charging power"),
    "P_battery_discharge": ("W", "battery discharging power"),
    "E_battery": ("J", "battery stored energy at the end of the step"),
    "soc": ("1", "battery state of charge at the end of the step"),
    "P_flexible": ("W", "flexible training load"),
    "E_flexible_backlog": ("J", "flexible energy behind a uniform pace through the period"),
    "P_cooling": ("W", "cooling plant power"),
    "P_demand": ("W", "site consumption: inflexible, flexible and cooling load"),
    "P_turbine": ("W", "turbine electrical output per type"),
    "units_on": ("1", "turbines committed per type"),
    "units_started": ("1", "turbines started per type in the step"),
    "units_stopped": ("1", "turbines stopped per type in the step"),
    "P_fuel": ("W", "turbine fuel heat input (LHV) per type"),
    "CO2": ("kg", "CO2 emitted in the step (grid and turbines)"),
    "NOx": ("kg", "NOx emitted in the step (turbines)"),
    "energy_price": ("USD/J", "price of imported energy"),
    "marginal_price": ("USD/J", "shadow price of the power balance (cost of one more J of load)"),
    "shadow_price_battery_energy": ("USD/J", "shadow price of stored battery energy"),
    "shadow_price_flexible_energy": ("USD/J", "shadow price of flexible energy owed at the step"),
    "cost": ("USD", "cost by category"),
    "objective": ("USD", "total cost (sum over categories)"),
    "billing_demand_on_peak": ("W", "monthly on-peak billing demand"),
    "billing_demand_off_peak_excess": ("W", "monthly off-peak demand above the on-peak demand"),
}


def schedule(inputs: DispatchInputs, lp: LinearProgram, x: np.ndarray) -> dict[str, np.ndarray]:
    """The decisions of a solution vector as SI arrays (time last)."""
    T = len(inputs.time)
    zero = np.zeros(T)
    v = lambda name, scale=MW: lp.values(x, name) * scale if name in lp.variables else zero  # noqa: E731
    out = {
        "P_load": np.asarray(inputs.P_load, float),
        "P_grid_import": v("grid_import"),
        "P_grid_export": v("grid_export"),
        "P_battery_charge": v("battery_charge"),
        "P_battery_discharge": v("battery_discharge"),
        "E_battery": v("battery_energy", MWH),
        "P_flexible": v("flexible_power"),
        "E_flexible_backlog": v("flexible_backlog", MWH),
        "P_cooling": v("cooling_power"),
    }
    if inputs.turbines:
        out.update(
            P_turbine=lp.values(x, "turbine_power") * MW,
            units_on=np.round(lp.values(x, "turbine_on")) + 0.0,
            units_started=lp.values(x, "turbine_start"),
            units_stopped=lp.values(x, "turbine_stop"),
            P_fuel=lp.values(x, "turbine_fuel") * MW,
        )
    return out


def check_solver(solver: str) -> None:
    """Refuse a solver name Pyomo cannot drive here, in one line."""
    from twin.optimize.formulation import solver_available

    if not isinstance(solver, str) or not solver:
        raise InputError.one("dispatch", "solver", repr(solver), "a solver name such as 'highs'")
    if not solver_available(solver):
        raise InputError.one("dispatch", "solver", f"'{solver}' (not installed or not found by Pyomo)",
                             "'highs' or a solver Pyomo can run on this machine (e.g. cbc, glpk, gurobi)")


def _name(function) -> str:
    return getattr(function, "__qualname__", None) or getattr(function, "__name__", None) or repr(function)


def plan_dataset(inputs: DispatchInputs, lp: LinearProgram, solution: Solution, model=None) -> xr.Dataset:
    """The plan Dataset of a solved program (costs from the Pyomo model's ``cost`` Expressions when given)."""
    x = solution.x
    names, C, constants = lp.cost_by_category()
    costs = dict(zip(names, C @ x + constants))
    if model is not None:
        import pyomo.environ as pyo

        costs = {name: float(pyo.value(model.cost[name])) for name in names}
    categories = [c for c in CATEGORIES if c in costs]
    extra: dict = {}
    coords: dict = {}
    if inputs.tariff.demand_charge is not None:
        _, periods, _ = months(inputs.time, inputs.step_s)
        coords["month"] = [str(p) for p in periods]
        extra["billing_demand_on_peak"] = (("month",), lp.values(x, "demand_on_peak") * MW)
        extra["billing_demand_off_peak_excess"] = (("month",), lp.values(x, "demand_off_peak_excess") * MW)
    if solution.row_dual is not None:
        y = solution.row_dual
        extra["marginal_price"] = (("time",), lp.row_values(y, "power_balance") / (inputs.step_s * MW))
        if "battery_storage" in lp.constraints:
            extra["shadow_price_battery_energy"] = (("time",), lp.row_values(y, "battery_storage") / MWH)
        if "flexible_energy" in lp.constraints:
            extra["shadow_price_flexible_energy"] = (("time",), lp.row_values(y, "flexible_energy") / MWH)
        for name, scale in (("battery_terminal", MWH), ("NOx_cap", 1.0), ("CO2_cap", 1.0)):
            if name in lp.constraints:
                extra[f"shadow_price_{name}"] = ((), float(lp.row_values(y, name)[0]) / scale)
    ds = schedule_dataset(inputs, schedule(inputs, lp, x), [costs[c] for c in categories], categories, extra, coords)
    ds.attrs.update(
        title="power dispatch plan",
        tariff=inputs.tariff.name,
        solver_status=solution.status,
        problem="MILP" if lp.is_mip else "LP",
        mip_gap=solution.mip_gap,
        num_variables=lp.num_col,
        num_constraints=lp.num_row,
        solver_objective_USD=solution.objective,
    )
    return ds


def schedule_dataset(inputs: DispatchInputs, s: dict, costs: list[float], categories: list[str],
             extra: dict | None = None, coords: dict | None = None) -> xr.Dataset:
    """Dataset of a schedule (SI arrays) and its costs; shared by the plan and the rolling horizon."""
    coords = {"time": inputs.time, "category": categories, **(coords or {})}
    if inputs.turbines:
        coords["turbine_type"] = [t.name for t in inputs.turbines]
    v = {name: (("turbine_type", "time") if np.ndim(values) == 2 else ("time",), values) for name, values in s.items()}
    v["P_battery"] = (("time",), s["P_battery_discharge"] - s["P_battery_charge"])
    if inputs.bess is not None:
        v["soc"] = (("time",), s["E_battery"] / inputs.bess.E_max)
    v["P_demand"] = (("time",), s["P_load"] + s["P_flexible"] + s["P_cooling"])
    CO2 = np.asarray(inputs.grid.CO2_factor, float) * s["P_grid_import"] * inputs.step_s
    if inputs.turbines:
        fuel_J = s["P_fuel"] * inputs.step_s
        CO2 = CO2 + (np.array([t.CO2_factor for t in inputs.turbines])[:, None] * fuel_J).sum(0)
        v["NOx"] = (("time",), (np.array([t.NOx_factor for t in inputs.turbines])[:, None] * fuel_J).sum(0))
    v["CO2"] = (("time",), CO2)
    v["energy_price"] = (("time",), np.asarray(inputs.tariff.energy_price, float))
    v["cost"] = (("category",), np.asarray(costs, float))
    v["objective"] = ((), float(np.sum(costs)))
    v.update(extra or {})
    data = {}
    for name, (dims, values) in v.items():
        units, long_name = _ATTRS.get(name) or _shadow_attrs(name)
        data[name] = xr.Variable(dims, values, {"units": units, "long_name": long_name})
    return xr.Dataset(data, coords=coords)


def _shadow_attrs(name: str) -> tuple[str, str]:
    constraint = name.removeprefix("shadow_price_")
    units = "USD/J" if constraint == "battery_terminal" else "USD/kg"
    return units, f"shadow price of the {constraint.replace('_', ' ')}"


def evaluate_costs(inputs: DispatchInputs, s: dict[str, np.ndarray]) -> dict[str, float]:
    """Costs (USD) by category of a schedule (SI arrays as from :func:`schedule`), settled directly.

    Independent of the program's coefficients: the grid parts through
    :func:`twin.optimize.tariffs.bill`, the rest from powers and energies.
    """
    dt = inputs.step_s
    out = bill(inputs.tariff, inputs.time, dt, s["P_grid_import"], s["P_grid_export"])
    if inputs.turbines:
        types = inputs.turbines
        out["fuel"] = float(sum(t.fuel_price * s["P_fuel"][g].sum() * dt for g, t in enumerate(types)))
        out["starts"] = float(sum(t.start_cost * s["units_started"][g].sum() for g, t in enumerate(types)))
    if inputs.bess is not None:
        throughput = (s["P_battery_charge"] + s["P_battery_discharge"]).sum() * dt
        out["battery_degradation"] = float(inputs.bess.degradation_cost * throughput)
    price = inputs.emissions.CO2_price
    if price > 0:
        CO2 = np.sum(np.asarray(inputs.grid.CO2_factor, float) * s["P_grid_import"]) * dt
        if inputs.turbines:
            CO2 += sum(t.CO2_factor * s["P_fuel"][g].sum() * dt for g, t in enumerate(inputs.turbines))
        out["emissions"] = float(price * CO2)
    return out


# -- baseline and savings ------------------------------------------------------------------


def baseline_inputs(inputs: DispatchInputs) -> DispatchInputs:
    """The same site and tariff without the battery, the flexible load running flat at its pace.

    The flexible energy becomes inflexible load at ``E / period``
    (and IT load for the cooling surrogate).
    """
    flexible = inputs.flexible
    if flexible is None:
        return replace(inputs, bess=None)
    pace = flexible.E / PERIOD_S[flexible.period]
    cooling = inputs.cooling
    if cooling is not None:
        cooling = replace(cooling, P_it_inflexible=np.asarray(cooling.P_it_inflexible, float) + pace)
    return replace(inputs, bess=None, flexible=None, cooling=cooling,
                   P_load=np.asarray(inputs.P_load, float) + pace)


def savings_table(plan: xr.Dataset, baseline: xr.Dataset) -> pd.DataFrame:
    """Cost by category of the baseline and the plan (USD), and the savings (baseline minus plan)."""
    b = baseline["cost"].to_series()
    p = plan["cost"].to_series()
    categories = [c for c in CATEGORIES if c in b.index or c in p.index]
    table = pd.DataFrame({"baseline_USD": b.reindex(categories).fillna(0.0),
                          "plan_USD": p.reindex(categories).fillna(0.0)})
    table.loc["total"] = table.sum()
    table["savings_USD"] = table["baseline_USD"] - table["plan_USD"]
    table.index.name = "category"
    return table
