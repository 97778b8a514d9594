"""Inputs of power scheduling, in SI units, as frozen dataclasses.

Units: power W, energy J, time s, money USD; prices USD/J (energy),
USD/W per month or per year (demand); emission factors kg/J.

Signs: a load is positive when it consumes.  Grid import is power from the
grid into the site (positive), grid export the other way (positive).  Battery
power is positive when the battery discharges to the site bus and negative
when it charges.

Time: ``DispatchInputs.time`` holds the start of every step, all
``step_s`` long.  Calendar periods (days, weeks, months, on-peak hours) are
taken in the time zone of that index; a naive index is read as local time.

The site model builds these objects; :func:`check_inputs` validates them and
:func:`twin.optimize.dispatch` consumes them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from twin.errors import InputError, Problem

YEAR_S = 365.0 * 86400.0


def nanoseconds(time) -> np.ndarray:
    """Nanoseconds since the epoch (UTC) of every timestamp, whatever the index's resolution."""
    return pd.DatetimeIndex(time).as_unit("ns").asi8


@dataclass(frozen=True, eq=False)
class GridConnection:
    """Utility connection at the site's point of common coupling.

    ``P_export_max_W`` of zero means the site may not export.
    ``CO2_kg_per_J`` is the grid's carbon intensity, a constant or one value per step.
    """

    P_import_max_W: float
    P_export_max_W: float = 0.0
    CO2_kg_per_J: float | np.ndarray = 0.0


@dataclass(frozen=True, eq=False)
class Battery:
    """Battery energy storage (e.g. a Megapack fleet) on the site bus.

    ``P_max_W`` limits charge and discharge power at the bus; ``E_max_J`` is
    the usable capacity.  Charging ``P`` for ``dt`` stores ``eta_charge * P * dt``;
    discharging ``P`` for ``dt`` removes ``P * dt / eta_discharge``.  The state
    of charge stays in ``[soc_min, soc_max]`` (fractions of ``E_max_J``) and
    ends the horizon at least at ``soc_terminal`` (default: ``soc_initial``).
    ``degradation_cost_USD_per_J`` is charged on the throughput at the bus,
    energy charged plus energy discharged.
    """

    P_max_W: float
    E_max_J: float
    eta_charge: float = 0.95
    eta_discharge: float = 0.95
    soc_min: float = 0.0
    soc_max: float = 1.0
    soc_initial: float = 0.5
    soc_terminal: float | None = None
    degradation_cost_USD_per_J: float = 0.0


@dataclass(frozen=True, eq=False)
class TurbineType:
    """``count`` identical gas turbines, committed and dispatched together.

    Per unit: output between ``P_min_W`` (minimum stable load) and ``P_max_W``.
    The fuel curve is piecewise linear: fuel power (W of fuel heat input, LHV)
    ``fuel_W[k]`` at electrical output ``P_W[k]``, with ``P_W[0] == P_min_W`` and
    ``P_W[-1] == P_max_W`` (2-4 points, i.e. 1-3 segments).  Incremental heat
    rates (slopes) must not decrease, which holds for gas turbines and makes
    the segment formulation exact.

    ``ramp_W_per_s`` limits a running unit's change of output; a starting unit
    reaches at most ``max(P_min_W, ramp * step)`` in its first step, a stopping
    unit leaves from at most that.  ``min_up_s`` / ``min_down_s`` are minimum
    run and rest times.  ``starts_per_year_max`` caps starts per unit; the fleet
    of a type may start ``count * starts_per_year_max`` units a year, prorated to
    the horizon and rounded down to whole starts.  ``units_on_initial`` units are
    running before the first step (and have been long enough to stop at once).
    """

    name: str
    count: int
    P_max_W: float
    P_min_W: float
    P_W: tuple[float, ...] | np.ndarray
    fuel_W: tuple[float, ...] | np.ndarray
    fuel_price_USD_per_J: float
    start_cost_USD: float = 0.0
    min_up_s: float = 0.0
    min_down_s: float = 0.0
    ramp_W_per_s: float = float("inf")
    NOx_kg_per_J: float = 0.0
    CO2_kg_per_J: float = 0.0
    starts_per_year_max: float = float("inf")
    units_on_initial: int = 0


@dataclass(frozen=True, eq=False)
class FlexibleLoad:
    """Deferrable training load: a fixed amount of energy per calendar period.

    ``energy_J`` must be delivered in every ``period`` (``"day"`` or ``"week"``,
    weeks starting Monday) at a power between ``(1 - curtailment_max) * P_max_W``
    and ``P_max_W``.  A period cut by the start or end of the horizon needs the
    same energy prorated to the time it has in the horizon.  The flexible load
    is IT load (it drives cooling when a cooling surrogate is given).
    """

    energy_J: float
    period: str
    P_max_W: float
    curtailment_max: float = 1.0


@dataclass(frozen=True, eq=False)
class CoolingSurrogate:
    """Cooling electrical power as a piecewise-linear function of IT load.

    At IT load ``IT_W[k]`` (increasing breakpoints) the cooling plant draws
    ``P_W[..., k]``: one curve for the whole horizon (shape ``(K,)``) or one
    per step (shape ``(T, K)``, e.g. following the weather).  Each curve must
    be convex (slopes not decreasing), as the plant's curves derived from the
    thermal model are; the dispatch then keeps cooling power at or above the
    curve and the optimum lies on it whenever power has a cost.
    ``IT_inflexible_W`` is the IT part of ``DispatchInputs.load_W``; the IT load
    is that plus the flexible load, and must stay inside the breakpoints.
    """

    IT_W: np.ndarray
    P_W: np.ndarray
    IT_inflexible_W: np.ndarray


@dataclass(frozen=True, eq=False)
class CoincidentPeak:
    """Transmission charge set by demand in system-peak intervals (ERCOT 4CP).

    ``intervals`` holds the start of each peak interval (``interval_s`` long,
    known or forecast).  The charge is ``rate_USD_per_W_year`` times the mean
    grid import over ``intervals_per_year`` intervals; every interval inside the
    horizon adds ``rate / intervals_per_year`` times its mean import.
    """

    intervals: pd.DatetimeIndex
    rate_USD_per_W_year: float
    interval_s: float = 900.0
    intervals_per_year: int = 4


@dataclass(frozen=True, eq=False)
class DemandCharge:
    """Monthly demand charges (TVA/MLGW style).

    Billing demand is the highest grid import of any step in the month:
    ``on_peak_rate_USD_per_W_month`` on the highest on-peak demand and
    ``off_peak_excess_rate_USD_per_W_month`` on the amount by which the highest
    off-peak demand exceeds it.  ``on_peak`` marks on-peak steps (length T).
    A month only partly inside the horizon is charged the fraction of the
    month that lies inside it.
    """

    on_peak: np.ndarray
    on_peak_rate_USD_per_W_month: float
    off_peak_excess_rate_USD_per_W_month: float = 0.0


@dataclass(frozen=True, eq=False)
class FixedPricePPA:
    """Fixed-price supply of ``volume_W`` (constant or per step) at ``price_USD_per_J``.

    The site pays the contract price for the volume; consumption above or
    below the volume is settled at the tariff's energy price.  The contract
    changes the bill, not the marginal price of energy, so not the dispatch.
    """

    volume_W: float | np.ndarray
    price_USD_per_J: float


@dataclass(frozen=True, eq=False)
class VirtualPPA:
    """Financial contract for differences on a generator's output.

    Per step the site pays ``(strike - hub price) * generation * step``
    (it receives money when the hub price is above the strike).
    """

    generation_W: float | np.ndarray
    strike_USD_per_J: float
    hub_price_USD_per_J: np.ndarray


@dataclass(frozen=True)
class DemandResponseEvent:
    """Grid import must stay at or below ``baseline_W - reduction_W`` during an event.

    Applies to every step that overlaps ``[start, end)``.  With
    ``penalty_USD_per_J`` None the reduction is firm (a plan that cannot keep
    it is infeasible); otherwise each J above the limit costs the penalty.
    ``credit_USD`` is paid for the event.
    """

    start: pd.Timestamp
    end: pd.Timestamp
    baseline_W: float
    reduction_W: float
    credit_USD: float = 0.0
    penalty_USD_per_J: float | None = None


@dataclass(frozen=True, eq=False)
class Tariff:
    """What the site pays for electricity.

    ``energy_price_USD_per_J``: price of imported energy per step (real-time
    market price or time-of-use rate).  ``export_price_USD_per_J``: paid for
    exported energy (default: the energy price).  The other parts are optional.
    """

    energy_price_USD_per_J: np.ndarray
    export_price_USD_per_J: np.ndarray | None = None
    coincident_peak: CoincidentPeak | None = None
    demand_charge: DemandCharge | None = None
    ppas: tuple[FixedPricePPA, ...] = ()
    vppas: tuple[VirtualPPA, ...] = ()
    demand_response: tuple[DemandResponseEvent, ...] = ()
    name: str = ""


@dataclass(frozen=True)
class Emissions:
    """Carbon price and caps over the horizon (kg).  Defaults: no price, no cap."""

    CO2_price_USD_per_kg: float = 0.0
    CO2_max_kg: float = float("inf")
    NOx_max_kg: float = float("inf")


@dataclass(frozen=True, eq=False)
class DispatchInputs:
    """Everything the dispatch needs, over ``T = len(time)`` steps of ``step_s``.

    ``load_W`` is the inflexible site load (IT and facility) per step, without
    the flexible training load and without cooling when a cooling surrogate
    gives it.
    """

    time: pd.DatetimeIndex
    step_s: float
    load_W: np.ndarray
    grid: GridConnection
    tariff: Tariff
    flexible: FlexibleLoad | None = None
    bess: Battery | None = None
    turbines: tuple[TurbineType, ...] = ()
    cooling: CoolingSurrogate | None = None
    emissions: Emissions = field(default_factory=Emissions)


def check_inputs(inputs: DispatchInputs) -> None:
    """Raise :class:`InputError` listing every malformed field of ``inputs``."""
    problems: list[Problem] = []
    T = len(inputs.time)

    def bad(name: str, found: object, expected: str) -> None:
        problems.append(Problem("DispatchInputs", name, str(found), expected))

    def series(name: str, value, *, nonnegative=False, scalar_ok=True) -> None:
        a = np.asarray(value, dtype=float)
        if a.ndim == 0 and scalar_ok:
            a = a.reshape(1)
        elif a.shape != (T,):
            bad(name, f"shape {a.shape}", f"one value per step, shape ({T},)")
            return
        if not np.isfinite(a).all():
            bad(name, f"non-finite value at step {int(np.flatnonzero(~np.isfinite(a))[0])}", "finite numbers")
        if nonnegative and (a < 0).any():
            i = int(np.flatnonzero(a < 0)[0])
            bad(name, f"{a[i]:g} at step {i}", "values >= 0")

    def number(name: str, value, lo=-np.inf, hi=np.inf, *, lo_open=False, inf_ok=False) -> None:
        v = float(value)
        if np.isnan(v) or (np.isinf(v) and not inf_ok):
            bad(name, v, "a finite number")
        elif v < lo or v > hi or (lo_open and v == lo):
            bad(name, f"{v:g}", f"a value in {'(' if lo_open else '['}{lo:g}, {hi:g}]")

    if not isinstance(inputs.time, pd.DatetimeIndex) or T == 0:
        bad("time", type(inputs.time).__name__, "a non-empty pandas.DatetimeIndex")
        raise InputError(problems)
    number("step_s", inputs.step_s, 0, lo_open=True)
    if T > 1:
        steps = np.diff(nanoseconds(inputs.time)) / 1e9
        if not np.allclose(steps, inputs.step_s):
            bad("time", f"steps of {np.unique(steps)[:3]} s", f"evenly spaced steps of step_s = {inputs.step_s:g} s")
    series("load_W", inputs.load_W, nonnegative=True, scalar_ok=False)

    number("grid.P_import_max_W", inputs.grid.P_import_max_W, 0, inf_ok=True)
    number("grid.P_export_max_W", inputs.grid.P_export_max_W, 0)
    series("grid.CO2_kg_per_J", inputs.grid.CO2_kg_per_J, nonnegative=True)

    tariff = inputs.tariff
    series("tariff.energy_price_USD_per_J", tariff.energy_price_USD_per_J, scalar_ok=False)
    if tariff.export_price_USD_per_J is not None:
        series("tariff.export_price_USD_per_J", tariff.export_price_USD_per_J)
    if tariff.coincident_peak is not None:
        number("tariff.coincident_peak.rate_USD_per_W_year", tariff.coincident_peak.rate_USD_per_W_year, 0)
        number("tariff.coincident_peak.interval_s", tariff.coincident_peak.interval_s, 0, lo_open=True)
    if tariff.demand_charge is not None:
        dc = tariff.demand_charge
        if np.asarray(dc.on_peak).shape != (T,):
            bad("tariff.demand_charge.on_peak", f"shape {np.asarray(dc.on_peak).shape}", f"shape ({T},)")
        number("tariff.demand_charge.on_peak_rate_USD_per_W_month", dc.on_peak_rate_USD_per_W_month, 0)
        number("tariff.demand_charge.off_peak_excess_rate_USD_per_W_month", dc.off_peak_excess_rate_USD_per_W_month, 0)
    for i, ppa in enumerate(tariff.ppas):
        series(f"tariff.ppas[{i}].volume_W", ppa.volume_W, nonnegative=True)
    for i, vppa in enumerate(tariff.vppas):
        series(f"tariff.vppas[{i}].generation_W", vppa.generation_W, nonnegative=True)
        series(f"tariff.vppas[{i}].hub_price_USD_per_J", vppa.hub_price_USD_per_J)
    for i, event in enumerate(tariff.demand_response):
        if not pd.Timestamp(event.end) > pd.Timestamp(event.start):
            bad(f"tariff.demand_response[{i}]", f"start {event.start}, end {event.end}", "end after start")
        number(f"tariff.demand_response[{i}].reduction_W", event.reduction_W, 0)
        if event.penalty_USD_per_J is not None:
            number(f"tariff.demand_response[{i}].penalty_USD_per_J", event.penalty_USD_per_J, 0)

    if inputs.bess is not None:
        b = inputs.bess
        number("bess.P_max_W", b.P_max_W, 0)
        number("bess.E_max_J", b.E_max_J, 0, lo_open=True)
        number("bess.eta_charge", b.eta_charge, 0, 1, lo_open=True)
        number("bess.eta_discharge", b.eta_discharge, 0, 1, lo_open=True)
        number("bess.soc_min", b.soc_min, 0, 1)
        number("bess.soc_max", b.soc_max, b.soc_min, 1)
        number("bess.soc_initial", b.soc_initial, b.soc_min, b.soc_max)
        if b.soc_terminal is not None:
            number("bess.soc_terminal", b.soc_terminal, b.soc_min, b.soc_max)
        number("bess.degradation_cost_USD_per_J", b.degradation_cost_USD_per_J, 0)

    names = [t.name for t in inputs.turbines]
    if len(set(names)) != len(names):
        bad("turbines", names, "distinct turbine type names")
    for t in inputs.turbines:
        f = f"turbines[{t.name}]"
        if int(t.count) != t.count or t.count < 1:
            bad(f"{f}.count", t.count, "a whole number >= 1")
        number(f"{f}.P_max_W", t.P_max_W, 0, lo_open=True)
        number(f"{f}.P_min_W", t.P_min_W, 0, t.P_max_W)
        P = np.asarray(t.P_W, float)
        fuel = np.asarray(t.fuel_W, float)
        if P.ndim != 1 or P.shape != fuel.shape or not 2 <= P.size <= 4:
            bad(f"{f}.P_W/fuel_W", f"shapes {P.shape} and {fuel.shape}", "two equal-length lists of 2-4 points")
        elif not (np.isclose(P[0], t.P_min_W) and np.isclose(P[-1], t.P_max_W) and (np.diff(P) > 0).all()):
            bad(f"{f}.P_W", P.tolist(), f"increasing points from P_min_W = {t.P_min_W:g} to P_max_W = {t.P_max_W:g}")
        else:
            slopes = np.diff(fuel) / np.diff(P)
            if (fuel < 0).any() or (slopes < 0).any():
                bad(f"{f}.fuel_W", fuel.tolist(), "non-negative, increasing fuel power")
            elif (np.diff(slopes) < -1e-9 * slopes.max()).any():
                bad(f"{f}.fuel_W", f"incremental heat rates {np.round(slopes, 4).tolist()}",
                    "incremental heat rates that do not decrease (a convex fuel curve)")
        number(f"{f}.fuel_price_USD_per_J", t.fuel_price_USD_per_J, 0)
        number(f"{f}.start_cost_USD", t.start_cost_USD, 0)
        number(f"{f}.min_up_s", t.min_up_s, 0)
        number(f"{f}.min_down_s", t.min_down_s, 0)
        number(f"{f}.ramp_W_per_s", t.ramp_W_per_s, 0, lo_open=True, inf_ok=True)
        number(f"{f}.NOx_kg_per_J", t.NOx_kg_per_J, 0)
        number(f"{f}.CO2_kg_per_J", t.CO2_kg_per_J, 0)
        number(f"{f}.starts_per_year_max", t.starts_per_year_max, 0, inf_ok=True)
        if int(t.units_on_initial) != t.units_on_initial or not 0 <= t.units_on_initial <= t.count:
            bad(f"{f}.units_on_initial", t.units_on_initial, f"a whole number in [0, {t.count}]")

    if inputs.flexible is not None:
        fl = inputs.flexible
        number("flexible.energy_J", fl.energy_J, 0)
        number("flexible.P_max_W", fl.P_max_W, 0)
        number("flexible.curtailment_max", fl.curtailment_max, 0, 1)
        if fl.period not in PERIODS:
            bad("flexible.period", repr(fl.period), f"one of {sorted(PERIODS)}")

    if inputs.cooling is not None:
        c = inputs.cooling
        IT = np.asarray(c.IT_W, float)
        P = np.asarray(c.P_W, float)
        if IT.ndim != 1 or IT.size < 2 or not (np.diff(IT) > 0).all():
            bad("cooling.IT_W", IT.tolist()[:6], "at least two increasing breakpoints")
        elif P.shape not in ((IT.size,), (T, IT.size)):
            bad("cooling.P_W", f"shape {P.shape}", f"shape ({IT.size},) or ({T}, {IT.size})")
        else:
            slopes = np.diff(P, axis=-1) / np.diff(IT)
            concave = np.diff(slopes, axis=-1) < -1e-9 * np.abs(slopes).max(initial=1.0)
            if concave.any():
                step = int(np.argwhere(np.atleast_2d(concave))[0][0])
                bad("cooling.P_W", f"slopes {np.round(np.atleast_2d(slopes)[step], 6).tolist()} (step {step})",
                    "a convex curve: slopes that do not decrease")
            series("cooling.IT_inflexible_W", c.IT_inflexible_W, nonnegative=True, scalar_ok=False)
            if not problems:
                flex = inputs.flexible
                lo = np.asarray(c.IT_inflexible_W, float) + (0 if flex is None else (1 - flex.curtailment_max) * flex.P_max_W)
                hi = np.asarray(c.IT_inflexible_W, float) + (0 if flex is None else flex.P_max_W)
                outside = (lo < IT[0] - 1e-6) | (hi > IT[-1] + 1e-6)
                if outside.any():
                    i = int(np.flatnonzero(outside)[0])
                    bad("cooling.IT_W", f"breakpoints {IT[0]:g}..{IT[-1]:g} W but IT load {lo[i]:g}..{hi[i]:g} W at {inputs.time[i]}",
                        "breakpoints covering every IT load the plan can reach")

    number("emissions.CO2_price_USD_per_kg", inputs.emissions.CO2_price_USD_per_kg, 0)
    number("emissions.CO2_max_kg", inputs.emissions.CO2_max_kg, 0, inf_ok=True)
    number("emissions.NOx_max_kg", inputs.emissions.NOx_max_kg, 0, inf_ok=True)
    if problems:
        raise InputError(problems)


#: Calendar periods a flexible energy requirement can be set over (pandas period codes; weeks end Sunday).
PERIODS = {"day": "D", "week": "W-SUN"}
#: Nominal length of those periods, s: the flexible load's uniform pace is energy_J / PERIOD_S[period].
PERIOD_S = {"day": 86400.0, "week": 7 * 86400.0}


def local_time(time: pd.DatetimeIndex) -> pd.DatetimeIndex:
    """Wall-clock time of a (possibly tz-aware) index, without the zone."""
    return time.tz_localize(None) if time.tz is not None else time


def period_labels(time: pd.DatetimeIndex, period: str) -> np.ndarray:
    """An integer label per step, the same for the steps of one calendar period (local time)."""
    return local_time(time).to_period(PERIODS[period]).asi8


def period_ends(inputs: DispatchInputs) -> np.ndarray:
    """Steps that end a calendar period of the flexible energy requirement, and the last step."""
    label = period_labels(inputs.time, inputs.flexible.period)
    return np.append(label[1:] != label[:-1], True)
