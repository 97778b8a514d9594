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

    ``P_export_max`` of zero means the site may not export.
    ``CO2_factor`` is the grid's carbon intensity, a constant or one value per step.
    """

    P_import_max: float  #: W
    P_export_max: float = 0.0  #: W
    CO2_factor: float | np.ndarray = 0.0  #: kg/J


@dataclass(frozen=True, eq=False)
class Battery:
    """Battery energy storage (e.g. a Megapack fleet) on the site bus.

    ``P_max`` limits charge and discharge power at the bus; ``E_max`` is
    the usable capacity.  Charging ``P`` for ``dt`` stores ``eta_charge * P * dt``;
    discharging ``P`` for ``dt`` removes ``P * dt / eta_discharge``.  The state
    of charge stays in ``[soc_min, soc_max]`` (fractions of ``E_max``) and
    ends the horizon at least at ``soc_terminal`` (default: ``soc_initial``).
    ``degradation_cost`` is charged on the throughput at the bus,
    energy charged plus energy discharged.
    """

    P_max: float  #: W
    E_max: float  #: J
    eta_charge: float = 0.95
    eta_discharge: float = 0.95
    soc_min: float = 0.0
    soc_max: float = 1.0
    soc_initial: float = 0.5
    soc_terminal: float | None = None
    degradation_cost: float = 0.0  #: USD/J


@dataclass(frozen=True, eq=False)
class TurbineType:
    """``count`` identical gas turbines, committed and dispatched together.

    Per unit: output between ``P_min`` (minimum stable load) and ``P_max``.
    The fuel curve is piecewise linear: fuel power (W of fuel heat input, LHV)
    ``fuel[k]`` at electrical output ``P[k]``, with ``P[0] == P_min`` and
    ``P[-1] == P_max`` (2-4 points, i.e. 1-3 segments).  Incremental heat
    rates (slopes) must not decrease, which holds for gas turbines and makes
    the segment formulation exact.

    ``ramp_limit`` limits a running unit's change of output; a starting unit
    reaches at most ``max(P_min, ramp * step)`` in its first step, a stopping
    unit leaves from at most that.  ``min_up_s`` / ``min_down_s`` are minimum
    run and rest times.  ``starts_per_year_max`` caps starts per unit; the fleet
    of a type may start ``count * starts_per_year_max`` units a year, prorated to
    the horizon and rounded down to whole starts.  ``units_on_initial`` units are
    running before the first step (and have been long enough to stop at once).
    """

    name: str
    count: int
    P_max: float  #: W
    P_min: float  #: W
    P: tuple[float, ...] | np.ndarray  #: W
    fuel: tuple[float, ...] | np.ndarray  #: W
    fuel_price: float  #: USD/J
    start_cost: float = 0.0  #: USD
    min_up_s: float = 0.0  #: s
    min_down_s: float = 0.0  #: s
    ramp_limit: float = float("inf")  #: W/s
    NOx_factor: float = 0.0  #: kg/J
    CO2_factor: float = 0.0  #: kg/J
    starts_per_year_max: float = float("inf")
    units_on_initial: int = 0


@dataclass(frozen=True, eq=False)
class FlexibleLoad:
    """Deferrable training load: a fixed amount of energy per calendar period.

    ``E`` must be delivered in every ``period`` (``"day"`` or ``"week"``,
    weeks starting Monday) at a power between ``(1 - curtailment_max) * P_max``
    and ``P_max``.  A period cut by the start or end of the horizon needs the
    same energy prorated to the time it has in the horizon.  The flexible load
    is IT load (it drives cooling when a cooling surrogate is given).
    """

    E: float  #: J
    period: str
    P_max: float  #: W
    curtailment_max: float = 1.0


@dataclass(frozen=True, eq=False)
class CoolingSurrogate:
    """Cooling electrical power as a piecewise-linear function of IT load.

    At IT load ``P_it[k]`` (increasing breakpoints) the cooling plant draws
    ``P[..., k]``: one curve for the whole horizon (shape ``(K,)``) or one
    per step (shape ``(T, K)``, e.g. following the weather).  Each curve must
    be convex (slopes not decreasing), as the plant's curves derived from the
    thermal model are; the dispatch then keeps cooling power at or above the
    curve and the optimum lies on it whenever power has a cost.
    ``P_it_inflexible`` is the IT part of ``DispatchInputs.P_load``; the IT load
    is that plus the flexible load, and must stay inside the breakpoints.
    """

    P_it: np.ndarray  #: W
    P: np.ndarray  #: W
    P_it_inflexible: np.ndarray  #: W


@dataclass(frozen=True, eq=False)
class CoincidentPeak:
    """Transmission charge set by demand in system-peak intervals (ERCOT 4CP).

    ``intervals`` holds the start of each peak interval (``interval_s`` long,
    known or forecast).  The charge is ``rate`` times the mean
    grid import over ``intervals_per_year`` intervals; every interval inside the
    horizon adds ``rate / intervals_per_year`` times its mean import.
    """

    intervals: pd.DatetimeIndex
    rate: float  #: USD/W per year
    interval_s: float = 900.0  #: s
    intervals_per_year: int = 4


@dataclass(frozen=True, eq=False)
class DemandCharge:
    """Monthly demand charges (TVA/MLGW style).

    Billing demand is the highest grid import of any step in the month:
    ``on_peak_rate`` on the highest on-peak demand and
    ``off_peak_excess_rate`` on the amount by which the highest
    off-peak demand exceeds it.  ``on_peak`` marks on-peak steps (length T).
    A month only partly inside the horizon is charged the fraction of the
    month that lies inside it.
    """

    on_peak: np.ndarray
    on_peak_rate: float  #: USD/W per month
    off_peak_excess_rate: float = 0.0  #: USD/W per month


@dataclass(frozen=True, eq=False)
class FixedPricePPA:
    """Fixed-price supply of ``volume`` (constant or per step) at ``price``.

    The site pays the contract price for the volume; consumption above or
    below the volume is settled at the tariff's energy price.  The contract
    changes the bill, not the marginal price of energy, so not the dispatch.
    """

    volume: float | np.ndarray  #: W
    price: float  #: USD/J


@dataclass(frozen=True, eq=False)
class VirtualPPA:
    """Financial contract for differences on a generator's output.

    Per step the site pays ``(strike - hub price) * generation * step``
    (it receives money when the hub price is above the strike).
    """

    generation: float | np.ndarray  #: W
    strike: float  #: USD/J
    hub_price: np.ndarray  #: USD/J


@dataclass(frozen=True)
class DemandResponseEvent:
    """Grid import must stay at or below ``baseline - reduction`` during an event.

    Applies to every step that overlaps ``[start, end)``.  With
    ``penalty`` None the reduction is firm (a plan that cannot keep
    it is infeasible); otherwise each J above the limit costs the penalty.
    ``credit`` is paid for the event.
    """

    start: pd.Timestamp
    end: pd.Timestamp
    baseline: float  #: W
    reduction: float  #: W
    credit: float = 0.0  #: USD
    penalty: float | None = None  #: USD/J


@dataclass(frozen=True, eq=False)
class Tariff:
    """What the site pays for electricity.

    ``energy_price``: price of imported energy per step (real-time
    market price or time-of-use rate).  ``export_price``: paid for
    exported energy (default: the energy price).  The other parts are optional.
    """

    energy_price: np.ndarray  #: USD/J
    export_price: np.ndarray | None = None  #: USD/J
    coincident_peak: CoincidentPeak | None = None
    demand_charge: DemandCharge | None = None
    ppas: tuple[FixedPricePPA, ...] = ()
    vppas: tuple[VirtualPPA, ...] = ()
    demand_response: tuple[DemandResponseEvent, ...] = ()
    name: str = ""


@dataclass(frozen=True)
class Emissions:
    """Carbon price and caps over the horizon (kg).  Defaults: no price, no cap."""

    CO2_price: float = 0.0  #: USD/kg
    CO2_max: float = float("inf")  #: kg
    NOx_max: float = float("inf")  #: kg


@dataclass(frozen=True, eq=False)
class DispatchInputs:
    """Everything the dispatch needs, over ``T = len(time)`` steps of ``step_s``.

    ``P_load`` is the inflexible site load (IT and facility) per step, without
    the flexible training load and without cooling when a cooling surrogate
    gives it.
    """

    time: pd.DatetimeIndex
    step_s: float  #: s
    P_load: np.ndarray  #: W
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
    series("P_load", inputs.P_load, nonnegative=True, scalar_ok=False)

    number("grid.P_import_max", inputs.grid.P_import_max, 0, inf_ok=True)
    number("grid.P_export_max", inputs.grid.P_export_max, 0)
    series("grid.CO2_factor", inputs.grid.CO2_factor, nonnegative=True)

    tariff = inputs.tariff
    series("tariff.energy_price", tariff.energy_price, scalar_ok=False)
    if tariff.export_price is not None:
        series("tariff.export_price", tariff.export_price)
    if tariff.coincident_peak is not None:
        number("tariff.coincident_peak.rate", tariff.coincident_peak.rate, 0)
        number("tariff.coincident_peak.interval_s", tariff.coincident_peak.interval_s, 0, lo_open=True)
    if tariff.demand_charge is not None:
        dc = tariff.demand_charge
        if np.asarray(dc.on_peak).shape != (T,):
            bad("tariff.demand_charge.on_peak", f"shape {np.asarray(dc.on_peak).shape}", f"shape ({T},)")
        number("tariff.demand_charge.on_peak_rate", dc.on_peak_rate, 0)
        number("tariff.demand_charge.off_peak_excess_rate", dc.off_peak_excess_rate, 0)
    for i, ppa in enumerate(tariff.ppas):
        series(f"tariff.ppas[{i}].volume", ppa.volume, nonnegative=True)
    for i, vppa in enumerate(tariff.vppas):
        series(f"tariff.vppas[{i}].generation", vppa.generation, nonnegative=True)
        series(f"tariff.vppas[{i}].hub_price", vppa.hub_price)
    for i, event in enumerate(tariff.demand_response):
        if not pd.Timestamp(event.end) > pd.Timestamp(event.start):
            bad(f"tariff.demand_response[{i}]", f"start {event.start}, end {event.end}", "end after start")
        number(f"tariff.demand_response[{i}].reduction", event.reduction, 0)
        if event.penalty is not None:
            number(f"tariff.demand_response[{i}].penalty", event.penalty, 0)

    if inputs.bess is not None:
        b = inputs.bess
        number("bess.P_max", b.P_max, 0)
        number("bess.E_max", b.E_max, 0, lo_open=True)
        number("bess.eta_charge", b.eta_charge, 0, 1, lo_open=True)
        number("bess.eta_discharge", b.eta_discharge, 0, 1, lo_open=True)
        number("bess.soc_min", b.soc_min, 0, 1)
        number("bess.soc_max", b.soc_max, b.soc_min, 1)
        number("bess.soc_initial", b.soc_initial, b.soc_min, b.soc_max)
        if b.soc_terminal is not None:
            number("bess.soc_terminal", b.soc_terminal, b.soc_min, b.soc_max)
        number("bess.degradation_cost", b.degradation_cost, 0)

    names = [t.name for t in inputs.turbines]
    if len(set(names)) != len(names):
        bad("turbines", names, "distinct turbine type names")
    for t in inputs.turbines:
        f = f"turbines[{t.name}]"
        if int(t.count) != t.count or t.count < 1:
            bad(f"{f}.count", t.count, "a whole number >= 1")
        number(f"{f}.P_max", t.P_max, 0, lo_open=True)
        number(f"{f}.P_min", t.P_min, 0, t.P_max)
        P = np.asarray(t.P, float)
        fuel = np.asarray(t.fuel, float)
        if P.ndim != 1 or P.shape != fuel.shape or not 2 <= P.size <= 4:
            bad(f"{f}.P/fuel", f"shapes {P.shape} and {fuel.shape}", "two equal-length lists of 2-4 points")
        elif not (np.isclose(P[0], t.P_min) and np.isclose(P[-1], t.P_max) and (np.diff(P) > 0).all()):
            bad(f"{f}.P", P.tolist(), f"increasing points from P_min = {t.P_min:g} to P_max = {t.P_max:g}")
        else:
            slopes = np.diff(fuel) / np.diff(P)
            if (fuel < 0).any() or (slopes < 0).any():
                bad(f"{f}.fuel", fuel.tolist(), "non-negative, increasing fuel power")
            elif (np.diff(slopes) < -1e-9 * slopes.max()).any():
                bad(f"{f}.fuel", f"incremental heat rates {np.round(slopes, 4).tolist()}",
                    "incremental heat rates that do not decrease (a convex fuel curve)")
        number(f"{f}.fuel_price", t.fuel_price, 0)
        number(f"{f}.start_cost", t.start_cost, 0)
        number(f"{f}.min_up_s", t.min_up_s, 0)
        number(f"{f}.min_down_s", t.min_down_s, 0)
        number(f"{f}.ramp_limit", t.ramp_limit, 0, lo_open=True, inf_ok=True)
        number(f"{f}.NOx_factor", t.NOx_factor, 0)
        number(f"{f}.CO2_factor", t.CO2_factor, 0)
        number(f"{f}.starts_per_year_max", t.starts_per_year_max, 0, inf_ok=True)
        if int(t.units_on_initial) != t.units_on_initial or not 0 <= t.units_on_initial <= t.count:
            bad(f"{f}.units_on_initial", t.units_on_initial, f"a whole number in [0, {t.count}]")

    if inputs.flexible is not None:
        fl = inputs.flexible
        number("flexible.E", fl.E, 0)
        number("flexible.P_max", fl.P_max, 0)
        number("flexible.curtailment_max", fl.curtailment_max, 0, 1)
        if fl.period not in PERIODS:
            bad("flexible.period", repr(fl.period), f"one of {sorted(PERIODS)}")

    if inputs.cooling is not None:
        c = inputs.cooling
        IT = np.asarray(c.P_it, float)
        P = np.asarray(c.P, float)
        if IT.ndim != 1 or IT.size < 2 or not (np.diff(IT) > 0).all():
            bad("cooling.P_it", IT.tolist()[:6], "at least two increasing breakpoints")
        elif P.shape not in ((IT.size,), (T, IT.size)):
            bad("cooling.P", f"shape {P.shape}", f"shape ({IT.size},) or ({T}, {IT.size})")
        else:
            slopes = np.diff(P, axis=-1) / np.diff(IT)
            concave = np.diff(slopes, axis=-1) < -1e-9 * np.abs(slopes).max(initial=1.0)
            if concave.any():
                step = int(np.argwhere(np.atleast_2d(concave))[0][0])
                bad("cooling.P", f"slopes {np.round(np.atleast_2d(slopes)[step], 6).tolist()} (step {step})",
                    "a convex curve: slopes that do not decrease")
            series("cooling.P_it_inflexible", c.P_it_inflexible, nonnegative=True, scalar_ok=False)
            if not problems:
                flex = inputs.flexible
                lo = np.asarray(c.P_it_inflexible, float) + (0 if flex is None else (1 - flex.curtailment_max) * flex.P_max)
                hi = np.asarray(c.P_it_inflexible, float) + (0 if flex is None else flex.P_max)
                outside = (lo < IT[0] - 1e-6) | (hi > IT[-1] + 1e-6)
                if outside.any():
                    i = int(np.flatnonzero(outside)[0])
                    bad("cooling.P_it", f"breakpoints {IT[0]:g}..{IT[-1]:g} W but IT load {lo[i]:g}..{hi[i]:g} W at {inputs.time[i]}",
                        "breakpoints covering every IT load the plan can reach")

    number("emissions.CO2_price", inputs.emissions.CO2_price, 0)
    number("emissions.CO2_max", inputs.emissions.CO2_max, 0, inf_ok=True)
    number("emissions.NOx_max", inputs.emissions.NOx_max, 0, inf_ok=True)
    if problems:
        raise InputError(problems)


#: Calendar periods a flexible energy requirement can be set over (pandas period codes; weeks end Sunday).
PERIODS = {"day": "D", "week": "W-SUN"}
#: Nominal length of those periods, s: the flexible load's uniform pace is E / PERIOD_S[period].
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
