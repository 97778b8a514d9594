"""Quantities with units, parsed once at the edge into SI floats.

Data files may write ``"1.2 MW"``, ``"45 degC"``, ``"1.5 L/min/kW"`` or
``"0.02 K/W"``.  :func:`to_si` checks the dimension against what the field
needs and returns a float in the SI base unit listed in :data:`SI_UNITS`.
Temperatures are kept in degrees Celsius internally (``degC``), the working
unit of every correlation this package uses; temperature *differences* are in K.
A plain number is accepted only where the quantity is dimensionless: a bare ``3`` in a
power field is an error that says which unit is expected, never 3 W.  Every value is
checked finite and inside the physical range of its kind (:data:`PHYSICAL_RANGE`).
"""

from __future__ import annotations

from functools import lru_cache

import pint

from twin.errors import InputError

ureg = pint.UnitRegistry(autoconvert_offset_to_baseunit=True)
ureg.define("percent = 0.01 = %")
ureg.define("ton_refrigeration = 3516.85 W = TR")
ureg.define("gpm = gallon / minute")
ureg.define("MGD = 1e6 gallon / day")
ureg.define("USD = [currency]")
ureg.define("MMBtu = 1e6 Btu")

#: Kind of quantity -> the unit every value of that kind is stored in.
SI_UNITS: dict[str, str] = {
    "power": "W",
    "energy": "J",
    "temperature": "degC",
    "temperature_difference": "K",
    "pressure": "Pa",
    "pressure_difference": "Pa",
    "mass_flow": "kg/s",
    "volume_flow": "m^3/s",
    "volume_flow_per_power": "m^3/s/W",
    "thermal_resistance": "K/W",
    "thermal_conductance": "W/K",
    "heat_capacity": "J/K",
    "length": "m",
    "area": "m^2",
    "volume": "m^3",
    "mass": "kg",
    "time": "s",
    "frequency": "Hz",
    "power_ramp": "W/s",
    "heat_rate": "J/J",
    "dimensionless": "",
    "emission_rate": "kg/J",
    "price_energy": "USD/J",
    "price_power": "USD/W",
    "price_mass": "USD/kg",
    "apparent_power": "W",
    "voltage": "V",
    "speed": "m/s",
    "money": "USD",
}


@lru_cache(maxsize=None)
def _target(kind: str) -> pint.Unit:
    return ureg.Unit(SI_UNITS[kind])


#: Physical range of each kind, in its SI unit: a value outside is not a state of this equipment
#: (below absolute zero, boiling coolant at ambient pressure is far above 200 degC, ...) and is refused.
#: Fields narrow these with their own ``within`` bounds (see :func:`twin.catalog.q`).
PHYSICAL_RANGE: dict[str, tuple[float, float]] = {
    "temperature": (-100.0, 200.0),
    "temperature_difference": (-150.0, 150.0),
    "pressure": (0.0, 1e8),
    "pressure_difference": (-1e8, 1e8),
}
#: Any other kind: magnitude at most this (1e18 W is far beyond any grid; a rack's 2e17 FLOP/s fits).
MAGNITUDE_MAX = 1e18
#: Longest quantity text parsed; pint's number parsing is quadratic in the length of the digits.
TEXT_MAX = 64

#: Offset temperature units and the difference units a temperature difference means by them.
_DELTA = {"degree_Celsius": "delta_degree_Celsius", "degree_Fahrenheit": "delta_degree_Fahrenheit",
          "degree_Reaumur": "delta_degree_Reaumur"}


def _say(kind: str) -> str:
    return kind.replace("_", " ")


def expected(kind: str) -> str:
    """What a field of ``kind`` expects, for error messages: 'a power with its unit, such as '1.2 MW''."""
    if kind == "dimensionless":
        return "a plain number such as 0.9, or '90 %'"
    return f"a {_say(kind)} with its unit, such as {_example(kind)} (SI: {SI_UNITS[kind]})"


def to_si(value: object, kind: str, *, file: str = "<input>", field: str = "",
          within: tuple[float | None, float | None] | None = None) -> float:
    """Convert ``value`` (a string with units; a plain number only for dimensionless kinds) to a
    finite float in the SI unit of ``kind``, inside the kind's physical range and ``within``.

    A temperature difference written in an offset unit (``"18 degF"``) is the difference
    (10 K), never the absolute temperature; a temperature written as a difference unit is refused.
    Raises :class:`InputError` naming ``file`` and ``field`` for anything else.
    """
    if kind not in SI_UNITS:
        raise KeyError(f"unknown quantity kind {kind!r}")
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise InputError.one(file, field, _show(value), expected(kind))
    if isinstance(value, (int, float)):
        if kind != "dimensionless":
            raise InputError.one(file, field, f"a bare number {_show(value)}", expected(kind))
        try:
            number = float(value)
        except OverflowError:
            raise InputError.one(file, field, _show(value), "a number a float can hold (|x| < 1e308)") from None
    else:
        number = _parse(value, kind, file, field)
    if number != number or number in (float("inf"), float("-inf")):
        raise InputError.one(file, field, _show(value), f"a finite {_say(kind)}")
    lo, hi = PHYSICAL_RANGE.get(kind, (-MAGNITUDE_MAX, MAGNITUDE_MAX))
    if within is not None:
        lo = lo if within[0] is None else max(lo, within[0])
        hi = hi if within[1] is None else min(hi, within[1])
    if not lo <= number <= hi:
        unit = SI_UNITS[kind]
        shown = f"{_show(value)} (= {number:.6g} {unit})" if isinstance(value, str) else _show(value)
        if kind == "temperature" and number < -273.15:
            shown += ", below absolute zero"
        raise InputError.one(file, field, shown, f"a {_say(kind)} between {lo:g} and {hi:g} {unit}".rstrip())
    return number


def _show(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:30] + f"... ({len(text)} characters)"


def _parse(text: str, kind: str, file: str, field: str) -> float:
    """A quantity text -> float in the SI unit of ``kind`` (no range check)."""
    if len(text) > TEXT_MAX:
        raise InputError.one(file, field, f"a text of {len(text)} characters",
                             f"{expected(kind)} in at most {TEXT_MAX} characters")
    try:
        q = ureg.Quantity(text.strip())
    except Exception:  # noqa: BLE001 - pint raises many types for unparsable text
        raise InputError.one(file, field, _show(text), expected(kind)) from None
    if not isinstance(q, pint.Quantity):
        raise InputError.one(file, field, _show(text), expected(kind))
    units = str(q.units)
    if kind == "temperature_difference" and units in _DELTA:
        q = ureg.Quantity(q.magnitude, _DELTA[units])
    if kind == "temperature" and units.startswith("delta_"):
        raise InputError.one(file, field, f"{_show(text)}, a temperature difference",
                             f"a temperature such as {_example(kind)}")
    target = _target(kind)
    if q.dimensionality != target.dimensionality:
        if q.dimensionless and kind != "dimensionless":
            raise InputError.one(file, field, f"{_show(text)} without a unit", expected(kind))
        raise InputError.one(file, field, _show(text), expected(kind))
    try:
        return float(q.to(target).magnitude)
    except (OverflowError, ValueError, TypeError):
        raise InputError.one(file, field, _show(text), f"a finite {_say(kind)}") from None


def _example(kind: str) -> str:
    return {
        "power": "'1.2 MW'",
        "energy": "'600 MWh'",
        "temperature": "'45 degC'",
        "temperature_difference": "'10 K'",
        "pressure": "'2 bar'",
        "pressure_difference": "'150 kPa'",
        "mass_flow": "'20 kg/s'",
        "volume_flow": "'200 L/min'",
        "volume_flow_per_power": "'1.5 L/min/kW'",
        "thermal_resistance": "'0.02 K/W'",
        "thermal_conductance": "'400 kW/K'",
        "heat_capacity": "'50 kJ/K'",
        "length": "'100 m'",
        "volume": "'4000 m^3'",
        "mass": "'15 t'",
        "time": "'10 min'",
        "power_ramp": "'5 MW/min'",
        "heat_rate": "'10000 Btu/kWh'",
        "dimensionless": "'0.9' or '90 %'",
        "emission_rate": "'0.1 kg/MWh'",
        "price_energy": "'45 USD/MWh'",
        "price_power": "'11 USD/kW'",
        "price_mass": "'50 USD/t'",
        "voltage": "'480 V'",
        "money": "'500 USD'",
    }.get(kind, f"'{SI_UNITS[kind]}'")
