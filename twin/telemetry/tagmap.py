"""Tag maps: which historian tag measures which variable of which site component.

A tag map is a TOML file::

    [telemetry]
    time_zone = "America/Chicago"     # IANA zone of timestamps written without an offset

    [tags]
    "CHW-PLANT-1.SUPPLY_TEMP" = { component = "plants.plant", variable = "T_supply", units = "degF" }
    "HALL1.GB200.KW"          = { component = "rack_groups.gb200", variable = "P_it", units = "kW" }
    "WX.DRYBULB"              = { component = "site", variable = "T_dry_bulb", units = "degC" }

``component`` is ``site``, ``rack_groups.<name>``, ``facility_loops.<name>`` or
``plants.<name>`` (a plant stands for the facility loops it serves); ``variable``
is a result-Dataset name of that component (:data:`VARIABLES`, with the short
aliases in :data:`ALIASES`); ``units`` is any pint unit of the variable's
quantity.  Optional ``min``/``max`` (in the tag's units) narrow the plausible
range used by the checks.  The full format is in ``docs/telemetry.md``.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import numpy as np

from twin.errors import InputError, Problem
from twin.units import SI_UNITS, ureg


@dataclass(frozen=True)
class Variable:
    """A variable a tag can measure: its dim, quantity kind, role and plausible range (SI)."""

    dim: str  #: "site", "group" or "loop"
    kind: str  #: a quantity kind of twin.units.SI_UNITS
    role: str  #: "input" (drives a replay) or "output" (compared with the twin)
    low: float  #: plausible lower bound (SI)
    high: float  #: plausible upper bound (SI)
    varies: bool = True  #: a sensor that repeats one value for long is suspect


#: Variables a tag may bind to.  Plausible ranges are wide physical bounds for a liquid-cooled
#: site (temperatures of water above 0 and below boiling; weather -40..55 degC), not limits of use.
VARIABLES: dict[str, Variable] = {
    # site
    "T_dry_bulb": Variable("site", "temperature", "input", -40.0, 55.0),
    "T_wet_bulb": Variable("site", "temperature", "input", -40.0, 40.0),
    "P_it_total": Variable("site", "power", "output", 0.0, 5e9),
    "P_cooling": Variable("site", "power", "output", 0.0, 2e9),
    "P_facility": Variable("site", "power", "output", 0.0, 7e9),
    # rack groups
    "P_it": Variable("group", "power", "input", 0.0, 5e9),
    "T_tcs_supply": Variable("group", "temperature", "output", 5.0, 70.0),
    "T_tcs_return": Variable("group", "temperature", "output", 5.0, 80.0),
    "P_tcs_pumps": Variable("group", "power", "output", 0.0, 1e8),
    "valve": Variable("group", "dimensionless", "output", 0.0, 1.0),
    "T_die_max": Variable("group", "temperature", "output", 5.0, 120.0),
    # facility loops (a plant's tags bind to the loops it serves)
    "T_fws_supply": Variable("loop", "temperature", "output", 2.0, 60.0),
    "T_fws_return": Variable("loop", "temperature", "output", 2.0, 75.0),
    "T_fws_supply_set": Variable("loop", "temperature", "input", 2.0, 60.0, varies=False),
    "m_flow_fws": Variable("loop", "mass_flow", "output", 0.0, 1e6),
    "P_fws_pumps": Variable("loop", "power", "output", 0.0, 1e8),
    "P_compressors": Variable("loop", "power", "output", 0.0, 1e9),
    "P_plant_fans": Variable("loop", "power", "output", 0.0, 1e8),
    "P_condenser_pumps": Variable("loop", "power", "output", 0.0, 1e8),
    "Q_flow_removed": Variable("loop", "power", "output", 0.0, 5e9),
    "fraction_available": Variable("loop", "dimensionless", "input", 0.0, 1.0, varies=False),
}

#: Short names accepted in a tag map, by component kind.
ALIASES = {
    "facility_loops": {"T_supply": "T_fws_supply", "T_return": "T_fws_return", "T_supply_set": "T_fws_supply_set",
                       "m_flow": "m_flow_fws", "P_pumps": "P_fws_pumps"},
    "plants": {"T_supply": "T_fws_supply", "T_return": "T_fws_return", "T_supply_set": "T_fws_supply_set",
               "m_flow": "m_flow_fws", "Q_flow": "Q_flow_removed"},
    "rack_groups": {"P": "P_it"},
}
_DIM_OF = {"site": "site", "rack_groups": "group", "facility_loops": "loop", "plants": "loop"}


@dataclass(frozen=True)
class Binding:
    """One tag: the variable it measures, at which index of the Dataset, and its units."""

    tag: str
    component: str  #: as written in the map, e.g. "plants.central"
    variable: str  #: result-Dataset name
    units: str  #: the tag's units as written
    index: tuple[str, ...]  #: group or loop names the tag measures (empty for site variables)
    low: float  #: plausible range (SI)
    high: float

    @property
    def spec(self) -> Variable:
        return VARIABLES[self.variable]

    def to_si(self, values) -> np.ndarray:
        """Values in the tag's units -> the variable's SI unit (temperatures in degC)."""
        return convert(np.asarray(values, dtype=float), self.units, SI_UNITS[self.spec.kind])


@dataclass(frozen=True)
class TagMap:
    file: str
    time_zone: ZoneInfo | None
    bindings: dict[str, Binding]

    def of_role(self, role: str) -> list[Binding]:
        return [b for b in self.bindings.values() if b.spec.role == role]


def convert(values: np.ndarray, units: str, target: str) -> np.ndarray:
    """Convert an array between pint units (offset temperatures handled)."""
    if units == target:
        return values
    return ureg.Quantity(values, units).to(target).magnitude


def load_tagmap(path: str | Path, site) -> TagMap:
    """Read and check a tag map against ``site``; every problem is reported at once (InputError)."""
    file = str(path)
    try:
        raw = tomllib.loads(Path(path).read_text())
    except FileNotFoundError:
        raise InputError.one(file, "", "no such file", "a tag map TOML file") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as err:
        raise InputError.one(file, "", f"invalid TOML ({err})", "a tag map TOML file") from None
    problems: list[Problem] = []
    extra = set(raw) - {"telemetry", "tags"}
    if extra:
        problems.append(Problem(file, sorted(extra)[0], "an unknown section", "[telemetry] and [tags]"))
    zone = None
    name = raw.get("telemetry", {}).get("time_zone")
    if name is not None:
        try:
            zone = ZoneInfo(str(name))
        except (ZoneInfoNotFoundError, ValueError):
            problems.append(Problem(file, "telemetry.time_zone", repr(name), "an IANA zone such as 'America/Chicago'"))
    tags = raw.get("tags", {})
    if not isinstance(tags, dict) or not tags:
        problems.append(Problem(file, "tags", "no tags", "a [tags] table binding at least one tag"))
        tags = {}
    bindings = {}
    for tag, entry in tags.items():
        binding = _binding(file, tag, entry, site, problems)
        if binding is not None:
            bindings[tag] = binding
    if problems:
        raise InputError(problems)
    return TagMap(file, zone, bindings)


def _binding(file, tag, entry, site, problems) -> Binding | None:
    where = f"tags.{tag!r}" if "." in tag or " " in tag else f"tags.{tag}"
    if not isinstance(entry, dict):
        problems.append(Problem(file, where, repr(entry), "{ component = ..., variable = ..., units = ... }"))
        return None
    unknown = set(entry) - {"component", "variable", "units", "min", "max"}
    if unknown:
        problems.append(Problem(file, f"{where}.{sorted(unknown)[0]}", "an unknown field",
                                "component, variable, units, min, max"))
        return None
    missing = [k for k in ("component", "variable", "units") if k not in entry]
    if missing:
        problems.append(Problem(file, where, f"no {', '.join(missing)}", "component, variable and units"))
        return None
    component, variable = str(entry["component"]), str(entry["variable"])
    kind, _, name = component.partition(".")
    if kind not in _DIM_OF or (kind == "site") != (name == ""):
        problems.append(Problem(file, f"{where}.component", repr(component),
                                "site, rack_groups.<name>, facility_loops.<name> or plants.<name>"))
        return None
    names = {"rack_groups": [g.name for g in site.rack_groups], "facility_loops": [lp.name for lp in site.facility_loops],
             "plants": [p.name for p in site.plants]}.get(kind)
    if names is not None and name not in names:
        problems.append(Problem(file, f"{where}.component", repr(component),
                                f"one of {', '.join(f'{kind}.{n}' for n in names)} (site {site.name})"))
        return None
    variable = ALIASES.get(kind, {}).get(variable, variable)
    spec = VARIABLES.get(variable)
    if spec is None or spec.dim != _DIM_OF[kind]:
        choices = [v for v, s in VARIABLES.items() if s.dim == _DIM_OF[kind]]
        problems.append(Problem(file, f"{where}.variable", repr(entry["variable"]),
                                f"one of {', '.join(choices)} for {kind}"))
        return None
    units = str(entry["units"])
    target = ureg.Unit(SI_UNITS[spec.kind])
    try:
        ok = ureg.Unit(units).dimensionality == target.dimensionality
    except Exception:
        ok = False
    if not ok:
        problems.append(Problem(file, f"{where}.units", repr(units), f"units of {spec.kind.replace('_', ' ')} "
                                f"(like '{SI_UNITS[spec.kind] or '%'}')"))
        return None
    if kind == "plants":
        index = tuple(lp.name for lp in site.facility_loops if lp.plant == name)
    elif kind == "site":
        index = ()
    else:
        index = (name,)
    low, high = spec.low, spec.high
    for key in ("min", "max"):
        if key in entry:
            if isinstance(entry[key], bool) or not isinstance(entry[key], (int, float)):
                problems.append(Problem(file, f"{where}.{key}", repr(entry[key]), f"a number in {units}"))
                return None
            value = float(convert(np.array(float(entry[key])), units, SI_UNITS[spec.kind]))
            low, high = (value, high) if key == "min" else (low, value)
    return Binding(tag, component, variable, units, index, low, high)
