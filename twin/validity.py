"""Validity ranges of the correlations the plant uses, and the report of a run that leaves them.

Every check is a named range of one input of one correlation, with its source.  The plant
(:func:`twin.thermal.plant.operate`) returns, per check, where its running equipment was
outside the range (``PlantOperation.out_of_range``); :func:`report` turns those flags into the
lines a run's summary and its Dataset attrs carry ("where and how long").
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Range:
    """The valid interval of one correlation input (SI units as named)."""

    correlation: str
    quantity: str
    low: float
    high: float
    units: str
    source: str

    def outside(self, values) -> np.ndarray:
        values = np.asarray(values, dtype=float)
        return (values < self.low - 1e-9) | (values > self.high + 1e-9)

    def describe(self) -> str:
        return f"{self.correlation}: {self.quantity} outside [{self.low:g}, {self.high:g}] {self.units}"


_E_TABLE_64 = "EnergyPlus Engineering Reference, Variable Speed Cooling Towers, Table 64"
_CARNOT = ("the span of the manufacturers' tables the Carnot-fraction model is checked against (tests/thermal/"
           "test_chiller.py): Carrier 30XW-P 1012, EN 14511, 5-18 degC leaving chilled water, 25-45 degC entering "
           "condenser water (+7 to +18 % optimistic at 15-18 degC); WAMAK TWW220 heat pump, 12-37 degC leaving water at "
           "55-60 degC condenser water (-5.5/+1.9 % at 25-37 degC and 26-41 K lift, +22 % at 56 K); Viessmann Vitocal "
           "251-A08 air-to-water in cooling, lift down to 21.4 K (fall below its peak lift within 1.1 %; the catalogue's "
           "air-cooled form -12.5 to -13.1 % there); outside it only the Carnot limit is checked")

#: Check name -> range.  Towers: the limits of the approach correlations; chillers: the span
#: of published data the Carnot-fraction model was checked against (leaving water and the
#: model's refrigerant lift, condensing minus evaporating temperature with the catalogue's
#: approaches), or the EIR curve limits (per catalogue entry, see :func:`eir_ranges`).
RANGES: dict[str, Range] = {
    "yorkcalc_T_wet_bulb": Range("cooling tower (YorkCalc)", "wet bulb", -34.4, 26.7, "degC", _E_TABLE_64),
    "yorkcalc_range": Range("cooling tower (YorkCalc)", "range", 1.1, 22.2, "K", _E_TABLE_64),
    "yorkcalc_FR_water": Range("cooling tower (YorkCalc)", "water-flow ratio per cell", 0.75, 1.25, "-", _E_TABLE_64),
    "yorkcalc_approach": Range("cooling tower (YorkCalc)", "approach", 1.1, 40.0, "K", _E_TABLE_64),
    "cooltools_T_wet_bulb": Range("cooling tower (CoolTools)", "wet bulb", -1.0, 26.7, "degC", _E_TABLE_64),
    "cooltools_range": Range("cooling tower (CoolTools)", "range", 1.1, 11.1, "K", _E_TABLE_64),
    "cooltools_FR_water": Range("cooling tower (CoolTools)", "water-flow ratio per cell", 0.75, 1.25, "-",
                                _E_TABLE_64),
    "cooltools_approach": Range("cooling tower (CoolTools)", "approach", 1.1, 11.1, "K", _E_TABLE_64),
    "carnot_T_leaving": Range("chiller (Carnot fraction)", "leaving chilled water", 5.0, 37.0, "degC", _CARNOT),
    "carnot_lift": Range("chiller (Carnot fraction)", "refrigerant lift", 21.44, 56.7, "K", _CARNOT),
}


def eir_ranges(name: str, T_leaving_limits, T_condenser_limits) -> dict[str, Range]:
    """The curve limits of an EIR chiller catalogue entry as checks."""
    source = "EnergyPlus Chiller:Electric:EIR curve limits (catalogue)"
    return {f"eir_{name}_T_leaving": Range(f"chiller {name} (EIR curves)", "leaving chilled water",
                                          *T_leaving_limits, "degC", source),
            f"eir_{name}_T_condenser": Range(f"chiller {name} (EIR curves)", "entering condenser",
                                            *T_condenser_limits, "degC", source)}


def flags(checks: dict[str, Range], values: dict[str, np.ndarray], running) -> dict[Range, np.ndarray]:
    """Per checked range, where ``running`` equipment saw a value outside it (bool arrays)."""
    return {checks[name]: checks[name].outside(values[name]) & np.asarray(running, bool)
            for name in checks if name in values}


def report(flags_by_place: dict[str, dict[Range, np.ndarray]], step: float) -> list[str]:
    """One line per (place, range) left: what, where, and for how long.

    ``flags_by_place`` maps a place (e.g. a facility loop) to the ``out_of_range`` flags of its
    plant over time; ``step`` is the time step (s).
    """
    lines = []
    for place, place_flags in flags_by_place.items():
        for check, mask in sorted(place_flags.items(), key=lambda item: item[0].describe()):
            n = int(np.count_nonzero(mask))
            if n:
                lines.append(f"{check.describe()} at {place}: {n * step / 3600:.2f} h ({n} steps)")
    return lines


def summary_text(lines: list[str]) -> str:
    """The ``out_of_range`` attribute of a result: the report lines, or that every range held."""
    return "; ".join(lines) if lines else "none: every correlation inside its validity range"


def assess_run(model, ds, out_of_range=None) -> str:
    """The ``out_of_range`` text of a simulation result: each loop's plant evaluated on the
    run's own series (plant inlet taken as the loop's return temperature, healthy units).

    ``out_of_range``, per loop, are the flags of that very evaluation when the run already made
    it (the quasi-steady plant operates on exactly these series); otherwise the plant is
    operated here on the run's series.
    """
    from twin.thermal.plant import operate

    lp = model.loops
    by_loop = {}
    for i, name in enumerate(ds.loop.values):
        series = [ds[v].isel(loop=i).values for v in ("T_fws_return", "C_fws", "T_fws_supply_set")]
        running = series[1] > 0
        if out_of_range is None:
            loop_flags = operate(lp.plants[i], *series, ds.T_dry_bulb.values, ds.T_wet_bulb.values).out_of_range
        else:
            loop_flags = out_of_range[i]
        by_loop[f"loop {name}"] = {k: v & running for k, v in loop_flags.items()}
    return summary_text(report(by_loop, float(ds.attrs["step_s"])))
