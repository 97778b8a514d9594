"""EnergyPlus weather (EPW) files and the weather Dataset layout.

Every dataset of :mod:`twin.weather` has dim ``time`` (local standard time, no daylight
saving) and the variables of :data:`VARIABLES`.  Hourly data are stamped at the start of
their hour: EPW hour ``h`` (the hour ending at ``h``:00) is stored at ``(h - 1)``:00.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import xarray as xr

from twin.errors import InputError
from twin.weather.psychrometrics import saturation_pressure, wet_bulb

#: Variable name -> (units, long_name) of every dataset this package returns.
VARIABLES: dict[str, tuple[str, str]] = {
    "T_dry_bulb": ("degC", "outdoor dry-bulb temperature"),
    "T_dew_point": ("degC", "outdoor dew-point temperature"),
    "relative_humidity": ("1", "outdoor relative humidity (fraction)"),
    "p_atmosphere": ("Pa", "atmospheric (station) pressure"),
    "T_wet_bulb": ("degC", "outdoor thermodynamic wet-bulb temperature"),
    "wind_speed": ("m/s", "wind speed at 10 m"),
    "global_horizontal_irradiance": ("W/m2", "global horizontal irradiance (mean over the hour)"),
}

HOURS = 8760


def complete(T_dry_bulb, T_dew_point, p_atmosphere, wind_speed, ghi, relative_humidity=None) -> dict:
    """All :data:`VARIABLES` as arrays; relative humidity from the dew point unless given."""
    p = np.broadcast_to(np.asarray(p_atmosphere, dtype=float), np.shape(T_dry_bulb))
    if relative_humidity is None:
        relative_humidity = np.minimum(saturation_pressure(T_dew_point) / saturation_pressure(T_dry_bulb), 1.0)
    return {"T_dry_bulb": T_dry_bulb, "T_dew_point": T_dew_point, "relative_humidity": relative_humidity,
            "p_atmosphere": p, "T_wet_bulb": wet_bulb(T_dry_bulb, relative_humidity, p),
            "wind_speed": wind_speed, "global_horizontal_irradiance": ghi}


def to_dataset(arrays: dict, time, attrs: dict) -> xr.Dataset:
    return xr.Dataset({name: ("time", np.array(arrays[name], dtype=float), {"units": units, "long_name": long_name})
                       for name, (units, long_name) in VARIABLES.items()}, coords={"time": time}, attrs=attrs)


def year_index(year: int) -> pd.DatetimeIndex:
    if isinstance(year, bool) or not isinstance(year, (int, np.integer)) or pd.Timestamp(int(year), 1, 1).is_leap_year:
        raise InputError.one("weather", "year", repr(year), "a non-leap year (a typical year has 8,760 hours)")
    return pd.date_range(f"{int(year)}-01-01", periods=HOURS, freq="h", unit="ns")


#: EPW fields read: name -> (0-based position, valid range per the EPW data dictionary).
_EPW_FIELDS = {
    "month": (1, (1, 12)), "day": (2, (1, 31)), "hour": (3, (1, 24)),
    "dry bulb temperature": (6, (-70.0, 70.0)), "dew point temperature": (7, (-70.0, 70.0)),
    "relative humidity": (8, (0.0, 110.0)), "atmospheric station pressure": (9, (31000.0, 120000.0)),
    "global horizontal radiation": (13, (0.0, 2000.0)), "wind speed": (21, (0.0, 40.0)),
}
_EPW_HEADERS = ("LOCATION", "DESIGN CONDITIONS", "TYPICAL/EXTREME PERIODS", "GROUND TEMPERATURES",
                "HOLIDAYS/DAYLIGHT SAVINGS", "COMMENTS 1", "COMMENTS 2", "DATA PERIODS")


def read_epw_text(path: Path) -> tuple[list[str], dict[str, np.ndarray]]:
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
    if len(rows) != HOURS:
        raise InputError.one(name, "data rows", len(rows), f"{HOURS} hourly rows after the 8 header lines")
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
    expected = pd.date_range("2025-01-01", periods=HOURS, freq="h")
    found = np.c_[columns["month"], columns["day"], columns["hour"]].astype(int)
    wanted = np.c_[expected.month, expected.day, expected.hour + 1]
    wrong = np.flatnonzero((found != wanted).any(axis=1))
    if wrong.size:
        i = wrong[0]
        raise InputError.one(name, f"line {i + 9} (month, day, hour)", tuple(found[i].tolist()),
                             f"{tuple(wanted[i].tolist())}: the hours of a non-leap year in order")
    return lines[:8], columns


def location_attrs(header: list[str], name: str) -> dict:
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
    time = year_index(year)
    header, c = read_epw_text(path)
    arrays = complete(c["dry bulb temperature"], c["dew point temperature"], c["atmospheric station pressure"],
                       c["wind speed"], c["global horizontal radiation"],
                       relative_humidity=np.minimum(c["relative humidity"] / 100.0, 1.0))
    return to_dataset(arrays, time, location_attrs(header, str(path)))


def offsets(duration: float, step: float) -> np.ndarray:
    for field, value in (("duration", duration), ("step", step)):
        if isinstance(value, bool) or not isinstance(value, (int, float, np.number)) or not value > 0:
            raise InputError.one("weather", field, repr(value), "a positive number of seconds")
    return np.arange(0.0, float(duration), float(step))


def times(start: pd.Timestamp, offsets: np.ndarray) -> pd.DatetimeIndex:
    return (start + pd.to_timedelta(offsets, unit="s")).as_unit("ns")


def sample(hours: dict, time, x: np.ndarray, period: float | None, attrs: dict) -> xr.Dataset:
    """Hourly arrays linearly interpolated at hour positions ``x``, cyclic over ``period`` hours or held at the ends."""
    index = np.arange(hours["T_dry_bulb"].size)
    return to_dataset({name: np.interp(x, index, hours[name], period=period) for name in VARIABLES}, time, attrs)
