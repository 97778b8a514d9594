"""Failure and weather scenarios: named, documented, parameterised; and ride-through metrics.

A scenario is a set of events applied during a simulation plus, optionally, the
weather to run it in.  Thermal events take equipment out of service for a
window of time (``EquipmentOutage``); electrical events (``UtilityOutage``,
``TurbineTrip``) are those of :mod:`twin.electrical.network`.

Scenarios are written ``name`` or ``name:key=value,key=value`` on the command
line, e.g. ``chiller_trip:at=15:00,duration=30 min,units=1``.  Times of day are
local standard time on the first simulated day; durations take units.

Ride-through metrics (:func:`ride_through`): from the event start, the time to
the first throttled rack, the time to the first accelerator shutdown, the time to
the first rack powered off by its coolant over-temperature protection, the peak
coolant (TCS supply) temperature at the racks, the peak facility supply, and
the hours of cold water left in storage at the worst moment.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import xarray as xr

from twin.catalog import did_you_mean
from twin.errors import InputError
from twin.units import to_si

#: Equipment kinds an outage can remove, and what ``target`` names for each.
KINDS = {
    "chiller": "plant",
    "tower": "plant",
    "dry_cooler": "plant",
    "fws_pump": "facility loop",
    "cdu": "rack group",
}


@dataclass(frozen=True)
class EquipmentOutage:
    """``fraction`` of the ``kind`` units of ``target`` (all when empty) out of service
    during ``[start, start + duration)`` (s from the simulation start)."""

    kind: str
    start: float
    duration: float
    fraction: float = 1.0
    target: str = ""

    def active(self, t: float) -> bool:
        return self.start <= t < self.start + self.duration


@dataclass(frozen=True)
class Scenario:
    """A named scenario: events, and a weather spec that overrides the site's (or None)."""

    name: str
    description: str
    events: tuple = ()
    weather: str | None = None
    parameters: dict = field(default_factory=dict)


def availability(events, t: float, kind: str, target: str) -> float:
    """Fraction of ``kind`` units of ``target`` in service at time ``t`` (outages multiply)."""
    share = 1.0
    for e in events:
        if isinstance(e, EquipmentOutage) and e.kind == kind and e.target in ("", target) and e.active(t):
            share *= 1.0 - e.fraction
    return share


# --- the library -------------------------------------------------------------------------------

def _seconds_of_day(text: str, where: str) -> float:
    try:
        hours, minutes = text.split(":")
        value = int(hours) * 3600 + int(minutes) * 60
    except ValueError:
        raise InputError.one("<scenario>", where, repr(text), "a time of day such as 15:00") from None
    if not 0 <= value < 86400:
        raise InputError.one("<scenario>", where, repr(text), "a time of day between 00:00 and 23:59")
    return float(value)


def _fraction(params, site, kind, where) -> float:
    """``fraction=`` directly, or ``units=`` of the site's installed units of that kind."""
    if "units" in params:
        installed = {"chiller": sum(p.chiller_count for p in site.plants),
                     "tower": sum(p.tower_count for p in site.plants),
                     "dry_cooler": sum(p.dry_cooler_count for p in site.plants)}.get(kind, 0)
        units = to_si(params["units"], "dimensionless", file="<scenario>", field=f"{where}.units")
        if installed == 0 or not 0 < units <= installed:
            raise InputError.one("<scenario>", f"{where}.units", params["units"],
                                 f"between 1 and the {installed} {kind} units installed")
        return units / installed
    value = to_si(params.get("fraction", "1"), "dimensionless", file="<scenario>", field=f"{where}.fraction")
    if not 0 < value <= 1:
        raise InputError.one("<scenario>", f"{where}.fraction", params.get("fraction"), "a fraction in (0, 1]")
    return value


def _outage(kind, default_at, default_duration, description):
    def build(site, params, t_day_start):
        where = f"scenario '{kind}'"
        start = _seconds_of_day(params.get("at", default_at), f"{where}.at") - t_day_start
        duration = to_si(params.get("duration", default_duration), "time", file="<scenario>",
                         field=f"{where}.duration")
        event = EquipmentOutage(kind, start, duration, _fraction(params, site, kind, where), params.get("target", ""))
        return (event,), None
    build.__doc__ = description
    return build


def _utility_outage(site, params, t_day_start):
    """The utility supply is lost at 15:00 (at=) for 30 min (duration=): UPS batteries carry the IT load,
    Megapacks and turbines (after their start time) take over."""
    from twin.electrical.network import UtilityOutage

    start = _seconds_of_day(params.get("at", "15:00"), "scenario 'utility_outage'.at") - t_day_start
    duration = to_si(params.get("duration", "30 min"), "time", file="<scenario>",
                     field="scenario 'utility_outage'.duration")
    return (UtilityOutage(start, duration),), None


def _turbine_trip(site, params, t_day_start):
    """units= (default 1) gas turbines of a fleet (target=, a catalogue model; default the first fleet) trip
    at 15:00 (at=) and stay out; the BESS covers the gap while replacements start."""
    from twin.electrical.network import TurbineTrip

    fleets = [t.model for t in site.electrical.turbines]
    if not fleets:
        raise InputError.one("<scenario>", "turbine_trip", f"site '{site.name}'", "a site with gas turbines")
    target = params.get("target", fleets[0])
    if target not in fleets:
        raise InputError.one("<scenario>", "turbine_trip.target", repr(target),
                             "one of " + ", ".join(fleets) + did_you_mean(target, fleets))
    units = int(to_si(params.get("units", "1"), "dimensionless", file="<scenario>", field="turbine_trip.units"))
    start = _seconds_of_day(params.get("at", "15:00"), "scenario 'turbine_trip'.at") - t_day_start
    return (TurbineTrip(start, target, units),), None


def _heat_wave(site, params, t_day_start):
    """Weather: a heat wave toward the n-year return dry bulb (``years=``, default the mean extreme)."""
    years = params.get("years")
    return (), f"heatwave:{site.location.weather}" + (f":{int(float(years))}" if years else "")


def _design_day(site, params, t_day_start):
    """Weather: the 0.4 % evaporation (wet-bulb) design day, or ``condition=`` another ASHRAE condition."""
    return (), f"design:{site.location.weather}:{params.get('condition', 'evaporation_0.4')}"


LIBRARY = {
    "chiller_trip": _outage("chiller", "15:00", "1 h",
                            "Chillers trip at 15:00 (at=) for 1 h (duration=): all of them, or units= of them "
                            "(units=1 tests N+1)."),
    "tower_fan_failure": _outage("tower", "15:00", "2 h",
                                 "Cooling-tower cells lose their fans (taken out of service), fraction= of them "
                                 "(default all)."),
    "dry_cooler_failure": _outage("dry_cooler", "15:00", "2 h", "Dry coolers out of service, fraction= of them."),
    "pump_trip": _outage("fws_pump", "15:00", "30 min",
                         "Facility-water pumps trip: fraction= of the loop's pumping capacity lost "
                         "(target= a loop)."),
    "loss_of_facility_water": _outage("fws_pump", "15:00", "10 min",
                                      "All facility water flow lost to the CDUs and coils (target= a loop)."),
    "cdu_failure": _outage("cdu", "15:00", "1 h",
                           "CDUs of a rack group (target=) fail: fraction= of the bank's capacity lost; the "
                           "remaining CDUs of the bank carry the load on the shared TCS header."),
    "utility_outage": _utility_outage,
    "turbine_trip": _turbine_trip,
    "heat_wave": _heat_wave,
    "design_day": _design_day,
}


def describe() -> dict[str, str]:
    """Scenario name -> its one-line description (for help texts and notebooks)."""
    return {name: (build.__doc__ or "").strip() for name, build in LIBRARY.items()}


def parse(spec: str, site, *, start_of_day: float = 0.0) -> Scenario:
    """A scenario from ``name`` or ``name:key=value,...``; ``start_of_day`` is the simulation
    start in s after local midnight (so ``at=15:00`` lands at 15:00)."""
    name, _, rest = str(spec).partition(":")
    name = name.strip()
    if name not in LIBRARY:
        raise InputError.one("<scenario>", "name", repr(name),
                             "one of " + ", ".join(LIBRARY) + did_you_mean(name, LIBRARY))
    params = {}
    for item in filter(None, (p.strip() for p in rest.split(","))):
        key, eq, value = item.partition("=")
        if not eq:
            raise InputError.one("<scenario>", f"{name}", repr(item), "key=value")
        params[key.strip()] = value.strip()
    allowed = {"at", "duration", "fraction", "units", "target", "years", "condition"}
    unknown = set(params) - allowed
    if unknown:
        key = sorted(unknown)[0]
        raise InputError.one("<scenario>", f"{name}.{key}", "an unknown parameter",
                             "one of " + ", ".join(sorted(allowed)) + did_you_mean(key, allowed))
    events, weather = LIBRARY[name](site, params, start_of_day)
    return Scenario(name, describe()[name], events, weather, params)


def ride_through(ds: xr.Dataset, event_start: float) -> dict[str, float]:
    """Ride-through metrics of a simulation from ``event_start`` (s from its start).

    Times in s (NaN when it never happens), temperatures in degC, storage in hours.
    """
    t = np.arange(ds.sizes["time"]) * float(ds.attrs["step_s"])
    after = t >= event_start

    def first(mask) -> float:
        hits = np.flatnonzero(mask & after)
        return float(t[hits[0]] - event_start) if hits.size else float("nan")

    throttled = ds["n_throttled"].sum("group").values > 0
    shutdown = ds["n_shutdown"].sum("group").values > 0
    tripped = ds["n_tripped"].sum("group").values > 0
    out = {
        "time_to_throttle_s": first(throttled),
        "time_to_shutdown_s": first(shutdown),
        "time_to_rack_trip_s": first(tripped),
        "peak_coolant_inlet_degC": float(np.nanmax(ds["T_tcs_supply"].values[after])),
        "peak_facility_supply_degC": float(np.nanmax(ds["T_fws_supply"].values[after])),
    }
    hours = ds["storage_hours_left"].values[after] if "storage_hours_left" in ds else np.array([np.nan])
    out["storage_hours_left_min"] = float(np.nanmin(hours)) if np.isfinite(hours).any() else float("nan")
    return out
