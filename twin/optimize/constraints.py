"""The ``define_*`` families of the dispatch, each with its equations.

Each function adds whole blocks of variables and constraints over the time
index (and turbine types, segments, months) to a
:class:`~twin.optimize.formulation.LinearProgram`, named as in the model's
documentation, with each block's equation as its doc.
:func:`twin.optimize.dispatch.build` runs them in order; the Pyomo model
(:meth:`~twin.optimize.formulation.LinearProgram.to_pyomo`) and the matrix
handed to HiGHS are both made from what they add: one formulation.

Units inside the program: MW, MWh, h, USD (see :mod:`twin.optimize.dispatch`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from twin.optimize.diagnose import MW, MWH
from twin.optimize.formulation import INF, LinearProgram
from twin.optimize.inputs import PERIOD_S, YEAR_S, DispatchInputs, period_ends, period_labels
from twin.optimize.tariffs import (
    coincident_peak_weights,
    demand_response_limits,
    event_credits,
    months,
)


@dataclass(frozen=True)
class WindowState:
    """Where a window of a rolling horizon starts, beyond what ``DispatchInputs`` holds.

    ``horizon`` is the whole run (months are prorated to it); ``flexible_backlog_J``
    the flexible energy behind (positive) or ahead of the uniform pace of the
    current period; ``turbine_starts``/``turbine_stops`` the starts and stops of
    recent steps, shape (types, steps), latest last; ``turbine_P_W`` each type's
    output in the step before; ``demand_floor_W`` the highest on-peak and
    overall import so far in each month.
    """

    horizon: pd.DatetimeIndex
    flexible_backlog_J: float = 0.0
    turbine_starts: np.ndarray | None = None
    turbine_stops: np.ndarray | None = None
    turbine_P_W: np.ndarray | None = None
    demand_floor_W: dict = field(default_factory=dict)


@dataclass
class _Data:
    """Inputs in the program's units (MW, MWh, h, USD)."""

    x: DispatchInputs
    window: WindowState | None
    T: int
    dt: float
    load: np.ndarray
    price: np.ndarray
    export_price: np.ndarray
    labels: list


def _data(inputs: DispatchInputs, window: WindowState | None) -> _Data:
    tariff = inputs.tariff
    price = np.asarray(tariff.energy_price, float) * MWH
    export = price if tariff.export_price is None else (
        np.broadcast_to(np.asarray(tariff.export_price, float), price.shape) * MWH)
    return _Data(inputs, window, len(inputs.time), inputs.step_s / 3600.0,
                 np.asarray(inputs.P_load, float) / MW, price, export,
                 list(pd.DatetimeIndex(inputs.time).tz_convert("UTC")))


# -- the formulation ------------------------------------------------------------------


def define_power_balance(lp: LinearProgram, d: _Data) -> np.ndarray:
    """Rows ``power_balance[time]``: supply minus flexible demand equals the inflexible load."""
    load = lp.add_param("P_load", ("time",), d.load, "MW", "inflexible site load (IT, facility, frozen chain losses)")
    return lp.add_constraints("power_balance", ("time",), d.T, load, load, doc=(
        "grid_import - grid_export + sum(turbine_power) + battery_discharge - battery_charge - flexible_power "
        "- cooling_power == P_load  [MW]; its dual is the marginal price of energy (USD/MWh times the step in h)"))


def define_grid(lp: LinearProgram, d: _Data, balance: np.ndarray) -> np.ndarray:
    """Grid import (and export, when allowed) priced at the tariff's energy prices."""
    grid = d.x.grid
    P_max = lp.add_param("P_import_max", (), grid.P_import_max / MW, "MW", "grid import limit")
    price = lp.add_param("energy_price", ("time",), d.price, "USD/MWh", "price of imported energy")
    imp = lp.add_variables("grid_import", ("time",), d.T, 0.0, P_max,
                           doc="grid import [MW]; 0 <= grid_import <= P_import_max")
    lp.add_terms(balance, imp, 1.0)
    lp.add_cost("energy", imp, price * d.dt)
    if grid.P_export_max > 0:
        P_out = lp.add_param("P_export_max", (), grid.P_export_max / MW, "MW", "grid export limit")
        export = lp.add_param("export_price", ("time",), d.export_price, "USD/MWh", "price paid for exported energy")
        exp = lp.add_variables("grid_export", ("time",), d.T, 0.0, P_out,
                               doc="grid export [MW]; 0 <= grid_export <= P_export_max")
        lp.add_terms(balance, exp, -1.0)
        lp.add_cost("energy", exp, -export * d.dt)
    return imp


def define_coincident_peak(lp: LinearProgram, d: _Data, imp: np.ndarray) -> None:
    """4CP: each peak interval's mean import times ``rate / intervals_per_year``."""
    cp = d.x.tariff.coincident_peak
    weights = coincident_peak_weights(cp, d.x.time, d.x.step_s)
    hit = weights > 0
    rate = lp.add_param("coincident_peak_rate", (), cp.rate * MW, "USD/MW-year",
                        "transmission charge per MW of mean import in the 4CP intervals")
    lp.add_cost("coincident_peak", imp[hit], rate * weights[hit])


def define_demand_charge(lp: LinearProgram, d: _Data, imp: np.ndarray) -> None:
    """Monthly billing demands: the on-peak maximum, and the excess of the month's maximum over it.

    The excess of the highest import of the month over the on-peak demand
    equals the off-peak excess.  Every step has a row against each maximum;
    off-peak steps leave the on-peak row open (upper limit infinite), so the
    matrix does not depend on which steps are on-peak.
    """
    dc = d.x.tariff.demand_charge
    horizon = d.window.horizon if d.window is not None else d.x.time
    codes, periods, shares = months(d.x.time, d.x.step_s, horizon)
    M = len(periods)
    floors = np.array([d.window.demand_floor_W.get(p, (0.0, 0.0)) if d.window is not None else (0.0, 0.0)
                       for p in periods]).reshape(M, 2) / MW
    lp.coords["month"] = [str(p) for p in periods]
    on = lp.add_variables("demand_on_peak", ("month",), M, floors[:, 0], doc="on-peak billing demand [MW]")
    highest = lp.add_variables("demand_max", ("month",), M, floors[:, 1], doc="highest import of the month [MW]")
    excess = lp.add_variables("demand_off_peak_excess", ("month",), M,
                              doc="billing demand above the on-peak demand [MW]")
    peak = np.asarray(dc.on_peak, bool)
    for name, upper, billed, doc in (
            ("demand_on_peak_limit", np.where(peak, 0.0, INF), on,
             "grid_import[t] - demand_on_peak[month(t)] <= 0 in on-peak steps (open otherwise)  [MW]"),
            ("demand_max_limit", 0.0, highest, "grid_import[t] - demand_max[month(t)] <= 0  [MW]")):
        rows = lp.add_constraints(name, ("time",), d.T, upper=upper, doc=doc)
        lp.add_terms(rows, imp, 1.0)
        lp.add_terms(rows, billed[codes], -1.0)
    rows = lp.add_constraints("demand_excess_limit", ("month",), M, lower=0.0,
                              doc="demand_off_peak_excess - demand_max + demand_on_peak >= 0  [MW]")
    lp.add_terms(rows, excess, 1.0)
    lp.add_terms(rows, highest, -1.0)
    lp.add_terms(rows, on, 1.0)
    on_rate = lp.add_param("demand_rate_on_peak", (), dc.on_peak_rate * MW, "USD/MW-month",
                           "on-peak demand charge")
    off_rate = lp.add_param("demand_rate_off_peak_excess", (), dc.off_peak_excess_rate * MW,
                            "USD/MW-month", "off-peak excess demand charge")
    lp.add_cost("demand", on, on_rate * shares)
    lp.add_cost("demand", excess, off_rate * shares)


def define_demand_response(lp: LinearProgram, d: _Data, imp: np.ndarray) -> None:
    """Import limits in event steps; firm, or with a penalty on the excess."""
    events = d.x.tariff.demand_response
    limit, penalty, _ = demand_response_limits(events, d.x.time, d.x.step_s)
    lp.add_constant("demand_response", -event_credits(events, d.x.time, d.x.step_s))
    for name, steps in (("demand_response_firm", np.flatnonzero(np.isfinite(limit) & np.isnan(penalty))),
                        ("demand_response_limit", np.flatnonzero(np.isfinite(limit) & ~np.isnan(penalty)))):
        if steps.size == 0:
            continue
        when = [d.labels[i] for i in steps]
        rows = lp.add_constraints(name, ("time",), steps.size, upper=limit[steps] / MW, labels=(when,), doc=(
            "grid_import[t] <= baseline - reduction in event steps  [MW]" if name == "demand_response_firm" else
            "grid_import[t] - demand_response_excess[t] <= baseline - reduction in event steps  [MW]"))
        lp.add_terms(rows, imp[steps], 1.0)
        if name == "demand_response_limit":
            above = lp.add_variables("demand_response_excess", ("time",), steps.size, labels=(when,),
                                     doc="import above the event limit, paid at the penalty [MW]")
            lp.add_terms(rows, above, -1.0)
            lp.add_cost("demand_response", above, penalty[steps] * MWH * d.dt)


def define_contracts(lp: LinearProgram, d: _Data) -> None:
    """Fixed-price and virtual PPAs: settlements that do not depend on the decisions."""
    tariff = d.x.tariff
    for ppa in tariff.ppas:
        volume = np.broadcast_to(np.asarray(ppa.volume, float), (d.T,)) / MW
        lp.add_constant("ppa", np.sum(volume * (ppa.price * MWH - d.price)) * d.dt)
    for vppa in tariff.vppas:
        generation = np.broadcast_to(np.asarray(vppa.generation, float), (d.T,)) / MW
        hub = np.asarray(vppa.hub_price, float) * MWH
        lp.add_constant("vppa", np.sum(generation * (vppa.strike * MWH - hub)) * d.dt)


def define_battery(lp: LinearProgram, d: _Data, balance: np.ndarray) -> None:
    """Charge, discharge and stored energy (end of step) with efficiencies and a terminal target."""
    b = d.x.bess
    E_max = lp.add_param("E_battery_max", (), b.E_max / MWH, "MWh", "battery energy capacity")
    P_max = lp.add_param("P_battery_max", (), b.P_max / MW, "MW", "battery power rating")
    charge = lp.add_variables("battery_charge", ("time",), d.T, 0.0, P_max, doc="battery charging power [MW]")
    discharge = lp.add_variables("battery_discharge", ("time",), d.T, 0.0, P_max, doc="battery discharging power [MW]")
    energy = lp.add_variables("battery_energy", ("time",), d.T, E_max * b.soc_min, E_max * b.soc_max,
                              doc="stored energy at the end of the step [MWh]; soc_min E_battery_max <= . <= "
                                  "soc_max E_battery_max")
    rhs = np.zeros(d.T)
    rhs[0] = b.soc_initial * E_max.values
    rows = lp.add_constraints("battery_storage", ("time",), d.T, rhs, rhs, doc=(
        "battery_energy[t] - battery_energy[t-1] - eta_charge dt battery_charge[t] + dt/eta_discharge "
        "battery_discharge[t] == 0 (battery_energy[-1] = soc_initial E_battery_max)  [MWh]"))
    lp.add_terms(rows, energy, 1.0)
    lp.add_terms(rows[1:], energy[:-1], -1.0)
    lp.add_terms(rows, charge, -b.eta_charge * d.dt)
    lp.add_terms(rows, discharge, d.dt / b.eta_discharge)
    terminal = b.soc_initial if b.soc_terminal is None else b.soc_terminal
    row = lp.add_constraints("battery_terminal", ("end",), 1, lower=E_max * terminal,
                             doc="battery_energy[last] >= soc_terminal E_battery_max  [MWh]")
    lp.add_terms(row, energy[-1:], 1.0)
    lp.add_terms(balance, discharge, 1.0)
    lp.add_terms(balance, charge, -1.0)
    wear = lp.add_param("battery_degradation_cost", (), b.degradation_cost * MWH, "USD/MWh",
                        "wear cost per MWh charged or discharged")
    lp.add_cost("battery_degradation", charge, wear * d.dt)
    lp.add_cost("battery_degradation", discharge, wear * d.dt)


def define_flexible_load(lp: LinearProgram, d: _Data, balance: np.ndarray) -> np.ndarray:
    """Flexible training load: energy per calendar period, delivered between a floor and a ceiling.

    ``flexible_backlog[t]`` (MWh) is the energy behind a uniform pace through
    the period; it must be zero at every period end.  The last step of a plan
    is a period end; the last step of a rolling-horizon window only needs the
    pace kept (backlog at most zero) unless it ends a period.
    """
    f = d.x.flexible
    rate = f.E / PERIOD_S[f.period] / MW  # uniform pace, MW
    P_max = lp.add_param("P_flexible_max", (), f.P_max / MW, "MW", "most flexible training power")
    power = lp.add_variables("flexible_power", ("time",), d.T, P_max * (1 - f.curtailment_max), P_max,
                             doc="flexible training load [MW]; (1 - curtailment_max) P_flexible_max <= . <= "
                                 "P_flexible_max")
    ends = period_ends(d.x)
    lower = np.where(ends, 0.0, -INF)
    upper = np.where(ends, 0.0, INF)
    if d.window is not None and not _ends_period(d.x):
        lower[-1] = -INF
    backlog = lp.add_variables("flexible_backlog", ("time",), d.T, lower, upper,
                               doc="flexible energy behind a uniform pace [MWh]; 0 at every period end")
    rhs = np.full(d.T, rate * d.dt)
    rhs[0] += (d.window.flexible_backlog_J / MWH) if d.window is not None else 0.0
    rows = lp.add_constraints("flexible_energy", ("time",), d.T, rhs, rhs, doc=(
        "flexible_backlog[t] - flexible_backlog[t-1] + dt flexible_power[t] == dt energy/period  [MWh]"))
    lp.add_terms(rows, backlog, 1.0)
    lp.add_terms(rows[1:], backlog[:-1], -1.0)
    lp.add_terms(rows, power, d.dt)
    lp.add_terms(balance, power, -1.0)
    return power


def _ends_period(inputs: DispatchInputs) -> bool:
    """Whether the step after the last one starts a new calendar period."""
    last = inputs.time[-1:]
    label = period_labels(last.append(last + pd.Timedelta(seconds=inputs.step_s)), inputs.flexible.period)
    return bool(label[0] != label[1])


def define_cooling(lp: LinearProgram, d: _Data, balance: np.ndarray, flexible: np.ndarray | None) -> None:
    """Cooling power at or above the convex piecewise-linear curve of IT load (one row per segment)."""
    c = d.x.cooling
    IT = np.asarray(c.P_it, float) / MW
    P = np.broadcast_to(np.asarray(c.P, float) / MW, (d.T, IT.size))
    slope = np.diff(P, axis=1) / np.diff(IT)                      # (T, K-1)
    intercept = P[:, :-1] - slope * IT[:-1]
    IT_fixed = np.asarray(c.P_it_inflexible, float) / MW
    cooling = lp.add_variables("cooling_power", ("time",), d.T, 0.0, P.max(axis=1), doc="cooling plant power [MW]")
    rows = lp.add_constraints("cooling_curve", ("cooling_segment", "time"), slope.T.shape,
                              lower=(intercept + slope * IT_fixed[:, None]).T, doc=(
                                  "cooling_power[t] - slope[k,t] flexible_power[t] >= intercept[k,t] + slope[k,t] "
                                  "IT_inflexible[t] for every segment k of the convex curve  [MW]"))
    lp.add_terms(rows, cooling[None, :], 1.0)
    if flexible is not None:
        lp.add_terms(rows, flexible[None, :], -slope.T)
    lp.add_terms(balance, cooling, -1.0)


@dataclass(frozen=True)
class _Fleet:
    """Turbine parameters as arrays over types, in program units."""

    count: np.ndarray
    P_min: np.ndarray
    P_max: np.ndarray
    width: np.ndarray       # (G, K) segment widths, MW per unit
    heat_rate: np.ndarray   # (G, K) incremental fuel per output
    fuel_min: np.ndarray    # fuel (MW) of one unit at minimum load
    up: np.ndarray          # minimum up time, steps
    down: np.ndarray
    ramp: np.ndarray        # MW per step per unit
    startup: np.ndarray     # most output in a start or stop step, MW per unit


def _fleet(inputs: DispatchInputs) -> _Fleet:
    types = inputs.turbines
    K = max(len(t.P) for t in types) - 1
    width = np.zeros((len(types), K))
    heat = np.zeros((len(types), K))
    for g, t in enumerate(types):
        P, fuel = np.asarray(t.P, float) / MW, np.asarray(t.fuel, float) / MW
        width[g, :P.size - 1] = np.diff(P)
        heat[g, :P.size - 1] = np.diff(fuel) / np.diff(P)
    a = lambda attr: np.array([getattr(t, attr) for t in types], float)  # noqa: E731
    P_min, P_max = a("P_min") / MW, a("P_max") / MW
    ramp = np.minimum(a("ramp_limit") * inputs.step_s / MW, P_max)
    steps = lambda s: np.maximum(1, np.ceil(s / inputs.step_s - 1e-9)).astype(int)  # noqa: E731
    return _Fleet(
        count=a("count"), P_min=P_min, P_max=P_max, width=width, heat_rate=heat,
        fuel_min=np.array([t.fuel[0] for t in types], float) / MW,
        up=steps(a("min_up_s")), down=steps(a("min_down_s")),
        ramp=ramp, startup=np.maximum(P_min, ramp),
    )


def define_turbines(lp: LinearProgram, d: _Data, balance: np.ndarray) -> np.ndarray:
    """Aggregated unit commitment per turbine type; returns the fuel block (MW of fuel, (type, time))."""
    types = d.x.turbines
    fl = _fleet(d.x)
    G, T, K = len(types), d.T, fl.width.shape[1]
    n = fl.count[:, None]
    dims = ("turbine_type", "time")
    lp.coords["segment"] = list(range(K))
    on = lp.add_variables("turbine_on", dims, (G, T), 0.0, n, integer=True,
                          doc="units committed per fleet, 0..count (integer)")
    start = lp.add_variables("turbine_start", dims, (G, T), 0.0, n, doc="units started in the step")
    stop = lp.add_variables("turbine_stop", dims, (G, T), 0.0, n, doc="units stopped in the step")
    power = lp.add_variables("turbine_power", dims, (G, T), 0.0, n * fl.P_max[:, None], doc="fleet output [MW]")
    segment = lp.add_variables("turbine_segment", ("turbine_type", "segment", "time"), (G, K, T), 0.0,
                               (n * fl.width)[:, :, None], doc="fleet output on each fuel-curve segment above P_min [MW]")
    fuel = lp.add_variables("turbine_fuel", dims, (G, T), 0.0, doc="fleet fuel heat input [MW]")

    initial = np.array([t.units_on_initial for t in types], float)
    rhs = np.zeros((G, T))
    rhs[:, 0] = initial
    rows = lp.add_constraints("turbine_commitment", dims, (G, T), rhs, rhs, doc=(
        "turbine_on[g,t] - turbine_on[g,t-1] - turbine_start[g,t] + turbine_stop[g,t] == 0 "
        "(turbine_on[g,-1] = units_on_initial)"))
    lp.add_terms(rows, on, 1.0)
    lp.add_terms(rows[:, 1:], on[:, :-1], -1.0)
    lp.add_terms(rows, start, -1.0)
    lp.add_terms(rows, stop, 1.0)

    rows = lp.add_constraints("turbine_output", dims, (G, T), 0.0, 0.0, doc=(
        "turbine_power[g,t] - P_min[g] turbine_on[g,t] - sum_k turbine_segment[g,k,t] == 0  [MW]"))
    lp.add_terms(rows, power, 1.0)
    lp.add_terms(rows, on, -fl.P_min[:, None])
    lp.add_terms(rows[:, None, :], segment, -1.0)

    rows = lp.add_constraints("turbine_segment_limit", ("turbine_type", "segment", "time"), (G, K, T), upper=0.0,
                              doc="turbine_segment[g,k,t] - width[g,k] turbine_on[g,t] <= 0  [MW]")
    lp.add_terms(rows, segment, 1.0)
    lp.add_terms(rows, on[:, None, :], -fl.width[:, :, None])

    rows = lp.add_constraints("turbine_fuel_curve", dims, (G, T), 0.0, 0.0, doc=(
        "turbine_fuel[g,t] - fuel_min[g] turbine_on[g,t] - sum_k heat_rate[g,k] turbine_segment[g,k,t] == 0  [MW]"))
    lp.add_terms(rows, fuel, 1.0)
    lp.add_terms(rows, on, -fl.fuel_min[:, None])
    lp.add_terms(rows[:, None, :], segment, -fl.heat_rate[:, :, None])

    _define_min_time(lp, "turbine_min_up", start, on, fl.up, -1.0, np.zeros(G),
                     None if d.window is None else d.window.turbine_starts)
    _define_min_time(lp, "turbine_min_down", stop, on, fl.down, 1.0, fl.count,
                     None if d.window is None else d.window.turbine_stops)
    _define_ramps(lp, d, fl, on, start, stop, power)

    # Starts are whole numbers at any optimum, so the prorated cap is rounded down (a tighter relaxation).
    cap = np.floor(np.array([t.starts_per_year_max for t in types]) * fl.count * T * d.x.step_s / YEAR_S + 1e-9)
    capped = np.flatnonzero(np.isfinite(cap))
    if capped.size:
        rows = lp.add_constraints("turbine_starts_cap", ("turbine_type",), capped.size, upper=cap[capped],
                                  labels=([types[g].name for g in capped],),
                                  doc="sum_t turbine_start[g,t] <= starts_per_year_max count horizon/year (rounded down)")
        lp.add_terms(rows[:, None], start[capped], 1.0)

    lp.add_terms(balance[None, :], power, 1.0)
    price = lp.add_param("fuel_price", ("turbine_type",), np.array([t.fuel_price for t in types]) * MWH,
                         "USD/MWh", "fuel price per MWh of heat input")
    start_cost = lp.add_param("start_cost", ("turbine_type",), np.array([t.start_cost for t in types]), "USD",
                              "cost of one start")
    lp.add_cost("fuel", fuel, price[:, None] * d.dt)
    lp.add_cost("starts", start, start_cost[:, None])
    return fuel


def _define_min_time(lp, name, events, on, steps, sign, rhs0, history) -> None:
    """``sum(events in the last `steps` steps) + sign * on <= rhs0`` (minimum up: sign -1; down: +1)."""
    G, T = on.shape
    used = np.flatnonzero(steps > 1)
    if used.size == 0:
        return
    rhs = np.broadcast_to(rhs0[used, None], (used.size, T)).copy()
    if history is not None:
        H = history.shape[1]
        for lag in range(1, int(steps.max())):
            t = np.arange(min(lag, T))
            back = H + t - lag
            ok = back >= 0
            active = (lag < steps[used])[:, None] & ok[None, :]
            rhs[:, t[ok]] -= np.where(active[:, ok], history[used][:, back[ok]], 0.0)
    names = [lp.coords["turbine_type"][g] for g in used]
    rows = lp.add_constraints(name, ("turbine_type", "time"), (used.size, T), upper=rhs, labels=(names, None), doc=(
        "sum of turbine_start over the last min_up steps - turbine_on <= 0" if sign < 0 else
        "sum of turbine_stop over the last min_down steps + turbine_on <= count"))
    lp.add_terms(rows, on[used], sign)
    for lag in range(int(steps.max())):
        active = np.flatnonzero(lag < steps[used])
        if lag >= T or active.size == 0:
            continue
        lp.add_terms(rows[active, lag:], events[used[active], :T - lag], 1.0)


def _define_ramps(lp, d, fl: _Fleet, on, start, stop, power) -> None:
    """Fleet ramp limits between steps, for types whose units cannot cross their range in one step.

    Up:   P[t] - P[t-1] <= R (on[t] - start[t]) + SU start[t] - P_min stop[t]
    Down: P[t-1] - P[t] <= R (on[t] - start[t]) + SU stop[t] - P_min start[t]

    with R a running unit's ramp per step and SU the most a unit makes in a
    start or stop step.  The first step is limited only when the output
    before it is known (a rolling-horizon window).
    """
    used = np.flatnonzero((fl.ramp < fl.P_max - fl.P_min) | (fl.startup < fl.P_max))
    T = on.shape[1]
    previous = None if d.window is None else d.window.turbine_P_W
    first = 0 if previous is not None else 1
    if used.size == 0 or T - first <= 0:
        return
    R, SU, P_min = fl.ramp[used, None], fl.startup[used, None], fl.P_min[used, None]
    for name, sign in (("turbine_ramp_up", 1.0), ("turbine_ramp_down", -1.0)):
        upper = np.zeros((used.size, T - first))
        if previous is not None:
            upper[:, 0] = sign * np.asarray(previous, float)[used] / MW
        rows = lp.add_constraints(name, ("turbine_type", "time"), upper.shape, upper=upper,
                                  labels=([lp.coords["turbine_type"][g] for g in used], lp.coords["time"][first:]),
                                  doc=_define_ramps.__doc__.split("\n\n")[1].strip())
        lp.add_terms(rows, power[used, first:], sign)
        lp.add_terms(rows if first == 1 else rows[:, 1:], power[used, :T - 1], -sign)
        lp.add_terms(rows, on[used, first:], -R)
        lp.add_terms(rows, start[used, first:], R - SU if sign > 0 else R + P_min)
        lp.add_terms(rows, stop[used, first:], P_min if sign > 0 else -SU)


def define_emissions(lp: LinearProgram, d: _Data, imp: np.ndarray, fuel: np.ndarray | None) -> None:
    """CO2 price on grid and turbine emissions; CO2 and NOx caps over the horizon."""
    em = d.x.emissions
    grid_CO2 = np.broadcast_to(np.asarray(d.x.grid.CO2_factor, float) * MWH * d.dt, (d.T,))
    fuel_CO2 = np.array([t.CO2_factor for t in d.x.turbines]) * MWH * d.dt
    if em.CO2_price > 0:
        price = lp.add_param("CO2_price", (), em.CO2_price, "USD/kg", "price of emitted CO2")
        lp.add_cost("emissions", imp, price * grid_CO2)
        if fuel is not None:
            lp.add_cost("emissions", fuel, price * np.broadcast_to(fuel_CO2[:, None], fuel.shape))
    if np.isfinite(em.CO2_max):
        cap = lp.add_param("CO2_max", (), em.CO2_max, "kg", "CO2 cap over the horizon")
        row = lp.add_constraints("CO2_cap", ("horizon",), 1, upper=cap,
                                 doc="sum_t CO2 of grid import and turbine fuel <= CO2_max  [kg]")
        lp.add_terms(row, imp, grid_CO2)
        if fuel is not None:
            lp.add_terms(row, fuel, np.broadcast_to(fuel_CO2[:, None], fuel.shape))
    if np.isfinite(em.NOx_max) and fuel is not None:
        NOx = np.array([t.NOx_factor for t in d.x.turbines]) * MWH * d.dt
        cap = lp.add_param("NOx_max", (), em.NOx_max, "kg", "NOx cap over the horizon")
        row = lp.add_constraints("NOx_cap", ("horizon",), 1, upper=cap,
                                 doc="sum_g,t NOx_rate[g] dt turbine_fuel[g,t] <= NOx_max  [kg]")
        lp.add_terms(row, fuel, np.broadcast_to(NOx[:, None], fuel.shape))
