"""Cooling set-points: facility supply temperature per loop and period, with chiller staging (MILP, HiGHS).

For every period and every candidate supply set-point the plant's response is
evaluated by the twin's component models through the steady-state solver
(:func:`twin.simulation.steady_state`: EIR chiller curves, tower approach
correlations and fan laws, pump affinity laws, CDU valves at their set-point):
its electrical power, the chillers it runs, and the hottest die.  The MILP then
picks one candidate per loop and period (binary ``choose``), so the cooling
power is a piecewise-linear function of the set-point sampled at the
candidates.  Constraints: dies stay ``die_margin`` below their throttle
temperature; the plant must hold the candidate (candidates it cannot reach
are excluded); the set-point moves by at most ``max_change`` per period;
chiller starts (integer, from the chillers each choice runs) cost ``start_cost``.
Objective: energy cost of the cooling plant plus chiller starts.  Candidates
stay inside each loop's ASHRAE liquid-cooling class.

The plan is checked by running it through :func:`twin.simulate`
(:func:`verify`), which reports planned against simulated cooling energy and
any temperature violations.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import xarray as xr

from twin.errors import InputError
from twin.optimize.diagnose import InfeasiblePlan
from twin.optimize.formulation import INF, LinearProgram, solve_highs
from twin.results import make_dataset, variable
from twin.weather import load_weather
from twin.workload import ConstantProfile


def candidates_for(loops, lowest: float = 5.0, step: float = 1.0) -> np.ndarray:
    """Candidate set-points (L, S): the class limit and below, in ``step`` K, at most ``lowest`` K lower."""
    offsets = np.arange(0.0, lowest + 1e-9, step)[::-1]
    return loops.liquid_class_limit[:, None] - offsets[None, :]


@dataclass(frozen=True)
class CandidateTable:
    """The plant's response to each candidate set-point in each period (from the component models)."""

    time: np.ndarray  #: period starts
    step: float  #: period length (s)
    candidates: np.ndarray  #: (L, S) degC
    power: np.ndarray  #: (n, S, L) cooling power (W)
    chillers: np.ndarray  #: (n, S, L) chillers running
    allowed: np.ndarray  #: (n, S, L) dies below throttle - margin and set-point held by the plant
    T_die_max: np.ndarray  #: (n, S, L) hottest die of the loop (degC)
    P_baseline: np.ndarray  #: (n, L) cooling power at the design set-points (W)


def candidate_table(site, *, start="2025-07-21 00:00", hours: float = 24.0, step: float = 3600.0, weather=None,
                    workload=None, candidates=None, die_margin: float = 2.0) -> CandidateTable:
    """Evaluate every candidate set-point in every period with the steady-state plant model."""
    from twin.simulation import build, steady_state

    model = build(site)
    g, loops = model.groups, model.loops
    n = int(round(hours * 3600 / step))
    if n < 1:
        raise InputError.one("setpoints", "hours", hours, f"at least one period of {step:g} s")
    wx = load_weather(weather or site.location.weather, start=start, duration=n * step, step=step)
    workload = workload or ConstantProfile(0.8)
    t0 = float((wx.time.values[0] - wx.time.values[0].astype("datetime64[D]")) / np.timedelta64(1, "s"))
    fraction = workload.site_fraction(t0 + step * np.arange(n + 1))[:n]
    cand = candidates_for(loops) if candidates is None else np.atleast_2d(np.asarray(candidates, float))
    L, S = cand.shape
    if L != len(loops.names) or np.any(cand > loops.liquid_class_limit[:, None] + 1e-9):
        raise InputError.one("setpoints", "candidates", f"shape {cand.shape}, max {cand.max():g} degC",
                             f"shape ({len(loops.names)}, S) within each loop's class limit")
    P_it = fraction[:, None, None] * (g.P_peak * g.n_racks)[None, None, :] * np.ones((1, S, 1))
    T_db = np.repeat(wx.T_dry_bulb.values[:, None], S, axis=1)
    T_wb = np.repeat(wx.T_wet_bulb.values[:, None], S, axis=1)
    T_set = np.broadcast_to(cand.T[None, :, :], (n, S, L))
    state = steady_state(model, P_it, T_db, T_wb, T_set)
    die = _per_loop_max(np.nan_to_num(state["T_die_max"], nan=-INF) - (g.T_throttle - die_margin), g.loop, L)
    base = steady_state(model, P_it[:, 0], wx.T_dry_bulb.values, wx.T_wet_bulb.values)
    return CandidateTable(
        time=wx.time.values, step=step, candidates=cand, power=_cooling_by_loop(state, g.loop, L),
        chillers=state["n_chillers_on"], allowed=(die <= 0) & (state["T_fws_supply"] <= T_set + 0.05),
        T_die_max=_per_loop_max(np.nan_to_num(state["T_die_max"], nan=-INF), g.loop, L),
        P_baseline=_cooling_by_loop(base, g.loop, L))


def setpoints(site, *, start="2025-07-21 00:00", hours: float = 24.0, step: float = 3600.0, weather=None,
              workload=None, price=0.05 / 3.6e6, candidates=None, die_margin: float = 2.0,
              max_change: float = 2.0, start_cost: float = 50.0, mip_gap: float = 1e-4,
              time_limit: float | None = 60.0) -> xr.Dataset:
    """Optimal facility supply set-points for ``site`` over ``hours`` from ``start``.

    price: USD/J of electricity, a scalar or one value per period; candidates: set-points
    (degC) per loop, shape (L, S) (default: the class limit down 5 K in 1 K steps);
    die_margin (K) below throttle; max_change (K per period); start_cost (USD per chiller start).
    Returns the plan Dataset (set-points, cooling power by period, chillers, costs) with
    the design set-points' cost alongside as the baseline.
    """
    table = candidate_table(site, start=start, hours=hours, step=step, weather=weather, workload=workload,
                            candidates=candidates, die_margin=die_margin)
    return solve(table, site, price=price, max_change=max_change, start_cost=start_cost, mip_gap=mip_gap,
                 time_limit=time_limit, die_margin=die_margin)


def solve(table: CandidateTable, site, *, price=0.05 / 3.6e6, max_change: float = 2.0, start_cost: float = 50.0,
          mip_gap: float = 1e-4, time_limit: float | None = 60.0, die_margin: float = 2.0) -> xr.Dataset:
    """The set-point MILP over a candidate table (see the module docstring)."""
    n, S, L = table.power.shape
    cand, power, chillers, allowed, step = table.candidates, table.power, table.chillers, table.allowed, table.step
    price = np.broadcast_to(np.asarray(price, float), (n,))
    if not allowed.any(axis=1).all():
        t, l = np.argwhere(~allowed.any(axis=1))[0]
        raise InfeasiblePlan([
            f"{str(table.time[t])[:16].replace('T', ' ')}: no candidate set-point for loop "
            f"{site.facility_loops[l].name} in {cand[l].min():g}-{cand[l].max():g} degC keeps the dies "
            f"{die_margin:g} K below throttle and is held by the plant (widen the candidates, lower the margin "
            "or add plant capacity)"])

    lp = LinearProgram()
    choose = lp.add_variables("choose", ("time", "candidate", "loop"), (n, S, L), upper=allowed.astype(float),
                              integer=True)
    starts = lp.add_variables("chiller_starts", ("time", "loop"), (n, L), integer=True)
    one = lp.add_constraints("one_setpoint", ("time", "loop"), (n, L), lower=1.0, upper=1.0)
    lp.add_terms(one[:, None, :], choose, 1.0)
    # starts[t] >= running[t] - running[t-1]
    rows = lp.add_constraints("chiller_start_count", ("time", "loop"), (n - 1, L), lower=0.0)
    lp.add_terms(rows[:, None, :], starts[1:, None, :], 1.0)
    lp.add_terms(rows[:, None, :], choose[1:], -chillers[1:])
    lp.add_terms(rows[:, None, :], choose[:-1], chillers[:-1])
    if n > 1 and np.isfinite(max_change):
        ramp = lp.add_constraints("setpoint_change", ("time", "loop"), (n - 1, L), lower=-max_change,
                                  upper=max_change)
        lp.add_terms(ramp[:, None, :], choose[1:], cand.T[None, :, :])
        lp.add_terms(ramp[:, None, :], choose[:-1], -cand.T[None, :, :])
    lp.add_cost("cooling_energy", choose, price[:, None, None] * power * step)
    lp.add_cost("chiller_starts", starts, start_cost)
    solution, _ = solve_highs(lp, mip_gap=mip_gap, time_limit=time_limit)
    if solution.x is None:
        raise InfeasiblePlan([f"no set-point plan meets the limits ({solution.status}); "
                              f"a larger max_change ({max_change:g} K) or more candidates may help"])
    pick = np.rint(lp.values(solution.x, "choose")).astype(bool)  # (n, S, L)
    P_cool = (pick * power).sum(1)
    P_base = table.P_baseline
    ds = make_dataset(table.time, {
        "T_fws_supply_set": variable(("time", "loop"), (pick * cand.T[None]).sum(1), "degC",
                                     "planned facility supply set-point"),
        "P_cooling": variable(("time", "loop"), P_cool, "W", "planned cooling power"),
        "P_cooling_baseline": variable(("time", "loop"), P_base, "W", "cooling power at the design set-points"),
        "n_chillers_on": variable(("time", "loop"), (pick * chillers).sum(1), "1", "chillers running"),
        "T_die_max": variable(("time", "loop"), (pick * table.T_die_max).sum(1), "degC",
                              "hottest die at the planned set-point"),
        "price": variable("time", price, "USD/J", "electricity price"),
        "cost_cooling_energy": variable("time", (price[:, None] * P_cool * step).sum(1), "USD",
                                        "cooling energy cost"),
        "cost_chiller_starts": variable("time", start_cost * np.rint(lp.values(solution.x, "chiller_starts")).sum(1),
                                        "USD", "chiller start cost"),
        "cost_cooling_energy_baseline": variable("time", (price[:, None] * P_base * step).sum(1), "USD",
                                                 "cooling energy cost at the design set-points"),
    }, step_s=step, coords={"loop": list(site_loops(site))},
        attrs={"site": site.name, "objective_USD": solution.objective, "solver_status": solution.status,
               "mip_gap": solution.mip_gap, "highs_time_s": solution.solve_time_s,
               "handover_time_s": solution.handover_time_s, "title": f"twin cooling set-point plan for {site.name}"})
    return ds


def site_loops(site) -> list[str]:
    return [loop.name for loop in site.facility_loops]


#: Cooling terms the steady-state solver reports per rack group; the others are per loop.
GROUP_TERMS = ("P_tcs_pumps", "P_air_fans")


def _cooling_by_loop(state: dict, loop_of_group: np.ndarray, L: int) -> np.ndarray:
    """Cooling power of each loop (..., L): loop terms plus the group terms of its racks."""
    from twin.simulation import COOLING_TERMS

    members = np.eye(L)[loop_of_group]
    return sum(state[name] @ members if name in GROUP_TERMS else state[name] for name in COOLING_TERMS)


def _per_loop_max(values: np.ndarray, loop_of_group: np.ndarray, L: int) -> np.ndarray:
    """Largest group value of each loop, (..., G) -> (..., L)."""
    out = np.full(values.shape[:-1] + (L,), -INF)
    for g_index, loop in enumerate(loop_of_group):
        out[..., loop] = np.maximum(out[..., loop], values[..., g_index])
    return out


def verify(site, plan: xr.Dataset, *, workload=None, weather=None, plant_step: float = 60.0) -> dict:
    """Run ``plan`` through the co-simulation; planned vs simulated cooling energy and violations."""
    import twin

    from twin.clock import standard_start

    site = twin.load_site(site) if isinstance(site, str) else site
    start = standard_start(plan.time.values[0], site)  # the plan's steps are local standard time
    hours = plan.sizes["time"] * float(plan.attrs["step_s"]) / 3600
    ds = twin.simulate(site, start=start, duration=hours * 3600, plant_step=plant_step, weather=weather,
                       workload=workload or ConstantProfile(0.8), setpoints=plan.T_fws_supply_set)
    planned = float(plan.P_cooling.sum()) * float(plan.attrs["step_s"])
    simulated = ds.twin.energy("P_cooling")
    limit = ds.T_die_limit
    return {
        "planned_cooling_MWh": planned / 3.6e9,
        "simulated_cooling_MWh": simulated / 3.6e9,
        "gap_fraction": (simulated - planned) / planned,
        "die_over_throttle_steps": int((ds.T_die_max > limit).sum()),
        "facility_over_class_steps": int((ds.T_fws_supply > ds.liquid_class_limit + 0.05).sum()),
        "energy_residual": ds.twin.energy_residual(),
    }
