"""Outdoor weather: EPW reader, vectorised psychrometrics, built-in typical years, design days.

Every dataset here has dim ``time`` (local standard time, no daylight saving) and the
variables of :data:`VARIABLES`. Hourly data are stamped at the start of their hour: EPW
hour ``h`` (the hour ending at ``h``:00) is stored at ``(h - 1)``:00, and design-day
hours are numbered the same way.

The built-in locations (:data:`STATIONS`) need no external file: their typical years are
synthesised from compact statistics in ``twin/data/weather/``, written from the real
TMY3 files by ``python -m twin.weather derive <directory with the EPW files>``.
Psychrometrics use the ASHRAE Handbook-Fundamentals (2017) ch. 1 formulas, as
PsychroLib 2.5 does, on whole arrays.
"""

from __future__ import annotations

import json
import re
import sys
import zlib
from functools import lru_cache
from importlib.resources import files
from pathlib import Path

import numpy as np
import pandas as pd
import xarray as xr
from scipy.special import ndtr, ndtri

from twin.errors import InputError

#: Variable name -> (units, long_name) of every dataset this module returns.
VARIABLES: dict[str, tuple[str, str]] = {
    "T_dry_bulb": ("degC", "outdoor dry-bulb temperature"),
    "T_dew_point": ("degC", "outdoor dew-point temperature"),
    "relative_humidity": ("1", "outdoor relative humidity (fraction)"),
    "p_atmosphere": ("Pa", "atmospheric (station) pressure"),
    "T_wet_bulb": ("degC", "outdoor thermodynamic wet-bulb temperature"),
    "wind_speed": ("m/s", "wind speed at 10 m"),
    "global_horizontal_irradiance": ("W/m2", "global horizontal irradiance (mean over the hour)"),
}

#: Built-in location -> TMY3 file of the station behind its typical year and design conditions.
#: Austin is Camp Mabry, the long-record NWS climate station of Austin (Mueller, the other
#: TMY3 station, has a 0.2 K higher 0.4 % design dry bulb and ~1 K higher mean wet bulb).
STATIONS = {
    "austin": "USA_TX_Austin-Camp.Mabry.722544_TMY3.epw",
    "memphis": "USA_TN_Memphis.Intl.AP.723340_TMY3.epw",
}

#: Fraction of the daily dry-bulb range below the daily maximum for hours 1..24 (hour h
#: ends at h:00): ASHRAE Handbook-Fundamentals 2009 ch. 14 Table 6, as EnergyPlus design days use it.
FRACTION_OF_DAILY_RANGE = np.array([
    0.88, 0.92, 0.95, 0.98, 1.00, 0.98, 0.91, 0.74, 0.55, 0.38, 0.23, 0.13,
    0.05, 0.00, 0.00, 0.06, 0.14, 0.24, 0.39, 0.50, 0.59, 0.68, 0.75, 0.82,
])

DESIGN_CONDITIONS = ("cooling_0.4", "cooling_1", "cooling_2", "evaporation_0.4", "evaporation_1", "evaporation_2")

_DATA = files("twin") / "data" / "weather"
_HOURS = 8760
_MIN_HUMIDITY_RATIO = 1e-7
_EPSILON = 0.621945  # molar mass ratio water / dry air, ASHRAE 2017 ch. 1 eq. 20


# --------------------------------------------------------------------------- psychrometrics

def saturation_pressure(T):
    """Saturation vapour pressure (Pa) at ``T`` (degC), over ice at or below the triple point (0.01 degC).

    ASHRAE Handbook-Fundamentals (2017) ch. 1 eq. 5-6 (switched at 0.01 degC as PsychroLib does).
    """
    T = np.asarray(T, dtype=float)
    K = T + 273.15
    ice = (-5.6745359e03 / K + 6.3925247 - 9.677843e-03 * K + 6.2215701e-07 * K**2
           + 2.0747825e-09 * K**3 - 9.484024e-13 * K**4 + 4.1635019 * np.log(K))
    water = (-5.8002206e03 / K + 1.3914993 - 4.8640239e-02 * K + 4.1764768e-05 * K**2
             - 1.4452093e-08 * K**3 + 6.5459673 * np.log(K))
    return np.exp(np.where(T <= 0.01, ice, water))


def standard_pressure(elevation):
    """Standard-atmosphere pressure (Pa) at ``elevation`` (m). ASHRAE 2017 ch. 1 eq. 3."""
    return 101325.0 * (1.0 - 2.25577e-05 * np.asarray(elevation, dtype=float)) ** 5.2559


def humidity_ratio(p_vapour, p_atmosphere):
    """Humidity ratio (kg water per kg dry air) from vapour and total pressure (Pa). ASHRAE 2017 ch. 1 eq. 20."""
    p_vapour = np.asarray(p_vapour, dtype=float)
    return np.maximum(_EPSILON * p_vapour / (p_atmosphere - p_vapour), _MIN_HUMIDITY_RATIO)


def _humidity_ratio_at_wet_bulb(T_dry_bulb, T_wet_bulb, p_atmosphere):
    """Humidity ratio of air at ``T_dry_bulb`` whose wet bulb is ``T_wet_bulb``. ASHRAE 2017 ch. 1 eq. 33/35."""
    W_sat = humidity_ratio(saturation_pressure(T_wet_bulb), p_atmosphere)
    dT = T_dry_bulb - T_wet_bulb
    water = ((2501.0 - 2.326 * T_wet_bulb) * W_sat - 1.006 * dT) / (2501.0 + 1.86 * T_dry_bulb - 4.186 * T_wet_bulb)
    ice = ((2830.0 - 0.24 * T_wet_bulb) * W_sat - 1.006 * dT) / (2830.0 + 1.86 * T_dry_bulb - 2.1 * T_wet_bulb)
    return np.maximum(np.where(T_wet_bulb >= 0.0, water, ice), _MIN_HUMIDITY_RATIO)


def _bisect(f, lo, hi, iterations):
    """Root of the increasing function ``f`` between ``lo`` and ``hi``, elementwise, by fixed-count bisection."""
    lo, hi = (a.copy() for a in np.broadcast_arrays(np.asarray(lo, dtype=float), np.asarray(hi, dtype=float)))
    for _ in range(iterations):
        mid = 0.5 * (lo + hi)
        above = f(mid) > 0.0
        hi = np.where(above, mid, hi)
        lo = np.where(above, lo, mid)
    return 0.5 * (lo + hi)


def dew_point(p_vapour):
    """Dew point (degC) whose :func:`saturation_pressure` is ``p_vapour`` (Pa); bisection on [-100, 100] degC."""
    log_p = np.log(np.maximum(np.asarray(p_vapour, dtype=float), 1e-3))
    return _bisect(lambda T: np.log(saturation_pressure(T)) - log_p, -100.0, 100.0, 32)


def wet_bulb_from_humidity_ratio(T_dry_bulb, W, p_atmosphere):
    """Thermodynamic wet bulb (degC) from dry bulb (degC), humidity ratio (kg/kg) and pressure (Pa).

    Solves ASHRAE 2017 ch. 1 eq. 33/35 by bisection between dew point and dry bulb, the
    bracket PsychroLib uses (so the same root is found where the ice and water formulas
    meet near 0 degC), to 1e-7 K rather than PsychroLib's 1e-3 K.
    """
    T_dry_bulb, W, p = np.broadcast_arrays(*(np.asarray(a, dtype=float) for a in (T_dry_bulb, W, p_atmosphere)))
    W = np.maximum(W, _MIN_HUMIDITY_RATIO)
    T_dew = np.minimum(dew_point(p * W / (_EPSILON + W)), T_dry_bulb)
    return _bisect(lambda T: _humidity_ratio_at_wet_bulb(T_dry_bulb, T, p) - W, T_dew, T_dry_bulb, 30)


def wet_bulb(T_dry_bulb, relative_humidity, p_atmosphere):
    """Thermodynamic wet bulb (degC) from dry bulb (degC), relative humidity (0-1) and pressure (Pa).

    Vectorised equivalent of PsychroLib ``GetTWetBulbFromRelHum`` (ASHRAE 2017 ch. 1).
    """
    p_vapour = np.asarray(relative_humidity, dtype=float) * saturation_pressure(T_dry_bulb)
    return wet_bulb_from_humidity_ratio(T_dry_bulb, humidity_ratio(p_vapour, p_atmosphere), p_atmosphere)


def clear_sky_ghi(time, latitude, longitude, time_zone):
    """Clear-sky global horizontal irradiance (W/m2) for the hour starting at each ``time`` (local standard).

    Haurwitz (1945) ``1098 cos(z) exp(-0.057 / cos(z))`` at the mid-hour sun position, with
    Spencer's (1971) series for declination and equation of time.
    """
    t = pd.DatetimeIndex(time) + pd.Timedelta(minutes=30)
    B = 2.0 * np.pi * (t.day_of_year.to_numpy() - 1) / 365.0
    declination = (0.006918 - 0.399912 * np.cos(B) + 0.070257 * np.sin(B) - 0.006758 * np.cos(2 * B)
                   + 0.000907 * np.sin(2 * B) - 0.002697 * np.cos(3 * B) + 0.00148 * np.sin(3 * B))
    equation_of_time = 229.18 * (0.000075 + 0.001868 * np.cos(B) - 0.032077 * np.sin(B)
                                 - 0.014615 * np.cos(2 * B) - 0.040849 * np.sin(2 * B))
    clock = t.hour.to_numpy() + t.minute.to_numpy() / 60.0
    solar_time = clock + (4.0 * (longitude - 15.0 * time_zone) + equation_of_time) / 60.0
    phi, hour_angle = np.radians(latitude), np.radians(15.0 * (solar_time - 12.0))
    cos_z = np.sin(phi) * np.sin(declination) + np.cos(phi) * np.cos(declination) * np.cos(hour_angle)
    return np.where(cos_z > 0.0, 1098.0 * cos_z * np.exp(-0.057 / np.maximum(cos_z, 1e-6)), 0.0)


# --------------------------------------------------------------------------- datasets

def _complete(T_dry_bulb, T_dew_point, p_atmosphere, wind_speed, ghi, relative_humidity=None) -> dict:
    """All :data:`VARIABLES` as arrays; relative humidity from the dew point unless given."""
    p = np.broadcast_to(np.asarray(p_atmosphere, dtype=float), np.shape(T_dry_bulb))
    if relative_humidity is None:
        relative_humidity = np.minimum(saturation_pressure(T_dew_point) / saturation_pressure(T_dry_bulb), 1.0)
    return {"T_dry_bulb": T_dry_bulb, "T_dew_point": T_dew_point, "relative_humidity": relative_humidity,
            "p_atmosphere": p, "T_wet_bulb": wet_bulb(T_dry_bulb, relative_humidity, p),
            "wind_speed": wind_speed, "global_horizontal_irradiance": ghi}


def _to_dataset(arrays: dict, time, attrs: dict) -> xr.Dataset:
    return xr.Dataset({name: ("time", np.array(arrays[name], dtype=float), {"units": units, "long_name": long_name})
                       for name, (units, long_name) in VARIABLES.items()}, coords={"time": time}, attrs=attrs)


def _year_index(year: int) -> pd.DatetimeIndex:
    if isinstance(year, bool) or not isinstance(year, (int, np.integer)) or pd.Timestamp(int(year), 1, 1).is_leap_year:
        raise InputError.one("weather", "year", repr(year), "a non-leap year (a typical year has 8,760 hours)")
    return pd.date_range(f"{int(year)}-01-01", periods=_HOURS, freq="h", unit="ns")


# --------------------------------------------------------------------------- EPW files

#: EPW fields read: name -> (0-based position, valid range per the EPW data dictionary).
_EPW_FIELDS = {
    "month": (1, (1, 12)), "day": (2, (1, 31)), "hour": (3, (1, 24)),
    "dry bulb temperature": (6, (-70.0, 70.0)), "dew point temperature": (7, (-70.0, 70.0)),
    "relative humidity": (8, (0.0, 110.0)), "atmospheric station pressure": (9, (31000.0, 120000.0)),
    "global horizontal radiation": (13, (0.0, 2000.0)), "wind speed": (21, (0.0, 40.0)),
}
_EPW_HEADERS = ("LOCATION", "DESIGN CONDITIONS", "TYPICAL/EXTREME PERIODS", "GROUND TEMPERATURES",
                "HOLIDAYS/DAYLIGHT SAVINGS", "COMMENTS 1", "COMMENTS 2", "DATA PERIODS")


def _read_epw_text(path: Path) -> tuple[list[str], dict[str, np.ndarray]]:
    """The 8 header lines and the checked data columns of an EPW file."""
    name = str(path)
    try:
        lines = path.read_text(encoding="latin-1").splitlines()
    except OSError as err:
        raise InputError.one(name, "", f"an unreadable file ({err.strerror})", "an EPW weather file") from None
    for i, key in enumerate(_EPW_HEADERS):
        if i >= len(lines) or not lines[i].upper().startswith(key):
            found = repr(lines[i][:40]) if i < len(lines) else "the end of the file"
            raise InputError.one(name, f"line {i + 1}", found, f"the EPW header line {key!r}")
    rows = [line.split(",") for line in lines[8:] if line.strip()]
    if len(rows) != _HOURS:
        raise InputError.one(name, "data rows", len(rows), f"{_HOURS} hourly rows after the 8 header lines")
    n_fields = max(position for position, _ in _EPW_FIELDS.values()) + 1
    short = next((i for i, row in enumerate(rows) if len(row) < n_fields), None)
    if short is not None:
        raise InputError.one(name, f"line {short + 9}", f"{len(rows[short])} fields",
                             f"at least {n_fields} comma-separated fields")
    columns = {}
    for field, (position, (low, high)) in _EPW_FIELDS.items():
        raw = [row[position] for row in rows]
        values = pd.to_numeric(pd.Series(raw), errors="coerce").to_numpy(dtype=float)
        bad = np.flatnonzero(~((values >= low) & (values <= high)))
        if bad.size:
            raise InputError.one(name, f"line {bad[0] + 9} field {position + 1} ({field})", repr(raw[bad[0]]),
                                 f"a number in [{low:g}, {high:g}]")
        columns[field] = values
    expected = pd.date_range("2025-01-01", periods=_HOURS, freq="h")
    found = np.c_[columns["month"], columns["day"], columns["hour"]].astype(int)
    wanted = np.c_[expected.month, expected.day, expected.hour + 1]
    wrong = np.flatnonzero((found != wanted).any(axis=1))
    if wrong.size:
        i = wrong[0]
        raise InputError.one(name, f"line {i + 9} (month, day, hour)", tuple(found[i].tolist()),
                             f"{tuple(wanted[i].tolist())}: the hours of a non-leap year in order")
    return lines[:8], columns


def _location_attrs(header: list[str], name: str) -> dict:
    fields = [f.strip() for f in header[0].split(",")]
    try:
        latitude, longitude, time_zone, elevation = (float(v) for v in fields[6:10])
    except ValueError:
        raise InputError.one(name, "line 1 (LOCATION)", repr(header[0][:80]),
                             "LOCATION,city,state,country,source,WMO,latitude,longitude,time zone,elevation") from None
    return {"location": ", ".join(f for f in fields[1:4] if f), "latitude": latitude, "longitude": longitude,
            "elevation": elevation, "time_zone": time_zone, "source": Path(name).name}


def read_epw(path, year: int = 2025) -> xr.Dataset:
    """Read an EnergyPlus weather (EPW) file: 8 header lines, then 8,760 hourly rows.

    Returns :data:`VARIABLES` on the hour-beginning timestamps of the non-leap ``year``;
    the wet bulb is computed from dry bulb, relative humidity and station pressure.
    Raises :class:`InputError` naming the file, line and field of a malformed file.
    """
    path = Path(path)
    time = _year_index(year)
    header, c = _read_epw_text(path)
    arrays = _complete(c["dry bulb temperature"], c["dew point temperature"], c["atmospheric station pressure"],
                       c["wind speed"], c["global horizontal radiation"],
                       relative_humidity=np.minimum(c["relative humidity"] / 100.0, 1.0))
    return _to_dataset(arrays, time, _location_attrs(header, str(path)))


# --------------------------------------------------------------------------- typical years

#: Daily quantities whose per-month distributions describe a typical year.
_DAILY = ("T_dry_bulb_max", "T_dry_bulb_min", "T_dew_point_mean", "clearness", "wind_speed_mean")
#: Probability levels at which those distributions are stored.
_LEVELS = (0.0, 0.02, 0.08, 0.2, 0.35, 0.5, 0.65, 0.8, 0.92, 0.98, 1.0)


def _normal_scores(x: np.ndarray) -> np.ndarray:
    """Standard-normal scores of the ranks of ``x``: rank r of n -> Phi^-1((r + 0.5) / n)."""
    return ndtri((np.argsort(np.argsort(x, kind="stable")) + 0.5) / len(x))


def _derive_statistics(ds: xr.Dataset) -> dict:
    """Compact statistics of one hourly year: per month the quantiles of the :data:`_DAILY`
    values and the correlation of their normal scores, the day-to-day persistence of the
    scores, monthly mean dry bulb and dew point, and mean diurnal shapes."""
    a = ds.attrs
    by_day = {name: ds[name].values.reshape(365, 24) for name in VARIABLES}
    db = by_day["T_dry_bulb"]
    clear = clear_sky_ghi(ds.time.values, a["latitude"], a["longitude"], a["time_zone"]).reshape(365, 24)
    daily = {"T_dry_bulb_max": db.max(axis=1), "T_dry_bulb_min": db.min(axis=1),
             "T_dew_point_mean": by_day["T_dew_point"].mean(axis=1),
             "clearness": by_day["global_horizontal_irradiance"].sum(axis=1) / clear.sum(axis=1),
             "wind_speed_mean": by_day["wind_speed"].mean(axis=1)}
    month = ds.time.dt.month.values[::24]
    scores = np.empty((365, len(_DAILY)))
    months = []
    for m in range(1, 13):
        days = month == m
        scores[days] = np.column_stack([_normal_scores(daily[name][days]) for name in _DAILY])
        months.append({
            "T_dry_bulb_mean": round(float(db[days].mean()), 3),
            "T_dew_point_mean": round(float(by_day["T_dew_point"][days].mean()), 3),
            "quantiles": {name: np.round(np.quantile(daily[name][days], _LEVELS, method="hazen"), 3).tolist()
                          for name in _DAILY},
            "correlation": np.round(np.corrcoef(scores[days].T), 3).tolist(),
        })
    # Diurnal dry-bulb shape: the mean of each day's sorted fractions of its range below its
    # maximum, ordered by the hours' mean fraction (keeps single-day peaks as sharp as measured).
    ranged = np.ptp(db, axis=1) > 2.0
    fraction = (db.max(axis=1, keepdims=True) - db)[ranged] / np.ptp(db, axis=1, keepdims=True)[ranged]
    order = np.argsort(np.argsort(fraction.mean(axis=0)))
    dew, wind = by_day["T_dew_point"], by_day["wind_speed"]
    return {
        "file": a["source"], "levels": list(_LEVELS), "daily": list(_DAILY), "months": months,
        "persistence": [round(float(np.corrcoef(scores[:-1, j], scores[1:, j])[0, 1]), 3) for j in range(len(_DAILY))],
        "T_dry_bulb_diurnal": np.round(np.sort(fraction, axis=1).mean(axis=0)[order], 3).tolist(),
        "T_dew_point_diurnal": np.round((dew - dew.mean(axis=1, keepdims=True)).mean(axis=0), 3).tolist(),
        "wind_speed_diurnal": np.round(wind.mean(axis=0) / wind.mean(), 3).tolist(),
    }


def _daily_series(stats: dict, month: np.ndarray, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Daily values: each month's set spreads evenly over the stored distributions; their
    order follows a seeded AR(1) process with the stored persistence and correlations."""
    phi = np.array(stats["persistence"])
    chol = [np.linalg.cholesky(np.array(m["correlation"]) + 1e-9 * np.eye(phi.size)) for m in stats["months"]]
    z = np.empty((month.size, phi.size))
    state = chol[month[0] - 1] @ rng.standard_normal(phi.size)
    for d, m in enumerate(month):
        state = phi * state + np.sqrt(1.0 - phi**2) * (chol[m - 1] @ rng.standard_normal(phi.size))
        z[d] = state
    out = {name: np.empty(month.size) for name in stats["daily"]}
    for m, s in enumerate(stats["months"], start=1):
        days = month == m
        for j, name in enumerate(stats["daily"]):
            out[name][days] = np.interp(ndtr(_normal_scores(z[days, j])), stats["levels"], s["quantiles"][name])
    return out


def _dry_bulb_hours(T_max: np.ndarray, T_min: np.ndarray, fraction: np.ndarray) -> np.ndarray:
    """Hourly dry bulb (days x 24) along a diurnal ``fraction`` of the range below the maximum
    (1 at the coolest hour, 0 at the warmest): from the previous day's maximum down to the
    day's minimum, up to its maximum, then down towards the next minimum, so days join smoothly.
    The first and last day take their neighbours cyclically."""
    hour = np.arange(24)
    upper = np.where(hour <= np.argmax(fraction), np.roll(T_max, 1)[:, None], T_max[:, None])
    lower = np.where(hour > np.argmin(fraction), np.roll(T_min, -1)[:, None], T_min[:, None])
    return upper - fraction * (upper - lower)


def _synthesise(stats: dict, station: dict, seed: int) -> dict[str, np.ndarray]:
    """A deterministic 8,760-hour year of all :data:`VARIABLES` from :func:`_derive_statistics` output."""
    time = _year_index(2025)
    hour_month, month = time.month.to_numpy(), time.month.to_numpy()[::24]

    def monthly(x):  # monthly means of an hourly array
        return np.array([x[hour_month == m].mean() for m in range(1, 13)])

    def through_days(x):  # daily means joined linearly between midday points, cyclic
        return np.interp(np.arange(_HOURS) + 0.5, np.arange(365) * 24.0 + 12.0, x, period=_HOURS)

    daily = _daily_series(stats, month, np.random.default_rng(seed))
    T_max = daily["T_dry_bulb_max"]
    T_min = np.minimum(daily["T_dry_bulb_min"], T_max - 1.0)
    # Shift each month's minima so the month's mean dry bulb is the measured one (the mean
    # diurnal shape alone misses it by up to ~0.4 K); the maxima keep their distribution.
    fraction = np.array(stats["T_dry_bulb_diurnal"])
    target = np.array([m["T_dry_bulb_mean"] for m in stats["months"]])
    error = target - monthly(_dry_bulb_hours(T_max, T_min, fraction).ravel())
    T_dry_bulb = _dry_bulb_hours(T_max, T_min + (error / fraction.mean())[month - 1], fraction).ravel()
    T_dew_free = through_days(daily["T_dew_point_mean"]) + np.tile(stats["T_dew_point_diurnal"], 365)
    # The dry bulb caps the dew point; raise each month's dew points until its mean is the measured one.
    dew_target, shift = np.array([m["T_dew_point_mean"] for m in stats["months"]]), np.zeros(12)
    for _ in range(4):
        T_dew_point = np.minimum(T_dew_free + shift[hour_month - 1], T_dry_bulb)
        shift += dew_target - monthly(T_dew_point)
    wind = np.maximum(through_days(daily["wind_speed_mean"]) * np.tile(stats["wind_speed_diurnal"], 365), 0.0)
    clear = clear_sky_ghi(time, station["latitude"], station["longitude"], station["time_zone"])
    ghi = np.repeat(daily["clearness"], 24) * clear
    return _complete(T_dry_bulb, T_dew_point, standard_pressure(station["elevation"]), wind, ghi)


def _design_conditions(header: list[str], name: str) -> dict:
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


def derive(weather_dir, out_dir=None) -> list[Path]:
    """Write ``design_conditions.json`` and ``monthly_statistics.json`` (default: the package's
    ``data/weather``) from the :data:`STATIONS` EPW files in ``weather_dir``; returns their paths."""
    out_dir = Path(out_dir if out_dir is not None else str(_DATA))
    design, statistics = {}, {}
    for location, file in STATIONS.items():
        path = Path(weather_dir) / file
        header, _ = _read_epw_text(path)
        design[location] = _location_attrs(header, str(path)) | _design_conditions(header, str(path))
        statistics[location] = _derive_statistics(read_epw(path))
    documents = {
        "design_conditions.json": {
            "source": "ASHRAE Handbook-Fundamentals 2009 climatic design conditions as given in the DESIGN CONDITIONS "
                      "line of each station's TMY3 EPW file (EnergyPlus weather data). degC, m/s, m, h.",
            "locations": design},
        "monthly_statistics.json": {
            "source": "Statistics of the hourly NREL TMY3 data in each station's EPW file, written by "
                      "`python -m twin.weather derive <dir>`: per month the quantiles of daily values at `levels` "
                      "(Hazen) and the correlation of their normal scores; lag-1 day persistence of the scores; "
                      "mean diurnal shapes. degC, m/s.",
            "locations": statistics},
    }
    out_dir.mkdir(parents=True, exist_ok=True)
    for name, document in documents.items():
        text = re.sub(r"\[[^\[\]{}]*\]", lambda m: re.sub(r"\s+", " ", m.group()), json.dumps(document, indent=1))
        (out_dir / f"{name}.tmp").write_text(text + "\n")
        (out_dir / f"{name}.tmp").replace(out_dir / name)
    return [out_dir / name for name in documents]


@lru_cache(maxsize=None)
def _climate(name: str) -> dict:
    return json.loads((_DATA / name).read_text())["locations"]


def _station(location: str) -> tuple[str, dict]:
    key = str(location).strip().lower()
    if key not in STATIONS:
        raise InputError.one("weather", "location", repr(location), "one of " + ", ".join(map(repr, STATIONS)))
    return key, _climate("design_conditions.json")[key]


def _attrs(station: dict, source: str) -> dict:
    return {k: station[k] for k in ("location", "latitude", "longitude", "elevation", "time_zone")} | {"source": source}


@lru_cache(maxsize=None)
def _typical_hours(key: str) -> dict[str, np.ndarray]:
    """The built-in typical year of ``key`` as read-only hourly arrays, synthesised once."""
    arrays = _synthesise(_climate("monthly_statistics.json")[key], _climate("design_conditions.json")[key],
                         seed=zlib.crc32(key.encode()))
    arrays = {name: np.array(arrays[name], dtype=float) for name in VARIABLES}
    for a in arrays.values():
        a.flags.writeable = False
    return arrays


def _typical_attrs(station: dict) -> dict:
    return _attrs(station, f"typical year synthesised from statistics of {station['source']}")


def typical_year(location: str, year: int = 2025) -> xr.Dataset:
    """Built-in typical year, 8,760 hours of the non-leap ``year``, for ``"austin"`` or ``"memphis"``.

    Synthesised deterministically (seeded) from the station's TMY3 statistics (:func:`derive`):
    each month's daily max/min dry bulb, mean dew point, clearness and wind follow the
    measured distributions, correlations and day-to-day persistence.
    """
    key, station = _station(location)
    return _to_dataset(_typical_hours(key), _year_index(year), _typical_attrs(station))


# --------------------------------------------------------------------------- design days and heat waves

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


def _design_hours(station: dict, T_max: np.ndarray, peak: dict, day: pd.Timestamp) -> dict:
    """Hourly design weather for consecutive days with maxima ``T_max`` from ``day``: the ASHRAE
    profile with the hottest-month range, the humidity ratio of the ``peak`` (dry bulb, wet
    bulb) held constant, clear sky and the mean coincident wind speed."""
    edge = np.r_[T_max[0], T_max, T_max[-1]]  # the days before and after are like the first and last
    T_dry_bulb = _dry_bulb_hours(edge, edge - station["T_dry_bulb_range"], FRACTION_OF_DAILY_RANGE)[1:-1].ravel()
    p = float(standard_pressure(station["elevation"]))
    W = _humidity_ratio_at_wet_bulb(peak["T_dry_bulb"], peak["T_wet_bulb"], p)
    time = pd.date_range(day, periods=T_dry_bulb.size, freq="h", unit="ns")
    return _complete(T_dry_bulb, np.minimum(dew_point(p * W / (_EPSILON + W)), T_dry_bulb), p,
                     np.full(T_dry_bulb.size, station["wind_speed_coincident"]),
                     clear_sky_ghi(time, station["latitude"], station["longitude"], station["time_zone"]))


def _design_day_hours(location: str, condition: str, day: pd.Timestamp) -> tuple[dict, dict]:
    _, station = _station(location)
    if condition not in DESIGN_CONDITIONS:
        raise InputError.one("weather", "condition", repr(condition), "one of " + ", ".join(DESIGN_CONDITIONS))
    kind, level = condition.split("_")
    peak = station[kind][level]
    return (_design_hours(station, np.array([peak["T_dry_bulb"]]), peak, day),
            _attrs(station, f"ASHRAE 2009 climatic design conditions ({condition}) of {station['source']}"))


def _heat_wave_hours(location: str, days: int, day: pd.Timestamp, return_period_years: int | None) -> tuple[dict, dict]:
    key, station = _station(location)
    if isinstance(days, bool) or not isinstance(days, (int, np.integer)) or days < 1:
        raise InputError.one("weather", "days", repr(days), "a whole number of days >= 1")
    design = station["cooling"]["0.4"]
    peak_day = -(-days // 2)
    ramp = np.ones(days) if peak_day == 1 else np.minimum(np.arange(days) / (peak_day - 1), 1.0)
    T_max = design["T_dry_bulb"] + (extreme_dry_bulb(key, return_period_years) - design["T_dry_bulb"]) * ramp
    return (_design_hours(station, T_max, design, day),
            _attrs(station, f"heat wave built on the ASHRAE 2009 design conditions of {station['source']}"))


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
    offsets = _offsets(86400.0, step)
    return _sample(hours, _times(day, offsets), offsets / 3600.0, 24, attrs)


def heat_wave(location: str, days: int = 5, start="2025-07-21", return_period_years: int | None = None,
              step: float = 3600) -> xr.Dataset:
    """A ``days``-long heat wave from midnight of ``start``, every ``step`` seconds.

    Daily peaks rise linearly from the 0.4 % cooling design dry bulb on the first day to
    :func:`extreme_dry_bulb` (mean annual extreme, or the ``return_period_years`` value) on
    day ``ceil(days / 2)`` and stay there; every day has the design-day shape, range and
    humidity ratio of the 0.4 % cooling design point (dry bulb with its MCWB).
    """
    day = _day(start, "start")
    hours, attrs = _heat_wave_hours(location, days, day, return_period_years)
    offsets = _offsets(days * 86400.0, step)
    return _sample(hours, _times(day, offsets), offsets / 3600.0, None, attrs)


# --------------------------------------------------------------------------- the simulator's entry point

def _offsets(duration: float, step: float) -> np.ndarray:
    for field, value in (("duration", duration), ("step", step)):
        if isinstance(value, bool) or not isinstance(value, (int, float, np.number)) or not value > 0:
            raise InputError.one("weather", field, repr(value), "a positive number of seconds")
    return np.arange(0.0, float(duration), float(step))


def _times(start: pd.Timestamp, offsets: np.ndarray) -> pd.DatetimeIndex:
    return (start + pd.to_timedelta(offsets, unit="s")).as_unit("ns")


def _sample(hours: dict, time, x: np.ndarray, period: float | None, attrs: dict) -> xr.Dataset:
    """Hourly arrays linearly interpolated at hour positions ``x``, cyclic over ``period`` hours or held at the ends."""
    index = np.arange(hours["T_dry_bulb"].size)
    return _to_dataset({name: np.interp(x, index, hours[name], period=period) for name in VARIABLES}, time, attrs)


def _hour_of_year(time: pd.DatetimeIndex) -> np.ndarray:
    """Hours since 1 January of each timestamp's year, with 29 February folded onto the 28th."""
    t = time.values.astype("datetime64[ns]")
    seconds = (t - t.astype("datetime64[Y]").astype("datetime64[ns]")) / np.timedelta64(1, "s")
    return np.where(time.is_leap_year & (seconds >= 59 * 86400.0), seconds - 86400.0, seconds) / 3600.0


@lru_cache(maxsize=8)
def _epw_hours(path: str, modified_ns: int) -> tuple[dict, dict]:
    ds = read_epw(path)
    return {name: ds[name].values for name in VARIABLES}, ds.attrs


def load_weather(spec, *, start, duration: float, step: float = 3600) -> xr.Dataset:
    """Weather on ``[start, start + duration)`` every ``step`` seconds, linearly interpolated.

    ``spec`` is a built-in location (``"austin"``, ``"memphis"``: its typical year, repeated
    every year, 29 February reusing the 28th), the path of an EPW file (the same way),
    ``"design:<location>:<condition>"`` (:func:`design_day`, repeated daily) or
    ``"heatwave:<location>[:<return period years>]"`` (:func:`heat_wave` from midnight of
    ``start`` over the days the window touches). ``start``: anything :class:`pandas.Timestamp`
    accepts, local standard time; ``duration`` and ``step`` in seconds.
    """
    try:
        t0 = pd.Timestamp(start)
    except (ValueError, TypeError):
        raise InputError.one("weather", "start", repr(start), "a timestamp such as '2025-07-21 14:00'") from None
    offsets = _offsets(duration, step)
    time = _times(t0, offsets)
    midnight = t0.normalize()
    since_midnight = np.asarray((time - midnight) / pd.Timedelta(hours=1))
    text = str(spec).strip()
    parts = text.lower().split(":")
    if text.lower() in STATIONS:
        key, station = _station(text)
        return _sample(_typical_hours(key), time, _hour_of_year(time), _HOURS, _typical_attrs(station))
    if Path(text).is_file():
        hours, attrs = _epw_hours(str(Path(text).resolve()), Path(text).stat().st_mtime_ns)
        return _sample(hours, time, _hour_of_year(time), _HOURS, dict(attrs))
    if parts[0] == "design" and len(parts) == 3:
        hours, attrs = _design_day_hours(parts[1], parts[2], midnight)
        return _sample(hours, time, since_midnight, 24, attrs)
    if parts[0] == "heatwave" and (len(parts) == 2 or (len(parts) == 3 and parts[2].isdigit())):
        days = int(np.ceil(round((since_midnight[0] + duration / 3600.0) / 24.0, 9)))
        hours, attrs = _heat_wave_hours(parts[1], days, midnight, int(parts[2]) if len(parts) == 3 else None)
        return _sample(hours, time, since_midnight, None, attrs)
    raise InputError.one("weather", "spec", repr(spec),
                         f"a built-in location ({', '.join(STATIONS)}), an existing EPW file, "
                         "'design:<location>:<condition>' or 'heatwave:<location>[:<return period years>]'")


def _main(argv: list[str]) -> int:
    if len(argv) != 2 or argv[0] != "derive":
        print("usage: python -m twin.weather derive <directory with the TMY3 EPW files>", file=sys.stderr)
        return 2
    for path in derive(argv[1]):
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(_main(sys.argv[1:]))
