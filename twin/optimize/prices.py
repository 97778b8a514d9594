"""Price and event data: the CSV formats, their readers, and seeded synthetic years.

Price file
----------
CSV, UTF-8, comma separated, one header row, one row per interval::

    time,energy_price [USD/MWh],on_peak
    2025-07-01T00:00:00-05:00,31.20,0
    2025-07-01T01:00:00-05:00,27.85,0

``time``
    Start of the interval, ISO 8601.  Give the UTC offset (as above); naive
    times are read as local time in the reader's ``tz`` (an IANA name such as
    ``America/Chicago``).  Strictly increasing and evenly spaced.
``energy_price [unit]`` (required)
    Price of energy bought in the interval (real-time market price or tariff
    rate); any energy-price unit, e.g. ``USD/MWh``, ``USD/kWh``.
``export_price [unit]``
    Price paid for exported energy.
``hub_price [unit]``
    Trading-hub price, for settling virtual PPAs.
``grid_CO2 [unit]``
    Carbon intensity of grid energy, e.g. ``kg/MWh``.
``on_peak``
    ``1``/``0`` (or ``true``/``false``): on-peak interval of a time-of-use tariff.

:func:`read_prices` returns a DataFrame indexed by time (tz-aware) with the
columns in SI units: ``energy_price``, ``export_price``,
``hub_price``, ``grid_CO2``, ``on_peak``; its
``attrs["step_s"]`` is the interval length.

Event file
----------
One row per event::

    kind,start,end,baseline [MW],reduction [MW],credit [USD],penalty [USD/MWh]
    coincident_peak,2025-07-15T16:30:00-05:00,2025-07-15T16:45:00-05:00,,,,
    demand_response,2025-08-12T15:00:00-05:00,2025-08-12T18:00:00-05:00,170,50,20000,

``kind`` is ``coincident_peak`` (a system-peak interval, e.g. an ERCOT 4CP
interval, known or forecast) or ``demand_response`` (grid import must stay
at or below baseline minus reduction from ``start`` to ``end``; ``credit`` is
paid for the event; an empty ``penalty`` makes the reduction firm).  The
``reduction``, ``credit`` and ``penalty`` columns may be left out when the
site's demand-response programme gives them (``tariff.dr_reduction``,
``dr_credit``, ``dr_penalty``; a site plan fills them in).
Times as in the price file.

Every problem raises :class:`twin.errors.InputError` naming the file, the
line and column, what was found and what was expected.

Synthetic years
---------------
:func:`synthetic_ercot_year` and :func:`synthetic_tva_year` build seeded,
plausible years so that everything runs without market data.  They are
SYNTHETIC: shapes and magnitudes follow research/sites.md section 7 (ERCOT
offer cap $5,000/MWh, negative-price hours, 4CP on hot weekday afternoons
June-September; MLGW demand and energy charges), not any real year.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from twin.errors import InputError
from twin.optimize.inputs import DemandResponseEvent, nanoseconds
from twin.optimize.tariffs import J_PER_KWH, J_PER_MWH
from twin.units import to_si, ureg

_PRICE_COLUMNS = {
    "energy_price": ("price_energy", "energy_price"),
    "export_price": ("price_energy", "export_price"),
    "hub_price": ("price_energy", "hub_price"),
    "grid_CO2": ("emission_rate", "grid_CO2"),
}
_HEADER = re.compile(r"^\s*([A-Za-z_][A-Za-z0-9_]*)\s*(?:\[(.*)\])?\s*$")
_TRUE = {"1", "true", "yes"}
_FALSE = {"0", "false", "no"}

#: ERCOT real-time offer cap (HCAP), USD/MWh.
ERCOT_PRICE_CAP_USD_PER_MWH = 5000.0
#: Assumed ERCOT real-time price floor, USD/MWh (estimate).
ERCOT_PRICE_FLOOR_USD_PER_MWH = -251.0
#: Local time zone of both markets (Austin and Memphis).
CENTRAL = "America/Chicago"


def _read_table(path) -> tuple[str, pd.DataFrame]:
    file = str(path)
    if not Path(path).is_file():
        raise InputError.one(file, "", "no such file", "a CSV file")
    try:
        table = pd.read_csv(path, dtype=str, keep_default_na=False, skipinitialspace=True)
    except (pd.errors.EmptyDataError, pd.errors.ParserError, UnicodeDecodeError) as error:
        raise InputError.one(file, "", f"unreadable CSV ({str(error).splitlines()[0]})",
                             "a comma-separated file with one header row") from None
    if table.empty:
        raise InputError.one(file, "", "no data rows", "a header row and at least one data row")
    return file, table


def _header(file: str, column: str) -> tuple[str, str | None]:
    match = _HEADER.match(column)
    if not match:
        raise InputError.one(file, f"column '{column}'", repr(column), "a header like 'energy_price [USD/MWh]'")
    return match.group(1), match.group(2)


def _times(file: str, table: pd.DataFrame, column: str, tz: str | None) -> pd.DatetimeIndex:
    text = table[column].str.strip()
    parsed = pd.to_datetime(text, format="ISO8601", errors="coerce", utc=True)
    bad = parsed.isna()
    if bad.any():
        i = int(np.flatnonzero(bad.to_numpy())[0])
        raise InputError.one(file, f"line {i + 2}, column '{column}'", repr(table[column].iloc[i]),
                             "an ISO 8601 time such as 2025-07-01T16:00:00-05:00")
    outside = ((parsed.dt.year < 1900) | (parsed.dt.year > 2200)).to_numpy()  # beyond nanosecond time stamps
    if outside.any():
        i = int(np.flatnonzero(outside)[0])
        raise InputError.one(file, f"line {i + 2}, column '{column}'", repr(table[column].iloc[i]),
                             "a time between 1900 and 2200")
    offset = text.str.contains(r"(?:Z|[+-]\d\d:?\d\d)$", regex=True)
    if offset.all():
        index = pd.DatetimeIndex(parsed)
        return index.tz_convert(tz) if tz else index
    if offset.any():
        i = int(np.flatnonzero(~offset.to_numpy())[0])
        raise InputError.one(file, f"line {i + 2}, column '{column}'", repr(table[column].iloc[i]),
                             "every time with a UTC offset, or none")
    if tz is None:
        raise InputError.one(file, f"column '{column}'", "times without a UTC offset",
                             "times with a UTC offset, or the tz= argument naming their time zone")
    naive = pd.DatetimeIndex(pd.to_datetime(text, format="ISO8601"))
    try:
        return naive.tz_localize(tz, ambiguous="infer")
    except Exception as error:
        raise InputError.one(file, f"column '{column}'", f"local times that do not map to {tz} ({error})",
                             "times with a UTC offset") from None


def _numbers(file: str, table: pd.DataFrame, column: str, *, required: bool) -> np.ndarray:
    text = table[column].str.strip()
    values = pd.to_numeric(text, errors="coerce").to_numpy(float)
    bad = np.isnan(values) & ((text != "").to_numpy() | required)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise InputError.one(file, f"line {i + 2}, column '{column}'", repr(table[column].iloc[i]), "a number")
    return values


def _columns(file: str, table: pd.DataFrame) -> dict[str, tuple[str, str | None]]:
    """Column name -> (header, unit); a name given twice is an error, not a silent replacement."""
    columns: dict[str, tuple[str, str | None]] = {}
    for column in table.columns:
        column = str(column)
        twin_of = re.match(r"^(.*)\.\d+$", column)      # pandas renames a repeated header 'x' to 'x.1'
        if twin_of and twin_of.group(1) in table.columns:
            column = twin_of.group(1)
        name, unit = _header(file, column)
        if name in columns:
            raise InputError.one(file, f"column '{column}'", f"a second '{name}' column (first '{columns[name][0]}')",
                                 f"one '{name}' column")
        columns[name] = (column, unit)
    return columns


#: Accepted range of each price-file column, in the units of the bounds' text (SI in the tuple).
_RANGES = {
    "energy_price": (-1e4 / J_PER_MWH, 1e5 / J_PER_MWH, "-10,000 to 100,000 USD/MWh"),
    "export_price": (-1e4 / J_PER_MWH, 1e5 / J_PER_MWH, "-10,000 to 100,000 USD/MWh"),
    "hub_price": (-1e4 / J_PER_MWH, 1e5 / J_PER_MWH, "-10,000 to 100,000 USD/MWh"),
    "grid_CO2": (0.0, 3000.0 / J_PER_MWH, "0 to 3,000 kg/MWh"),
}


def _check_range(file: str, table: pd.DataFrame, column: str, values: np.ndarray, name: str) -> None:
    """Refuse values outside a plausible range (market caps are 5,000-10,000 USD/MWh; floors a few hundred below 0)."""
    lower, upper, text = _RANGES[name]
    bad = ~((values >= lower) & (values <= upper))
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise InputError.one(file, f"line {i + 2}, column '{column}'", repr(table[column].iloc[i]), f"a value in {text}")


def _factor(file: str, column: str, unit: str | None, kind: str) -> float:
    if not unit:
        raise InputError.one(file, f"column '{column}'", "no unit", f"a unit in brackets, e.g. '{column} [USD/MWh]'"
                             if kind == "price_energy" else f"a unit in brackets, e.g. '{column} [kg/MWh]'")
    return to_si(f"1 {unit}", kind, file=file, field=f"column '{column}'")


def read_prices(path, *, tz: str | None = None) -> pd.DataFrame:
    """Read a price file (format in the module docs) into SI columns indexed by tz-aware time."""
    file, table = _read_table(path)
    columns = _columns(file, table)
    unknown = set(columns) - set(_PRICE_COLUMNS) - {"time", "on_peak"}
    if unknown:
        raise InputError.one(file, "header", f"unknown column(s) {sorted(unknown)}",
                             f"columns among time, on_peak, {', '.join(_PRICE_COLUMNS)}")
    if "time" not in columns:
        raise InputError.one(file, "header", list(table.columns), "a 'time' column")
    if "energy_price" not in columns:
        raise InputError.one(file, "header", list(table.columns), "an 'energy_price [unit]' column")
    time = _times(file, table, columns["time"][0], tz)
    _check_spacing(file, time)
    out = pd.DataFrame(index=time.rename("time"))
    for name, (kind, si_name) in _PRICE_COLUMNS.items():
        if name in columns:
            column, unit = columns[name]
            values = _numbers(file, table, column, required=True) * _factor(file, column, unit, kind)
            _check_range(file, table, column, values, name)
            out[si_name] = values
    if "on_peak" in columns:
        column = columns["on_peak"][0]
        text = table[column].str.strip().str.lower()
        bad = ~text.isin(_TRUE | _FALSE)
        if bad.any():
            i = int(np.flatnonzero(bad.to_numpy())[0])
            raise InputError.one(file, f"line {i + 2}, column '{column}'", repr(table[column].iloc[i]), "1 or 0")
        out["on_peak"] = text.isin(_TRUE).to_numpy()
    out.attrs.update(file=file, step_s=float((time[1] - time[0]).total_seconds()) if len(time) > 1 else np.nan)
    return out


def _check_spacing(file: str, time: pd.DatetimeIndex) -> None:
    if len(time) < 2:
        return
    steps = np.diff(nanoseconds(time)) / 1e9
    bad = steps != steps[0]
    if steps[0] <= 0 or bad.any():
        i = int(np.flatnonzero(bad)[0]) + 1 if bad.any() else 1
        raise InputError.one(file, f"line {i + 2}, column 'time'", f"{time[i]} after {time[i - 1]}",
                             f"increasing times {abs(steps[0]):g} s apart, like the first two rows")


@dataclass(frozen=True)
class Events:
    """Events read from an event file: system-peak intervals and demand-response events."""

    coincident_peaks: pd.DatetimeIndex
    coincident_peak_interval_s: float
    demand_response: tuple[DemandResponseEvent, ...]


def read_events(path, *, tz: str | None = None) -> Events:
    """Read an event file (format in the module docs)."""
    file, table = _read_table(path)
    columns = _columns(file, table)
    for needed in ("kind", "start", "end"):
        if needed not in columns:
            raise InputError.one(file, "header", list(table.columns), f"a '{needed}' column")
    kind = table[columns["kind"][0]].str.strip()
    bad = ~kind.isin(["coincident_peak", "demand_response"])
    if bad.any():
        i = int(np.flatnonzero(bad.to_numpy())[0])
        raise InputError.one(file, f"line {i + 2}, column 'kind'", repr(kind.iloc[i]),
                             "coincident_peak or demand_response")
    start = _times(file, table, columns["start"][0], tz)
    end = _times(file, table, columns["end"][0], tz)
    wrong = np.flatnonzero(nanoseconds(end) <= nanoseconds(start))
    if wrong.size:
        i = int(wrong[0])
        raise InputError.one(file, f"line {i + 2}, column 'end'", str(end[i]), f"a time after start {start[i]}")

    peaks = (kind == "coincident_peak").to_numpy()
    lengths = np.unique((nanoseconds(end) - nanoseconds(start))[peaks]) / 1e9
    if lengths.size > 1:
        raise InputError.one(file, "column 'end'", f"coincident-peak intervals of {lengths.tolist()} s",
                             "coincident-peak intervals all of one length")
    events = []
    dr = np.flatnonzero(~peaks)
    if dr.size:
        values = {}
        for name, kind_si, required in (("baseline", "power", True), ("reduction", "power", False),
                                        ("credit", None, False), ("penalty", "price_energy", False)):
            if name not in columns:
                if required:
                    raise InputError.one(file, "header", list(table.columns), f"a '{name} [unit]' column")
                values[name] = np.full(len(table), np.nan)
                continue
            column, unit = columns[name]
            numbers = _numbers(file, table.iloc[dr], column, required=required)
            factor = _money(file, column, unit) if kind_si is None else _factor(file, column, unit, kind_si)
            values[name] = pd.Series(numbers * factor, index=dr).reindex(range(len(table))).to_numpy()
        for i in dr:
            penalty = values["penalty"][i]
            events.append(DemandResponseEvent(
                start=start[i], end=end[i], baseline=float(values["baseline"][i]),
                reduction=float(values["reduction"][i]),
                credit=0.0 if np.isnan(values["credit"][i]) else float(values["credit"][i]),
                penalty=None if np.isnan(penalty) else float(penalty),
            ))
    return Events(start[peaks], float(lengths[0]) if lengths.size else 900.0, tuple(events))


def _money(file: str, column: str, unit: str | None) -> float:
    try:
        return float(ureg.Quantity(1, unit or "").to("USD").magnitude)
    except Exception:
        raise InputError.one(file, f"column '{column}'", repr(unit), "a currency unit in brackets, e.g. [USD]") from None


# -- synthetic years ---------------------------------------------------------------------------


@dataclass(frozen=True)
class MarketYear:
    """A year of prices (SI columns, tz-aware index) and system-peak intervals, with what it is."""

    prices: pd.DataFrame
    coincident_peaks: pd.DatetimeIndex
    description: str


def _year_index(year: int, step_s: float) -> pd.DatetimeIndex:
    start = pd.Timestamp(f"{year}-01-01", tz=CENTRAL)
    end = pd.Timestamp(f"{year + 1}-01-01", tz=CENTRAL)
    return pd.date_range(start, end, freq=pd.Timedelta(seconds=step_s), inclusive="left", name="time")


def _weather(time: pd.DatetimeIndex, rng: np.random.Generator, mean: float, swing: float) -> np.ndarray:
    """Synthetic outdoor temperature (degC): seasonal and daily cycles with day-to-day weather."""
    day = np.asarray(time.day_of_year) - 1
    hour = np.asarray(time.hour + time.minute / 60.0)
    days = int(day.max()) + 1
    weather = np.zeros(days)
    shocks = rng.normal(0.0, 2.0, days)
    for k in range(1, days):
        weather[k] = 0.7 * weather[k - 1] + shocks[k]
    seasonal = mean - swing * np.cos(2 * np.pi * (day - 15) / 365.0)
    daily = 5.0 * np.sin(2 * np.pi * (hour - 10.0) / 24.0)
    return seasonal + daily + weather[day]


def synthetic_ercot_year(year: int = 2025, *, seed: int = 0, step_s: float = 3600.0) -> MarketYear:
    """A SYNTHETIC ERCOT year: real-time prices and four 4CP intervals (one per month, June-September).

    Prices follow a synthetic system load driven by Austin-like weather:
    a base of ~$20-45/MWh with morning and evening shoulders, a midday solar
    dip in spring, negative prices on some windy spring and autumn nights
    (down to the -$251/MWh floor assumed here), and scarcity spikes on hot
    summer afternoons up to the $5,000/MWh offer cap.  The 4CP interval of
    each summer month is the 15 minutes of highest synthetic system load on
    a weekday afternoon.  Seeded: the same ``seed`` gives the same year.
    """
    rng = np.random.default_rng(seed)
    time = _year_index(year, step_s)
    T = len(time)
    month = np.asarray(time.month)
    hour = np.asarray(time.hour + time.minute / 60.0)
    weekday = np.asarray(time.day_of_week) < 5
    temperature = _weather(time, rng, mean=20.5, swing=9.0)
    load = (1.0 + 0.025 * np.clip(temperature - 22.0, 0, None) ** 1.5 + 0.03 * np.clip(10.0 - temperature, 0, None)
            + 0.08 * np.sin(2 * np.pi * (hour - 11.0) / 24.0) + 0.04 * weekday)
    load = load / np.median(load)

    spring = np.isin(month, [3, 4, 5, 10, 11])
    solar_dip = np.where(spring, 10.0, 4.0) * np.clip(np.cos(2 * np.pi * (hour - 13.0) / 24.0), 0, None) ** 4
    evening = 6.0 * np.exp(-0.5 * ((hour - 20.0) / 1.5) ** 2)
    price = 22.0 * load ** 2 + evening - solar_dip + rng.normal(0.0, 3.0, T)

    summer_afternoon = np.isin(month, [6, 7, 8, 9]) & (hour >= 14) & (hour < 20)
    tight = summer_afternoon & (load > np.quantile(load, 0.97))
    spike = tight & (rng.random(T) < 0.5)
    price[spike] += np.exp(rng.uniform(np.log(50.0), np.log(8000.0), spike.sum()))
    hottest = np.flatnonzero(summer_afternoon)[np.argsort(load[summer_afternoon])[-4:]]
    price[hottest] = ERCOT_PRICE_CAP_USD_PER_MWH

    night = (hour < 6) | (hour >= 23)
    windy = spring & night & (rng.random(T) < 0.12)
    price[windy] = -rng.exponential(12.0, windy.sum())
    price[windy & (rng.random(T) < 0.05)] = ERCOT_PRICE_FLOOR_USD_PER_MWH
    price = np.clip(price, ERCOT_PRICE_FLOOR_USD_PER_MWH, ERCOT_PRICE_CAP_USD_PER_MWH)

    peaks = []
    for m in (6, 7, 8, 9):
        window = np.flatnonzero((month == m) & weekday & (hour >= 15) & (hour < 17.5))
        i = window[np.argmax(load[window])]
        quarter = int(rng.integers(0, 4)) if step_s >= 3600 else 0
        peaks.append(time[i] + pd.Timedelta(minutes=15 * quarter))
    prices = pd.DataFrame({"energy_price": price / J_PER_MWH}, index=time)
    prices.attrs.update(synthetic=True, step_s=float(step_s))
    description = (f"SYNTHETIC ERCOT-like year {year} (seed {seed}): real-time prices from a synthetic "
                   "system load; not market data")
    return MarketYear(prices, pd.DatetimeIndex(peaks), description)


#: Estimated MLGW time-of-use energy rates, USD/kWh (blended about $0.045/kWh).
MLGW_ON_PEAK_ENERGY_USD_PER_KWH = 0.060
MLGW_OFF_PEAK_ENERGY_USD_PER_KWH = 0.042


def tva_on_peak(time: pd.DatetimeIndex) -> np.ndarray:
    """Estimated TVA-style on-peak hours: weekdays 13:00-19:00 April-October, 04:00-10:00 November-March."""
    hour = np.asarray(time.hour)
    summer = np.isin(np.asarray(time.month), range(4, 11))
    weekday = np.asarray(time.day_of_week) < 5
    return weekday & np.where(summer, (hour >= 13) & (hour < 19), (hour >= 4) & (hour < 10))


def synthetic_tva_year(year: int = 2025, *, seed: int = 0, step_s: float = 3600.0) -> MarketYear:
    """A SYNTHETIC TVA/MLGW year: time-of-use energy rates with a seeded monthly fuel cost adjustment.

    On-peak hours follow :func:`tva_on_peak`; rates are the estimates
    :data:`MLGW_ON_PEAK_ENERGY_USD_PER_KWH` and :data:`MLGW_OFF_PEAK_ENERGY_USD_PER_KWH`,
    each month scaled by a fuel cost adjustment drawn around 1 (sd 5 %).
    Demand charges come from :func:`twin.optimize.tariffs.tva_mlgw_tariff`.
    """
    rng = np.random.default_rng(seed)
    time = _year_index(year, step_s)
    on_peak = tva_on_peak(time)
    adjustment = 1.0 + rng.normal(0.0, 0.05, 12)[np.asarray(time.month) - 1]
    rate = np.where(on_peak, MLGW_ON_PEAK_ENERGY_USD_PER_KWH, MLGW_OFF_PEAK_ENERGY_USD_PER_KWH) * adjustment
    prices = pd.DataFrame({"energy_price": rate / J_PER_KWH, "on_peak": on_peak}, index=time)
    prices.attrs.update(synthetic=True, step_s=float(step_s))
    description = (f"SYNTHETIC TVA/MLGW-like year {year} (seed {seed}): estimated time-of-use energy rates; "
                   "not a published tariff")
    return MarketYear(prices, pd.DatetimeIndex([]), description)
