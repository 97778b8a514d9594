"""Site definitions: schema, loading, catalogue resolution and plausibility checks.

A site file (``sites/<name>.toml`` or any path) declares the location
and weather, the racks in compact groups (``count = 3820`` racks of one catalogue
model), the cooling topology (CDUs, facility-water loops, heat-rejection plants
with spares and storage), the electrical topology (utility connection,
substations, unit substations, UPS, distribution, Megapacks, turbines) and the
tariff.  :func:`load_site` returns a frozen :class:`Site` in SI units, or raises
:class:`twin.errors.InputError` listing every problem with file, field, what
was found and what was expected.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields
from functools import cached_property
from twin.paths import data_dir
from pathlib import Path

from twin.catalog import (
    Catalog,
    CDUModel,
    ChillerModel,
    CoolingTowerModel,
    DryCoolerModel,
    PumpModel,
    RackModel,
    StorageTankModel,
    whole,
    did_you_mean,
    load_catalog,
    parse_fields,
    q,
    read_toml,
    text,
)
from twin.errors import InputError, Problem

#: ASHRAE TC 9.9 liquid-cooling classes: upper bound of facility supply water (degC).
#: Built-in weather locations (the stations of :data:`twin.weather.STATIONS`; kept here so that
#: loading a site does not import the weather stack; a test checks they agree).
WEATHER_LOCATIONS = ("austin", "austin_mueller", "memphis")

LIQUID_CLASSES = {"W17": 17.0, "W27": 27.0, "W32": 32.0, "W40": 40.0, "W45": 45.0, "W+": math.inf}


@dataclass(frozen=True, kw_only=True)
class Location:
    name: str = text()
    latitude: float = q("dimensionless", positive=None, within=(-90.0, 90.0), doc="degrees north")
    longitude: float = q("dimensionless", positive=None, within=(-180.0, 180.0), doc="degrees east (negative west)")
    elevation: float = q("length", positive=None, within=(-500.0, 9000.0))
    time_zone: float = q("dimensionless", positive=None, within=(-12.0, 14.0), doc="hours from UTC, standard time")
    time_zone_name: str = text("", doc="IANA time zone (daylight saving), e.g. 'America/Chicago'")
    weather: str = text(doc="built-in location ('austin', 'memphis') or a path to an EPW file")
    climate_zone: str = text("")


@dataclass(frozen=True, kw_only=True)
class RackGroup:
    """``count`` identical racks of catalogue model ``rack`` spread over ``halls`` halls."""

    name: str = text()
    rack: str = text(doc="catalogue rack name")
    count: int = whole()
    halls: int = whole(1)
    cdu: str = text("", doc="catalogue CDU for in-row CDUs; empty when the rack has its own CDU")
    racks_per_cdu: int = whole(1)
    facility_loop: str = text()
    model: RackModel | None = None
    cdu_model: CDUModel | None = None

    @property
    def P_peak(self) -> float:
        """Peak IT power of the whole group (W)."""
        return self.count * self.model.P_peak

    @property
    def cdu_count(self) -> int:
        return self.count if self.model.in_rack_cdu else math.ceil(self.count / self.racks_per_cdu)


@dataclass(frozen=True, kw_only=True)
class FacilityLoop:
    """A facility-water (FWS) loop from a heat-rejection plant to CDUs and rear doors."""

    name: str = text()
    T_supply_set: float = q("temperature", within=(2.0, 60.0), doc="facility supply set-point (degC)")
    delta_T_nominal: float = q("temperature_difference", within=(None, 40.0), doc="loop return minus supply (K)")
    liquid_class: str = text(choices=tuple(LIQUID_CLASSES))
    pump: str = text()
    pump_spares: int = whole(1, minimum=0)
    plant: str = text()
    pipe_length: float = q("length", 500.0, within=(None, 1e5), doc="supply + return main length, for transport delay (m)")
    pump_model: PumpModel | None = None


@dataclass(frozen=True, kw_only=True)
class Plant:
    """Heat-rejection plant: towers, dry coolers and/or chillers, with spares and storage."""

    name: str = text()
    arrangement: str = text(choices=("towers", "towers_with_chillers", "dry_coolers_with_trim",
                                     "air_cooled_chillers"))
    tower: str = text("")
    tower_count: int = whole(0, minimum=0)
    tower_spares: int = whole(0, minimum=0)
    dry_cooler: str = text("")
    dry_cooler_count: int = whole(0, minimum=0)
    dry_cooler_spares: int = whole(0, minimum=0)
    chiller: str = text("")
    chiller_count: int = whole(0, minimum=0)
    chiller_spares: int = whole(0, minimum=0)
    storage: str = text("")
    storage_count: int = whole(0, minimum=0)
    tower_model: CoolingTowerModel | None = None
    dry_cooler_model: DryCoolerModel | None = None
    chiller_model: ChillerModel | None = None
    storage_model: StorageTankModel | None = None


@dataclass(frozen=True, kw_only=True)
class Utility:
    name: str = text("utility")
    P_import_max: float = q("power", positive=False)
    voltage: float = q("voltage")


@dataclass(frozen=True, kw_only=True)
class EquipmentSet:
    """``count`` units of catalogue ``model`` of which ``spares`` are redundant."""

    model: str = text()
    count: int = whole()
    spares: int = whole(0, minimum=0)
    entry: object = None


@dataclass(frozen=True, kw_only=True)
class TurbineFleet:
    model: str = text()
    count: int = whole()
    NOx_cap: float = q("mass", 0.0, positive=False, doc="rolling 12-month NOx cap (kg); 0 = none")
    starts_per_year_max: int = whole(0, minimum=0, doc="0 = no cap")
    hours_per_year_max: float = q("time", 0.0, positive=False, doc="0 = no cap")
    entry: object = None


@dataclass(frozen=True, kw_only=True)
class Electrical:
    islanded: bool = False
    utility: Utility
    substation: EquipmentSet
    unit_substation: EquipmentSet
    ups: EquipmentSet | None = None
    distribution: str = "busway_pdu"
    bess: tuple[EquipmentSet, ...] = ()
    turbines: tuple[TurbineFleet, ...] = ()
    distribution_model: object = None

    @property
    def P_bess(self) -> float:
        return sum(b.count * b.entry.P_rated for b in self.bess)

    @property
    def E_bess(self) -> float:
        return sum(b.count * b.entry.E_rated for b in self.bess)

    @property
    def P_turbines(self) -> float:
        return sum(t.count * t.entry.P_rated for t in self.turbines)


@dataclass(frozen=True, kw_only=True)
class Tariff:
    market: str = text(choices=("ercot", "tva_mlgw", "fixed"))
    energy_price: float = q("price_energy", 0.0, positive=False, doc="flat or blended energy price")
    demand_charge: float = q("price_power", 0.0, positive=False, doc="per W per month, on-peak")
    transmission_4cp: float = q("price_power", 0.0, positive=False, doc="ERCOT 4CP charge per W-year")
    emissions_price: float = q("price_mass", 0.0, positive=False, at_most=10.0, doc="price of emitted CO2, e.g. '50 USD/t'")
    fuel_price: float = q("price_energy", 0.0, positive=False, at_most=100 / 1.055e9, doc="gas price (HHV), e.g. '3.5 USD/MMBtu'; 0: default")
    ppa_volume: float = q("power", 0.0, positive=False, doc="fixed-price PPA: constant power bought, e.g. '200 MW'")
    ppa_price: float = q("price_energy", 0.0, positive=False, at_most=1e5 / 3.6e9, doc="fixed-price PPA price, e.g. '45 USD/MWh'")
    vppa_volume: float = q("power", 0.0, positive=False, doc="virtual PPA: mean generation settled, e.g. '300 MW'")
    vppa_strike: float = q("price_energy", 0.0, positive=False, at_most=1e5 / 3.6e9, doc="virtual PPA strike, e.g. '35 USD/MWh'")
    CO2_cap: float = q("mass", 0.0, positive=False, doc="CO2 cap per year (prorated to the horizon), e.g. '500000 t'; 0: none")
    dr_reduction: float = q("power", 0.0, positive=False, doc="demand-response programme: import reduction per event, e.g. '50 MW'")
    dr_credit: float = q("money", 0.0, positive=False, doc="demand-response programme: credit per event, e.g. '20000 USD'")
    dr_penalty: float = q("price_energy", 0.0, positive=False, at_most=1e5 / 3.6e9, doc="demand-response programme: penalty on energy above the event limit, e.g. '2000 USD/MWh'; 0: firm")


@dataclass(frozen=True, kw_only=True)
class Site:
    """A validated site, SI units, frozen.  Built by :func:`load_site`."""

    name: str
    file: str
    description: str
    sources: tuple[str, ...]
    location: Location
    rack_groups: tuple[RackGroup, ...]
    facility_loops: tuple[FacilityLoop, ...]
    plants: tuple[Plant, ...]
    electrical: Electrical
    tariff: Tariff
    pue_design: float
    catalogues: tuple[str, ...] = ()  # the user's own catalogue folders (absolute), beside models/

    @property
    def P_it_peak(self) -> float:
        """Peak IT power of all racks (W)."""
        return sum(g.P_peak for g in self.rack_groups)

    @property
    def n_racks(self) -> int:
        return sum(g.count for g in self.rack_groups)

    def racks_by_model(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for g in self.rack_groups:
            out[g.rack] = out.get(g.rack, 0) + g.count
        return out

    def loop(self, name: str) -> FacilityLoop:
        return next(loop for loop in self.facility_loops if loop.name == name)

    def plant(self, name: str) -> Plant:
        return next(p for p in self.plants if p.name == name)

    @cached_property
    def graph(self):
        """The site topology as a networkx DiGraph (see :func:`topology_graph`)."""
        return topology_graph(self)


def sites_dir() -> Path:
    return data_dir("sites")


def builtin_sites() -> list[str]:
    """Names of the built-in sites."""
    return sorted(p.stem for p in sites_dir().glob("*.toml"))


def resolve_site_path(name_or_path: str | Path) -> Path:
    """A built-in site name or a path to a site file."""
    text_ = str(name_or_path)
    path = Path(text_)
    if path.suffix == ".toml" or path.is_file() or "/" in text_:
        if not path.is_file():
            raise InputError.one(text_, "", "no such file", "a site TOML file or a built-in site name")
        return path
    candidate = sites_dir() / f"{text_}.toml"
    if not candidate.is_file():
        names = builtin_sites()
        raise InputError.one(text_, "", "an unknown site",
                             f"one of {', '.join(names)} or a path to a .toml file{did_you_mean(text_, names)}")
    return candidate


_TOP_LEVEL = ("name", "description", "sources", "pue_design", "catalogues", "location", "rack_groups",
              "facility_loops", "plants", "electrical", "tariff")


def load_site(name_or_path: str | Path, catalog: Catalog | None = None) -> Site:
    """Load, resolve and check a site; raise InputError listing every problem."""
    path = resolve_site_path(name_or_path)
    data = read_toml(path)
    file = str(path)
    catalog = catalog or load_catalog()
    problems: list[Problem] = []
    folders = _catalogue_folders(data.get("catalogues", []), path, problems)
    if problems:
        raise InputError(problems)
    if folders:
        catalog = catalog.with_folders(folders, file=file)

    for key in data:
        if key not in _TOP_LEVEL:
            problems.append(Problem(file, key, "an unknown section or field",
                                    "one of " + ", ".join(_TOP_LEVEL) + did_you_mean(key, _TOP_LEVEL)))

    def section(cls, raw, where, skip=()):
        if not isinstance(raw, dict):
            problems.append(Problem(file, where, repr(raw)[:60], "a table"))
            return None
        args, more = parse_fields(cls, raw, file=file, prefix=where + ".", skip=skip)
        problems.extend(more)
        return None if more else args

    def table_list(key):
        raw = data.get(key, [])
        if not isinstance(raw, list) or not raw or not all(isinstance(r, dict) for r in raw):
            problems.append(Problem(file, key, repr(raw)[:60] if raw else "nothing",
                                    f"one or more [[{key}]] tables"))
            return []
        return raw

    def lookup(kind, name, where):
        try:
            return catalog.get(kind, name, file=file, field=where)
        except InputError as err:
            problems.extend(err.problems)
            return None

    for key in ("name", "description"):
        if not isinstance(data.get(key), str) or not data.get(key):
            problems.append(Problem(file, key, repr(data.get(key)), "a non-empty string"))
    sources = data.get("sources", [])
    if not isinstance(sources, list) or not all(isinstance(s, str) for s in sources):
        problems.append(Problem(file, "sources", repr(sources)[:60], "a list of strings"))
        sources = []
    pue = data.get("pue_design", 1.25)
    if isinstance(pue, bool) or not isinstance(pue, (int, float)) or not 1.0 <= pue <= 3.0:
        problems.append(Problem(file, "pue_design", repr(pue), "a number between 1.0 and 3.0"))

    location = section(Location, data.get("location", {}), "location")

    groups = []
    for i, raw in enumerate(table_list("rack_groups")):
        where = f"rack_groups[{i}]"
        args = section(RackGroup, raw, where, skip=("model", "cdu_model"))
        if args is None:
            continue
        rack = lookup("rack", args["rack"], where + ".rack")
        cdu_name = args.get("cdu", "") or (rack.in_rack_cdu if rack else "")
        cdu = lookup("cdu", cdu_name, where + ".cdu") if cdu_name else None
        if rack and not cdu_name and rack.cooling == "liquid":
            problems.append(Problem(file, where + ".cdu", "nothing",
                                    f"an in-row CDU from the catalogue (rack '{rack.name}' has no in-rack CDU)"))
        if rack and cdu and args.get("cdu") and rack.in_rack_cdu:
            problems.append(Problem(file, where + ".cdu", repr(args["cdu"]),
                                    f"nothing: rack '{rack.name}' has its own CDU '{rack.in_rack_cdu}'"))
        groups.append(RackGroup(**args, model=rack, cdu_model=cdu))

    loops = []
    for i, raw in enumerate(table_list("facility_loops")):
        where = f"facility_loops[{i}]"
        args = section(FacilityLoop, raw, where, skip=("pump_model",))
        if args is None:
            continue
        loops.append(FacilityLoop(**args, pump_model=lookup("pump", args["pump"], where + ".pump")))

    plants = []
    for i, raw in enumerate(table_list("plants")):
        where = f"plants[{i}]"
        args = section(Plant, raw, where,
                       skip=("tower_model", "dry_cooler_model", "chiller_model", "storage_model"))
        if args is None:
            continue
        models = {}
        for kind, key in (("cooling_tower", "tower"), ("dry_cooler", "dry_cooler"),
                          ("chiller", "chiller"), ("storage_tank", "storage")):
            name = args.get(key, "")
            n = args.get(f"{key}_count", 0)
            if name and n == 0:
                problems.append(Problem(file, f"{where}.{key}_count", "0", f"at least 1 {key} of '{name}'"))
            if n and not name:
                problems.append(Problem(file, f"{where}.{key}", "nothing", f"a catalogue {kind} for {n} units"))
            if n and args.get(f"{key}_spares", 0) >= n:
                problems.append(Problem(file, f"{where}.{key}_spares", str(args[f"{key}_spares"]),
                                        f"fewer spares than units ({n})"))
            models[f"{key}_model"] = lookup(kind, name, f"{where}.{key}") if name else None
        needs = {"towers": ("tower",), "towers_with_chillers": ("tower", "chiller"),
                 "dry_coolers_with_trim": ("dry_cooler",), "air_cooled_chillers": ("chiller",)}
        for key in needs[args["arrangement"]]:
            if not args.get(key):
                problems.append(Problem(file, f"{where}.{key}", "nothing",
                                        f"a {key} (arrangement '{args['arrangement']}' needs one)"))
        plants.append(Plant(**args, **models))

    electrical = _electrical(data.get("electrical"), file, section, lookup, problems)
    tariff_args = section(Tariff, data.get("tariff", {}), "tariff")

    if problems:  # references are checked once every section has parsed
        raise InputError(problems)
    _check_names(file, "rack_groups", groups, problems)
    _check_names(file, "facility_loops", loops, problems)
    _check_names(file, "plants", plants, problems)
    loop_names = [loop.name for loop in loops]
    plant_names = [p.name for p in plants]
    for i, g in enumerate(groups):
        if g.facility_loop not in loop_names:
            problems.append(Problem(file, f"rack_groups[{i}].facility_loop", repr(g.facility_loop),
                                    f"one of {loop_names}{did_you_mean(g.facility_loop, loop_names)}"))
    for i, loop in enumerate(loops):
        if loop.plant not in plant_names:
            problems.append(Problem(file, f"facility_loops[{i}].plant", repr(loop.plant),
                                    f"one of {plant_names}{did_you_mean(loop.plant, plant_names)}"))
    # every component reachable: a loop no rack group uses, or a plant no loop uses, is a typo or a leftover
    for i, loop in enumerate(loops):
        if not any(g.facility_loop == loop.name for g in groups):
            problems.append(Problem(file, f"facility_loops[{i}]", f"loop '{loop.name}' that no rack group uses",
                                    "every loop named by a rack group's facility_loop"))
    for i, plant in enumerate(plants):
        if not any(loop.plant == plant.name for loop in loops):
            problems.append(Problem(file, f"plants[{i}]", f"plant '{plant.name}' that no facility loop uses",
                                    "every plant named by a facility loop's plant"))
    location = {**location, "weather": _resolve_weather(location["weather"], path, problems)}

    if problems:
        raise InputError(problems)
    site = Site(name=data["name"], file=file, description=data["description"], sources=tuple(sources),
                location=Location(**location), rack_groups=tuple(groups), facility_loops=tuple(loops),
                plants=tuple(plants), electrical=electrical, tariff=Tariff(**tariff_args),
                pue_design=float(pue), catalogues=tuple(folders))
    problems = check_plausibility(site)
    if problems:
        raise InputError(problems)
    return site


def _catalogue_folders(raw, site_path: Path, problems: list[Problem]) -> list[str]:
    """The site's own catalogue folders (``catalogues = ["my_models"]``), relative to the site file,
    as absolute paths; the folders themselves are read by :meth:`twin.catalog.Catalog.with_folders`."""
    if not isinstance(raw, list) or not all(isinstance(f, str) and f.strip() for f in raw):
        problems.append(Problem(str(site_path), "catalogues", repr(raw)[:60],
                                "a list of folder paths, e.g. [\"my_models\"] (relative to the site file)"))
        return []
    out = []
    for folder in raw:
        path = Path(folder).expanduser()
        if not path.is_absolute():
            path = Path(site_path).parent / path
        out.append(str(path.resolve()))
    return out


def _resolve_weather(spec: str, site_path: Path, problems: list[Problem]) -> str:
    """The site's weather reference resolved at load time: a built-in location, or an EPW file
    (a relative path is taken from the site file's folder) returned as an absolute path."""
    if spec.strip().lower() in WEATHER_LOCATIONS:
        return spec.strip().lower()
    for candidate in (Path(spec), Path(site_path).parent / spec):
        if candidate.is_file() and candidate.suffix.lower() == ".epw":
            return str(candidate.resolve())
    problems.append(Problem(str(site_path), "location.weather", repr(spec),
                            f"a built-in location ({', '.join(WEATHER_LOCATIONS)}) or an existing .epw file "
                            f"(relative to the site file){did_you_mean(spec.lower(), WEATHER_LOCATIONS)}"))
    return spec


def _electrical(raw, file, section, lookup, problems) -> Electrical | None:
    if not isinstance(raw, dict):
        problems.append(Problem(file, "electrical", "nothing", "an [electrical] table"))
        return None
    allowed = {f.name for f in fields(Electrical)} - {"distribution_model"}
    for key in raw:
        if key not in allowed:
            problems.append(Problem(file, f"electrical.{key}", "an unknown field",
                                    "one of " + ", ".join(sorted(allowed)) + did_you_mean(key, allowed)))
    islanded = raw.get("islanded", False)
    if not isinstance(islanded, bool):
        problems.append(Problem(file, "electrical.islanded", repr(islanded), "true or false"))
    utility = section(Utility, raw.get("utility", {}), "electrical.utility")

    def equipment(value, where, kind, cls=EquipmentSet):
        args = section(cls, value, where, skip=("entry",))
        if args is None:
            return None
        return cls(**args, entry=lookup(kind, args["model"], where + ".model"))

    substation = equipment(raw.get("substation", {}), "electrical.substation", "transformer")
    unit = equipment(raw.get("unit_substation", {}), "electrical.unit_substation", "transformer")
    ups = equipment(raw["ups"], "electrical.ups", "ups") if "ups" in raw else None
    dist_name = raw.get("distribution", "busway_pdu")
    dist = lookup("distribution", dist_name, "electrical.distribution") if isinstance(dist_name, str) else None
    bess = tuple(equipment(b, f"electrical.bess[{i}]", "bess") for i, b in enumerate(raw.get("bess", [])))
    turbines = tuple(equipment(t, f"electrical.turbines[{i}]", "turbine", TurbineFleet)
                     for i, t in enumerate(raw.get("turbines", [])))
    if None in (utility, substation, unit) or None in bess or None in turbines:
        return None
    return Electrical(islanded=islanded, utility=Utility(**utility), substation=substation,
                      unit_substation=unit, ups=ups, distribution=dist_name, bess=bess,
                      turbines=turbines, distribution_model=dist)


def _check_names(file: str, key: str, items, problems: list[Problem]) -> None:
    seen: set[str] = set()
    for i, item in enumerate(items):
        if item.name in seen:
            problems.append(Problem(file, f"{key}[{i}].name", repr(item.name), "a name not used before in " + key))
        seen.add(item.name)


def design_heat_load(site: Site, loop: FacilityLoop | None = None) -> float:
    """Heat the plant must reject at peak IT load (W): IT heat plus distribution losses in the halls.

    The electrical chain losses inside the white space (PDUs, rack PSUs are inside
    P_peak already) are taken as 2 % of IT, an estimate from research/physics.md 5.3.
    """
    groups = [g for g in site.rack_groups if loop is None or g.facility_loop == loop.name]
    return 1.02 * sum(g.P_peak for g in groups)


def coldest_supply(model) -> float:
    """Coldest water (degC) a tower or dry cooler delivers at its rated capacity and rated
    outdoor condition: the rated wet (dry) bulb plus the rated approach.  A dry cooler with
    adiabatic pads is rated on pre-cooled air whose temperature its rating does not give:
    -inf (not screened)."""
    if isinstance(model, CoolingTowerModel):
        return model.T_wet_bulb_nominal + model.approach_nominal
    if getattr(model, "pad_effectiveness", 0.0) > 0:
        return -math.inf
    return model.T_dry_bulb_nominal + model.approach_nominal


def plant_capacity(plant: Plant, T_supply_set: float | None = None) -> float:
    """Nominal heat-rejection capacity with the spares out of service (W).

    With ``T_supply_set`` (degC), towers and dry coolers whose rated condition cannot reach
    that supply temperature (:func:`coldest_supply`) are not counted: only chillers then hold it.
    """
    total = 0.0
    reach = (lambda m: True) if T_supply_set is None else (lambda m: coldest_supply(m) <= T_supply_set + 1e-9)
    if plant.tower_model and reach(plant.tower_model):
        total = max(total, (plant.tower_count - plant.tower_spares) * plant.tower_model.Q_flow_nominal)
    if plant.dry_cooler_model and reach(plant.dry_cooler_model):
        total = max(total, (plant.dry_cooler_count - plant.dry_cooler_spares) * plant.dry_cooler_model.Q_flow_nominal)
    if plant.chiller_model:
        chillers = (plant.chiller_count - plant.chiller_spares) * plant.chiller_model.Q_flow_nominal
        total = chillers if plant.arrangement == "air_cooled_chillers" else max(total, chillers)
    return total


def check_plausibility(site: Site) -> list[Problem]:
    """Physical plausibility: rack density, CDU sizing, plant and electrical capacity.

    These are design-point screens with nominal ratings; the simulator checks the
    same things hour by hour against weather.
    """
    file, problems = site.file, []
    for i, g in enumerate(site.rack_groups):
        rack, cdu = g.model, g.cdu_model
        if rack.P_idle >= rack.P_peak:
            problems.append(Problem(file, f"rack '{rack.name}' P_idle", f"{rack.P_idle / 1e3:g} kW",
                                    f"less than P_peak ({rack.P_peak / 1e3:g} kW)"))
        if not 1e3 <= rack.P_peak <= 300e3:
            problems.append(Problem(file, f"rack_groups[{i}].rack", f"{rack.P_peak / 1e3:g} kW per rack",
                                    "1-300 kW per rack (densest liquid-cooled racks today are ~140-220 kW)"))
        if cdu is not None:
            heat = rack.P_peak * rack.liquid_fraction * (1 if rack.in_rack_cdu else g.racks_per_cdu)
            if heat > cdu.Q_flow_nominal * 1.0001:
                problems.append(Problem(
                    file, f"rack_groups[{i}].racks_per_cdu",
                    f"{g.racks_per_cdu if not rack.in_rack_cdu else 1} racks = {heat / 1e3:,.0f} kW of liquid heat",
                    f"at most the CDU '{cdu.name}' duty of {cdu.Q_flow_nominal / 1e3:,.0f} kW"))
        if g.halls > g.count:
            problems.append(Problem(file, f"rack_groups[{i}].halls", str(g.halls), f"at most count ({g.count})"))
    for i, loop in enumerate(site.facility_loops):
        plant = site.plant(loop.plant)
        served = [lp for lp in site.facility_loops if lp.plant == plant.name]
        load = sum(design_heat_load(site, lp) for lp in served)
        T_coldest = min(lp.T_supply_set for lp in served)
        capacity = plant_capacity(plant, T_coldest)
        if capacity < load:
            unreachable = [m.name for m in (plant.tower_model, plant.dry_cooler_model)
                           if m is not None and coldest_supply(m) > T_coldest + 1e-9]
            why = (f" ({', '.join(unreachable)} cannot deliver {T_coldest:g} degC at its rated condition, "
                   "so it is not counted)") if unreachable else ""
            problems.append(Problem(
                file, f"plants '{plant.name}'",
                f"{capacity / 1e6:,.1f} MW of heat rejection with spares out{why}",
                f"at least the design heat load of {load / 1e6:,.1f} MW"))
        for j, g in enumerate(site.rack_groups):
            if g.facility_loop != loop.name:
                continue
            T_inlet = loop.T_supply_set + (g.cdu_model.approach_nominal if g.cdu_model else 0.0)
            if T_inlet >= g.model.T_coolant_trip:
                problems.append(Problem(
                    file, f"facility_loops[{i}].T_supply_set",
                    f"{loop.T_supply_set:g} degC, a rack coolant inlet of {T_inlet:g} degC for group '{g.name}'",
                    f"a supply below the racks' protection trip ({g.model.T_coolant_trip:g} degC) "
                    f"minus the CDU approach, else every rack of the group powers off"))
        bound = LIQUID_CLASSES[loop.liquid_class]
        if loop.T_supply_set > bound:
            problems.append(Problem(file, f"facility_loops[{i}].T_supply_set", f"{loop.T_supply_set:g} degC",
                                    f"at most {bound:g} degC for class {loop.liquid_class}"))
        if loop.pump_model:
            flow = load / (4180.0 * 990.0 * loop.delta_T_nominal)
            pumps = math.ceil(flow / loop.pump_model.V_flow_nominal)
            if pumps > 10_000:
                problems.append(Problem(file, f"facility_loops[{i}].delta_T_nominal",
                                        f"{loop.delta_T_nominal:g} K", "a loop temperature rise of a few K or more"))
    el = site.electrical
    facility_peak = site.P_it_peak * site.pue_design
    supply = el.utility.P_import_max + el.P_turbines
    if supply < facility_peak:
        problems.append(Problem(
            file, "electrical", f"{supply / 1e6:,.0f} MW of utility import + turbines",
            f"at least the facility peak of {facility_peak / 1e6:,.0f} MW (IT {site.P_it_peak / 1e6:,.0f} MW x "
            f"pue_design {site.pue_design:g})"))
    sub = el.substation
    if (sub.count - sub.spares) * sub.entry.S_rated < min(supply, facility_peak) * 0.999:
        problems.append(Problem(
            file, "electrical.substation.count",
            f"{(sub.count - sub.spares) * sub.entry.S_rated / 1e6:,.0f} MVA with spares out",
            f"at least {min(supply, facility_peak) / 1e6:,.0f} MVA (the power it must carry)"))
    unit = el.unit_substation
    if (unit.count - unit.spares) * unit.entry.S_rated < facility_peak:
        problems.append(Problem(
            file, "electrical.unit_substation.count",
            f"{(unit.count - unit.spares) * unit.entry.S_rated / 1e6:,.0f} MVA with spares out",
            f"at least the {facility_peak / 1e6:,.0f} MW of IT and cooling they feed (IT peak x pue_design)"))
    if el.ups is not None and (el.ups.count - el.ups.spares) * el.ups.entry.P_rated < site.P_it_peak:
        problems.append(Problem(
            file, "electrical.ups.count", f"{(el.ups.count - el.ups.spares) * el.ups.entry.P_rated / 1e6:,.0f} MW",
            f"at least the IT peak of {site.P_it_peak / 1e6:,.0f} MW"))
    if el.islanded and el.utility.P_import_max > 0.1 * facility_peak:
        problems.append(Problem(file, "electrical.utility.P_import_max",
                                f"{el.utility.P_import_max / 1e6:,.0f} MW",
                                "an import of at most 10 % of the facility peak for an islanded site"))
    return problems


def topology_graph(site: Site):
    """The site's component graph, the one the engine assembles from (:func:`twin.simulation.graph.site_graph`)."""
    from twin.simulation.graph import site_graph

    return site_graph(site)
