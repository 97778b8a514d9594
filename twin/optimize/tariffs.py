"""Tariffs and market settlements: builders for the sites' tariffs and the bill they imply.

ERCOT (Cortex): energy at the real-time price, plus the 4CP transmission
charge, set by the site's mean demand in the four 15-minute intervals of
ERCOT's monthly system peaks in June-September.  The rate varies by
transmission service provider; the default, $60/kW-yr at transmission
voltage, is an estimate (research/sites.md, section 7).

TVA/MLGW (Colossus 1 and 2): monthly on-peak billing demand and off-peak
excess demand charges plus time-of-use energy.  MLGW's current large-load
values were not found; the defaults ($11/kW-month on-peak, $3/kW-month
off-peak excess, $0.045/kWh blended energy) are estimates (sites.md, section 7).

:func:`bill` settles a grid import series against a :class:`Tariff` without
the optimiser; the dispatch uses the same calendar helpers to price its
decisions, and the tests compare the two.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from twin.errors import InputError
from twin.optimize.inputs import (
    CoincidentPeak,
    DemandCharge,
    DemandResponseEvent,
    Tariff,
    local_time,
    nanoseconds,
)

J_PER_KWH = 3.6e6
J_PER_MWH = 3.6e9

#: ERCOT 4CP transmission rate, USD per W-year ($60/kW-yr) -- estimate.
ERCOT_4CP_RATE_USD_PER_W_YEAR = 60.0 / 1e3
#: MLGW on-peak billing demand, USD per W-month ($11/kW-month) -- estimate.
MLGW_ON_PEAK_DEMAND_USD_PER_W_MONTH = 11.0 / 1e3
#: MLGW off-peak excess demand, USD per W-month ($3/kW-month) -- estimate.
MLGW_OFF_PEAK_EXCESS_USD_PER_W_MONTH = 3.0 / 1e3
#: MLGW blended energy incl. fuel cost adjustment, USD per J ($0.045/kWh) -- estimate.
MLGW_ENERGY_USD_PER_J = 0.045 / J_PER_KWH


def ercot_tariff(prices: pd.DataFrame, time: pd.DatetimeIndex, four_cp: pd.DatetimeIndex, *,
                 rate: float = ERCOT_4CP_RATE_USD_PER_W_YEAR,
                 demand_response: tuple[DemandResponseEvent, ...] = (), ppas=(), vppas=()) -> Tariff:
    """ERCOT: real-time energy price (``prices.energy_price``) plus 4CP.

    ``prices`` is a price table as read by :func:`twin.optimize.prices.read_prices`
    (or a synthetic year); it must cover every step of ``time``.  Exports, when
    the grid connection allows them, are paid the same real-time price.
    """
    p = _select(prices, time)
    return Tariff(
        energy_price=p["energy_price"].to_numpy(float),
        coincident_peak=CoincidentPeak(pd.DatetimeIndex(four_cp), rate),
        demand_response=tuple(demand_response), ppas=tuple(ppas), vppas=tuple(vppas),
        name="ERCOT real-time energy + 4CP transmission",
    )


def tva_mlgw_tariff(prices: pd.DataFrame, time: pd.DatetimeIndex, *,
                    on_peak_rate: float = MLGW_ON_PEAK_DEMAND_USD_PER_W_MONTH,
                    off_peak_excess_rate: float = MLGW_OFF_PEAK_EXCESS_USD_PER_W_MONTH,
                    demand_response: tuple[DemandResponseEvent, ...] = (), ppas=()) -> Tariff:
    """TVA/MLGW: time-of-use energy (``energy_price``) plus monthly demand charges.

    ``prices`` needs an ``on_peak`` column (True in on-peak hours).  Exports are
    not paid (``export_price`` zero).
    """
    p = _select(prices, time)
    if "on_peak" not in p:
        raise InputError.one("prices", "on_peak", "no such column", "an on_peak column (1 in on-peak hours, else 0)")
    return Tariff(
        energy_price=p["energy_price"].to_numpy(float),
        export_price=np.zeros(len(time)),
        demand_charge=DemandCharge(p["on_peak"].to_numpy(bool), on_peak_rate,
                                   off_peak_excess_rate),
        demand_response=tuple(demand_response), ppas=tuple(ppas),
        name="TVA/MLGW time-of-use energy + monthly demand",
    )


def _select(prices: pd.DataFrame, time: pd.DatetimeIndex) -> pd.DataFrame:
    missing = time.difference(prices.index)
    if len(missing):
        raise InputError.one(
            prices.attrs.get("file", "prices"), "time", f"no price for {len(missing)} steps, first {missing[0]}",
            f"prices covering {time[0]} to {time[-1]}",
        )
    return prices.loc[time]


# -- calendar helpers shared by the dispatch and the bill ----------------------------


def coincident_peak_weights(cp: CoincidentPeak, time: pd.DatetimeIndex, step_s: float) -> np.ndarray:
    """Weight of each step's import in the coincident-peak demand.

    A step's weight is the fraction of a peak interval it covers, summed
    over intervals, divided by ``intervals_per_year``: the charge is then
    ``rate * sum(weight * import)``.
    """
    start = nanoseconds(time) / 1e9
    weights = np.zeros(len(time))
    intervals = pd.DatetimeIndex([_stamp(t, time) for t in cp.intervals])
    for a in nanoseconds(intervals) / 1e9:
        b = a + cp.interval_s
        overlap = np.clip(np.minimum(start + step_s, b) - np.maximum(start, a), 0.0, None)
        weights += overlap / cp.interval_s
    return weights / cp.intervals_per_year


def months(time: pd.DatetimeIndex, step_s: float, horizon: pd.DatetimeIndex | None = None):
    """Calendar month of every step, the months, and the share of each month inside ``horizon``.

    ``horizon`` (default ``time``) is the span whose steps count towards a
    month; a full month has share 1.  Returns ``(codes, periods, shares)``.
    """
    horizon = time if horizon is None else horizon
    codes, periods = pd.factorize(local_time(time).to_period("M"))
    in_horizon = pd.Series(1.0, index=local_time(horizon).to_period("M")).groupby(level=0).sum()
    shares = np.empty(len(periods))
    for k, period in enumerate(periods):
        start = pd.Timestamp(period.start_time)
        end = pd.Timestamp((period + 1).start_time)
        if time.tz is not None:
            start, end = start.tz_localize(time.tz), end.tz_localize(time.tz)
        shares[k] = in_horizon.get(period, 0.0) * step_s / (end - start).total_seconds()
    return codes, pd.PeriodIndex(periods), shares


def demand_response_limits(events, time: pd.DatetimeIndex, step_s: float):
    """Per step: import limit (inf outside events), penalty (USD/J; nan for firm) and event number (-1 outside).

    A step belongs to every event it overlaps; where events overlap, the
    lower limit applies with its event's penalty.
    """
    start = nanoseconds(time)
    end = start + int(round(step_s * 1e9))
    limit = np.full(len(time), np.inf)
    penalty = np.full(len(time), np.nan)
    number = np.full(len(time), -1)
    for k, event in enumerate(events):
        a = _stamp(event.start, time).as_unit("ns").value
        b = _stamp(event.end, time).as_unit("ns").value
        hit = (start < b) & (end > a) & (event.baseline - event.reduction < limit)
        limit[hit] = event.baseline - event.reduction
        penalty[hit] = np.nan if event.penalty is None else event.penalty
        number[hit] = k
    return limit, penalty, number


def _stamp(t, time: pd.DatetimeIndex) -> pd.Timestamp:
    t = pd.Timestamp(t)
    if time.tz is not None and t.tz is None:
        return t.tz_localize(time.tz)
    if time.tz is None and t.tz is not None:
        return t.tz_convert(None)
    return t


def event_credits(events, time: pd.DatetimeIndex, step_s: float) -> float:
    """Credits (USD) of the events that start inside the horizon."""
    end = time[-1] + pd.Timedelta(seconds=step_s)
    return float(sum(e.credit for e in events if time[0] <= _stamp(e.start, time) < end))


# -- the bill -----------------------------------------------------------------------------


def bill(tariff: Tariff, time: pd.DatetimeIndex, step_s: float, P_import, P_export=0.0, *,
         horizon: pd.DatetimeIndex | None = None) -> dict[str, float]:
    """Settle grid import/export (W per step) against ``tariff``: USD by category.

    Categories: ``energy`` (import minus export revenue), ``coincident_peak``,
    ``demand`` (monthly demand charges, months prorated to ``horizon``),
    ``demand_response`` (penalties minus credits), ``ppa`` and ``vppa``
    (contract settlements).
    """
    P_import = np.broadcast_to(np.asarray(P_import, float), (len(time),))
    P_export = np.broadcast_to(np.asarray(P_export, float), (len(time),))
    price = np.asarray(tariff.energy_price, float)
    export_price = price if tariff.export_price is None else np.asarray(tariff.export_price, float)
    out = {"energy": float(np.sum(price * P_import - export_price * P_export) * step_s)}
    if tariff.coincident_peak is not None:
        w = coincident_peak_weights(tariff.coincident_peak, time, step_s)
        out["coincident_peak"] = float(tariff.coincident_peak.rate * np.sum(w * P_import))
    if tariff.demand_charge is not None:
        out["demand"] = demand_charge(tariff.demand_charge, time, step_s, P_import, horizon=horizon)
    if tariff.demand_response:
        limit, penalty, _ = demand_response_limits(tariff.demand_response, time, step_s)
        excess = np.where(np.isfinite(limit), np.clip(P_import - limit, 0.0, None), 0.0)
        cost = np.sum(np.nan_to_num(penalty) * excess) * step_s
        out["demand_response"] = float(cost - event_credits(tariff.demand_response, time, step_s))
    if tariff.ppas:
        out["ppa"] = float(sum(np.sum(np.asarray(p.volume) * (p.price - price)) * step_s
                               for p in tariff.ppas))
    if tariff.vppas:
        out["vppa"] = float(sum(np.sum(np.asarray(v.generation) * (v.strike - np.asarray(v.hub_price)))
                                * step_s for v in tariff.vppas))
    return out


def demand_charge(dc: DemandCharge, time: pd.DatetimeIndex, step_s: float, P_import, *,
                  horizon: pd.DatetimeIndex | None = None) -> float:
    """Monthly demand charges (USD) for an import series, by direct maxima per month."""
    codes, periods, shares = months(time, step_s, horizon)
    P = np.asarray(P_import, float)
    on_peak = np.asarray(dc.on_peak, bool)
    total = 0.0
    for k in range(len(periods)):
        in_month = codes == k
        on = P[in_month & on_peak].max(initial=0.0)
        off = P[in_month & ~on_peak].max(initial=0.0)
        total += shares[k] * (dc.on_peak_rate * on
                              + dc.off_peak_excess_rate * max(0.0, off - on))
    return total
