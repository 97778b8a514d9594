"""Variable-speed open cooling towers: EnergyPlus YorkCalc and CoolTools approach
correlations, fan-speed control to a leaving-water set-point, fan power and water use.

Approach = T_leaving - T_wet_bulb (K); range = T_entering - T_leaving (K);
FR_air, FR_water = air and water flow over their design values; LG = FR_water/FR_air.
The correlations' inputs are clamped to their validity limits (wet bulb,
range, water-flow ratio and, for YorkCalc, LG).

Control sequence (EnergyPlus ``CoolingTower:VariableSpeed``): with the fan at
full speed the water leaves at T_on; if that is above the set-point the fan
stays at full speed.  Otherwise in free convection (fan off) the water is cooled
by ``free_convection_fraction`` of the full-fan temperature drop; if that
suffices the fan stays off, else the fan runs at FR_air_min, cycling on and off
if FR_air_min overshoots, or modulates FR_air in [FR_air_min, 1] to hold the
set-point.

Water use: evaporation from the air-side heat and mass balance with saturated exit air
(EnergyPlus "SaturatedExit" evaporation mode): the air leaves with the entering enthalpy plus
Q_flow / m_flow_air, saturated; evaporation = m_flow_air * (W_out - W_in).  The design air
flow follows from a design water-to-air mass ratio ``LG_nominal``.  Drift is a fraction of the
circulating water, blowdown evaporation/(cycles - 1) - drift (EnergyPlus "ConcentrationRatio").

Controls are solved on whole arrays with :func:`twin.thermal.roots.monotone_root` (no
per-element or per-step bisection loops).

References:
- EnergyPlus Engineering Reference, "Variable Speed Cooling Towers", tables of
  approach-correlation coefficients and of their limits (YorkCalc, 27 terms;
  CoolTools cross-flow, 35 terms); reference condition 25.6 degC wet bulb,
  5.6 K range, 3.8 K approach at 0.000043 m3/s of water per kW.
- Benton et al., "An improved cooling tower algorithm for the CoolTools
  simulation model", ASHRAE Transactions 108(1) (2002).
- EnergyPlus Input-Output Reference, ``CoolingTower:VariableSpeed`` defaults:
  minimum air-flow ratio 0.2, free convection 0.125, drift 0.008 %,
  concentration ratio 3, cubic fan-power curve.
- ASHRAE 90.1-2016 section 6.5.5.2.1 (fan power at 50 % air flow <= 30 %).
- EnergyPlus Engineering Reference, "Cooling Towers: evaporation loss" (saturated exit air);
  ASHRAE Handbook-HVAC Systems and Equipment (2016) ch. 40: water-to-air mass ratios of
  towers ~0.75-1.5 (1.2 is used as the design value here, an estimate).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from twin.media import latent_heat_vaporisation
from twin.thermal.roots import monotone_root
from twin.weather.psychrometrics import (
    humidity_ratio_at_wet_bulb, moist_air_enthalpy, saturation_humidity_ratio, standard_pressure,
)

#: Design water flow of the built-in correlations per watt rejected (m3/s per W).
V_FLOW_WATER_PER_W = 0.000043e-3

YORKCALC_COEFFICIENTS = (
    -0.359741205, -0.055053608, 0.0023850432, 0.173926877, -0.0248473764,
    0.00048430224, -0.005589849456, 0.0005770079712, -1.342427256e-05,
    2.84765801111111, -0.121765149, 0.0014599242, 1.680428651, -0.0166920786,
    -0.0007190532, -0.025485194448, 4.87491696e-05, 2.719234152e-05,
    -0.06537662555556, -0.002278167, 0.0002500254, -0.0910565458, 0.00318176316,
    3.8621772e-05, -0.0034285382352, 8.56589904e-06, -1.516821552e-06,
)

COOLTOOLS_COEFFICIENTS = (
    0.52049709836241, -10.617046395344, 10.7292974722538, -2.74988377158227,
    4.73629943913743, -8.25759700874711, 1.57640938114136, 6.51119643791324,
    1.50433525206692, -3.2888529287801, 0.02577861453538, 0.18246428931525,
    -0.08189472914009, -0.21501000399629, 0.01867413096353, 0.053682417759,
    -0.00270968955115, 0.00112277498589, -0.00127758497498, 7.60420796601607e-05,
    1.43600088336017, -0.5198695909109, 0.11733957691051, 1.50492810819924,
    -0.13589890592697, -0.15257758186651, -0.05338438281146, 0.00493294869566,
    -0.00796260394174, 0.00022261982862, -0.05439520015681, 0.00474266879162,
    -0.01858546718156, 0.00115667701294, 0.00080737066446,
)

#: CoolTools term order as exponents of (FR_air, FR_water, T_wet_bulb, range).
COOLTOOLS_EXPONENTS = (
    (0, 0, 0, 0), (1, 0, 0, 0), (2, 0, 0, 0), (3, 0, 0, 0), (0, 1, 0, 0),
    (1, 1, 0, 0), (2, 1, 0, 0), (0, 2, 0, 0), (1, 2, 0, 0), (0, 3, 0, 0),
    (0, 0, 1, 0), (1, 0, 1, 0), (2, 0, 1, 0), (0, 1, 1, 0), (1, 1, 1, 0),
    (0, 2, 1, 0), (0, 0, 2, 0), (1, 0, 2, 0), (0, 1, 2, 0), (0, 0, 3, 0),
    (0, 0, 0, 1), (1, 0, 0, 1), (2, 0, 0, 1), (0, 1, 0, 1), (1, 1, 0, 1),
    (0, 2, 0, 1), (0, 0, 1, 1), (1, 0, 1, 1), (0, 1, 1, 1), (0, 0, 2, 1),
    (0, 0, 0, 2), (1, 0, 0, 2), (0, 1, 0, 2), (0, 0, 1, 2), (0, 0, 0, 3),
)


@dataclass(frozen=True)
class ApproachLimits:
    """Validity limits of an approach correlation (degC, K, -)."""

    T_wet_bulb_min: float
    T_wet_bulb_max: float
    range_min: float
    range_max: float
    FR_water_min: float
    FR_water_max: float
    LG_max: float = np.inf


YORKCALC_LIMITS = ApproachLimits(-34.4, 26.7, 1.1, 22.2, 0.75, 1.25, 8.0)
COOLTOOLS_LIMITS = ApproachLimits(-1.0, 26.7, 1.1, 11.1, 0.75, 1.25)


def approach_yorkcalc(T_wet_bulb, T_range, FR_water, FR_air):
    """YorkCalc approach (K): sum of C * Twb^i * Tr^j * LG^k, i, j, k in 0..2, Twb fastest."""
    lim = YORKCALC_LIMITS
    t = np.clip(T_wet_bulb, lim.T_wet_bulb_min, lim.T_wet_bulb_max)
    r = np.clip(T_range, lim.range_min, lim.range_max)
    LG = np.minimum(np.clip(FR_water, lim.FR_water_min, lim.FR_water_max) / FR_air, lim.LG_max)
    c = YORKCALC_COEFFICIENTS
    total = 0.0
    for k in (2, 1, 0):
        in_r = 0.0
        for j in (2, 1, 0):
            n = 9 * k + 3 * j
            in_r = in_r * r + (c[n] + t * (c[n + 1] + t * c[n + 2]))
        total = total * LG + in_r
    return total


def approach_cooltools(T_wet_bulb, T_range, FR_water, FR_air):
    """CoolTools cross-flow approach (K): the 35 terms of degree <= 3 in (FR_air, FR_water, Twb, Tr)."""
    lim = COOLTOOLS_LIMITS
    variables = (
        np.asarray(FR_air, dtype=float),
        np.clip(FR_water, lim.FR_water_min, lim.FR_water_max),
        np.clip(T_wet_bulb, lim.T_wet_bulb_min, lim.T_wet_bulb_max),
        np.clip(T_range, lim.range_min, lim.range_max),
    )
    powers = [(1.0, v, v * v, v * v * v) for v in variables]
    total = 0.0
    for coefficient, exponents in zip(COOLTOOLS_COEFFICIENTS, COOLTOOLS_EXPONENTS):
        term = coefficient
        for p, e in zip(powers, exponents):
            if e:
                term = term * p[e]
        total = total + term
    return total


APPROACH_CORRELATIONS = {"yorkcalc": approach_yorkcalc, "cooltools": approach_cooltools}


@dataclass(frozen=True)
class CoolingTower:
    """A variable-speed cooling tower (one cell, or identical cells run together).

    m_flow_water_nominal: design water flow (kg/s), FR_water = 1; P_fan_nominal:
    fan power at full air flow (W); correlation: "yorkcalc" or "cooltools";
    fan_power_curve: cubic coefficients of P_fan/P_fan_nominal in FR_air;
    drift_fraction: drift as a fraction of the circulating water (-).
    """

    m_flow_water_nominal: float
    P_fan_nominal: float
    correlation: str = "yorkcalc"
    FR_air_min: float = 0.2
    free_convection_fraction: float = 0.125
    fan_power_curve: tuple[float, float, float, float] = (0.0, 0.0, 0.0, 1.0)
    drift_fraction: float = 8.0e-5
    cycles_of_concentration: float = 3.0
    LG_nominal: float = 1.2

    @property
    def m_flow_air_nominal(self) -> float:
        """Design (full-fan) dry-air mass flow (kg/s)."""
        return self.m_flow_water_nominal / self.LG_nominal


def fan_power(tower: CoolingTower, FR_air):
    """Fan power (W) at air-flow ratio FR_air (-) at full duty."""
    c0, c1, c2, c3 = tower.fan_power_curve
    x = np.asarray(FR_air, dtype=float)
    return tower.P_fan_nominal * np.maximum(c0 + x * (c1 + x * (c2 + x * c3)), 0.0)


def leaving_water_temperature(tower: CoolingTower, T_water_entering, FR_water, T_wet_bulb, FR_air):
    """Leaving water temperature (degC) at a fixed air-flow ratio: solves T = Twb + approach(T_in - T).

    Water entering at or below the wet bulb leaves unchanged.  Arguments broadcast.
    """
    approach = APPROACH_CORRELATIONS[tower.correlation]
    T_in, T_wb, FR_water, FR_air = np.broadcast_arrays(*(np.asarray(a, dtype=float) for a in (
        T_water_entering, T_wet_bulb, FR_water, FR_air)))
    e = (..., None)

    def excess(T):
        return T - T_wb[e] - approach(T_wb[e], T_in[e] - T, FR_water[e], FR_air[e])

    return monotone_root(excess, np.minimum(T_wb, T_in), T_in)


def air_flow_ratio_for_approach(tower: CoolingTower, T_wet_bulb, T_range, FR_water, approach_target):
    """FR_air in [FR_air_min, 1] at which the correlation gives ``approach_target`` (K)."""
    approach = APPROACH_CORRELATIONS[tower.correlation]
    T_wb, T_range, FR_water, target = np.broadcast_arrays(*(np.asarray(a, dtype=float) for a in (
        T_wet_bulb, T_range, FR_water, approach_target)))
    e = (..., None)
    return monotone_root(lambda FR: approach(T_wb[e], T_range[e], FR_water[e], FR) - target[e],
                         np.full(T_wb.shape, tower.FR_air_min), np.ones(T_wb.shape))


def evaporation(m_flow_air, Q_flow, T_dry_bulb, T_wet_bulb, p_atmosphere=101325.0):
    """Water evaporated (kg/s) by air of mass flow ``m_flow_air`` (kg/s dry air) taking ``Q_flow`` (W),
    leaving saturated: the air-side heat and mass balance (EnergyPlus "SaturatedExit")."""
    m_flow_air, Q_flow, T_db, T_wb, p = np.broadcast_arrays(*(np.asarray(a, dtype=float) for a in (
        m_flow_air, Q_flow, T_dry_bulb, T_wet_bulb, p_atmosphere)))
    W_in = humidity_ratio_at_wet_bulb(T_db, T_wb, p)
    flowing = m_flow_air > 0
    h_out = moist_air_enthalpy(T_db, W_in) + np.maximum(Q_flow, 0.0) / np.where(flowing, m_flow_air, 1.0)
    e = (..., None)
    T_out = monotone_root(lambda T: moist_air_enthalpy(T, saturation_humidity_ratio(T, p[e])) - h_out[e],
                          T_wb - 1.0, np.maximum(T_wb, T_db) + 60.0)
    W_out = saturation_humidity_ratio(T_out, p)
    return np.where(flowing & (Q_flow > 0), m_flow_air * np.maximum(W_out - W_in, 0.0), 0.0)


class TowerOperation(NamedTuple):
    """Steady operation of a cooling tower (W, degC, kg/s)."""

    T_leaving: np.ndarray  #: leaving water temperature (degC)
    FR_air: np.ndarray  #: time-averaged air-flow ratio (-)
    fan_cycling_ratio: np.ndarray  #: fraction of time the fan runs (-)
    P_fan: np.ndarray  #: fan power (W)
    Q_flow: np.ndarray  #: heat rejected from the water (W)
    m_flow_evaporation: np.ndarray  #: water evaporated (kg/s)
    m_flow_drift: np.ndarray  #: water carried off as drift (kg/s)
    m_flow_blowdown: np.ndarray  #: blowdown to hold the cycles of concentration (kg/s)
    m_flow_makeup: np.ndarray  #: make-up water = evaporation + drift + blowdown (kg/s)


def tower_operation(tower: CoolingTower, T_water_entering, m_flow_water, T_wet_bulb, T_leaving_set,
                    cp, T_dry_bulb=None, p_atmosphere=None, fan=True) -> TowerOperation:
    """Operation of a tower cooling ``m_flow_water`` (kg/s, cp in J/(kg K)) towards T_leaving_set (degC).

    ``T_dry_bulb`` (degC, default: saturated air at the wet bulb) and ``p_atmosphere`` (Pa,
    default standard sea level) set the evaporation.  ``fan=False``: a cell whose fan has
    failed, in free convection (``free_convection_fraction`` of the full-fan air flow and
    heat), whatever the set-point.
    """
    T_in = np.asarray(T_water_entering, dtype=float)
    T_wb = np.asarray(T_wet_bulb, dtype=float)
    T_set = np.asarray(T_leaving_set, dtype=float)
    T_db = T_wb if T_dry_bulb is None else np.asarray(T_dry_bulb, dtype=float)
    p = standard_pressure(0.0) if p_atmosphere is None else p_atmosphere
    m_flow_water = np.asarray(m_flow_water, dtype=float)
    FR_water = m_flow_water / tower.m_flow_water_nominal

    both = leaving_water_temperature(tower, T_in[..., None], FR_water[..., None], T_wb[..., None],
                                     np.array([1.0, tower.FR_air_min]))
    T_on, T_min = both[..., 0], both[..., 1]
    T_off = T_in - tower.free_convection_fraction * (T_in - T_on)
    FR_modulating = air_flow_ratio_for_approach(tower, T_wb, T_in - T_set, FR_water, T_set - T_wb)
    cycling = np.clip((T_off - T_set) / np.where(T_off > T_min, T_off - T_min, 1.0), 0.0, 1.0)

    if fan:
        full = T_on >= T_set
        free = ~full & (T_off <= T_set)
    else:
        full, free = np.zeros(np.shape(T_on), bool), np.ones(np.shape(T_on), bool)
    cycle = ~full & ~free & (T_min <= T_set)

    T_leaving = np.select([full, free], [T_on, T_off], T_set)
    FR_air = np.select([full, free, cycle],
                       [1.0, tower.free_convection_fraction,
                        cycling * tower.FR_air_min + (1.0 - cycling) * tower.free_convection_fraction],
                       FR_modulating)
    fan_cycling_ratio = np.select([free, cycle], [0.0, cycling], 1.0)
    P_fan = np.select([full, free, cycle], [fan_power(tower, 1.0), 0.0,
                                            cycling * fan_power(tower, tower.FR_air_min)],
                      fan_power(tower, FR_modulating))

    Q_flow = m_flow_water * cp * (T_in - T_leaving)
    m_flow_evaporation = evaporation(FR_air * tower.m_flow_air_nominal, Q_flow, T_db, T_wb, p)
    m_flow_drift = tower.drift_fraction * m_flow_water
    m_flow_blowdown = np.maximum(m_flow_evaporation / (tower.cycles_of_concentration - 1.0) - m_flow_drift, 0.0)
    return TowerOperation(T_leaving, FR_air, fan_cycling_ratio, P_fan, Q_flow, m_flow_evaporation,
                          m_flow_drift, m_flow_blowdown, m_flow_evaporation + m_flow_drift + m_flow_blowdown)
