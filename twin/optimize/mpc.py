"""Rolling-horizon (model-predictive) dispatch.

Every ``step_s`` the dispatch is re-planned over the next ``window_s`` and
the first ``step_s`` of that plan is applied.  The window's program is built
by the same :func:`~twin.optimize.dispatch.build`; when its matrix is the
same as the last window's (the usual case: the window slides, only loads,
prices, initial states and limits change) the persistent HiGHS model gets
new costs, bounds and row limits only and re-solves from its last basis.
A window whose structure differs (a month or demand-response event enters
it, the last windows shrink at the end of the horizon) is passed anew.

What carries from one window to the next: battery energy, flexible energy
backlog, turbines on, recent starts and stops (minimum up/down times),
turbine output (ramp limits), the month's highest on-peak and off-peak
import (demand charges: only an increase costs more) and the CO2 and NOx
used so far.

What a window knows of prices (``forecast``): ``None`` sees them exactly
(perfect foresight inside the window: the upper bound of what forecasting
can give); ``"seasonal_naive"`` forecasts the price of step t as the price
one ``season_s`` earlier (a day by default), stepping back whole seasons
until the step is before the window, i.e. already seen (before a season of
history exists: the last seen price, and at the very start the first
step's price); an array of one forecast price per step (USD/J, e.g. a
forecast file read with :func:`twin.optimize.prices.read_prices`) is used as
given.  ``coincident_peak="predicted"`` replaces the known 4CP intervals by a
prediction: every weekday of June-September at 16:30 local time is a
candidate interval, each one of about 22 candidates in its month (the charge
in expectation); the known intervals settle the bill.  The applied schedule
is always settled at the real prices and intervals, so the gap to the
perfect-foresight plan is the value of perfect information.  Caps over the horizon are shared out pro rata to time: a window
may use the remaining allowance times its share of the remaining time;
starts caps are per year, prorated to the window.  The battery must end
each window at its end-of-horizon target, and the flexible load must keep
its pace at the end of a window that does not end a period.
"""

from __future__ import annotations

import time as _time
from dataclasses import replace

import numpy as np
import pandas as pd
import xarray as xr

from twin.errors import InputError
from twin.optimize.diagnose import check_feasibility, explain_infeasible
from twin.optimize.dispatch import CATEGORIES, WindowState, build, evaluate_costs, schedule, schedule_dataset
from twin.optimize.formulation import run_highs
from twin.optimize.inputs import DispatchInputs, check_inputs, local_time


def _cut(value, T: int, a: int, b: int):
    """``value[a:b]`` for a per-step array, ``value`` itself for a constant."""
    if np.ndim(value) >= 1 and np.shape(value)[0] == T:
        return np.asarray(value)[a:b]
    return value


def window_inputs(x: DispatchInputs, a: int, b: int, *, E_bess: float | None = None,
                  units_on: list[int] | None = None, CO2_emitted: float = 0.0, NOx_emitted: float = 0.0) -> DispatchInputs:
    """Steps ``a:b`` of ``x`` as inputs of their own.

    The battery starts from ``E_bess`` (default: as in ``x``) and must end
    at the end target of ``x``; turbines start with ``units_on`` running
    (default: as in ``x``); the CO2 and NOx caps are what is left after
    ``CO2_emitted`` and ``NOx_emitted``, shared pro rata to time over steps ``a:``.
    """
    T = len(x.time)
    cut = lambda v: _cut(v, T, a, b)  # noqa: E731
    t = x.tariff
    tariff = replace(
        t,
        energy_price=cut(t.energy_price),
        export_price=None if t.export_price is None else cut(t.export_price),
        demand_charge=None if t.demand_charge is None else replace(t.demand_charge, on_peak=cut(t.demand_charge.on_peak)),
        ppas=tuple(replace(p, volume=cut(p.volume)) for p in t.ppas),
        vppas=tuple(replace(v, generation=cut(v.generation), hub_price=cut(v.hub_price))
                    for v in t.vppas),
    )
    bess = x.bess
    if bess is not None:
        target = bess.soc_initial if bess.soc_terminal is None else bess.soc_terminal
        soc = bess.soc_initial if E_bess is None else min(max(E_bess / bess.E_max, bess.soc_min), bess.soc_max)
        bess = replace(bess, soc_initial=soc, soc_terminal=target)
    cooling = x.cooling
    if cooling is not None:
        curves = cooling.P if np.ndim(cooling.P) == 1 else cut(cooling.P)
        cooling = replace(cooling, P=curves, P_it_inflexible=cut(cooling.P_it_inflexible))
    share = (b - a) / (T - a)
    em = x.emissions
    emissions = replace(em, CO2_max=max(em.CO2_max - CO2_emitted, 0.0) * share,
                        NOx_max=max(em.NOx_max - NOx_emitted, 0.0) * share)
    return replace(
        x, time=x.time[a:b], P_load=cut(x.P_load), grid=replace(x.grid, CO2_factor=cut(x.grid.CO2_factor)),
        tariff=tariff, bess=bess, cooling=cooling, emissions=emissions,
        turbines=x.turbines if units_on is None else tuple(
            replace(tt, units_on_initial=int(n)) for tt, n in zip(x.turbines, units_on)),
    )


#: Candidate 4CP intervals per summer month in the prediction (weekdays of a month).
CANDIDATES_PER_MONTH = 22


def seasonal_naive(price: np.ndarray, a: int, b: int, season: int) -> np.ndarray:
    """Forecast of ``price[a:b]`` made before step ``a``: the price whole seasons (steps) earlier."""
    t = np.arange(a, b)
    k = (t - a) // season + 1                       # seasons back to reach a step before a
    back = t - k * season
    seen = price[a - 1] if a > 0 else price[0]
    return np.where(back >= 0, price[np.maximum(back, 0)], seen)


def predicted_coincident_peaks(time: pd.DatetimeIndex, cp):
    """Candidate 4CP intervals: weekdays of June-September at 16:30 local time, each 1 in 22 likely."""
    from twin.optimize.inputs import CoincidentPeak

    local = local_time(time)
    days = pd.DatetimeIndex(pd.unique(local.normalize()))
    days = days[days.month.isin([6, 7, 8, 9]) & (days.day_of_week < 5)]
    intervals = days + pd.Timedelta(hours=16, minutes=30)
    return CoincidentPeak(pd.DatetimeIndex(intervals), cp.rate, 900.0,
                          cp.intervals_per_year * CANDIDATES_PER_MONTH)


def rolling_horizon(inputs: DispatchInputs, window_s: float, step_s: float, *, mip_gap: float = 1e-3,
                    time_limit: float | None = None, forecast=None, season_s: float = 86400.0,
                    coincident_peak: str = "known") -> xr.Dataset:
    """Re-plan every ``step_s`` over the next ``window_s``, applying each plan's first ``step_s``.

    Both are whole multiples of ``inputs.step_s`` with ``step_s <= window_s``.
    Returns the applied schedule over ``inputs.time`` (same variables as
    :func:`~twin.optimize.dispatch.dispatch`), its costs by category settled
    after the fact, and per re-solve (dim ``solve``): its start, build,
    hand-over and HiGHS times, and whether the persistent model was only
    updated (``reused``).
    """
    check_inputs(inputs)
    W, K = (round(v / inputs.step_s) for v in (window_s, step_s))
    for name, v, n in (("window_s", window_s, W), ("step_s", step_s, K)):
        if n < 1 or not np.isclose(n * inputs.step_s, v):
            raise InputError.one("rolling_horizon", name, f"{v:g} s", f"a whole multiple of the {inputs.step_s:g} s step")
    if K > W:
        raise InputError.one("rolling_horizon", "step_s", f"{step_s:g} s", f"at most window_s = {window_s:g} s")
    check_feasibility(inputs)
    T, G = len(inputs.time), len(inputs.turbines)
    actual = np.broadcast_to(np.asarray(inputs.tariff.energy_price, float), (T,))
    season = max(1, round(season_s / inputs.step_s))
    if isinstance(forecast, str) and forecast not in ("seasonal_naive", "perfect"):
        raise InputError.one("rolling_horizon", "forecast", repr(forecast),
                             "None, 'perfect', 'seasonal_naive' or one forecast price per step")
    if forecast is not None and not isinstance(forecast, str):
        forecast = np.asarray(forecast, float)
        if forecast.shape != (T,) or not np.all(np.isfinite(forecast)):
            raise InputError.one("rolling_horizon", "forecast", f"shape {forecast.shape}",
                                 f"{T} finite prices (USD/J), one per step")
    if coincident_peak not in ("known", "predicted"):
        raise InputError.one("rolling_horizon", "coincident_peak", repr(coincident_peak), "'known' or 'predicted'")
    cp_predicted = None
    if coincident_peak == "predicted" and inputs.tariff.coincident_peak is not None:
        cp_predicted = predicted_coincident_peaks(inputs.time, inputs.tariff.coincident_peak)

    history = max([int(np.ceil(max(t.min_up_s, t.min_down_s) / inputs.step_s)) for t in inputs.turbines] + [1])
    E_battery = 0.0 if inputs.bess is None else inputs.bess.soc_initial * inputs.bess.E_max
    units_on = [t.units_on_initial for t in inputs.turbines]
    starts, stops = np.zeros((G, history)), np.zeros((G, history))
    P_turbine = None
    backlog, CO2, NOx = 0.0, 0.0, 0.0
    floors: dict = {}
    on_peak = None if inputs.tariff.demand_charge is None else np.asarray(inputs.tariff.demand_charge.on_peak, bool)
    month = local_time(inputs.time).to_period("M")

    applied: list[dict] = []
    log = {"solve_start": [], "build_time_s": [], "handover_time_s": [], "solve_time_s": [], "reused": []}
    highs, previous = None, None
    for a in range(0, T, K):
        b = min(a + W, T)
        t0 = _time.perf_counter()
        x = window_inputs(inputs, a, b, E_bess=E_battery, units_on=units_on, CO2_emitted=CO2, NOx_emitted=NOx)
        if isinstance(forecast, np.ndarray) or forecast == "seasonal_naive" or cp_predicted is not None:
            seen = forecast[a:b] if isinstance(forecast, np.ndarray) else (
                seasonal_naive(actual, a, b, season) if forecast == "seasonal_naive" else actual[a:b])
            x = replace(x, tariff=replace(x.tariff, energy_price=seen,
                                          coincident_peak=cp_predicted or x.tariff.coincident_peak))
        window = WindowState(horizon=inputs.time, flexible_backlog_J=backlog, turbine_starts=starts,
                             turbine_stops=stops, turbine_P_W=P_turbine, demand_floor_W=floors)
        lp = build(x, window)
        A, integrality = lp.matrix(), lp.integrality()
        t1 = _time.perf_counter()
        reused = previous is not None and _same_structure(previous, A, integrality)
        if reused:
            cost, offset = lp.objective()
            cols, rows = np.arange(lp.num_col, dtype=np.int32), np.arange(lp.num_row, dtype=np.int32)
            highs.changeColsCost(lp.num_col, cols, cost)
            highs.changeColsBounds(lp.num_col, cols, lp.column_lower(), lp.column_upper())
            highs.changeRowsBounds(lp.num_row, rows, lp.row_lower(), lp.row_upper())
            highs.changeObjectiveOffset(offset)
        else:
            highs = lp.to_highs(highs)
            previous = (A, integrality)
        t2 = _time.perf_counter()
        solution = run_highs(highs, is_mip=lp.is_mip, mip_gap=mip_gap, time_limit=time_limit)
        if solution.x is None:
            if solution.infeasible:
                raise explain_infeasible(x, build(x, window), time_limit=time_limit)
            raise RuntimeError(f"HiGHS found no plan for the window from {inputs.time[a]}: {solution.status}")
        log["solve_start"].append(inputs.time[a])
        log["build_time_s"].append(t1 - t0)
        log["handover_time_s"].append(t2 - t1)
        log["solve_time_s"].append(solution.solve_time_s)
        log["reused"].append(reused)

        n = min(K, b - a)
        s = {k: np.asarray(v)[..., :n] for k, v in schedule(x, lp, solution.x).items()}
        applied.append(s)
        E_battery = float(s["E_battery"][-1])
        backlog = float(s["E_flexible_backlog"][-1])
        if G:
            units_on = s["units_on"][:, -1].round().astype(int).tolist()
            starts = np.concatenate([starts, s["units_started"]], axis=1)[:, -history:]
            stops = np.concatenate([stops, s["units_stopped"]], axis=1)[:, -history:]
            P_turbine = s["P_turbine"][:, -1]
            fuel_J = s["P_fuel"] * inputs.step_s
            CO2 += float((np.array([t.CO2_factor for t in inputs.turbines])[:, None] * fuel_J).sum())
            NOx += float((np.array([t.NOx_factor for t in inputs.turbines])[:, None] * fuel_J).sum())
        CO2 += float(np.sum(np.asarray(_cut(inputs.grid.CO2_factor, T, a, a + n)) * s["P_grid_import"]) * inputs.step_s)
        if on_peak is not None:
            for p in pd.unique(month[a:a + n]):
                in_month = np.asarray(month[a:a + n] == p)
                peak = on_peak[a:a + n][in_month]
                P = s["P_grid_import"][in_month]
                old = floors.get(p, (0.0, 0.0))
                floors[p] = (max(old[0], P[peak].max(initial=0.0)), max(old[1], P.max(initial=0.0)))

    result = {k: np.concatenate([s[k] for s in applied], axis=-1) for k in applied[0]}
    costs = evaluate_costs(inputs, result)
    categories = [c for c in CATEGORIES if c in costs]
    ds = schedule_dataset(inputs, result, [costs[c] for c in categories], categories)
    ds = ds.assign_coords(solve=pd.DatetimeIndex(log["solve_start"]))
    ds["solve"].attrs["long_name"] = "first step of the re-solved window"
    for name in ("build_time_s", "handover_time_s", "solve_time_s"):
        ds[name] = xr.DataArray(np.array(log[name]), dims="solve",
                                attrs={"units": "s", "long_name": name[:-2].replace("_", " ") + " of the re-solve"})
    ds["reused"] = xr.DataArray(np.array(log["reused"]), dims="solve",
                                attrs={"units": "1", "long_name": "persistent model updated in place (True) or passed anew"})
    ds.attrs.update(title="rolling-horizon dispatch", tariff=inputs.tariff.name, solver="HiGHS",
                    window_s=float(window_s), step_s=float(step_s),
                    forecast=("perfect foresight in the window" if forecast is None or
                              (isinstance(forecast, str) and forecast == "perfect") else
                              f"seasonal naive ({season * inputs.step_s / 3600:g} h season)"
                              if isinstance(forecast, str) else "given forecast prices"),
                    coincident_peak=coincident_peak)
    return ds


def _same_structure(previous, A, integrality) -> bool:
    A0, integrality0 = previous
    return (A0.shape == A.shape and A0.nnz == A.nnz and np.array_equal(A0.indptr, A.indptr)
            and np.array_equal(A0.indices, A.indices) and np.array_equal(A0.data, A.data)
            and np.array_equal(integrality0, integrality))
