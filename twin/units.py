"""Quantities with units, parsed once at the edge into SI floats.

Data files may write ``"1.2 MW"``, ``"45 degC"``, ``"1.5 L/min/kW"`` or
``"0.02 K/W"``.  :func:`to_si` checks the dimension against what the field
needs and returns a float in the SI base unit listed in :data:`SI_UNITS`.
Temperatures are kept in degrees Celsius internally (``degC``), the working
unit of every correlation this package uses; temperature *differences* are in K.
Plain numbers are taken as already in the SI unit of the field.
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
    "apparent_power": "W",
    "voltage": "V",
    "speed": "m/s",
    "money": "USD",
}


@lru_cache(maxsize=None)
def _target(kind: str) -> pint.Unit:
    return ureg.Unit(SI_UNITS[kind])


def to_si(value: object, kind: str, *, file: str = "<input>", field: str = "") -> float:
    """Convert ``value`` (a number or a string with units) to a float in the SI unit of ``kind``.

    Raises :class:`InputError` naming ``file`` and ``field`` when the value is not a
    quantity or has the wrong dimension.
    """
    if kind not in SI_UNITS:
        raise KeyError(f"unknown quantity kind {kind!r}")
    unit = SI_UNITS[kind]
    if isinstance(value, bool):
        raise InputError.one(file, field, repr(value), f"a {kind.replace('_', ' ')} in {unit or 'a plain number'}")
    if isinstance(value, (int, float)):
        return float(value)
    if not isinstance(value, str):
        raise InputError.one(file, field, repr(value), f"a {kind.replace('_', ' ')} such as {_example(kind)}")
    try:
        q = ureg.Quantity(value.strip())
    except Exception:
        raise InputError.one(file, field, repr(value), f"a {kind.replace('_', ' ')} such as {_example(kind)}") from None
    if kind == "temperature_difference" and q.dimensionless is False and str(q.units) in ("degree_Celsius",):
        q = ureg.Quantity(q.magnitude, "K")
    target = _target(kind)
    if not isinstance(q, pint.Quantity) or q.dimensionality != target.dimensionality:
        raise InputError.one(
            file, field, repr(value),
            f"a {kind.replace('_', ' ')} (units like {_example(kind)})",
        )
    return float(q.to(target).magnitude)


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
        "voltage": "'480 V'",
        "money": "'500 USD'",
    }.get(kind, f"'{SI_UNITS[kind]}'")
