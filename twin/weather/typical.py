"""Built-in typical years: the real NREL TMY3 files of the sites' weather stations.

The files ship with the package (``twin/data/weather/``, sources in its ``SOURCES.md``)
and are read as they are; results name the file in their ``source`` attribute.
"""

from __future__ import annotations

from functools import lru_cache
from importlib.resources import files

import numpy as np
import xarray as xr

from twin.errors import InputError
from twin.weather.epw import VARIABLES, location_attrs, read_epw, read_epw_text, to_dataset, year_index

#: Built-in location -> TMY3 file of its station.  ``austin`` is Camp Mabry, the long-record NWS
#: climate station of Austin; ``austin_mueller`` the old municipal airport (0.2 K higher 0.4 %
#: design dry bulb, ~1 K higher mean wet bulb).
STATIONS = {
    "austin": "USA_TX_Austin-Camp.Mabry.722544_TMY3.epw",
    "austin_mueller": "USA_TX_Austin-Mueller.Muni.AP.722540_TMY3.epw",
    "memphis": "USA_TN_Memphis.Intl.AP.723340_TMY3.epw",
}

DATA = files("twin") / "data" / "weather"


def station_key(location: str) -> str:
    """The :data:`STATIONS` key of ``location`` (case-insensitive); InputError for others."""
    key = str(location).strip().lower()
    if key not in STATIONS:
        raise InputError.one("weather", "location", repr(location), "one of " + ", ".join(map(repr, STATIONS)))
    return key


def station_path(location: str):
    """The shipped TMY3 file of a built-in location."""
    return DATA / STATIONS[station_key(location)]


@lru_cache(maxsize=None)
def station_header(key: str) -> tuple[str, ...]:
    """The 8 EPW header lines of a built-in station (the data rows are not read)."""
    with station_path(key).open(encoding="latin-1") as f:
        return tuple(next(f).rstrip("\n") for _ in range(8))


@lru_cache(maxsize=None)
def typical_hours(key: str) -> tuple[dict[str, np.ndarray], dict]:
    """Read-only hourly arrays and attributes of a built-in typical year, read once."""
    ds = read_epw(station_path(key))
    arrays = {name: np.array(ds[name].values, dtype=float) for name in VARIABLES}
    for a in arrays.values():
        a.flags.writeable = False
    attrs = dict(ds.attrs) | {"source": f"NREL TMY3 typical year {STATIONS[key]}"}
    return arrays, attrs


def typical_year(location: str, year: int = 2025) -> xr.Dataset:
    """Built-in typical year, 8,760 hours of the non-leap ``year``: one of :data:`STATIONS`."""
    key = station_key(location)
    time = year_index(year)
    arrays, attrs = typical_hours(key)
    return to_dataset(arrays, time, attrs)
