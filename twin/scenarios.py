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

import re
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

_CLOCK = re.compile(r"(\d{1,2}):(\d{2})")
#: Longest duration of an event (s): a year.
DURATION_MAX = 366 * 86400.0


def _seconds_of_day(text: str, where: str) -> float:
    """``HH:MM`` (00:00-23:59) -> seconds after midnight; anything else is refused."""
    match = _CLOCK.fullmatch(text.strip())
    if not match or int(match[1]) > 23 or int(match[2]) > 59:
        raise InputError.one("<scenario>", where, repr(text), "a time of day HH:MM between 00:00 and 23:59")
    return float(int(match[1]) * 3600 + int(match[2]) * 60)


def _clock(seconds: float) -> str:
    minutes = int(round(seconds / 60.0)) % (24 * 60)
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _duration(params, default: str, where: str) -> float:
    value = to_si(params.get("duration", default), "time", file="<scenario>", field=f"{where}.duration",
                  within=(0.0, DURATION_MAX))
    if value <= 0:
        raise InputError.one("<scenario>", f"{where}.duration", repr(params.get("duration")),
                             "a duration greater than zero, such as '30 min'")
    return value


def _whole(params, key: str, where: str, low: int, high: int, what: str) -> int:
    text = params[key]
    try:
        value = int(text)
    except ValueError:
        value = None
    if value is None or not low <= value <= high:
        raise InputError.one("<scenario>", f"{where}.{key}", repr(text), f"a whole number from {low} to {high} {what}")
    return value


def _target(params, site, kind: str, where: str) -> str:
    """``target=`` checked against the names of what ``kind`` lives in ("" = all of them)."""
    if "target" not in params:
        return ""
    names = {"plant": [p.name for p in site.plants], "facility loop": [lp.name for lp in site.facility_loops],
             "rack group": [g.name for g in site.rack_groups]}[KINDS[kind]]
    target = params["target"]
    if target not in names:
        raise InputError.one("<scenario>", f"{where}.target", repr(target),
                             f"a {KINDS[kind]} of site '{site.name}': {', '.join(names)}{did_you_mean(target, names)}")
    return target


def _fraction(params, site, kind, where, target="") -> float:
    """``fraction=`` directly, or ``units=`` of the installed units of that kind (of ``target``, or all)."""
    if "units" in params and "fraction" in params:
        raise InputError.one("<scenario>", f"{where}.units", "both units= and fraction=", "one of them")
    if "units" in params:
        plants = [p for p in site.plants if target in ("", p.name)]
        installed = {"chiller": sum(p.chiller_count for p in plants),
                     "tower": sum(p.tower_count for p in plants),
                     "dry_cooler": sum(p.dry_cooler_count for p in plants)}.get(kind, 0)
        if installed == 0:
            raise InputError.one("<scenario>", f"{where}.units", params["units"],
                                 f"fraction= (site '{site.name}' has no {kind} units to count)")
        return _whole(params, "units", where, 1, installed, f"(the {kind} units installed)") / installed
    value = to_si(params.get("fraction", "1"), "dimensionless", file="<scenario>", field=f"{where}.fraction")
    if not 0 < value <= 1:
        raise InputError.one("<scenario>", f"{where}.fraction", params.get("fraction"), "a fraction in (0, 1]")
    return value


def _outage(name, kind, default_at, default_duration, description, *, counted=True):
    def build(site, params, t_day_start):
        where = name
        start = _seconds_of_day(params.get("at", default_at), f"{where}.at") - t_day_start
        duration = _duration(params, default_duration, where)
        target = _target(params, site, kind, where)
        event = EquipmentOutage(kind, start, duration, _fraction(params, site, kind, where, target), target)
        return (event,), None
    build.__doc__ = description
    build.parameters = ("at", "duration", "fraction", "target") + (("units",) if counted else ())
    return build


def _utility_outage(site, params, t_day_start):
    """The utility supply is lost at 15:00 (at=) for 30 min (duration=): UPS batteries carry the IT load,
    Megapacks and turbines (after their start time) take over."""
    from twin.electrical.network import UtilityOutage

    start = _seconds_of_day(params.get("at", "15:00"), "utility_outage.at") - t_day_start
    return (UtilityOutage(start, _duration(params, "30 min", "utility_outage")),), None


_utility_outage.parameters = ("at", "duration")


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
    count = sum(t.count for t in site.electrical.turbines if t.model == target)
    units = _whole({"units": "1", **params}, "units", "turbine_trip", 1, count, f"(the {target} units installed)")
    start = _seconds_of_day(params.get("at", "15:00"), "turbine_trip.at") - t_day_start
    return (TurbineTrip(start, target, units),), None


_turbine_trip.parameters = ("at", "units", "target")


def _heat_wave(site, params, t_day_start):
    """Weather: a heat wave toward the n-year return dry bulb (``years=``, default the mean extreme)."""
    years = _whole(params, "years", "heat_wave", 2, 1000, "(a return period)") if "years" in params else None
    return (), f"heatwave:{site.location.weather}" + (f":{years}" if years else "")


_heat_wave.parameters = ("years",)


def _design_day(site, params, t_day_start):
    """Weather: the 0.4 % evaporation (wet-bulb) design day, or ``condition=`` another ASHRAE condition."""
    from twin.weather import DESIGN_CONDITIONS

    condition = params.get("condition", "evaporation_0.4")
    if condition not in DESIGN_CONDITIONS:
        raise InputError.one("<scenario>", "design_day.condition", repr(condition),
                             "one of " + ", ".join(DESIGN_CONDITIONS) + did_you_mean(condition, DESIGN_CONDITIONS))
    return (), f"design:{site.location.weather}:{condition}"


_design_day.parameters = ("condition",)


LIBRARY = {
    "chiller_trip": _outage("chiller_trip", "chiller", "15:00", "1 h",
                            "Chillers trip at 15:00 (at=) for 1 h (duration=): all of them, or units= of them "
                            "(units=1 tests N+1)."),
    "tower_fan_failure": _outage("tower_fan_failure", "tower", "15:00", "2 h",
                                 "Cooling-tower cells lose their fans and reject heat by free convection only, fraction= of them "
                                 "(default all)."),
    "dry_cooler_failure": _outage("dry_cooler_failure", "dry_cooler", "15:00", "2 h", "Dry coolers out of service, fraction= of them."),
    "pump_trip": _outage("pump_trip", "fws_pump", "15:00", "30 min",
                         "Facility-water pumps trip: fraction= of the loop's pumping capacity lost "
                         "(target= a loop).", counted=False),
    "loss_of_facility_water": _outage("loss_of_facility_water", "fws_pump", "15:00", "10 min",
                                      "All facility water flow lost to the CDUs and coils (target= a loop).",
                                      counted=False),
    "cdu_failure": _outage("cdu_failure", "cdu", "15:00", "1 h",
                           "CDUs of a rack group (target=) fail: fraction= of the bank's capacity lost; the "
                           "remaining CDUs of the bank carry the load on the shared TCS header.", counted=False),
    "utility_outage": _utility_outage,
    "turbine_trip": _turbine_trip,
    "heat_wave": _heat_wave,
    "design_day": _design_day,
}


def describe() -> dict[str, str]:
    """Scenario name -> its one-line description (for help texts and notebooks)."""
    return {name: (build.__doc__ or "").strip() for name, build in LIBRARY.items()}


#: Longest scenario text read.
SPEC_MAX = 200


def parse(spec: str, site, *, start_of_day: float = 0.0, duration: float | None = None) -> Scenario:
    """A scenario from ``name`` or ``name:key=value,...``; ``start_of_day`` is the simulation
    start in s after local midnight (so ``at=15:00`` lands at 15:00).

    Refused up front, on one line: unknown names, parameters the scenario does not use, a key
    given twice, empty values, times of day outside 00:00-23:59, durations not above zero,
    targets the site does not have and, with the run's ``duration`` (s), events that start
    before the run or after its end.
    """
    text = str(spec)
    if len(text) > SPEC_MAX:
        raise InputError.one("<scenario>", "spec", f"a text of {len(text)} characters",
                             f"a scenario of at most {SPEC_MAX} characters")
    name, _, rest = text.partition(":")
    name = name.strip()
    if name not in LIBRARY:
        raise InputError.one("<scenario>", "name", repr(name),
                             "one of " + ", ".join(LIBRARY) + did_you_mean(name, LIBRARY))
    allowed = LIBRARY[name].parameters
    params: dict[str, str] = {}
    for item in (p.strip() for p in rest.split(",")) if rest.strip() else ():
        key, eq, value = (part.strip() for part in item.partition("="))
        if not eq or not key or not value:
            raise InputError.one("<scenario>", name, repr(item), "key=value with a value, e.g. at=15:00")
        if key not in allowed:
            raise InputError.one("<scenario>", f"{name}.{key}", "a parameter this scenario does not use",
                                 "one of " + ", ".join(allowed) + did_you_mean(key, allowed))
        if key in params:
            raise InputError.one("<scenario>", f"{name}.{key}", f"{key}= given twice", "each parameter once")
        params[key] = value
    events, weather = LIBRARY[name](site, params, start_of_day)
    if duration is not None:
        for event in events:
            if not 0.0 <= event.start < duration:
                raise InputError.one(
                    "<scenario>", f"{name}.at", f"an event at {_clock(start_of_day + event.start)}, "
                    f"{event.start / 3600:+.3g} h from the start",
                    f"a time inside the run ({duration / 3600:g} h from {_clock(start_of_day)} on the first day)")
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
