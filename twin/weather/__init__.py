"""Outdoor weather: the sites' real typical years, EPW files, ASHRAE design days and heat waves.

- :mod:`twin.weather.typical`: the built-in typical years, the real NREL TMY3 files of
  Austin Camp Mabry, Austin Mueller and Memphis Intl AP shipped with the package;
- :mod:`twin.weather.epw`: the EPW reader and the Dataset layout (:data:`VARIABLES`);
- :mod:`twin.weather.design`: design days and heat waves (synthesised from the stations'
  ASHRAE design conditions: the only synthetic weather);
- :mod:`twin.weather.psychrometrics`: vectorised ASHRAE psychrometrics.

:func:`load_weather` is the simulator's entry point.  Every dataset it returns says which
weather it is in its ``source`` attribute (a TMY3 file, an EPW file, a design day or a heat wave).
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd
import xarray as xr

from twin.errors import InputError
from twin.weather.design import (
    DESIGN_CONDITIONS, FRACTION_OF_DAILY_RANGE, _design_day_hours, _heat_wave_hours, design_conditions, design_day,
    extreme_dry_bulb, heat_wave, heat_wave_humidity_ratio,
)
from twin.weather.epw import HOURS, VARIABLES, offsets, read_epw, sample, times
from twin.weather.psychrometrics import (
    clear_sky_ghi, dew_point, humidity_ratio, humidity_ratio_at_wet_bulb, moist_air_enthalpy,
    saturation_humidity_ratio, saturation_pressure, standard_pressure, wet_bulb, wet_bulb_from_humidity_ratio,
)
from twin.weather.typical import STATIONS, station_key, typical_hours, typical_year

__all__ = [
    "DESIGN_CONDITIONS", "FRACTION_OF_DAILY_RANGE", "STATIONS", "VARIABLES", "clear_sky_ghi", "design_conditions",
    "design_day", "dew_point", "extreme_dry_bulb", "heat_wave", "heat_wave_humidity_ratio", "humidity_ratio",
    "humidity_ratio_at_wet_bulb", "load_weather", "moist_air_enthalpy", "read_epw", "saturation_humidity_ratio",
    "saturation_pressure", "standard_pressure", "typical_year", "wet_bulb", "wet_bulb_from_humidity_ratio",
]


def _hour_of_year(time: pd.DatetimeIndex) -> np.ndarray:
    """Hours since 1 January of each timestamp's year, with 29 February folded onto the 28th."""
    t = time.values.astype("datetime64[ns]")
    seconds = (t - t.astype("datetime64[Y]").astype("datetime64[ns]")) / np.timedelta64(1, "s")
    return np.where(time.is_leap_year & (seconds >= 59 * 86400.0), seconds - 86400.0, seconds) / 3600.0


@lru_cache(maxsize=8)
def _epw_hours(path: str, modified_ns: int) -> tuple[dict, dict]:
    ds = read_epw(path)
    return {name: ds[name].values for name in VARIABLES}, ds.attrs | {"source": f"EPW file {ds.attrs['source']}"}


def load_weather(spec, *, start, duration: float, step: float = 3600) -> xr.Dataset:
    """Weather on ``[start, start + duration)`` every ``step`` seconds, linearly interpolated.

    ``spec`` is a built-in location (one of :data:`STATIONS`: its real TMY3 typical year,
    repeated every year, 29 February reusing the 28th), the path of an EPW file (the same way),
    ``"design:<location>:<condition>"`` (:func:`design_day`, repeated daily) or
    ``"heatwave:<location>[:<return period years>]"`` (:func:`heat_wave` from midnight of
    ``start`` over the days the window touches). ``start``: anything :class:`pandas.Timestamp`
    accepts, local standard time; ``duration`` and ``step`` in seconds.
    """
    try:
        t0 = pd.Timestamp(start)
    except (ValueError, TypeError):
        raise InputError.one("weather", "start", repr(start), "a timestamp such as '2025-07-21 14:00'") from None
    steps = offsets(duration, step)
    time = times(t0, steps)
    midnight = t0.normalize()
    since_midnight = np.asarray((time - midnight) / pd.Timedelta(hours=1))
    text = str(spec).strip()
    parts = text.lower().split(":")
    if text.lower() in STATIONS:
        hours, attrs = typical_hours(station_key(text))
        return sample(hours, time, _hour_of_year(time), HOURS, dict(attrs))
    if Path(text).is_file():
        hours, attrs = _epw_hours(str(Path(text).resolve()), Path(text).stat().st_mtime_ns)
        return sample(hours, time, _hour_of_year(time), HOURS, dict(attrs))
    if parts[0] == "design" and len(parts) == 3:
        hours, attrs = _design_day_hours(parts[1], parts[2], midnight)
        return sample(hours, time, since_midnight, 24, attrs)
    if parts[0] == "heatwave" and (len(parts) == 2 or (len(parts) == 3 and parts[2].isdigit())):
        days = int(np.ceil(round((since_midnight[0] + duration / 3600.0) / 24.0, 9)))
        hours, attrs = _heat_wave_hours(parts[1], days, midnight, int(parts[2]) if len(parts) == 3 else None)
        return sample(hours, time, since_midnight, None, attrs)
    raise InputError.one("weather", "spec", repr(spec),
                         f"a built-in location ({', '.join(STATIONS)}), an existing EPW file, "
                         "'design:<location>:<condition>' or 'heatwave:<location>[:<return period years>]'")
