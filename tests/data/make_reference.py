"""Write the reference tables of ``tests/data`` that a library can produce.

    python tests/data/make_reference.py            # rewrite the tables
    python tests/data/make_reference.py --check    # compare with the shipped tables

- ``coolprop_fluids.csv``: CoolProp ``PropsSI`` (water: IAPWS-95 HEOS; propylene
  glycol: ``INCOMP::MPG[x]``) at 15-50 degC and 2 bar abs;
- ``psychrolib_wetbulb.csv``: PsychroLib (SI) wet bulb, dew point, humidity ratio
  and enthalpy, with CoolProp ``HAPropsSI`` wet bulb alongside, at the elevations
  of the three TMY3 stations;
- ``friction_factor.csv``: Colebrook (1939) solved with SciPy's ``brentq`` and
  Swamee & Jain (1976);
- ``hx_effectiveness_ntu.csv``: the closed-form effectiveness-NTU relations
  (Incropera & DeWitt, Table 11.3).

Nothing here imports ``twin``: the tables are independent of the code they check.
"""

from __future__ import annotations

import csv
import io
import math
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent

FLUIDS = (("Water", "water (IAPWS-95 via CoolProp HEOS)"),
          ("INCOMP::MPG[0.25]", "propylene glycol 25% by mass (CoolProp INCOMP MPG)"),
          ("INCOMP::MPG[0.30]", "propylene glycol 30% by mass (CoolProp INCOMP MPG)"))
SITES = (("sea level (standard)", 0.0), ("Memphis Intl AP (EPW elev 81 m)", 81.0),
         ("Austin Camp Mabry (EPW elev 198 m)", 198.0), ("Austin Mueller Muni AP (EPW elev 213 m)", 213.0))
STATES = ((20, 0.5), (25, 0.4), (25, 0.8), (30, 0.5), (32, 0.6), (35, 0.4), (35, 0.55), (37.4, 0.27),
          (40, 0.2), (10, 0.9))


def coolprop_fluids() -> list[list]:
    from CoolProp.CoolProp import PropsSI

    rows = [["fluid", "description", "T_C", "P_Pa", "density_kg_m3", "cp_J_kgK", "viscosity_Pa_s",
             "conductivity_W_mK", "Prandtl"]]
    for T in range(15, 51, 5):
        for fluid, description in FLUIDS:
            d, c, v, k = (PropsSI(key, "T", T + 273.15, "P", 2e5, fluid) for key in "DCVL")
            rows.append([fluid, description, T, 200000.0, round(d, 3), round(c, 2), f"{v:.6e}", round(k, 5),
                         round(c * v / k, 3)])
    return rows


def psychrolib_wetbulb() -> list[list]:
    import psychrolib as psy
    from CoolProp.HumidAirProp import HAPropsSI

    psy.SetUnitSystem(psy.SI)
    rows = [["site", "elevation_m", "pressure_Pa", "T_drybulb_C", "RH", "T_wetbulb_C_psychrolib",
             "T_dewpoint_C_psychrolib", "humidity_ratio_kg_kg", "enthalpy_J_kg", "T_wetbulb_C_CoolProp_HAPropsSI",
             "diff_C"]]
    for site, elevation in SITES:
        p = psy.GetStandardAtmPressure(elevation)
        for T, rh in STATES:
            wb = psy.GetTWetBulbFromRelHum(T, rh, p)
            W = psy.GetHumRatioFromRelHum(T, rh, p)
            wb_cp = HAPropsSI("Twb", "T", T + 273.15, "R", rh, "P", p) - 273.15
            rows.append([site, elevation, round(p, 1), T, rh, round(wb, 3), round(psy.GetTDewPointFromRelHum(T, rh), 3),
                         round(W, 6), round(psy.GetMoistAirEnthalpy(T, W), 1), round(wb_cp, 3),
                         round(abs(wb - wb_cp), 3)])
    return rows


def friction_factor() -> list[list]:
    from scipy.optimize import brentq

    rows = [["Re", "rel_roughness", "f_colebrook", "f_swamee_jain"]]
    for Re in (4e3, 1e4, 5e4, 1e5, 5e5, 1e6):
        for r in (0.0, 1e-5, 1e-4, 1e-3):
            g = lambda x: 1 / x + 2 * math.log10(r / 3.7 + 2.51 / (Re * x))  # noqa: E731  x = sqrt(f)
            f = brentq(g, 1e-3, 1.0, xtol=1e-14) ** 2
            sj = 0.25 / math.log10(r / 3.7 + 5.74 / Re**0.9) ** 2
            rows.append([Re, r, round(f, 6), round(sj, 6)])
    return rows


def hx_effectiveness() -> list[list]:
    rows = [["NTU", "Cr", "eps_counterflow", "eps_parallelflow"]]
    for N in (0.5, 1, 2, 3, 4, 5, 6, 8):
        for Cr in (0.0, 0.5, 0.8, 1.0):
            if Cr == 1.0:
                counter = N / (1 + N)
            else:
                counter = (1 - math.exp(-N * (1 - Cr))) / (1 - Cr * math.exp(-N * (1 - Cr)))
            parallel = (1 - math.exp(-N * (1 + Cr))) / (1 + Cr)
            rows.append([N, Cr, round(counter, 5), round(parallel, 5)])
    return rows


TABLES = {"coolprop_fluids.csv": coolprop_fluids, "psychrolib_wetbulb.csv": psychrolib_wetbulb,
          "friction_factor.csv": friction_factor, "hx_effectiveness_ntu.csv": hx_effectiveness}


def text(rows: list[list]) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    return out.getvalue()


def main(argv: list[str]) -> int:
    stale = []
    for name, make in TABLES.items():
        new = text(make())
        if "--check" in argv:
            if (HERE / name).read_text() != new:
                stale.append(name)
        else:
            (HERE / name).write_text(new)
            print(f"wrote {HERE / name}")
    for name in stale:
        print(f"{name} differs from what this script writes", file=sys.stderr)
    return 1 if stale else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
