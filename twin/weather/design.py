"""ASHRAE design days and heat waves, built on the climatic design conditions that each
built-in station's TMY3 file carries (its ``DESIGN CONDITIONS`` line: 2009 ASHRAE
Handbook-Fundamentals).

Design days follow ASHRAE Handbook-Fundamentals 2009 ch. 14: dry bulb along Table 6 with the
hottest month's daily range, humidity ratio constant over the day (as EnergyPlus design days),
clear sky (Haurwitz), the mean coincident wind.  Heat waves are design days strung together
with peaks rising to the annual extreme, and carry the station's humid design air (see
:func:`heat_wave`).
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import pandas as pd

from twin.errors import InputError
from twin.weather.epw import complete, location_attrs, offsets, sample, times
from twin.weather.psychrometrics import (
    EPSILON, clear_sky_ghi, dew_point, humidity_ratio_at_wet_bulb, standard_pressure,
)
from twin.weather.typical import STATIONS, station_header, station_key

#: Fraction of the daily dry-bulb range below the daily maximum for hours 1..24 (hour h
#: ends at h:00): ASHRAE Handbook-Fundamentals 2009 ch. 14 Table 6, as EnergyPlus design days use it.
FRACTION_OF_DAILY_RANGE = np.array([
    0.88, 0.92, 0.95, 0.98, 1.00, 0.98, 0.91, 0.74, 0.55, 0.38, 0.23, 0.13,
    0.05, 0.00, 0.00, 0.06, 0.14, 0.24, 0.39, 0.50, 0.59, 0.68, 0.75, 0.82,
])

DESIGN_CONDITIONS = ("cooling_0.4", "cooling_1", "cooling_2", "evaporation_0.4", "evaporation_1", "evaporation_2")


def _dry_bulb_hours(T_max: np.ndarray, T_min: np.ndarray, fraction: np.ndarray) -> np.ndarray:
    """Hourly dry bulb (days x 24) along a diurnal ``fraction`` of the range below the maximum
    (1 at the coolest hour, 0 at the warmest): from the previous day's maximum down to the
    day's minimum, up to its maximum, then down towards the next minimum, so days join smoothly.
    The first and last day take their neighbours cyclically."""
    hour = np.arange(24)
    upper = np.where(hour <= np.argmax(fraction), np.roll(T_max, 1)[:, None], T_max[:, None])
    lower = np.where(hour > np.argmin(fraction), np.roll(T_min, -1)[:, None], T_min[:, None])
    return upper - fraction * (upper - lower)


def design_conditions_from_header(header, name: str) -> dict:
    """The ASHRAE design conditions used here, from the EPW ``DESIGN CONDITIONS`` line."""
    fields = [f.strip() for f in header[1].split(",")]
    try:
        c = [float(v) for v in fields[fields.index("Cooling") + 1:][:16]]
        e = [float(v) for v in fields[fields.index("Extremes") + 1:][:8]]
    except ValueError:
        raise InputError.one(name, "line 2 (DESIGN CONDITIONS)", repr(header[1][:80]),
                             "2009 ASHRAE climatic design conditions with Cooling and Extremes sections") from None
    levels = ("0.4", "1", "2")
    return {
        "hottest_month": int(c[0]), "T_dry_bulb_range": c[1], "wind_speed_coincident": c[14],
        "cooling": {k: {"T_dry_bulb": c[2 + 2 * i], "T_wet_bulb": c[3 + 2 * i]} for i, k in enumerate(levels)},
        "evaporation": {k: {"T_wet_bulb": c[8 + 2 * i], "T_dry_bulb": c[9 + 2 * i]} for i, k in enumerate(levels)},
        "T_wet_bulb_extreme_max": e[3], "T_dry_bulb_extreme_max_mean": e[5], "T_dry_bulb_extreme_max_sd": e[7],
    }

@lru_cache(maxsize=None)
def _station_conditions(key: str) -> dict:
    header, name = station_header(key), STATIONS[key]
    return location_attrs(list(header), name) | design_conditions_from_header(header, name)


def _station(location: str) -> tuple[str, dict]:
    key = station_key(location)
    return key, _station_conditions(key)


def design_conditions(location: str) -> dict:
    """The ASHRAE 2009 design conditions of a built-in location (degC, m/s), from its TMY3 file."""
    return dict(_station(location)[1])


def _attrs(station: dict, source: str) -> dict:
    return {k: station[k] for k in ("location", "latitude", "longitude", "elevation", "time_zone")} | {"source": source}


def extreme_dry_bulb(location: str, return_period_years: int | None = None) -> float:
    """Annual extreme maximum dry bulb (degC): the mean extreme (``None``) or the n-year return value.

    Gumbel fit to the mean ``M`` and standard deviation ``s`` of the annual extremes,
    ASHRAE Handbook-Fundamentals 2009 ch. 14: ``T_n = M + F s`` with
    ``F = -(sqrt(6) / pi) (0.5772 + ln(ln(n / (n - 1))))``.
    """
    _, c = _station(location)
    if return_period_years is None:
        return float(c["T_dry_bulb_extreme_max_mean"])
    n = return_period_years
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 2:
        raise InputError.one("weather", "return_period_years", repr(n), "a whole number of years >= 2, or None")
    F = -np.sqrt(6.0) / np.pi * (0.5772 + np.log(np.log(n / (n - 1.0))))
    return float(c["T_dry_bulb_extreme_max_mean"] + F * c["T_dry_bulb_extreme_max_sd"])


def _design_hours(station: dict, T_max: np.ndarray, W: float, day: pd.Timestamp) -> dict:
    """Hourly design weather for consecutive days with maxima ``T_max`` from ``day``: the ASHRAE
    profile with the hottest-month range, the humidity ratio ``W`` held constant, clear sky and
    the mean coincident wind speed."""
    edge = np.r_[T_max[0], T_max, T_max[-1]]  # the days before and after are like the first and last
    T_dry_bulb = _dry_bulb_hours(edge, edge - station["T_dry_bulb_range"], FRACTION_OF_DAILY_RANGE)[1:-1].ravel()
    p = float(standard_pressure(station["elevation"]))
    time = pd.date_range(day, periods=T_dry_bulb.size, freq="h", unit="ns")
    return complete(T_dry_bulb, np.minimum(dew_point(p * W / (EPSILON + W)), T_dry_bulb), p,
                     np.full(T_dry_bulb.size, station["wind_speed_coincident"]),
                     clear_sky_ghi(time, station["latitude"], station["longitude"], station["time_zone"]))


def _design_day_hours(location: str, condition: str, day: pd.Timestamp) -> tuple[dict, dict]:
    _, station = _station(location)
    if condition not in DESIGN_CONDITIONS:
        raise InputError.one("weather", "condition", repr(condition), "one of " + ", ".join(DESIGN_CONDITIONS))
    kind, level = condition.split("_")
    peak = station[kind][level]
    W = humidity_ratio_at_wet_bulb(peak["T_dry_bulb"], peak["T_wet_bulb"], float(standard_pressure(station["elevation"])))
    return (_design_hours(station, np.array([peak["T_dry_bulb"]]), float(W), day),
            _attrs(station, f"ASHRAE 2009 climatic design conditions ({condition}) of {station['source']}"))


def _heat_wave_hours(location: str, days: int, day: pd.Timestamp, return_period_years: int | None) -> tuple[dict, dict]:
    key, station = _station(location)
    if isinstance(days, bool) or not isinstance(days, (int, np.integer)) or days < 1:
        raise InputError.one("weather", "days", repr(days), "a whole number of days >= 1")
    design = station["cooling"]["0.4"]
    peak_day = -(-days // 2)
    ramp = np.ones(days) if peak_day == 1 else np.minimum(np.arange(days) / (peak_day - 1), 1.0)
    T_max = design["T_dry_bulb"] + (extreme_dry_bulb(key, return_period_years) - design["T_dry_bulb"]) * ramp
    return (_design_hours(station, T_max, heat_wave_humidity_ratio(key, float(T_max.max())), day),
            _attrs(station, f"heat wave built on the ASHRAE 2009 design conditions of {station['source']}"))


def heat_wave_humidity_ratio(location: str, T_dry_bulb_peak: float) -> float:
    """Humidity ratio (kg/kg) of a heat wave peaking at ``T_dry_bulb_peak`` (degC).

    The humid of the two 0.4 % design points (cooling: dry bulb with its mean coincident wet
    bulb; evaporation: wet bulb with its mean coincident dry bulb), so hot days keep the moist
    air of the station's hot season instead of drying out as the dry bulb rises; capped so the
    peak-hour wet bulb stays at or below the station's extreme maximum wet bulb.
    """
    _, station = _station(location)
    p = float(standard_pressure(station["elevation"]))
    W = max(float(humidity_ratio_at_wet_bulb(c["T_dry_bulb"], c["T_wet_bulb"], p))
            for c in (station["cooling"]["0.4"], station["evaporation"]["0.4"]))
    W_cap = float(humidity_ratio_at_wet_bulb(T_dry_bulb_peak, station["T_wet_bulb_extreme_max"], p))
    return min(W, W_cap)


def _day(date, field: str) -> pd.Timestamp:
    try:
        return pd.Timestamp(date).normalize()
    except (ValueError, TypeError):
        raise InputError.one("weather", field, repr(date), "a date such as '2025-07-21'") from None


def design_day(location: str, condition: str = "cooling_0.4", date="2025-07-21", step: float = 3600) -> xr.Dataset:
    """A 24-hour ASHRAE design day from midnight of ``date``, every ``step`` seconds.

    ``cooling_0.4|1|2``: dry bulb peaking at the design value with its mean coincident wet
    bulb; ``evaporation_0.4|1|2``: peaking at the mean coincident dry bulb with the
    evaporation design wet bulb. Dry bulb after ASHRAE Handbook-Fundamentals 2009 ch. 14
    Table 6 with the hottest-month daily range (peak in the hours ending 14:00 and 15:00,
    stamped 13:00 and 14:00); humidity ratio constant over the day as in EnergyPlus design
    days; clear sky (Haurwitz); mean coincident wind speed.
    """
    day = _day(date, "date")
    hours, attrs = _design_day_hours(location, condition, day)
    steps = offsets(86400.0, step)
    return sample(hours, times(day, steps), steps / 3600.0, 24, attrs)


def heat_wave(location: str, days: int = 5, start="2025-07-21", return_period_years: int | None = None,
              step: float = 3600) -> xr.Dataset:
    """A ``days``-long heat wave from midnight of ``start``, every ``step`` seconds.

    Daily peaks rise linearly from the 0.4 % cooling design dry bulb on the first day to
    :func:`extreme_dry_bulb` (mean annual extreme, or the ``return_period_years`` value) on
    day ``ceil(days / 2)`` and stay there; every day has the design-day shape and range, and
    the humid design air of :func:`heat_wave_humidity_ratio` all day.
    """
    day = _day(start, "start")
    hours, attrs = _heat_wave_hours(location, days, day, return_period_years)
    steps = offsets(days * 86400.0, step)
    return sample(hours, times(day, steps), steps / 3600.0, None, attrs)
