"""Air-side cooling of the heat that does not go to the cold plates: CRAH / fan-wall
units and rear-door heat exchangers (RDHx) on air-cooled racks.

Both are sensible (dry) air-to-water coils by effectiveness-NTU, with UA
scaled by the air- and water-side film resistances (as for dry coolers);
data-hall air is dry enough that the coil does not condense.  Fans follow
the cube law P = P_fan_nominal*(m_flow_air/m_flow_air_nominal)^3.  A passive
rear door (P_fan_nominal = 0) is driven by the servers' own fans.

References:
- Incropera & DeWitt, *Fundamentals of Heat and Mass Transfer*, Table 11.3.
- Wetter, LBNL-42355 (1999) / Modelica Buildings
  ``DryCoilEffectivenessNTU``: hA ~ m_flow^0.8 (air), m_flow^0.85 (water),
  air-side resistance share 0.6 at the nominal point.
- Fan affinity laws (e.g. ASHRAE Handbook-HVAC Systems and Equipment, "Fans").
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from twin.media import CP_AIR
from twin.thermal.heat_exchanger import UA_film_scaled, heat_exchange


@dataclass(frozen=True)
class Crah:
    """Computer-room air handler or fan wall with a chilled-water coil.

    UA_nominal (W/K) at m_flow_air_nominal and m_flow_water_nominal (kg/s);
    P_fan_nominal (W) at nominal air flow.
    """

    UA_nominal: float
    m_flow_air_nominal: float
    m_flow_water_nominal: float
    P_fan_nominal: float
    arrangement: str = "counterflow"
    air_side_resistance_fraction: float = 0.6
    exponent_air: float = 0.8
    exponent_water: float = 0.85


@dataclass(frozen=True)
class RearDoorHeatExchanger:
    """Rear-door coil on a rack; P_fan_nominal = 0 for a passive door."""

    UA_nominal: float
    m_flow_air_nominal: float
    m_flow_water_nominal: float
    P_fan_nominal: float = 0.0
    arrangement: str = "crossflow_unmixed"
    air_side_resistance_fraction: float = 0.6
    exponent_air: float = 0.8
    exponent_water: float = 0.85


def coil_heat_exchange(unit: Crah | RearDoorHeatExchanger, T_air_entering, m_flow_air, T_water_entering,
                       m_flow_water, cp_water):
    """``(Q_flow, T_air_leaving, T_water_leaving)``: Q_flow (W) from the air to the water."""
    UA = UA_film_scaled(unit.UA_nominal, np.asarray(m_flow_air) / unit.m_flow_air_nominal,
                        np.asarray(m_flow_water) / unit.m_flow_water_nominal,
                        unit.air_side_resistance_fraction, unit.exponent_air, unit.exponent_water)
    return heat_exchange(T_air_entering, T_water_entering, np.asarray(m_flow_air) * CP_AIR,
                         np.asarray(m_flow_water) * cp_water, UA, unit.arrangement)


def fan_power(unit: Crah | RearDoorHeatExchanger, m_flow_air):
    """Fan power (W) by the cube law."""
    return unit.P_fan_nominal * (np.asarray(m_flow_air, dtype=float) / unit.m_flow_air_nominal) ** 3


def air_mass_flow_for_load(Q_flow, delta_T):
    """Air mass flow (kg/s) that carries Q_flow (W) with a temperature rise delta_T (K)."""
    return np.asarray(Q_flow, dtype=float) / (CP_AIR * delta_T)


class CrahOperation(NamedTuple):
    Q_flow: np.ndarray  #: heat from the air to the chilled water (W)
    T_air_supply: np.ndarray  #: air leaving the coil (degC)
    T_water_return: np.ndarray  #: water leaving the coil (degC)
    m_flow_water: np.ndarray  #: chilled-water flow (kg/s)
    P_fan: np.ndarray  #: fan power (W)


_ITERATIONS = 40


def crah_operation(crah: Crah, T_air_return, m_flow_air, T_water_supply, T_air_supply_set, cp_water,
                   m_flow_water_max=None) -> CrahOperation:
    """CRAH holding its supply-air set-point (degC) with the water valve.

    The water flow is found by vectorised bisection in [0, m_flow_water_max]
    (default the nominal flow); if the full flow cannot reach the set-point
    the air leaves warmer.
    """
    m_flow_water_max = crah.m_flow_water_nominal if m_flow_water_max is None else m_flow_water_max
    shape = np.broadcast(T_air_return, m_flow_air, T_water_supply, T_air_supply_set).shape
    low, high = np.zeros(shape), np.full(shape, float(m_flow_water_max))
    for _ in range(_ITERATIONS):
        mid = 0.5 * (low + high)
        _, T_air, _ = coil_heat_exchange(crah, T_air_return, m_flow_air, T_water_supply, mid, cp_water)
        too_warm = T_air > T_air_supply_set
        low, high = np.where(too_warm, mid, low), np.where(too_warm, high, mid)
    m_flow_water = np.where(high >= m_flow_water_max, m_flow_water_max, 0.5 * (low + high))
    Q_flow, T_air_supply, T_water_return = coil_heat_exchange(crah, T_air_return, m_flow_air, T_water_supply,
                                                              m_flow_water, cp_water)
    return CrahOperation(Q_flow, T_air_supply, T_water_return, m_flow_water, fan_power(crah, m_flow_air))


class RearDoorOperation(NamedTuple):
    T_air_rack_exhaust: np.ndarray  #: air leaving the servers, entering the door (degC)
    T_air_leaving: np.ndarray  #: air leaving the door into the room (degC)
    Q_flow: np.ndarray  #: heat from the air to the water (W)
    T_water_return: np.ndarray  #: degC
    P_fan: np.ndarray  #: door fans (W), zero for a passive door


def rear_door_operation(door: RearDoorHeatExchanger, T_air_rack_inlet, Q_flow_rack, m_flow_air,
                        T_water_supply, m_flow_water, cp_water) -> RearDoorOperation:
    """Rear door behind a rack drawing m_flow_air (kg/s) at T_air_rack_inlet and dissipating Q_flow_rack (W)."""
    T_exhaust = np.asarray(T_air_rack_inlet, dtype=float) + np.asarray(Q_flow_rack) / (
        np.asarray(m_flow_air, dtype=float) * CP_AIR)
    Q_flow, T_air_leaving, T_water_return = coil_heat_exchange(door, T_exhaust, m_flow_air, T_water_supply,
                                                               m_flow_water, cp_water)
    return RearDoorOperation(T_exhaust, T_air_leaving, Q_flow, T_water_return, fan_power(door, m_flow_air))
