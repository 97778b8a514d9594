"""Coolant properties: water, PG25 and PG30 as fast, vectorised functions of T (degC);
also dry air and the latent heat of water.

Each property is tabulated from CoolProp on a 0.05 K grid over the fluid's
range and linearly interpolated, so no call reaches ``PropsSI`` inside a time
loop.  The tables ship with the package (``twin/data/media/<fluid>.npz``,
written by ``python -m twin.media``; a test rebuilds them from CoolProp and
compares), so a run does not pay CoolProp's ~2 s import.  Outside the range
the value at the nearest bound is returned.

References:
- CoolProp (Bell et al., Ind. Eng. Chem. Res. 53 (2014) 2498): water by the
  IAPWS-95 Helmholtz equation of state; propylene glycol-water by the
  incompressible ``INCOMP::MPG[x]`` fits (x = mass fraction), Melinder (2010).
- Dry air: cp = 1.006 kJ/(kg K) and ideal gas with R = 287.055 J/(kg K),
  ASHRAE Handbook-Fundamentals (2017), ch. 1.
- Latent heat of vaporisation of water from the ASHRAE Handbook-Fundamentals
  (2017), ch. 1: h_g = 2501 + 1.86 t and h_f = 4.186 t (kJ/kg, t in degC).
- Water is evaluated at 2 bar absolute (the CoolProp values tabulated in the
  project's reference data use the same pressure); the glycol fits do not
  depend on pressure.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path

import numpy as np

from twin.errors import InputError

#: Pressure at which the water properties are tabulated (Pa).
P_TABLE = 2.0e5
#: Grid spacing of the property tables (K).
DT_TABLE = 0.05

#: Specific heat capacity of dry air (J/(kg K)).
CP_AIR = 1006.0
#: Gas constant of dry air (J/(kg K)).
R_AIR = 287.055

_KEYS = {"density": "D", "cp": "C", "viscosity": "V", "conductivity": "L"}


def build_table(coolprop_name: str, T_min: float, T_max: float) -> dict[str, np.ndarray]:
    """Property table of one fluid from CoolProp: temperature grid (degC) and each property (SI)."""
    from CoolProp.CoolProp import PropsSI

    n = int(round((T_max - T_min) / DT_TABLE)) + 1
    T = np.linspace(T_min, T_max, n)
    table = {"T": T}
    for prop, key in _KEYS.items():
        values = np.asarray(PropsSI(key, "T", T + 273.15, "P", P_TABLE, coolprop_name), dtype=float)
        table[prop] = values
    return table


def tables_dir() -> Path:
    return Path(str(resources.files("twin") / "data" / "media"))


@lru_cache(maxsize=None)
def _table(name: str) -> dict[str, np.ndarray]:
    """The shipped property table of coolant ``name``."""
    with np.load(tables_dir() / f"{name}.npz") as data:
        return {key: data[key] for key in data.files}


def write_tables(folder: Path | None = None) -> list[Path]:
    """Rebuild every shipped table from CoolProp (run when the grid or CoolProp changes)."""
    folder = Path(folder) if folder else tables_dir()
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for c in COOLANTS.values():
        path = folder / f"{c.name}.npz"
        np.savez_compressed(path, **build_table(c.coolprop_name, c.T_min, c.T_max))
        paths.append(path)
    return paths


@dataclass(frozen=True)
class Coolant:
    """A liquid coolant with tabulated properties.

    ``T_min``/``T_max`` (degC) bound the table; ``coolprop_name`` is the
    CoolProp fluid string the table is built from.
    """

    name: str
    coolprop_name: str
    T_min: float
    T_max: float

    def _interp(self, prop: str, T) -> np.ndarray | float:
        table = _table(self.name)
        return np.interp(T, table["T"], table[prop])

    def density(self, T):
        """Density (kg/m3) at temperature ``T`` (degC)."""
        return self._interp("density", T)

    def cp(self, T):
        """Specific heat capacity at constant pressure (J/(kg K)) at ``T`` (degC)."""
        return self._interp("cp", T)

    def viscosity(self, T):
        """Dynamic viscosity (Pa s) at ``T`` (degC)."""
        return self._interp("viscosity", T)

    def conductivity(self, T):
        """Thermal conductivity (W/(m K)) at ``T`` (degC)."""
        return self._interp("conductivity", T)


COOLANTS: dict[str, Coolant] = {
    "water": Coolant("water", "Water", 1.0, 95.0),
    "pg25": Coolant("pg25", "INCOMP::MPG[0.25]", -9.0, 95.0),
    "pg30": Coolant("pg30", "INCOMP::MPG[0.30]", -12.0, 95.0),
}


def coolant(name: str, file: str = "<input>", field: str = "coolant") -> Coolant:
    """The coolant called ``name`` (case-insensitive): "water", "pg25" or "pg30"."""
    key = str(name).strip().lower()
    if key not in COOLANTS:
        raise InputError.one(file, field, repr(name), "one of " + ", ".join(COOLANTS))
    return COOLANTS[key]


def latent_heat_vaporisation(T):
    """Latent heat of vaporisation of water (J/kg) at ``T`` (degC), 0-60 degC within 0.2 %."""
    return 2.501e6 - (4186.0 - 1860.0) * np.asarray(T, dtype=float)


def air_density(T, p=101325.0):
    """Density of dry air (kg/m3) at ``T`` (degC) and pressure ``p`` (Pa), ideal gas."""
    return np.asarray(p, dtype=float) / (R_AIR * (np.asarray(T, dtype=float) + 273.15))


if __name__ == "__main__":
    for written in write_tables(sys.argv[1] if len(sys.argv) > 1 else None):
        print(written)
