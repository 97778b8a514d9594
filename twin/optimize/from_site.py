"""Dispatch inputs built from a :class:`twin.site.Site`, and a site plan with its baseline.

:func:`site_dispatch_inputs` turns a site into :class:`~twin.optimize.inputs.DispatchInputs`:

- **time**: ``days`` from ``start`` (local wall-clock time in the markets' zone,
  America/Chicago) every ``step`` seconds; the step must divide a day.
- **IT load**: the workload's ``site_fraction`` times the site's IT peak, per
  step (default: a constant 80 % of peak).  The workload clock counts seconds
  from local *standard-time* midnight of the first day, as :func:`twin.simulate`
  does, so a plan and its simulation see the same load.
- **flexible training load**: ``flexible_share`` of the IT energy, a constant
  pace ``F = flexible_share * mean(IT)``, may move within each calendar day
  (training runs later or earlier in the day); the rest of the IT load is
  inflexible.  In no step may IT power fall more than ``curtailment_max`` below
  the nominal IT load, and IT power never exceeds the IT peak.  Both limits are
  constant over the horizon in the dispatch (one ``FlexibleLoad``): the floor
  is ``F - curtailment_max * min(IT)`` and the ceiling ``F + min(IT peak - IT)``,
  the tightest over the horizon.
- **cooling**: a :class:`~twin.optimize.inputs.CoolingSurrogate` per step from
  :func:`twin.optimize.cooling_curves.cooling_curves` (the plant model's convex
  envelope of cooling power against IT load) at the weather of the step's
  midpoint, the site's own typical year in local standard time (interpolated
  from hourly values).  Breakpoints span only the IT loads the plan can reach
  (fewer rows).  With ``cooling=False`` the cooling plant is left out of the
  plan (IT and chain losses only).
- **electrical chain losses** (transformers, UPS, distribution) from
  :meth:`twin.electrical.network.ElectricalNetwork.demand` at the *planned
  operating point*: nominal IT load and the cooling curve's value there.  They
  enter ``P_load`` as a fixed load per step (the loss fraction of IT plus
  cooling at that point, frozen).  Linearisation error: shifting flexible load
  changes losses by their marginal rate (~4-5 % of the shifted IT power on a
  site with double-conversion UPS, ~2 % without); over a day the shifted
  energy nets to zero, so the loss *energy* is kept to first order and only its
  timing is off.  :func:`plan_site` reports the losses recomputed at the
  planned schedule against the frozen ones.
- **grid**: ``site.electrical.utility.P_import_max``, no export.
- **battery**: the BESS sets pooled by :func:`twin.electrical.fleets.pooled_battery`,
  the electrical network's own rule: power ``sum(count * P_rated)``; stored
  capacity ``sum(count * E_rated / sqrt(round_trip_efficiency))`` (the datasheet
  energy is what a full discharge delivers); charge and discharge efficiency
  the square root of the energy-weighted round-trip efficiency; SoC window and
  degradation cost (per J of throughput) energy-weighted; SoC starts and must
  end at 0.5 (the network controller's default set-point).
- **turbines**, one :class:`~twin.optimize.inputs.TurbineType` per fleet, named by
  :func:`twin.electrical.fleets.fleet_names` (the simulator's ``fleet`` labels), from
  the catalogue: fuel on the HHV basis (catalogue heat rates are LHV, times
  :data:`twin.electrical.turbine.HHV_PER_LHV`), the electrical network's own
  unit (:func:`twin.electrical.fleets.gas_turbine`: the Willans line through
  the full- and half-load points), given as two segments (points at minimum load, half load -- or midway
  when minimum load is half load or more -- and full load); minimum load, ramp
  rate, start cost, minimum up and down times from the catalogue; NOx per J of
  fuel = the catalogue ``NOx_rate`` (lb/MMBtu, an HHV-basis factor); CO2
  53.06 kg/MMBtu; starts per year from the site's fleet (the dispatch prorates
  them to the horizon); units running at the start: in merit order, as many as
  the first step needs beyond the grid.  The NOx caps of the fleets
  (``TurbineFleet.NOx_cap``, kg per rolling 12 months) are summed and prorated
  to the horizon (``cap * horizon / 365 d``) as an ``Emissions`` NOx limit on
  all turbines.  ``hours_per_year_max`` is not in the dispatch model (no such
  constraint); :func:`plan_site` reports planned running hours against it.
- **tariff** by ``site.tariff.market``: ``"ercot"``: real-time prices (a
  SYNTHETIC year unless ``prices`` is given) and 4CP at
  ``site.tariff.transmission_4cp`` (intervals from ``events``, else the
  synthetic year's); ``"tva_mlgw"``: time-of-use energy (SYNTHETIC unless
  ``prices``) and monthly demand charges at ``site.tariff.demand_charge``
  on-peak (default estimate otherwise) plus the default off-peak excess
  estimate; ``"fixed"``: ``site.tariff.energy_price`` flat (or ``prices``) and
  ``site.tariff.demand_charge`` on the month's highest import.

The returned :class:`SiteDispatchInputs` is a ``DispatchInputs`` (everything
that consumes one accepts it) that also says where its numbers came from:
``synthetic_prices`` and ``price_source`` (the CLI prints the notice),
nominal IT load, frozen losses, notes.
"""

from __future__ import annotations

import math
import time as _time
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import pandas as pd
import xarray as xr

from twin.errors import InputError
from twin.optimize.diagnose import InfeasiblePlan
from twin.optimize.dispatch import baseline_inputs, dispatch, savings_table
from twin.optimize.inputs import (
    YEAR_S,
    Battery,
    CoolingSurrogate,
    DemandCharge,
    DispatchInputs,
    Emissions,
    FixedPricePPA,
    FlexibleLoad,
    GridConnection,
    Tariff,
    TurbineType,
    VirtualPPA,
    nanoseconds,
)
from twin.optimize.prices import (
    CENTRAL,
    Events,
    MarketYear,
    read_events,
    read_prices,
    synthetic_ercot_year,
    synthetic_tva_year,
    tva_on_peak,
)
from twin.optimize.tariffs import (
    ERCOT_4CP_RATE_USD_PER_W_YEAR,
    MLGW_OFF_PEAK_EXCESS_USD_PER_W_MONTH,
    MLGW_ON_PEAK_DEMAND_USD_PER_W_MONTH,
    ercot_tariff,
    tva_mlgw_tariff,
)

#: USD per J of natural gas at $3.5/MMBtu (HHV), the default fuel price [E].
FUEL_PRICE_USD_PER_J = 3.5 / 1.055e9
#: Most steps a site plan may have (a year at 5 min).
MAX_STEPS = 105_120
#: Where an input problem is reported.
SOURCE = "site dispatch"
#: NOx caps and starts limits are per year of this length.
YEAR = YEAR_S


@dataclass(frozen=True, eq=False)
class SiteDispatchInputs(DispatchInputs):
    """:class:`DispatchInputs` of a site, with where they came from.

    ``P_it``: nominal IT load per step (flexible load at its pace);
    ``P_it_peak``: the site's IT peak; ``P_losses``: electrical chain losses
    frozen into ``P_load``; ``P_cooling_nominal``: the cooling curve at the
    nominal IT load (what the losses were computed with; zeros without
    cooling); ``synthetic_prices``: the prices are a synthetic year, not market
    data; ``price_source``: what the prices are; ``notes``: modelling choices
    and estimates a reader should know; ``standard_start``: the first step in
    local standard time (the simulator's clock); ``workload_start_s``: seconds
    from that day's standard-time midnight; ``cooling_max_shortfall``: largest
    gap between the plant model and its convex envelope, as a share of IT peak.
    """

    site_name: str = ""
    P_it: np.ndarray | None = None
    P_it_peak: float = 0.0  #: W
    P_losses: np.ndarray | None = None  #: W
    P_cooling_nominal: np.ndarray | None = None  #: W
    synthetic_prices: bool = False
    price_source: str = ""
    notes: tuple[str, ...] = ()
    standard_start: pd.Timestamp | None = None
    workload_start_s: float = 0.0
    cooling_max_shortfall: float = 0.0
    NOx_max_per_year: float = math.inf  #: kg
    hours_per_year_max: tuple[float, ...] = ()
    timings: dict = field(default_factory=dict)


def _bad(field_: str, found, expected: str) -> InputError:
    return InputError.one(SOURCE, field_, found, expected)


def horizon(start, days: float, step: float) -> pd.DatetimeIndex:
    """Start of every step: ``days`` from ``start`` (local time in America/Chicago) every ``step`` s."""
    if isinstance(step, bool) or not isinstance(step, (int, float, np.number)) or not step > 0:
        raise _bad("step", repr(step), "a positive number of seconds")
    if step > 86400 or abs(86400 / step - round(86400 / step)) > 1e-9:
        raise _bad("step", f"{step:g} s", "a step that divides a day (e.g. 15 min, 1 h)")
    if isinstance(days, bool) or not isinstance(days, (int, float, np.number)) or not days > 0:
        raise _bad("days", repr(days), "a positive number of days")
    n = int(round(days * 86400 / step))
    if n < 1:
        raise _bad("days", f"{days:g}", f"at least one step of {step:g} s")
    if n > MAX_STEPS:
        raise _bad("days", f"{days:g} days at {step:g} s = {n:,} steps",
                   f"at most {MAX_STEPS:,} steps (a year at 5 min): a longer step or a shorter horizon")
    try:
        first = pd.Timestamp(start)
    except (ValueError, TypeError):
        raise _bad("start", repr(start), "a timestamp such as '2025-07-14 00:00'") from None
    local = dict(ambiguous=False, nonexistent="shift_forward")
    first = first.tz_convert(CENTRAL) if first.tz is not None else first.tz_localize(CENTRAL, **local)
    midnight = first.tz_localize(None).normalize().tz_localize(CENTRAL, **local)
    offset = (first - midnight).total_seconds()
    if abs(offset / step - round(offset / step)) > 1e-9:
        raise _bad("start", str(start), f"a time on the {step:g} s grid from midnight")
    return pd.date_range(first, periods=n, freq=pd.Timedelta(seconds=step), name="time")


def standard_time(time: pd.DatetimeIndex, site) -> pd.DatetimeIndex:
    """The steps in the site's local standard time (no daylight saving), naive: the simulator's clock."""
    utc = time.tz_convert("UTC").tz_localize(None)
    return utc + pd.Timedelta(hours=float(site.location.time_zone))


# -- tariffs -------------------------------------------------------------------------------------------


def _synthetic(kind: str, time: pd.DatetimeIndex, step: float) -> MarketYear:
    """Synthetic market years covering ``time``, joined."""
    make = synthetic_ercot_year if kind == "ercot" else synthetic_tva_year
    years = range(time[0].year, time[-1].year + 1)
    parts = [make(y, step_s=step) for y in years]
    prices = pd.concat([p.prices for p in parts])
    prices.attrs.update(parts[0].prices.attrs)
    peaks = parts[0].coincident_peaks.append([p.coincident_peaks for p in parts[1:]]) if len(parts) > 1 \
        else parts[0].coincident_peaks
    years_text = f"{years[0]}" if len(years) == 1 else f"{years[0]}-{years[-1]}"
    description = parts[0].description.replace(f"year {years[0]}", f"year {years_text}")
    return MarketYear(prices, peaks, description)


def _on_grid(prices: pd.DataFrame, time: pd.DatetimeIndex, step: float, file: str) -> pd.DataFrame:
    """Prices on the plan's steps: held over finer steps, averaged over coarser ones."""
    if prices.index.tz is None:
        prices = prices.tz_localize(CENTRAL)
    prices = prices.tz_convert(CENTRAL)
    source_step = float(prices.attrs.get("step_s", np.nan))
    if not np.isfinite(source_step) or np.isclose(source_step, step):
        return prices
    numeric = prices.astype(float)
    if source_step > step:
        index = time.union(prices.index)
        out = numeric.reindex(index).ffill().reindex(time)
    else:
        # nanoseconds on both sides: a parsed index may carry microsecond resolution
        bins = np.floor((nanoseconds(prices.index) - nanoseconds(time[:1])[0]) / (step * 1e9)).astype(np.int64)
        grouped = numeric.groupby(bins).mean()
        full = grouped.index >= 0
        out = grouped[full]
        out.index = time[0] + pd.to_timedelta(out.index.to_numpy() * step, unit="s")
        out = out.reindex(time)
    if out.isna().any().any():
        missing = time[out.isna().any(axis=1).to_numpy()]
        raise InputError.one(file, "time", f"no price for {len(missing)} steps, first {missing[0]}",
                             f"prices covering {time[0]} to {time[-1]}")
    if "on_peak" in out:
        out["on_peak"] = out["on_peak"] > 0.5
    out.attrs.update(prices.attrs, step_s=step)
    return out


def _prices(prices, kind: str, time: pd.DatetimeIndex, step: float) -> tuple[pd.DataFrame, pd.DatetimeIndex, str, bool]:
    """Price table on the plan's steps, coincident peaks, a description and whether they are synthetic."""
    if prices is None:
        year = _synthetic(kind, time, step)
        return year.prices, year.coincident_peaks, year.description, True
    if isinstance(prices, MarketYear):
        table = _on_grid(prices.prices, time, step, "prices")
        return table, prices.coincident_peaks, prices.description, bool(prices.prices.attrs.get("synthetic", False))
    if isinstance(prices, (str, Path)):
        table = read_prices(prices, tz=CENTRAL)
        return _on_grid(table, time, step, str(prices)), pd.DatetimeIndex([], tz=CENTRAL), f"file {prices}", False
    if isinstance(prices, pd.DataFrame):
        if "energy_price" not in prices:
            raise _bad("prices", f"columns {list(prices.columns)}", "a table with an energy_price column")
        synthetic = bool(prices.attrs.get("synthetic", False))
        return (_on_grid(prices, time, step, prices.attrs.get("file", "prices")), pd.DatetimeIndex([], tz=CENTRAL),
                prices.attrs.get("file", "a price table"), synthetic)
    raise _bad("prices", type(prices).__name__, "None, a CSV path, a price DataFrame or a MarketYear")


def _events(events) -> Events | None:
    if events is None or isinstance(events, Events):
        return events
    if isinstance(events, (str, Path)):
        return read_events(events, tz=CENTRAL)
    raise _bad("events", type(events).__name__, "None, an event CSV path or twin.optimize.prices.Events")


def site_tariff(site, time: pd.DatetimeIndex, step: float, prices=None,
                events=None) -> tuple[Tariff, str, bool, list[str]]:
    """The site's tariff on ``time``: (tariff, price source, synthetic?, notes)."""
    t = site.tariff
    ev = _events(events)
    dr = _programme(site, ev.demand_response if ev is not None else ())
    notes: list[str] = []
    tariff, source, synthetic, more = _market_tariff(site, time, step, prices, ev, dr)
    notes.extend(more)
    ppas, vppas = [], []
    if t.ppa_volume > 0:
        if t.ppa_price <= 0:
            raise InputError.one(site.file, "tariff.ppa_price", "nothing", "a PPA price with ppa_volume, e.g. '45 USD/MWh'")
        ppas.append(FixedPricePPA(volume=t.ppa_volume, price=t.ppa_price))
        notes.append(f"fixed-price PPA: {t.ppa_volume / 1e6:,.0f} MW at {t.ppa_price * 3.6e9:g} USD/MWh, the "
                     f"difference to the market price settled in the 'ppa' category (no effect on the dispatch)")
    if t.vppa_volume > 0:
        if t.vppa_strike <= 0:
            raise InputError.one(site.file, "tariff.vppa_strike", "nothing",
                                 "a virtual-PPA strike price with vppa_volume, e.g. '35 USD/MWh'")
        vppas.append(VirtualPPA(generation=t.vppa_volume, strike=t.vppa_strike,
                                hub_price=np.asarray(tariff.energy_price, float)))
        notes.append(f"virtual PPA: {t.vppa_volume / 1e6:,.0f} MW flat at strike {t.vppa_strike * 3.6e9:g} USD/MWh "
                     f"against the plan's energy price as the hub price ('vppa' category; no effect on the dispatch)")
    if dr:
        notes.append(f"demand response: {len(dr)} event(s)" + (
            f", programme terms {t.dr_reduction / 1e6:,.0f} MW reduction, {t.dr_credit:,.0f} USD credit, "
            + (f"{t.dr_penalty * 3.6e9:g} USD/MWh penalty" if t.dr_penalty > 0 else "firm")
            if t.dr_reduction > 0 else ""))
    if ppas or vppas:
        tariff = replace(tariff, ppas=tuple(ppas), vppas=tuple(vppas))
    return tariff, source, synthetic, notes


def _programme(site, events) -> tuple:
    """Demand-response events with the site's programme terms where the event file leaves them out."""
    t = site.tariff
    out = []
    for e in events:
        reduction = e.reduction if np.isfinite(e.reduction) else t.dr_reduction
        if not reduction > 0:
            raise InputError.one(site.file, "tariff.dr_reduction", "nothing",
                                 f"a demand-response reduction (e.g. '50 MW') for the event at {e.start}, "
                                 "or a 'reduction [MW]' column in the event file")
        credit = e.credit if e.credit > 0 else t.dr_credit
        penalty = e.penalty if e.penalty is not None else (
            t.dr_penalty if t.dr_penalty > 0 else None)
        out.append(replace(e, reduction=float(reduction), credit=float(credit), penalty=penalty))
    return tuple(out)


def _market_tariff(site, time, step, prices, ev, dr) -> tuple[Tariff, str, bool, list[str]]:
    t = site.tariff
    notes: list[str] = []
    if t.market == "ercot":
        table, peaks, source, synthetic = _prices(prices, "ercot", time, step)
        if ev is not None and len(ev.coincident_peaks):
            peaks = ev.coincident_peaks
        elif not synthetic:
            table_year = _synthetic("ercot", time, step)
            peaks = table_year.coincident_peaks
            notes.append("4CP intervals: SYNTHETIC (no event file with coincident_peak rows given)")
        rate = t.transmission_4cp if t.transmission_4cp > 0 else ERCOT_4CP_RATE_USD_PER_W_YEAR
        if t.transmission_4cp <= 0:
            notes.append(f"4CP rate: default estimate ${ERCOT_4CP_RATE_USD_PER_W_YEAR * 1e3:g}/kW-yr")
        tariff = ercot_tariff(table, time, peaks, rate=rate, demand_response=dr)
        return tariff, source, synthetic, notes
    if t.market == "tva_mlgw":
        table, _, source, synthetic = _prices(prices, "tva_mlgw", time, step)
        if "on_peak" not in table:
            table = table.assign(on_peak=tva_on_peak(table.index))
            notes.append("on-peak hours: estimated TVA-style hours (the price table has no on_peak column)")
        on_rate = t.demand_charge if t.demand_charge > 0 else MLGW_ON_PEAK_DEMAND_USD_PER_W_MONTH
        if t.demand_charge <= 0:
            notes.append(f"on-peak demand charge: default estimate "
                         f"${MLGW_ON_PEAK_DEMAND_USD_PER_W_MONTH * 1e3:g}/kW-month")
        notes.append(f"off-peak excess demand charge: estimate "
                     f"${MLGW_OFF_PEAK_EXCESS_USD_PER_W_MONTH * 1e3:g}/kW-month")
        tariff = tva_mlgw_tariff(table, time, on_peak_rate=on_rate, demand_response=dr)
        return tariff, source, synthetic, notes
    # fixed
    if prices is not None:
        table, _, source, synthetic = _prices(prices, "ercot", time, step)
        missing = time.difference(table.index)
        if len(missing):
            raise InputError.one(str(source), "time", f"no price for {len(missing)} steps, first {missing[0]}",
                                 f"prices covering {time[0]} to {time[-1]}")
        energy = table.loc[time, "energy_price"].to_numpy(float)
    else:
        if t.energy_price <= 0:
            raise InputError.one(site.file, "tariff.energy_price", "nothing",
                                 "an energy price for market 'fixed' (e.g. '45 USD/MWh'), or a price file")
        energy, synthetic = np.full(len(time), t.energy_price), False
        source = f"flat {t.energy_price * 3.6e9:g} USD/MWh"
    demand = DemandCharge(np.ones(len(time), bool), t.demand_charge) if t.demand_charge > 0 else None
    tariff = Tariff(energy_price=energy, export_price=np.zeros(len(time)), demand_charge=demand,
                    demand_response=tuple(dr),
                    name="fixed energy price" + (" + monthly demand charge" if demand else ""))
    return tariff, source, synthetic, notes


# -- equipment --------------------------------------------------------------------------------------------


def site_battery(site, *, soc_initial: float = 0.5) -> Battery | None:
    """The site's BESS sets pooled as one :class:`Battery`, by the electrical network's rule.

    :func:`twin.electrical.fleets.pooled_battery` gives power, stored capacity,
    round-trip efficiency (charge and discharge efficiency its square root) and
    SoC window; :func:`~twin.electrical.fleets.pooled_degradation_cost` the cost
    per J of throughput.
    """
    from twin.electrical.fleets import pooled_battery, pooled_degradation_cost

    pooled = pooled_battery(site.electrical.bess)
    if pooled is None:
        return None
    return Battery(P_max=float(pooled.P_rated), E_max=float(pooled.E_rated),
                   eta_charge=pooled.efficiency, eta_discharge=pooled.efficiency,
                   soc_min=float(pooled.soc_min), soc_max=float(pooled.soc_max),
                   soc_initial=min(max(soc_initial, pooled.soc_min), pooled.soc_max),
                   degradation_cost=float(pooled_degradation_cost(site.electrical.bess)))


def fuel_curve(entry) -> tuple[np.ndarray, np.ndarray]:
    """Output points (W) and fuel (W, HHV) of one unit: minimum load, a break, full load.

    The fuel is the electrical network's, :func:`twin.electrical.turbine.fuel_power`
    of :func:`twin.electrical.fleets.gas_turbine` (the Willans line through the
    catalogue's full- and half-load points); the break is at half load, or
    midway when minimum load is half load or more.
    """
    from twin.electrical.fleets import gas_turbine
    from twin.electrical.turbine import fuel_power

    unit = gas_turbine(entry)
    P_rated, P_min = unit.P_rated, unit.min_load_fraction * unit.P_rated
    middle = 0.5 * P_rated if P_min < 0.5 * P_rated - 1e-9 * P_rated else 0.5 * (P_min + P_rated)
    P = np.array([P_min, middle, P_rated])
    return P, np.asarray(fuel_power(unit, P), float)


def fleet_names(site) -> list[str]:
    """One name per turbine fleet, the simulator's ``fleet`` coordinate (:func:`twin.electrical.fleets.fleet_names`)."""
    from twin.electrical.fleets import fleet_names as names

    return names(site.electrical.turbines)


def site_turbines(site, *, fuel_price: float = FUEL_PRICE_USD_PER_J,
                  P_first_need: float = 0.0) -> tuple[TurbineType, ...]:
    """The site's turbine fleets as :class:`TurbineType` (see the module docstring for the mappings).

    ``P_first_need``: power the turbines must give in the first step; that many
    units, in merit order (lowest full-load heat rate first), are running
    before it.
    """
    from twin.electrical.turbine import CO2_PER_FUEL

    fleets = site.electrical.turbines
    order = sorted(range(len(fleets)), key=lambda i: (fleets[i].entry.heat_rate_full, i))
    on = [0] * len(fleets)
    need = max(P_first_need, 0.0)
    for i in order:
        if need <= 0:
            break
        n = min(fleets[i].count, math.ceil(need / fleets[i].entry.P_rated - 1e-9))
        on[i] = n
        need -= n * fleets[i].entry.P_rated
    out = []
    for name, fleet, n_on in zip(fleet_names(site), fleets, on):
        e = fleet.entry
        P, fuel = fuel_curve(e)
        out.append(TurbineType(
            name=name, count=fleet.count, P_max=P[-1], P_min=P[0], P=P, fuel=fuel,
            fuel_price=fuel_price, start_cost=e.start_cost, min_up_s=e.min_up_time,
            min_down_s=e.min_down_time, ramp_limit=e.ramp_rate, NOx_factor=e.NOx_rate,
            CO2_factor=CO2_PER_FUEL,
            starts_per_year_max=float(fleet.starts_per_year_max) if fleet.starts_per_year_max > 0 else math.inf,
            units_on_initial=n_on))
    return tuple(out)


def NOx_cap_per_year(site) -> float:
    """Sum of the fleets' NOx caps (kg per year); inf when no fleet has one."""
    caps = [t.NOx_cap for t in site.electrical.turbines if t.NOx_cap > 0]
    return float(sum(caps)) if caps else math.inf


# -- load ----------------------------------------------------------------------------------------------------


def _fractions(lo: float, hi: float) -> np.ndarray:
    """Cooling-curve breakpoints (fractions of IT peak) from ``lo`` to ``hi`` with the surrogate's inside."""
    from twin.optimize.cooling_curves import FRACTIONS

    lo, hi = max(lo, 0.02), min(hi, 1.0)
    if hi - lo < 0.02:
        lo = max(0.02, hi - 0.05)
        hi = min(1.0, lo + 0.05)
    inside = [f for f in FRACTIONS if lo + 0.01 < f < hi - 0.01]
    return np.array(sorted({round(lo, 6), *inside, round(hi, 6)}))


def site_dispatch_inputs(site, *, start="2025-01-01 00:00", days: float = 7.0, step: float = 3600.0, prices=None,
                         events=None, workload=None, flexible_share: float = 0.10, curtailment_max: float = 0.10,
                         fuel_price: float | None = None, with_bess: bool = True,
                         with_flexibility: bool = True, cooling: bool = True, bess_scale: float = 1.0,
                         weather=None) -> SiteDispatchInputs:
    """Dispatch inputs of ``site`` (a :class:`twin.site.Site` or a built-in name) over ``days`` from ``start``.

    ``step`` (s) must divide a day; ``prices``: None (a SYNTHETIC market year),
    a price CSV path (:func:`twin.optimize.prices.read_prices` format), a price
    DataFrame or a :class:`~twin.optimize.prices.MarketYear`; ``events``: an
    event CSV path or :class:`~twin.optimize.prices.Events` (4CP intervals,
    demand-response events); ``workload``: any profile with ``site_fraction``
    (default constant 80 % of IT peak); ``flexible_share``: share of IT energy
    movable within each day; ``curtailment_max``: most IT power below nominal in
    any step; ``fuel_price`` USD/J (HHV; default the site's ``tariff.fuel_price``,
    else 3.5 USD/MMBtu); ``with_bess``, ``with_flexibility``,
    ``cooling``: leave the battery, the flexible load, the cooling plant out;
    ``bess_scale``: the site's Megapack sets scaled in number (power and
    energy; 0 = none, 2 = twice as many); ``weather``: the weather the cooling
    curves are computed from (any :func:`twin.weather.load_weather` spec, e.g.
    ``"heatwave:austin:50"`` or an EPW path; default the site's own).
    Contract terms come from the site's ``[tariff]`` (PPA, virtual PPA, CO2
    cap per year, demand-response programme terms), see :func:`site_tariff`.
    The mappings are in the module docstring.
    """
    from twin.electrical.network import ElectricalNetwork
    from twin.site import load_site
    from twin.optimize.cooling_curves import cooling_curves
    from twin.weather import load_weather
    from twin.workload import ConstantProfile

    timings: dict[str, float] = {}
    t0 = _time.perf_counter()
    site = load_site(site) if isinstance(site, (str, Path)) else site
    for name, value in (("flexible_share", flexible_share), ("curtailment_max", curtailment_max)):
        if isinstance(value, bool) or not isinstance(value, (int, float, np.number)) or not 0.0 <= value <= 1.0:
            raise _bad(name, repr(value), "a fraction between 0 and 1")
    if fuel_price is None:
        fuel_price = site.tariff.fuel_price if site.tariff.fuel_price > 0 else FUEL_PRICE_USD_PER_J
    if isinstance(fuel_price, bool) or not isinstance(fuel_price, (int, float, np.number)) or not fuel_price >= 0:
        raise _bad("fuel_price", repr(fuel_price), "a price of zero or more in USD/J")
    if isinstance(bess_scale, bool) or not isinstance(bess_scale, (int, float, np.number)) \
            or not 0.0 <= bess_scale <= 10.0:
        raise _bad("bess_scale", repr(bess_scale), "a multiple of the site's Megapacks between 0 and 10")
    weather_spec = site.location.weather if weather is None else weather
    step = float(step)
    time = horizon(start, days, step)
    T = len(time)
    std = standard_time(time, site)
    workload_start = float((std[0] - std[0].normalize()).total_seconds())
    notes: list[str] = []

    # IT load
    profile = workload or ConstantProfile(0.8)
    if not hasattr(profile, "site_fraction"):
        raise _bad("workload", type(profile).__name__, "a workload profile with site_fraction (twin.workload)")
    fraction = np.asarray(profile.site_fraction(workload_start + step * np.arange(T + 1)), float)[:T]
    if fraction.shape != (T,) or not np.all(np.isfinite(fraction)) or fraction.min() < 0 or fraction.max() > 1 + 1e-9:
        raise _bad("workload", f"site fractions {np.nanmin(fraction):g}..{np.nanmax(fraction):g}",
                   "fractions of IT peak in [0, 1]")
    peak = float(site.P_it_peak)
    IT = np.minimum(fraction, 1.0) * peak

    # flexible training load: a constant pace moved within each day
    flexible = None
    inflexible = IT.copy()
    lo_IT, hi_IT = IT.copy(), IT.copy()
    if with_flexibility and flexible_share > 0:
        pace = flexible_share * float(IT.mean())
        if np.any(IT < pace - 1e-6):
            i = int(np.argmin(IT))
            raise _bad("flexible_share", f"{flexible_share:g}: a flexible pace of {pace / 1e6:,.1f} MW above the "
                       f"IT load of {IT[i] / 1e6:,.1f} MW at {time[i]}",
                       "a share whose pace stays below the IT load in every step")
        inflexible = IT - pace
        floor = max(0.0, pace - curtailment_max * float(IT.min()))
        ceiling = pace + float(np.min(peak - IT))
        if ceiling > 0:
            flexible = FlexibleLoad(E=pace * 86400.0, period="day", P_max=ceiling,
                                    curtailment_max=1.0 - floor / ceiling)
            lo_IT, hi_IT = inflexible + floor, inflexible + ceiling
            notes.append(f"flexible training load: {flexible_share:.0%} of IT energy ({pace / 1e6:,.1f} MW pace) "
                         f"movable within each day, between {floor / 1e6:,.1f} and {ceiling / 1e6:,.1f} MW "
                         f"(IT at least {1 - curtailment_max:.0%} of nominal, at most the IT peak)")
    timings["load_s"] = _time.perf_counter() - t0

    # cooling curves at the weather of each step's midpoint (local standard time)
    t1 = _time.perf_counter()
    curves = None
    cooling_nominal = np.zeros(T)
    shortfall = 0.0
    if cooling:
        wx = load_weather(weather_spec, start=std[0] + pd.Timedelta(seconds=step / 2), duration=T * step,
                          step=step)
        fr = _fractions(float(lo_IT.min()) / peak - 1e-6, float(hi_IT.max()) / peak + 1e-6)
        curves = cooling_curves(site, wx["T_dry_bulb"].values[:T], wx["T_wet_bulb"].values[:T], fractions=fr)
        IT_break = curves.P_it.copy()
        IT_break[0] = min(IT_break[0], float(lo_IT.min()))
        IT_break[-1] = max(IT_break[-1], float(hi_IT.max()))
        P_curve = curves.P_convex
        cooling_nominal = _interp_rows(IT, IT_break, P_curve)
        shortfall = curves.max_shortfall
        notes.append(f"cooling: convex envelope of the plant model at {len(fr)} IT loads per step "
                     f"({fr[0]:.0%}-{fr[-1]:.0%} of IT peak), weather '{weather_spec}'{' typical year' if weather is None else ''}; "
                     f"largest gap to the model {shortfall:.2%} of IT peak")
    else:
        notes.append("cooling plant left out of the plan (IT and electrical losses only)")
    timings["cooling_curves_s"] = _time.perf_counter() - t1

    # electrical chain losses at the planned operating point, frozen
    t2 = _time.perf_counter()
    network = ElectricalNetwork.from_site(site)
    chain = network.demand(IT, cooling_nominal)
    losses = np.asarray(chain["P_demand"], float) - IT - cooling_nominal
    plus = network.demand(IT * 1.01, cooling_nominal)
    marginal = float(np.mean((np.asarray(plus["P_demand"]) - chain["P_demand"]) / (0.01 * np.maximum(IT, 1.0)) - 1.0))
    notes.append(f"electrical chain losses: {losses.mean() / 1e6:,.1f} MW mean "
                 f"({losses.sum() / (IT + cooling_nominal).sum():.1%} of IT + cooling) fixed at the planned operating "
                 f"point; marginal rate {marginal:.1%} of IT not applied to the shifted flexible load")
    timings["losses_s"] = _time.perf_counter() - t2

    # sources
    el = site.electrical
    grid = GridConnection(P_import_max=float(el.utility.P_import_max), P_export_max=0.0)
    bess = site_battery(site) if with_bess and bess_scale > 0 else None
    if bess is not None and bess_scale != 1.0:
        bess = replace(bess, P_max=bess.P_max * bess_scale, E_max=bess.E_max * bess_scale)
        notes.append(f"battery: the site's Megapacks x{bess_scale:g} ({bess.P_max / 1e6:,.0f} MW, "
                     f"{bess.E_max / 3.6e9:,.0f} MWh stored)")
    first_need = float(chain["P_demand"][0]) - grid.P_import_max
    turbines = site_turbines(site, fuel_price=fuel_price, P_first_need=first_need)
    NOx_year = NOx_cap_per_year(site)
    horizon_s = T * step
    CO2_year = site.tariff.CO2_cap if site.tariff.CO2_cap > 0 else math.inf
    emissions = Emissions(CO2_price=site.tariff.emissions_price,
                          CO2_max=CO2_year * horizon_s / YEAR if np.isfinite(CO2_year) else math.inf,
                          NOx_max=NOx_year * horizon_s / YEAR if np.isfinite(NOx_year) else math.inf)
    if site.tariff.emissions_price > 0:
        notes.append(f"CO2 price: {site.tariff.emissions_price * 1e3:g} USD/t on turbine fuel"
                     + (" and grid import" if np.any(np.asarray(grid.CO2_factor) > 0) else
                        " (grid energy carries no CO2 intensity here)"))
    if np.isfinite(CO2_year):
        notes.append(f"CO2 cap: {CO2_year / 1e3:,.0f} t/yr prorated to {emissions.CO2_max / 1e3:,.1f} t over the "
                     f"horizon (grid import and turbine fuel)")
    if np.isfinite(NOx_year):
        uncapped = [f.model for f in el.turbines if f.NOx_cap <= 0]
        also = f", applied to all turbines incl. {', '.join(uncapped)} (no cap of their own)" if uncapped else ""
        notes.append(f"NOx cap: {NOx_year / 1e3:,.1f} t/yr prorated to {emissions.NOx_max:,.0f} kg over the "
                     f"horizon{also}")
    if any(f.hours_per_year_max > 0 for f in el.turbines):
        notes.append("turbine running-hour caps (hours_per_year_max) are not constraints of the dispatch; "
                     "planned hours are reported against them")
    if el.islanded:
        notes.append(f"islanded site: grid import at most {grid.P_import_max / 1e6:,.0f} MW")

    t3 = _time.perf_counter()
    tariff, source, synthetic, tariff_notes = site_tariff(site, time, step, prices, events)
    notes.extend(tariff_notes)
    timings["tariff_s"] = _time.perf_counter() - t3
    timings["total_s"] = _time.perf_counter() - t0

    surrogate = None if curves is None else CoolingSurrogate(P_it=IT_break, P=P_curve, P_it_inflexible=inflexible)
    load = inflexible + losses
    return SiteDispatchInputs(
        time=time, step_s=step, P_load=load, grid=grid, tariff=tariff, flexible=flexible, bess=bess,
        turbines=turbines, cooling=surrogate, emissions=emissions,
        site_name=site.name, P_it=IT, P_it_peak=peak, P_losses=losses, P_cooling_nominal=cooling_nominal,
        synthetic_prices=synthetic, price_source=source, notes=tuple(notes), standard_start=std[0],
        workload_start_s=workload_start, cooling_max_shortfall=shortfall, NOx_max_per_year=NOx_year,
        hours_per_year_max=tuple(float(f.hours_per_year_max) for f in el.turbines), timings=timings)


def _interp_rows(x: np.ndarray, xp: np.ndarray, fp: np.ndarray) -> np.ndarray:
    """``np.interp(x[t], xp, fp[t])`` for every row t (vectorised)."""
    fp = np.atleast_2d(fp)
    k = np.clip(np.searchsorted(xp, x, side="right") - 1, 0, xp.size - 2)
    w = (x - xp[k]) / (xp[k + 1] - xp[k])
    rows = np.arange(fp.shape[0]) if fp.shape[0] == x.size else np.zeros(x.size, int)
    return fp[rows, k] * (1 - w) + fp[rows, k + 1] * w


def price_notice(inputs: DispatchInputs) -> str:
    """One line saying what the prices are, ``prices: SYNTHETIC ...`` when they are not market data."""
    source = getattr(inputs, "price_source", "") or inputs.tariff.name
    if getattr(inputs, "synthetic_prices", False) and "SYNTHETIC" not in source:
        source = f"SYNTHETIC: {source}"
    return f"prices: {source}"


# -- the site plan -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SitePlan:
    """A site's plan, its baseline (no battery, flexible load flat), the savings and the inputs.

    ``figures``: key figures of the plan (:func:`key_figures`); ``timings``:
    seconds spent building the inputs, in the plan and in the baseline.
    """

    plan: xr.Dataset
    baseline: xr.Dataset
    savings: pd.DataFrame
    inputs: SiteDispatchInputs
    figures: dict = field(default_factory=dict)
    timings: dict = field(default_factory=dict)

    @property
    def results(self) -> xr.Dataset:
        """The plan in the simulation's names, dims and UTC clock (:func:`plan_results`)."""
        return plan_results(self.plan, self.inputs)


def plan_site(site, *, mip_gap: float = 1e-3, time_limit: float | None = 120.0, extend=None,
              extend_baseline: bool = False, solver: str = "highs", **kwargs) -> SitePlan:
    """Plan ``site`` (:func:`site_dispatch_inputs` with ``kwargs``), solve its baseline, and compare.

    ``extend(model)`` receives the plan's Pyomo model (:func:`~twin.optimize.dispatch.pyomo_model`)
    before the solve, to add a contract clause in the names of the problem
    (``model.turbine_fuel[fleet, t]``, ``model.time`` ...); it forces the Pyomo
    path, and also shapes the baseline when ``extend_baseline``.  ``solver``:
    any solver Pyomo can drive (HiGHS by default).  ``plan.attrs["path"]``
    says which path ran.

    ``mip_gap`` and ``time_limit`` (s, per solve) go to :func:`~twin.optimize.dispatch`:
    a unit-commitment solve stopped by the limit keeps its best plan and
    reports the gap it reached (``plan.attrs["mip_gap"]``); the savings are
    then uncertain by about that gap times the cost.  Raises :class:`InfeasiblePlan` when the site cannot meet its load (when and
    by how much), for the plan or for the baseline (named as such).
    """
    from twin.site import load_site

    t0 = _time.perf_counter()
    site = load_site(site) if isinstance(site, (str, Path)) else site
    from twin.optimize.dispatch import check_solver

    check_solver(solver)
    inputs = site_dispatch_inputs(site, **kwargs)
    t1 = _time.perf_counter()
    plan = dispatch(inputs, mip_gap=mip_gap, time_limit=time_limit, extend=extend, solver=solver)
    t2 = _time.perf_counter()
    base_inputs = baseline_inputs(inputs)
    try:
        baseline = dispatch(base_inputs, mip_gap=mip_gap, time_limit=time_limit,
                            extend=extend if extend_baseline else None, solver=solver)
    except InfeasiblePlan as error:
        raise InfeasiblePlan([f"baseline (no battery, flexible load at its pace): {m}" for m in error.messages]) \
            from None
    t3 = _time.perf_counter()
    plan = annotate(plan, inputs, site)
    baseline = annotate(baseline, base_inputs, site)
    timings = {"inputs_s": t1 - t0, "plan_s": t2 - t1, "baseline_s": t3 - t2,
               "plan_highs_s": float(plan.attrs["solve_time_s"]),
               "baseline_highs_s": float(baseline.attrs["solve_time_s"]),
               **{f"inputs_{k}": v for k, v in inputs.timings.items()}}
    table = savings_table(plan, baseline)
    result = SitePlan(plan, baseline, table, inputs, {}, timings)
    figures = key_figures(result, site)
    timings["total_s"] = _time.perf_counter() - t0
    return replace(result, figures=figures, timings=timings)


def annotate(plan: xr.Dataset, inputs: SiteDispatchInputs, site=None) -> xr.Dataset:
    """The plan with its IT load and frozen losses, and attrs naming the site and the price source."""
    IT = plan["P_load"].values - inputs.P_losses + plan["P_flexible"].values
    plan = plan.assign(
        P_it=xr.Variable("time", IT, {"units": "W", "long_name": "planned IT load: inflexible plus flexible"}),
        P_losses=xr.Variable("time", np.asarray(inputs.P_losses, float),
                             {"units": "W", "long_name": "electrical chain losses in the load "
                                                         "(fixed at the planned operating point)"}),
        P_it_nominal=xr.Variable("time", np.asarray(inputs.P_it, float),
                                 {"units": "W", "long_name": "nominal IT load (flexible load at its pace)"}),
    )
    plan.attrs.update(site=inputs.site_name, step_s=float(inputs.step_s), synthetic_prices=int(inputs.synthetic_prices),
                      price_source=inputs.price_source, P_it_peak=float(inputs.P_it_peak))
    return plan


def key_figures(result: SitePlan, site=None) -> dict:
    """Headline figures of a plan (SI units): peak import, battery cycles, starts, NOx, shifted energy, losses."""
    plan, x = result.plan, result.inputs
    dt = float(x.step_s)
    out: dict = {
        "peak_import_W": float(plan["P_grid_import"].max()),
        "baseline_peak_import_W": float(result.baseline["P_grid_import"].max()),
        "grid_energy_J": float(plan["P_grid_import"].sum()) * dt,
        "total_cost_USD": float(plan["objective"]),
        "baseline_cost_USD": float(result.baseline["objective"]),
        "savings_USD": float(result.baseline["objective"]) - float(plan["objective"]),
    }
    if x.bess is not None:
        discharged = float(plan["P_battery_discharge"].sum()) * dt
        usable = (x.bess.soc_max - x.bess.soc_min) * x.bess.E_max * x.bess.eta_discharge
        out["battery_discharged_J"] = discharged
        out["battery_cycles"] = discharged / usable if usable > 0 else 0.0
        out["soc_min"] = float(plan["soc"].min())
        out["soc_max"] = float(plan["soc"].max())
    if x.turbines:
        out["turbine_starts"] = {str(k): float(v) for k, v in
                                 zip(plan["turbine_type"].values, plan["units_started"].sum("time").values)}
        out["turbine_energy_J"] = float(plan["P_turbine"].sum()) * dt
        hours = plan["units_on"].sum("time").values * dt / 3600.0
        out["turbine_unit_hours"] = {str(k): float(h) for k, h in zip(plan["turbine_type"].values, hours)}
        caps = [c * tt.count * len(x.time) * dt / YEAR if c > 0 else math.inf
                for c, tt in zip(x.hours_per_year_max, x.turbines)] if x.hours_per_year_max else []
        if caps:
            out["turbine_unit_hours_cap"] = {tt.name: c / 3600.0 for c, tt in zip(caps, x.turbines)}
        out["NOx_kg"] = float(plan["NOx"].sum())
        out["NOx_cap_kg"] = float(x.emissions.NOx_max)
    if x.flexible is not None:
        pace = x.flexible.E / 86400.0
        moved = np.abs(plan["P_flexible"].values - pace).sum() * dt / 2
        out["flexible_energy_J"] = float(plan["P_flexible"].sum()) * dt
        out["flexible_shifted_J"] = float(moved)
    out["cooling_energy_J"] = float(plan["P_cooling"].sum()) * dt
    # losses recomputed at the planned schedule against the frozen ones
    if site is not None:
        from twin.electrical.network import ElectricalNetwork

        network = ElectricalNetwork.from_site(site)
        exact = np.asarray(network.demand(plan["P_it"].values, plan["P_cooling"].values)["P_demand"]) \
            - plan["P_it"].values - plan["P_cooling"].values
        frozen = plan["P_losses"].values
        out["losses_energy_J"] = float(frozen.sum()) * dt
        out["losses_recomputed_energy_J"] = float(exact.sum()) * dt
    out["highs_time_s"] = float(plan.attrs["solve_time_s"])
    out["plan_time_s"] = float(plan.attrs["total_time_s"])
    out["baseline_time_s"] = float(result.baseline.attrs["total_time_s"])
    a = plan.attrs
    out["problem"] = f"{a['problem']} {a['num_variables']:,} variables x {a['num_constraints']:,} rows"
    out["mip_gap"] = float(plan.attrs["mip_gap"])
    return out


#: Plan variables renamed to the simulation's names (docs/nomenclature.md) by :func:`plan_results`.
SIMULATION_NAMES = {"P_grid_import": "P_poi", "P_battery": "P_bess", "E_battery": "E_bess", "P_it": "P_it_total",
                    "P_turbine": "P_turbines", "units_on": "n_turbines_online", "P_fuel": "fuel"}


def plan_results(plan: xr.Dataset, inputs: DispatchInputs | None = None) -> xr.Dataset:
    """The plan in the simulation's language, so it overlays a :func:`twin.simulate` result with no renaming.

    Names as in docs/nomenclature.md (``P_poi``, ``P_turbines``,
    ``n_turbines_online``, ``fuel``, ``P_bess``, ``E_bess``, ``soc``,
    ``P_it_total``, ``P_cooling``, ``P_demand``); per-fleet series on
    ``(time, fleet)`` with the simulator's fleet labels; turbine ``NOx`` and
    ``CO2`` as per-fleet rates in kg/s (the plan's per-step totals, grid CO2
    included, stay as ``NOx_step`` and ``CO2_step`` in kg); ``time`` the start
    of each step in UTC with the site's zone as the ``time_zone`` attribute
    (twin.clock's convention); cell methods ``time: mean`` (``time: point`` for
    the stored energy and the state of charge).  Variables the simulation does
    not have (prices, costs, shadow prices, the flexible load) keep their names.
    """
    ds = plan.rename({k: v for k, v in SIMULATION_NAMES.items() if k in plan})
    ds = ds.rename({"NOx": "NOx_step", "CO2": "CO2_step"} if "NOx" in ds else {"CO2": "CO2_step"})
    for name in ("NOx_step", "CO2_step"):
        if name in ds:
            ds[name].attrs.update(units="kg", long_name=ds[name].attrs.get("long_name", name) + " (per step)")
    if "turbine_type" in ds.dims:
        ds = ds.rename({"turbine_type": "fleet"})
        ds = ds.transpose("time", "fleet", ...)
        if inputs is not None and inputs.turbines and "fuel" in ds:
            for name, per_J in (("NOx", [t.NOx_factor for t in inputs.turbines]),
                                ("CO2", [t.CO2_factor for t in inputs.turbines])):
                ds[name] = ds["fuel"] * xr.DataArray(np.asarray(per_J, float), dims="fleet")
                ds[name].attrs = {"units": "kg/s", "long_name": f"turbine {name} emission rate per fleet"}
    index = pd.DatetimeIndex(ds.indexes["time"])
    if index.tz is not None:
        ds = ds.assign_coords(time=index.tz_convert("UTC").tz_localize(None))
        ds.attrs["time_zone"] = str(index.tz)
    ds["time"].attrs.update(long_name="start of the step", standard_name="time")
    for name, var in ds.data_vars.items():
        if "time" in var.dims:
            var.attrs["cell_methods"] = "time: point" if name in ("E_bess", "soc", "E_flexible_backlog") \
                else "time: mean"
    return ds


def plan_for_file(result: SitePlan) -> xr.Dataset:
    """The plan as a self-contained Dataset for netCDF, in the simulation's names and clock
    (:func:`plan_results`), the baseline's costs beside the plan's."""
    plan = plan_results(result.plan, result.inputs)
    index = pd.DatetimeIndex(result.plan.indexes["time"])
    zone = str(index.tz) if index.tz is not None else "local"
    ds = plan.copy()
    ds["time"].attrs.update(long_name="start of the step", time_zone="UTC" if index.tz is not None else "local",
                            plan_time_zone=zone)
    if index.tz is not None:  # the one clock of twin results: UTC, the zone as an attribute (twin.clock)
        ds.attrs["time_zone"] = zone
    table = result.savings.drop(index="total")
    categories = list(table.index)
    ds = ds.reindex(category=categories, fill_value=0.0)
    ds["cost_baseline"] = xr.Variable("category", table["baseline_USD"].to_numpy(float),
                                      {"units": "USD", "long_name": "cost by category of the baseline "
                                                                    "(no battery, flexible load at its pace)"})
    ds["savings"] = xr.Variable("category", table["savings_USD"].to_numpy(float),
                                {"units": "USD", "long_name": "baseline cost minus plan cost"})
    ds["objective_baseline"] = xr.Variable((), float(result.baseline["objective"]),
                                           {"units": "USD", "long_name": "total cost of the baseline"})
    ds.attrs.update(notes="\n".join(result.inputs.notes), baseline_mip_gap=float(result.baseline.attrs["mip_gap"]))
    for name, value in list(ds.attrs.items()):
        if value is None:
            ds.attrs[name] = ""
    return ds


def write_plan(result: SitePlan, path) -> Path:
    """Write the plan (:func:`plan_for_file`) to a netCDF file atomically."""
    from twin.results import write_netcdf

    return write_netcdf(plan_for_file(result), path)
