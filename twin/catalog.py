"""Equipment catalogue: one TOML file per equipment model under ``models/<kind>/``.

Each file carries datasheet values with units (``"132 kW"``), a ``source`` (a
public URL or document) and either ``estimate = true`` (no source gives the
values) or ``estimated = ["field", ...]`` naming the fields that are our
estimates.  :func:`load_catalog` reads every file once, converts the values to
SI with :func:`twin.units.to_si`, and returns frozen entries keyed by kind and
name.  A site refers to an entry by its name (the file stem).

The fields each kind accepts are the dataclass fields below; the quantity kind
of each field (for unit checking) is in the field's ``metadata["kind"]``.
"""

from __future__ import annotations

import difflib
import math
import tomllib
from dataclasses import MISSING, dataclass, field, fields
from functools import lru_cache
from twin.paths import data_dir
from pathlib import Path
from typing import Any, ClassVar

from twin.errors import InputError, Problem
from twin.units import expected, to_si


def q(kind: str, default: Any = MISSING, *, positive: bool = True, at_most: float | None = None,
      within: tuple[float | None, float | None] | None = None, doc: str = ""):
    """A catalogue or site field holding a quantity of ``kind`` (see twin.units.SI_UNITS).

    ``positive`` demands a value > 0 (False: >= 0; None: any sign); ``at_most`` an upper bound;
    ``within`` the field's physical range (lo, hi) in SI, inside the kind's own
    (:data:`twin.units.PHYSICAL_RANGE`).  Text fields of a dimensioned kind must carry a unit.
    """
    meta = {"kind": kind, "positive": positive, "at_most": at_most, "within": within, "doc": doc}
    if default is MISSING:
        return field(metadata=meta)
    return field(default=default, metadata=meta)


def text(default: Any = MISSING, *, choices: tuple[str, ...] = (), doc: str = ""):
    """A catalogue or site field holding a string (optionally one of ``choices``)."""
    meta = {"kind": "text", "choices": choices, "doc": doc}
    if default is MISSING:
        return field(metadata=meta)
    return field(default=default, metadata=meta)


def numbers(length: int | None = None, default: Any = MISSING, *, doc: str = ""):
    """A field holding a list of plain numbers (curve coefficients, tables)."""
    meta = {"kind": "numbers", "length": length, "doc": doc}
    if default is MISSING:
        return field(metadata=meta)
    return field(default=default, metadata=meta)


#: Largest whole number a count field takes (a site has ~1e5 racks; 1e7 leaves room, 1e400 does not).
COUNT_MAX = 10_000_000


def whole(default: Any = MISSING, *, minimum: int = 1, maximum: int = COUNT_MAX, doc: str = ""):
    """A field holding a whole number in ``[minimum, maximum]``."""
    meta = {"kind": "count", "minimum": minimum, "maximum": maximum, "doc": doc}
    if default is MISSING:
        return field(metadata=meta)
    return field(default=default, metadata=meta)


@dataclass(frozen=True, kw_only=True)
class Entry:
    """Common part of every catalogue entry."""

    kind: ClassVar[str] = ""
    name: str = text(doc="file stem; how sites refer to this entry")
    description: str = text("")
    source: str = text(doc="public URL or document the values come from")
    estimate: bool = field(default=False, metadata={"kind": "flag"})
    estimated: tuple[str, ...] = field(default=(), metadata={"kind": "names"})
    note: str = text("")


@dataclass(frozen=True, kw_only=True)
class RackModel(Entry):
    """A rack (or cabinet) of IT equipment and how its heat leaves it."""

    kind: ClassVar[str] = "rack"
    accelerator: str = text("none", doc="accelerator type, e.g. 'H100 SXM', 'B200', 'Dojo training tile'")
    accelerator_count: int = whole(0, minimum=0)
    P_accelerator: float = q("power", 0.0, positive=False, doc="accelerator TDP (W)")
    P_peak: float = q("power", doc="rack peak electrical input (W)")
    P_idle: float = q("power", doc="rack idle electrical input (W)")
    liquid_fraction: float = q("dimensionless", at_most=1.0, positive=False, doc="share of rack heat removed by liquid (0-1)")
    coolant_flow_per_power: float = q("volume_flow_per_power", 0.0, positive=False,
                                      doc="TCS coolant flow per unit of liquid heat at peak (m3/s/W)")
    R_die_coolant: float = q("thermal_resistance", 0.0, positive=False,
                             doc="die-to-coolant thermal resistance of one accelerator (K/W)")
    T_throttle: float = q("temperature", 87.0, within=(20.0, 150.0), doc="die temperature where power capping starts (degC)")
    T_shutdown: float = q("temperature", 95.0, within=(20.0, 150.0), doc="die temperature where the device shuts down (degC)")
    T_coolant_trip: float = q("temperature", 65.0, within=(10.0, 100.0),
                              doc="rack coolant inlet temperature where the rack's protection powers it off "
                                  "(degC; estimate: no public figure)")
    psu_efficiency: float = q("dimensionless", 0.96, at_most=1.0, doc="rack power-supply efficiency at typical load")
    cooling: str = text("liquid", choices=("liquid", "air_rear_door", "air"))
    in_rack_cdu: str = text("", doc="catalogue name of a CDU built into the rack, if any")
    flops: float = q("dimensionless", 0.0, positive=False, doc="peak dense BF16 FLOP/s of the rack")


@dataclass(frozen=True, kw_only=True)
class CDUModel(Entry):
    """Coolant distribution unit: plate heat exchanger + TCS pumps."""

    kind: ClassVar[str] = "cdu"
    placement: str = text(choices=("in_rack", "in_row"))
    Q_flow_nominal: float = q("power", doc="heat duty at the design approach (W)")
    approach_nominal: float = q("temperature_difference", within=(None, 30.0),
                                doc="TCS supply minus facility supply at design duty (K)")
    delta_T_tcs_nominal: float = q("temperature_difference", within=(None, 40.0), doc="TCS return minus supply at design (K)")
    P_pump_nominal: float = q("power", doc="TCS pump electrical power at design flow (W)")
    dp_nominal: float = q("pressure_difference", doc="TCS pump head at design flow (Pa)")
    tcs_coolant: str = text("pg25", choices=("water", "pg25", "pg30"))
    V_tcs: float = q("volume", 0.05, doc="TCS loop coolant volume served per CDU (m3)")


@dataclass(frozen=True, kw_only=True)
class ChillerModel(Entry):
    """Electric chiller: rating, EnergyPlus Chiller:Electric:EIR (DOE-2) curves, free-cooling coil."""

    kind: ClassVar[str] = "chiller"
    condenser: str = text(choices=("water", "air"))
    performance: str = text("carnot", choices=("carnot", "eir"),
                            doc="'carnot': Carnot fraction calibrated at the rating, falling below the design "
                                "lift (valid to ~40 degC leaving water); 'eir': the EIR curves (valid inside their limits only)")
    T_condenser_max: float = q("temperature", doc="highest entering condenser water or outdoor air the compressor "
                                                  "runs at (high-pressure limit)")
    Q_flow_nominal: float = q("power", doc="reference cooling capacity (W)")
    COP_nominal: float = q("dimensionless", within=(0.5, 30.0), doc="reference COP")
    T_leaving_reference: float = q("temperature", within=(-10.0, 50.0), doc="reference leaving chilled-water temperature")
    T_condenser_reference: float = q("temperature", within=(-30.0, 70.0),
                                     doc="reference entering condenser temperature (water or outdoor air)")
    capft: tuple[float, ...] = numbers(6, doc="CAPFT biquadratic a..f")
    eirft: tuple[float, ...] = numbers(6, doc="EIRFT biquadratic a..f")
    eirfplr: tuple[float, ...] = numbers(3, doc="EIRFPLR quadratic a..c")
    T_leaving_limits: tuple[float, ...] = numbers(2, doc="curve limits of x (degC)")
    T_condenser_limits: tuple[float, ...] = numbers(2, doc="curve limits of y (degC)")
    plr_min: float = q("dimensionless", at_most=1.0)
    plr_max: float = q("dimensionless", within=(None, 1.5))
    min_unloading_ratio: float = q("dimensionless", at_most=1.0)
    UA_free_cooling_nominal: float = q("thermal_conductance", 0.0, positive=False,
                                       doc="free-cooling coil UA at its nominal flows (W/K); 0 = no coil")
    m_flow_air_free_cooling_nominal: float = q("mass_flow", 0.0, positive=False,
                                               doc="free-cooling coil air flow at full fan speed; its nominal water "
                                                   "flow carries the same heat capacity rate")
    P_free_cooling_fan_nominal: float = q("power", 0.0, positive=False,
                                          doc="free-cooling coil fans at full speed (W)")
    fixed_loss_share: float = q("dimensionless", 0.155, positive=False, at_most=0.99,
                                doc="'carnot': share of the losses at the design lift that do not shrink with the "
                                    "lift (fitted to published tables: twin.thermal.chiller.FIXED_LOSS_SHARE)")
    lift_design: float = q("temperature_difference", 0.0, positive=False, within=(None, 80.0),
                           doc="'carnot': refrigerant lift below which the Carnot fraction falls; 0 = by condenser "
                               "(water: the rating's lift; air: 31.44 K, twin.thermal.chiller.LIFT_DESIGN)")


@dataclass(frozen=True, kw_only=True)
class CoolingTowerModel(Entry):
    """Open evaporative cooling tower cell (EnergyPlus CoolingTower:VariableSpeed)."""

    kind: ClassVar[str] = "cooling_tower"
    correlation: str = text(choices=("yorkcalc", "cooltools"))
    Q_flow_nominal: float = q("power", doc="heat rejected at the design point (W)")
    T_wet_bulb_nominal: float = q("temperature", within=(-20.0, 40.0))
    approach_nominal: float = q("temperature_difference", within=(None, 30.0))
    range_nominal: float = q("temperature_difference", within=(None, 40.0))
    P_fan_nominal: float = q("power")
    fan_speed_min: float = q("dimensionless", 0.2, at_most=1.0)
    free_convection_fraction: float = q("dimensionless", 0.125, at_most=1.0)
    cycles_of_concentration: float = q("dimensionless", 5.0)
    drift_fraction: float = q("dimensionless", 0.00005, at_most=1.0, doc="drift as a fraction of water flow")


@dataclass(frozen=True, kw_only=True)
class DryCoolerModel(Entry):
    """Dry (sensible) fluid cooler with optional adiabatic pre-cooling pads."""

    kind: ClassVar[str] = "dry_cooler"
    Q_flow_nominal: float = q("power")
    T_dry_bulb_nominal: float = q("temperature", within=(-40.0, 60.0))
    approach_nominal: float = q("temperature_difference", within=(None, 40.0),
                                doc="leaving water minus entering air dry bulb")
    range_nominal: float = q("temperature_difference", within=(None, 40.0))
    P_fan_nominal: float = q("power")
    pad_effectiveness: float = q("dimensionless", 0.0, at_most=1.0, positive=False, doc="0 for no adiabatic assist")
    fan_speed_min: float = q("dimensionless", 0.2, at_most=1.0)


@dataclass(frozen=True, kw_only=True)
class PumpModel(Entry):
    """Centrifugal pump with variable-speed drive."""

    kind: ClassVar[str] = "pump"
    V_flow_nominal: float = q("volume_flow")
    dp_nominal: float = q("pressure_difference")
    dp_shutoff: float = q("pressure_difference", doc="head at zero flow, nominal speed")
    efficiency_nominal: float = q("dimensionless", at_most=1.0, doc="wire-to-water efficiency at the design point")


@dataclass(frozen=True, kw_only=True)
class StorageTankModel(Entry):
    """Chilled/cool water storage tank."""

    kind: ClassVar[str] = "storage_tank"
    volume: float = q("volume")
    UA_loss: float = q("thermal_conductance", 0.0, positive=False)
    delta_T_nominal: float = q("temperature_difference", within=(None, 60.0), doc="charged-to-discharged difference (K)")


@dataclass(frozen=True, kw_only=True)
class TransformerModel(Entry):
    kind: ClassVar[str] = "transformer"
    S_rated: float = q("power", doc="rating (VA, written as kVA/MVA)")
    P_no_load: float = q("power", doc="core loss (W)")
    P_load_loss_rated: float = q("power", doc="winding loss at rated load (W)")
    V_primary: float = q("voltage")
    V_secondary: float = q("voltage")


@dataclass(frozen=True, kw_only=True)
class UPSModel(Entry):
    kind: ClassVar[str] = "ups"
    P_rated: float = q("power")
    load_points: tuple[float, ...] = numbers(None, doc="load fractions of the efficiency curve")
    efficiency_points: tuple[float, ...] = numbers(None, doc="efficiency at load_points")
    E_battery: float = q("energy", doc="battery energy available for ride-through (J)")
    mode: str = text("double_conversion", choices=("double_conversion", "eco"))


@dataclass(frozen=True, kw_only=True)
class DistributionModel(Entry):
    """Busway, PDUs and cabling between the UPS and the racks."""

    kind: ClassVar[str] = "distribution"
    loss_fraction_nominal: float = q("dimensionless", at_most=1.0, doc="loss as a fraction of load at rated load")
    no_load_fraction: float = q("dimensionless", 0.0, at_most=1.0, positive=False, doc="fixed loss as a fraction of rating")


@dataclass(frozen=True, kw_only=True)
class BatteryModel(Entry):
    kind: ClassVar[str] = "bess"
    P_rated: float = q("power")
    E_rated: float = q("energy")
    round_trip_efficiency: float = q("dimensionless", at_most=1.0)
    soc_min: float = q("dimensionless", 0.05, at_most=1.0, positive=False)
    soc_max: float = q("dimensionless", 0.95, at_most=1.0)
    cost_degradation: float = q("price_energy", 0.0, positive=False, doc="USD per J of throughput")


@dataclass(frozen=True, kw_only=True)
class TurbineModel(Entry):
    kind: ClassVar[str] = "turbine"
    P_rated: float = q("power")
    P_min_fraction: float = q("dimensionless", at_most=1.0, doc="minimum stable (emissions-compliant) load")
    heat_rate_full: float = q("heat_rate", within=(1.0, 10.0),
                              doc="fuel energy per electrical energy at full load (LHV); 1 J/J is 100 % efficient")
    heat_rate_half: float = q("heat_rate", within=(1.0, 10.0), doc="at 50 % load")
    ramp_rate: float = q("power_ramp")
    start_time: float = q("time")
    start_cost: float = q("money", 0.0, positive=False, doc="USD per start")
    min_up_time: float = q("time", 3600.0)
    min_down_time: float = q("time", 1800.0)
    NOx_ppm: float = q("dimensionless", doc="NOx at 15 % O2, ppmvd")
    NOx_rate: float = q("emission_rate", doc="NOx mass per unit of fuel energy (kg/J)")


KINDS: dict[str, type[Entry]] = {
    cls.kind: cls
    for cls in (RackModel, CDUModel, ChillerModel, CoolingTowerModel, DryCoolerModel, PumpModel,
                StorageTankModel, TransformerModel, UPSModel, DistributionModel, BatteryModel,
                TurbineModel)
}


def did_you_mean(word: str, options) -> str:
    """' (did you mean 'x'?)' when a close match exists, else ''."""
    match = difflib.get_close_matches(word, list(options), n=1, cutoff=0.6)
    return f" (did you mean '{match[0]}'?)" if match else ""


def parse_fields(cls: type, data: dict, *, file: str, prefix: str = "",
                 skip: tuple[str, ...] = ()) -> tuple[dict, list[Problem]]:
    """Convert the raw TOML ``data`` to keyword arguments of dataclass ``cls``.

    Returns the arguments and every problem found (unknown keys with a
    did-you-mean, missing required fields, wrong units, non-positive values).
    """
    problems: list[Problem] = []
    spec = {f.name: f for f in fields(cls) if f.name not in skip}
    out: dict[str, Any] = {}
    for key in data:
        if key not in spec:
            problems.append(Problem(file, prefix + key, "an unknown field",
                                    "one of " + ", ".join(sorted(spec)) + did_you_mean(key, spec)))
    for name, f in spec.items():
        where = prefix + name
        if name not in data:
            if f.default is MISSING and f.default_factory is MISSING:
                problems.append(Problem(file, where, "nothing", f"a value ({_describe(f)})"))
            continue
        try:
            out[name] = _convert(f, data[name], file, where)
        except InputError as err:
            problems.extend(err.problems)
    return out, problems


def _describe(f) -> str:
    kind = f.metadata.get("kind", "text")
    if kind == "text":
        choices = f.metadata.get("choices")
        return "one of " + ", ".join(choices) if choices else "a string"
    if kind in ("numbers", "names"):
        return "a list"
    if kind == "count":
        return "a whole number"
    if kind == "flag":
        return "true or false"
    return expected(kind)


def _convert(f, value: Any, file: str, where: str) -> Any:
    meta = f.metadata
    kind = meta.get("kind", "text")
    if kind == "text":
        if not isinstance(value, str):
            raise InputError.one(file, where, repr(value), "a string")
        choices = meta.get("choices") or ()
        if choices and value not in choices:
            raise InputError.one(file, where, repr(value), "one of " + ", ".join(choices) + did_you_mean(value, choices))
        return value
    if kind == "flag":
        if not isinstance(value, bool):
            raise InputError.one(file, where, repr(value), "true or false")
        return value
    if kind == "names":
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise InputError.one(file, where, repr(value), "a list of field names")
        return tuple(value)
    if kind == "count":
        if (isinstance(value, bool) or not isinstance(value, int)
                or not meta["minimum"] <= value <= meta.get("maximum", COUNT_MAX)):
            raise InputError.one(file, where, _show(value),
                                 f"a whole number from {meta['minimum']} to {meta.get('maximum', COUNT_MAX):,}")
        return value
    if kind == "numbers":
        n = meta.get("length")
        if (not isinstance(value, list) or not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in value)
                or (n is not None and len(value) != n)):
            raise InputError.one(file, where, _show(value), f"a list of {n or 'some'} numbers")
        numbers_ = []
        for i, v in enumerate(value):
            try:
                x = float(v)
            except OverflowError:
                x = float("inf")
            if not math.isfinite(x) or abs(x) > 1e15:
                raise InputError.one(file, f"{where}[{i}]", _show(v), "a finite number (|x| <= 1e15)")
            numbers_.append(x)
        return tuple(numbers_)
    number = to_si(value, kind, file=file, field=where, within=meta.get("within"))
    positive = meta.get("positive", True)
    if positive and number <= 0 and kind != "temperature":
        raise InputError.one(file, where, repr(value), "a value greater than zero")
    if positive is False and number < 0 and kind != "temperature":
        raise InputError.one(file, where, repr(value), "a value of zero or more")
    if meta.get("at_most") is not None and number > meta["at_most"]:
        raise InputError.one(file, where, repr(value), f"a value of at most {meta['at_most']:g}")
    return number


def _show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:30] + f"... ({len(text)} characters)"


#: Largest site or catalogue file read (bytes); the largest built-in file is a few kB.
TOML_SIZE_MAX = 1_000_000


def read_toml(path: Path) -> dict:
    """Parse a TOML file; anything unreadable becomes an InputError naming the file (and line).

    Refused quickly and on one line: malformed TOML, text that is not UTF-8, files above
    :data:`TOML_SIZE_MAX`, nesting deeper than the parser's recursion limit and integers
    too long to convert.
    """
    try:
        size = Path(path).stat().st_size
        if size > TOML_SIZE_MAX:
            raise InputError.one(str(path), "", f"a file of {size:,} bytes",
                                 f"a TOML file of at most {TOML_SIZE_MAX:,} bytes")
        raw = Path(path).read_bytes()
        text_ = raw.decode("utf-8")
        return tomllib.loads(text_)
    except tomllib.TOMLDecodeError as err:
        raise InputError.one(str(path), "", f"malformed TOML ({err})", "valid TOML (https://toml.io)") from None
    except UnicodeDecodeError as err:
        line = raw[:err.start].count(b"\n") + 1
        raise InputError.one(str(path), "", f"a byte that is not UTF-8 at line {line} (byte {err.start})",
                             "a UTF-8 text file") from None
    except RecursionError:
        raise InputError.one(str(path), "", "tables or arrays nested too deeply to read",
                             "a TOML file nested a few levels deep") from None
    except ValueError as err:  # e.g. an integer of more than 4300 digits
        raise InputError.one(str(path), "", f"a value that cannot be read ({err})",
                             "numbers of ordinary length") from None
    except IsADirectoryError:
        raise InputError.one(str(path), "", "a folder", "a TOML file") from None
    except OSError as err:
        raise InputError.one(str(path), "", f"an unreadable file ({err.strerror})", "a readable TOML file") from None


def parse_entry(path: Path, kind: str) -> Entry:
    """Read one catalogue file of ``kind``."""
    cls = KINDS[kind]
    data = read_toml(path)
    file = str(path)
    declared = data.pop("kind", kind)
    problems = []
    if declared != kind:
        problems.append(Problem(file, "kind", repr(declared), f"'{kind}' (the folder it is in)"))
    data.setdefault("name", Path(path).stem)
    if data["name"] != Path(path).stem:
        problems.append(Problem(file, "name", repr(data["name"]), f"'{Path(path).stem}' (the file stem)"))
    args, more = parse_fields(cls, data, file=file)
    problems += more
    if problems:
        raise InputError(problems)
    entry = cls(**args)
    unknown_estimates = [e for e in entry.estimated if e not in {f.name for f in fields(cls)}]
    if unknown_estimates:
        raise InputError.one(file, "estimated", repr(unknown_estimates), "names of fields of this entry")
    problems = [Problem(file, name, found, want) for name, found, want in sanity(entry)]
    if problems:
        raise InputError(problems)
    return entry


def _biquadratic(a, x: float, y: float) -> float:
    return a[0] + a[1] * x + a[2] * x * x + a[3] * y + a[4] * y * y + a[5] * x * y


def sanity(entry: Entry) -> list[tuple[str, str, str]]:
    """Relations between the fields of one entry that single-field bounds cannot state:
    ``(field, found, expected)`` for each that does not hold."""
    out = []
    if isinstance(entry, ChillerModel):
        for name, (lo, hi) in (("T_leaving_limits", entry.T_leaving_limits),
                               ("T_condenser_limits", entry.T_condenser_limits)):
            if not lo < hi:
                out.append((name, f"[{lo:g}, {hi:g}]", "[low, high] with low < high (degC)"))
        if entry.plr_min > entry.plr_max:
            out.append(("plr_min", f"{entry.plr_min:g}", f"at most plr_max ({entry.plr_max:g})"))
        # EnergyPlus EIR curves are normalised: CAPFT and EIRFT are 1 at the reference point, EIRFPLR at PLR 1.
        x, y = entry.T_leaving_reference, entry.T_condenser_reference
        for name, value in (("capft", _biquadratic(entry.capft, x, y)), ("eirft", _biquadratic(entry.eirft, x, y)),
                            ("eirfplr", sum(entry.eirfplr))):
            if not 0.9 <= value <= 1.1:
                out.append((name, f"{value:.3g} at the reference point",
                            "a curve normalised to 1 (+-0.1) at the reference temperatures and full load"))
    elif isinstance(entry, RackModel):
        if entry.T_throttle >= entry.T_shutdown:
            out.append(("T_throttle", f"{entry.T_throttle:g} degC", f"below T_shutdown ({entry.T_shutdown:g} degC)"))
        if entry.P_idle > entry.P_peak:
            out.append(("P_idle", f"{entry.P_idle:g} W", f"at most P_peak ({entry.P_peak:g} W)"))
    elif isinstance(entry, PumpModel):
        if entry.dp_shutoff <= entry.dp_nominal:
            out.append(("dp_shutoff", f"{entry.dp_shutoff:g} Pa", f"above dp_nominal ({entry.dp_nominal:g} Pa)"))
    elif isinstance(entry, UPSModel):
        if len(entry.load_points) != len(entry.efficiency_points) or len(entry.load_points) < 2:
            out.append(("efficiency_points", f"{len(entry.efficiency_points)} points for "
                        f"{len(entry.load_points)} load points", "one efficiency per load point, at least 2"))
        if any(b <= a for a, b in zip(entry.load_points, entry.load_points[1:])) or \
                not all(0 < x <= 1.5 for x in entry.load_points):
            out.append(("load_points", str(list(entry.load_points)), "increasing load fractions in (0, 1.5]"))
        if not all(0 < e <= 1 for e in entry.efficiency_points):
            out.append(("efficiency_points", str(list(entry.efficiency_points)), "efficiencies in (0, 1]"))
    elif isinstance(entry, BatteryModel):
        if entry.soc_min >= entry.soc_max:
            out.append(("soc_min", f"{entry.soc_min:g}", f"below soc_max ({entry.soc_max:g})"))
    elif isinstance(entry, TurbineModel):
        if entry.heat_rate_half < entry.heat_rate_full:
            out.append(("heat_rate_half", f"{entry.heat_rate_half:.3g} J/J",
                        f"at least heat_rate_full ({entry.heat_rate_full:.3g} J/J): part load is less efficient"))
    elif isinstance(entry, TransformerModel):
        if entry.P_no_load + entry.P_load_loss_rated >= 0.2 * entry.S_rated:
            out.append(("P_load_loss_rated", f"{(entry.P_no_load + entry.P_load_loss_rated) / entry.S_rated:.0%} "
                        "of the rating lost", "losses of a few % of S_rated at most"))
    elif isinstance(entry, CoolingTowerModel | DryCoolerModel):
        if entry.P_fan_nominal >= entry.Q_flow_nominal:
            out.append(("P_fan_nominal", f"{entry.P_fan_nominal:g} W", f"far below Q_flow_nominal ({entry.Q_flow_nominal:g} W)"))
    return out


@dataclass(frozen=True, kw_only=True)
class Catalog:
    """All equipment entries, by kind and name, and the file each came from."""

    entries: dict[str, dict[str, Entry]]
    files: dict[str, dict[str, str]] = field(default_factory=dict)

    def get(self, kind: str, name: str, *, file: str = "<site>", field: str = "") -> Entry:
        """The entry ``name`` of ``kind``; an InputError with a did-you-mean when it is missing."""
        names = self.entries.get(kind, {})
        if name not in names:
            raise InputError.one(file, field, repr(name),
                                 f"a {kind} in the catalogue{did_you_mean(name, names)}; "
                                 f"known: {', '.join(sorted(names)) or 'none'}")
        return names[name]

    def of_kind(self, kind: str) -> dict[str, Entry]:
        return dict(self.entries.get(kind, {}))

    def file_of(self, kind: str, name: str) -> Path | None:
        """The TOML file an entry was read from (None for an entry built in code)."""
        path = self.files.get(kind, {}).get(name)
        return Path(path) if path else None

    def with_folders(self, folders, *, file: str = "<site>", field: str = "catalogues") -> "Catalog":
        """This catalogue plus the user's own folders (each laid out as ``<kind>/<name>.toml``, like
        ``models/``).  Their entries are read and checked exactly as built-in ones; a name already in
        the catalogue, a folder that is not a kind, a datasheet outside a kind folder or a folder
        holding no datasheet is an error naming the file."""
        entries = {kind: dict(names) for kind, names in self.entries.items()}
        files = {kind: dict(names) for kind, names in self.files.items()}
        problems: list[Problem] = []
        for i, folder in enumerate(folders):
            base = Path(folder)
            if not base.is_dir():
                problems.append(Problem(file, f"{field}[{i}]", repr(str(folder)),
                                        "an existing folder (relative to the site file) of <kind>/<name>.toml files"))
                continue
            found, before = 0, len(problems)
            for item in sorted(base.iterdir()):
                if item.is_file() and item.suffix == ".toml":
                    problems.append(Problem(str(item), "", "a datasheet outside a kind folder",
                                            f"<kind>/{item.name} with <kind> one of {', '.join(KINDS)}"))
                elif item.is_dir() and item.name not in KINDS and not item.name.startswith("."):
                    problems.append(Problem(str(item), "", f"a folder '{item.name}'",
                                            f"a kind folder: one of {', '.join(KINDS)}{did_you_mean(item.name, KINDS)}"))
            for kind in KINDS:
                for path in sorted((base / kind).glob("*.toml")):
                    found += 1
                    try:
                        entry = parse_entry(path, kind)
                    except InputError as err:
                        problems.extend(err.problems)
                        continue
                    if entry.name in entries.setdefault(kind, {}):
                        other = files.get(kind, {}).get(entry.name, "the built-in catalogue")
                        problems.append(Problem(str(path), "name", repr(entry.name),
                                                f"a {kind} name not already in the catalogue ({other} has it): "
                                                "rename the file"))
                        continue
                    entries[kind][entry.name] = entry
                    files.setdefault(kind, {})[entry.name] = str(path)
            if not found and len(problems) == before:
                problems.append(Problem(file, f"{field}[{i}]", f"folder '{folder}' with no <kind>/<name>.toml file",
                                        "a folder laid out like models/ (e.g. chiller/my_chiller.toml)"))
        if problems:
            raise InputError(problems)
        return Catalog(entries=entries, files=files)


def models_dir() -> Path:
    """Folder of the built-in catalogue (works from a checkout and an installed package)."""
    return data_dir("models")


@lru_cache(maxsize=4)
def load_catalog(root: str | None = None) -> Catalog:
    """Load every ``<kind>/<name>.toml`` under ``root`` (default: the built-in catalogue)."""
    base = Path(root) if root else models_dir()
    entries: dict[str, dict[str, Entry]] = {}
    files: dict[str, dict[str, str]] = {}
    problems: list[Problem] = []
    for kind in KINDS:
        folder = base / kind
        entries[kind] = {}
        files[kind] = {}
        for path in sorted(folder.glob("*.toml")):
            try:
                entries[kind][path.stem] = parse_entry(path, kind)
                files[kind][path.stem] = str(path)
            except InputError as err:
                problems.extend(err.problems)
    if problems:
        raise InputError(problems)
    return Catalog(entries=entries, files=files)
