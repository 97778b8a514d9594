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

Water use: evaporation Q_flow/h_fg (all rejected heat taken as latent, an upper
bound), drift as a fraction of the circulating water, blowdown
evaporation/(cycles - 1) - drift (EnergyPlus "ConcentrationRatio" mode).

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
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from twin.media import latent_heat_vaporisation

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


def fan_power(tower: CoolingTower, FR_air):
    """Fan power (W) at air-flow ratio FR_air (-) at full duty."""
    c0, c1, c2, c3 = tower.fan_power_curve
    x = np.asarray(FR_air, dtype=float)
    return tower.P_fan_nominal * np.maximum(c0 + x * (c1 + x * (c2 + x * c3)), 0.0)


_ITERATIONS = 30


def leaving_water_temperature(tower: CoolingTower, T_water_entering, FR_water, T_wet_bulb, FR_air):
    """Leaving water temperature (degC) at a fixed air-flow ratio: solves T = Twb + approach(T_in - T).

    Vectorised bisection on [Twb, T_in]; water entering at or below the wet
    bulb leaves unchanged.
    """
    approach = APPROACH_CORRELATIONS[tower.correlation]
    T_in, T_wb = np.broadcast_arrays(np.asarray(T_water_entering, dtype=float),
                                     np.asarray(T_wet_bulb, dtype=float))
    low, high = np.minimum(T_wb, T_in), T_in.copy()
    for _ in range(_ITERATIONS):
        mid = 0.5 * (low + high)
        below = mid - T_wb < approach(T_wb, T_in - mid, FR_water, FR_air)
        low, high = np.where(below, mid, low), np.where(below, high, mid)
    return 0.5 * (low + high)


def air_flow_ratio_for_approach(tower: CoolingTower, T_wet_bulb, T_range, FR_water, approach_target):
    """FR_air in [FR_air_min, 1] at which the correlation gives ``approach_target`` (K), by bisection."""
    approach = APPROACH_CORRELATIONS[tower.correlation]
    shape = np.broadcast(T_wet_bulb, T_range, FR_water, approach_target).shape
    low, high = np.full(shape, tower.FR_air_min), np.ones(shape)
    for _ in range(_ITERATIONS):
        mid = 0.5 * (low + high)
        too_little_air = approach(T_wet_bulb, T_range, FR_water, mid) > approach_target
        low, high = np.where(too_little_air, mid, low), np.where(too_little_air, high, mid)
    return 0.5 * (low + high)


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
                    cp) -> TowerOperation:
    """Operation of a tower cooling ``m_flow_water`` (kg/s, cp in J/(kg K)) towards T_leaving_set (degC)."""
    T_in = np.asarray(T_water_entering, dtype=float)
    T_wb = np.asarray(T_wet_bulb, dtype=float)
    T_set = np.asarray(T_leaving_set, dtype=float)
    m_flow_water = np.asarray(m_flow_water, dtype=float)
    FR_water = m_flow_water / tower.m_flow_water_nominal

    T_on = leaving_water_temperature(tower, T_in, FR_water, T_wb, 1.0)
    T_off = T_in - tower.free_convection_fraction * (T_in - T_on)
    T_min = leaving_water_temperature(tower, T_in, FR_water, T_wb, tower.FR_air_min)
    FR_modulating = air_flow_ratio_for_approach(tower, T_wb, T_in - T_set, FR_water, T_set - T_wb)
    cycling = np.clip((T_off - T_set) / np.where(T_off > T_min, T_off - T_min, 1.0), 0.0, 1.0)

    full = T_on >= T_set
    free = ~full & (T_off <= T_set)
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
    m_flow_evaporation = np.maximum(Q_flow, 0.0) / latent_heat_vaporisation(0.5 * (T_in + T_leaving))
    m_flow_drift = tower.drift_fraction * m_flow_water
    m_flow_blowdown = np.maximum(m_flow_evaporation / (tower.cycles_of_concentration - 1.0) - m_flow_drift, 0.0)
    return TowerOperation(T_leaving, FR_air, fan_cycling_ratio, P_fan, Q_flow, m_flow_evaporation,
                          m_flow_drift, m_flow_blowdown, m_flow_evaporation + m_flow_drift + m_flow_blowdown)
