"""Why a plan cannot be made: which requirement fails, when, and by how much.

Two stages.  :func:`check_feasibility` runs before solving and catches the
plain cases with arithmetic alone: load above everything that can supply
it in a step, a flexible energy requirement outside what the flexible load
can draw in its period, a battery end state out of reach, a demand-response
limit below zero.  When HiGHS still reports the problem infeasible,
:func:`explain_infeasible` solves the same problem with every requirement
made elastic (slack columns on the power balance, flexible energy at period
ends, the battery end state, demand-response limits and the caps) and
minimal total violation, and reports each violated requirement.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from twin.errors import InputError, Problem
from twin.optimize.formulation import LinearProgram, solve_highs
from twin.optimize.inputs import PERIOD_S, DispatchInputs, period_ends, period_labels
from twin.optimize.tariffs import demand_response_limits

#: Units of power and energy inside the dispatch program (and in messages): MW and MWh.
MW = 1e6
MWH = 3.6e9


class InfeasiblePlan(InputError):
    """The inputs ask for a plan that cannot exist; one message per requirement that fails."""

    def __init__(self, messages: list[str]):
        self.messages = list(messages)
        super().__init__([Problem("dispatch plan", "", m, "a requirement the site can meet") for m in self.messages])

    def __str__(self) -> str:
        return "\n".join(self.messages)


def _mw(P: float) -> str:
    return f"{_num(P / MW)} MW"


def _mwh(E: float) -> str:
    return f"{_num(E / MWH)} MWh"


def _num(v: float) -> str:
    return f"{v:,.0f}" if abs(v) >= 100 else f"{v:,.1f}" if abs(v) >= 1 else f"{v:.3g}"


def _when(t: pd.Timestamp) -> str:
    return pd.Timestamp(t).strftime("%Y-%m-%d %H:%M")


def _cooling_at(inputs: DispatchInputs, P_it: np.ndarray) -> np.ndarray:
    """Cooling power (W) of the surrogate curve at an IT load per step."""
    c = inputs.cooling
    P = np.broadcast_to(np.asarray(c.P, float), (len(inputs.time), len(c.P_it)))
    return np.array([np.interp(it, c.P_it, row) for it, row in zip(P_it, P)])


def check_feasibility(inputs: DispatchInputs) -> None:
    """Raise :class:`InfeasiblePlan` for requirements that no schedule can meet (inputs already checked)."""
    messages = _capacity(inputs) + _demand_response(inputs) + _flexible(inputs) + _battery(inputs)
    if messages:
        raise InfeasiblePlan(messages)


def _capacity(x: DispatchInputs) -> list[str]:
    T = len(x.time)
    load = np.asarray(x.P_load, float)
    flexible = np.zeros(T) if x.flexible is None else np.full(T, (1 - x.flexible.curtailment_max) * x.flexible.P_max)
    cooling = np.zeros(T)
    if x.cooling is not None:
        cooling = _cooling_at(x, np.asarray(x.cooling.P_it_inflexible, float) + flexible)
    demand = load + flexible + cooling
    limit, penalty, _ = demand_response_limits(x.tariff.demand_response, x.time, x.step_s)
    firm = np.where(np.isnan(penalty), limit, np.inf)
    grid = np.minimum(x.grid.P_import_max, np.clip(firm, 0.0, None))
    turbines = sum(t.count * t.P_max for t in x.turbines)
    battery = 0.0 if x.bess is None else x.bess.P_max
    short = demand - (grid + turbines + battery)
    bad = np.flatnonzero(short > 1e-9 * max(demand.max(), 1.0))
    messages = []
    for i in bad[:3]:
        parts = [f"grid {_mw(grid[i])}"]
        if x.turbines:
            parts.append(f"turbines {_mw(turbines)}")
        if x.bess is not None:
            parts.append(f"battery {_mw(battery)}")
        what = f"load {_mw(demand[i])}"
        if x.flexible is not None or x.cooling is not None:
            what += f" (inflexible {_mw(load[i])}, flexible minimum {_mw(flexible[i])}, cooling {_mw(cooling[i])})"
        messages.append(f"{_when(x.time[i])}: {what} exceeds available supply {_mw(demand[i] - short[i])} "
                        f"({', '.join(parts)})")
    if bad.size > 3:
        worst = bad[np.argmax(short[bad])]
        messages.append(f"... and {bad.size - 3} more steps up to {_when(x.time[bad[-1]])}; "
                        f"the worst is {_mw(short[worst])} short at {_when(x.time[worst])}")
    return messages


def _demand_response(x: DispatchInputs) -> list[str]:
    messages = []
    for e in x.tariff.demand_response:
        if e.penalty is None and e.baseline - e.reduction < 0:
            messages.append(f"demand-response event {_when(e.start)} to {_when(e.end)}: a reduction of "
                            f"{_mw(e.reduction)} below a baseline of {_mw(e.baseline)} asks for negative grid import")
    return messages


def _flexible(x: DispatchInputs) -> list[str]:
    f = x.flexible
    if f is None:
        return []
    _, first, steps = np.unique(period_labels(x.time, f.period), return_index=True, return_counts=True)
    messages = []
    for i, n in zip(first, steps):
        hours = n * x.step_s / 3600
        need = f.E / PERIOD_S[f.period] * n * x.step_s
        most = f.P_max * n * x.step_s
        least = (1 - f.curtailment_max) * most
        if need > most * (1 + 1e-9):
            messages.append(f"flexible training energy for the {f.period} starting {_when(x.time[i])}: needs "
                            f"{_mwh(need)} but at most {_mwh(most)} fits ({_mw(f.P_max)} for {hours:g} h), "
                            f"short by {_mwh(need - most)}")
        elif need < least * (1 - 1e-9):
            messages.append(f"flexible training energy for the {f.period} starting {_when(x.time[i])}: is "
                            f"{_mwh(need)} but the flexible load cannot go below {_mw(least / (n * x.step_s))} "
                            f"(curtailment_max {f.curtailment_max:.0%}), which draws {_mwh(least)}")
    return messages


def _battery(x: DispatchInputs) -> list[str]:
    b = x.bess
    if b is None:
        return []
    target = b.soc_initial if b.soc_terminal is None else b.soc_terminal
    need = (target - b.soc_initial) * b.E_max
    most = b.P_max * b.eta_charge * len(x.time) * x.step_s
    if need > most * (1 + 1e-9):
        return [f"battery cannot reach its end state of charge {target:.0%} from {b.soc_initial:.0%}: that needs "
                f"{_mwh(need)} stored, at most {_mwh(most)} can be charged over the horizon"]
    return []


# -- explaining an infeasible program ---------------------------------------------------------


def make_elastic(lp: LinearProgram, inputs: DispatchInputs) -> dict[str, tuple[np.ndarray, float]]:
    """Add slack columns to every requirement of ``lp``, costed in the category ``violation``.

    Penalties rank the requirements: unserved load or unabsorbed supply
    (10,000 per MWh) before flexible energy, the battery end state and firm
    demand response (10 per MWh) before the caps (1 per tonne of CO2 or NOx,
    1 per start), so a plan that a higher cap would make possible is reported
    as that cap falling short.  Returns the slack blocks by name with their
    sign in the rows.
    """
    dt = inputs.step_s / 3600.0
    added = {}

    def slack(name: str, rows: np.ndarray, sign: float, penalty) -> None:
        cols = lp.add_variables(name, ("row",), rows.size)
        lp.add_terms(rows, cols, sign)
        lp.add_cost("violation", cols, penalty)
        added[name] = (rows, sign)

    balance = lp.constraints["power_balance"].index
    slack("unserved_load", balance, 1.0, 1e4 * dt)
    slack("surplus_supply", balance, -1.0, 1e4 * dt)
    if "flexible_energy" in lp.constraints:
        rows = lp.constraints["flexible_energy"].index[period_ends(inputs)]
        slack("flexible_shortfall", rows, 1.0, 10.0)
        slack("flexible_excess", rows, -1.0, 10.0)
    if "battery_terminal" in lp.constraints:
        slack("battery_terminal_shortfall", lp.constraints["battery_terminal"].index, 1.0, 10.0)
    if "demand_response_firm" in lp.constraints:
        slack("demand_response_excess_firm", lp.constraints["demand_response_firm"].index, -1.0, 10.0 * dt)
    for name in ("CO2_cap", "NOx_cap"):
        if name in lp.constraints:
            slack(f"{name}_excess", lp.constraints[name].index, -1.0, 1e-3)
    if "turbine_starts_cap" in lp.constraints:
        slack("turbine_starts_cap_excess", lp.constraints["turbine_starts_cap"].index, -1.0, 1.0)
    return added


def explain_infeasible(inputs: DispatchInputs, lp: LinearProgram, *, time_limit: float | None = None) -> InfeasiblePlan:
    """Solve ``lp`` (freshly built) with elastic requirements and describe every violation."""
    make_elastic(lp, inputs)
    solution, _ = solve_highs(lp, categories=["violation"], time_limit=time_limit, mip_gap=1e-4)
    if solution.x is None:
        return InfeasiblePlan([f"no plan exists and relaxing the requirements did not find why "
                               f"(HiGHS: {solution.status})"])
    x = solution.x
    t = inputs.time
    dt_s = inputs.step_s
    messages: list[str] = []
    value = lambda name: lp.values(x, name) if name in lp.variables else np.zeros(0)  # noqa: E731

    for name, text in (("unserved_load", "load exceeds what the site can supply"),
                       ("surplus_supply", "supply cannot come down to the load (turbine minimum load or "
                                          "minimum run time, flexible-load floor, no export)")):
        v = value(name) * MW
        for a, b in _runs(v > 1.0)[:5]:
            worst = a + int(np.argmax(v[a:b]))
            messages.append(f"{_when(t[a])} to {_when(t[b - 1])} ({b - a} step{'s' if b - a > 1 else ''}): {text} by up to "
                            f"{_mw(v[worst])} (at {_when(t[worst])}), {_mwh(v[a:b].sum() * dt_s)} in all")
    ends = np.flatnonzero(period_ends(inputs)) if inputs.flexible is not None else []
    for name, text in (("flexible_shortfall", "short by"), ("flexible_excess", "above the requirement by")):
        v = value(name) * MWH
        for k in np.flatnonzero(v > 3600.0):
            messages.append(f"flexible training energy for the {inputs.flexible.period} ending "
                            f"{_when(t[ends[k]])}: {text} {_mwh(v[k])}")
    v = value("battery_terminal_shortfall") * MWH
    if v.size and v[0] > 3600.0:
        b = inputs.bess
        target = b.soc_initial if b.soc_terminal is None else b.soc_terminal
        messages.append(f"battery end state of charge {target:.0%} ({_mwh(target * b.E_max)}) is "
                        f"out of reach by {_mwh(v[0])}")
    v = value("demand_response_excess_firm") * MW
    if v.size:
        limit, penalty, _ = demand_response_limits(inputs.tariff.demand_response, t, dt_s)
        steps = np.flatnonzero(np.isfinite(limit) & np.isnan(penalty))
        for k in np.flatnonzero(v > 1.0)[:5]:
            messages.append(f"{_when(t[steps[k]])}: demand-response limit of {_mw(limit[steps[k]])} "
                            f"exceeded by {_mw(v[k])}")
    for name, what, cap in (("CO2_cap_excess", "CO2", inputs.emissions.CO2_max),
                            ("NOx_cap_excess", "NOx", inputs.emissions.NOx_max)):
        v = value(name)
        if v.size and v[0] > 1e-3:
            messages.append(f"{what} cap of {cap:,.0f} kg over the horizon: the plan needs {v[0]:,.0f} kg more")
    v = value("turbine_starts_cap_excess")
    if v.size:
        capped = [tt for tt in inputs.turbines if np.isfinite(tt.starts_per_year_max)]
        for k in np.flatnonzero(v > 1e-6):
            messages.append(f"starts cap of {capped[k].name} ({capped[k].starts_per_year_max:g} per unit "
                            f"and year): {v[k]:.1f} more starts needed")
    if not messages:
        messages.append("no plan exists, but no single requirement could be singled out "
                        "(check ramp limits, minimum up/down times and initial states)")
    return InfeasiblePlan(messages)


def _runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """Half-open index ranges of consecutive True values."""
    edges = np.diff(np.concatenate([[0], mask.astype(np.int8), [0]]))
    return list(zip(np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)))
