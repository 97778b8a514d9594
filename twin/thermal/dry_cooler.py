"""Dry coolers (sensible air-water coils) with optional adiabatic pre-cooling, and
waterside-economiser enable logic.

Heat transfer by effectiveness-NTU with UA scaled from its nominal value by
the air- and water-side film resistances; fan power by the cube law; air
entering through wetted pads at T_db - eps_pad*(T_db - T_wb), the water
evaporated being the sensible cooling of the air over h_fg (constant enthalpy).

References:
- Incropera & DeWitt, *Fundamentals of Heat and Mass Transfer*, Table 11.3
  (effectiveness-NTU).
- Wetter, "Simulation model - finned water-air-coil without condensation",
  LBNL-42355 (1999), as used by the Modelica Buildings library
  (``Buildings.Fluid.HeatExchangers.DryCoilEffectivenessNTU``): film
  coefficients hA ~ m_flow^0.8 (air) and m_flow^0.85 (water), air-side hA =
  2/3 of water-side hA at the nominal point (air-side resistance share 0.6).
- EnergyPlus ``EvaporativeCooler:Direct:CelDekPad`` (pad effectiveness
  0.7-0.9 for rigid media); EnergyPlus ``FluidCooler:SingleSpeed`` (UA-based
  effectiveness-NTU dry cooler).
- Waterside economiser: full when T_sink + approach_heat_rejection +
  approach_hx <= T_supply_set, integrated (pre-cooling upstream of chillers)
  when that sum < T_return; ASHRAE 90.1 section 6.5.1.2.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from twin.media import CP_AIR, latent_heat_vaporisation
from twin.thermal.heat_exchanger import UA_film_scaled, heat_exchange
from twin.thermal.roots import monotone_root

ECONOMISER_OFF = 0
ECONOMISER_PARTIAL = 1
ECONOMISER_FULL = 2


@dataclass(frozen=True)
class DryCooler:
    """A dry cooler (one unit or identical units run together).

    UA_nominal (W/K) at m_flow_air_nominal and m_flow_water_nominal (kg/s);
    P_fan_nominal (W) at full air flow; FR_air_min: lowest fan speed (-);
    pad_effectiveness: adiabatic pad effectiveness (-), 0 without pads.
    """

    UA_nominal: float
    m_flow_air_nominal: float
    m_flow_water_nominal: float
    P_fan_nominal: float
    FR_air_min: float = 0.1
    pad_effectiveness: float = 0.0
    arrangement: str = "counterflow"
    air_side_resistance_fraction: float = 0.6
    exponent_air: float = 0.8
    exponent_water: float = 0.85


def pad_outlet_temperature(T_dry_bulb, T_wet_bulb, effectiveness):
    """Dry-bulb temperature (degC) after a wetted pad of the given effectiveness (-)."""
    return T_dry_bulb - effectiveness * (np.asarray(T_dry_bulb, dtype=float) - T_wet_bulb)


def pad_evaporation(m_flow_air, T_dry_bulb, T_pad):
    """Water evaporated in the pad (kg/s): sensible cooling of the air over h_fg."""
    return m_flow_air * CP_AIR * (np.asarray(T_dry_bulb, dtype=float) - T_pad) / latent_heat_vaporisation(T_pad)


def dry_cooler_UA(cooler: DryCooler, m_flow_air, m_flow_water):
    """UA (W/K) at the given air and water mass flows (kg/s)."""
    return UA_film_scaled(cooler.UA_nominal, np.asarray(m_flow_air) / cooler.m_flow_air_nominal,
                          np.asarray(m_flow_water) / cooler.m_flow_water_nominal,
                          cooler.air_side_resistance_fraction, cooler.exponent_air, cooler.exponent_water)


def dry_cooler_heat_exchange(cooler: DryCooler, T_water_entering, m_flow_water, cp_water,
                             T_air_entering, FR_air):
    """``(Q_flow, T_water_leaving, T_air_leaving)`` at air-flow ratio FR_air; Q_flow (W) from water to air."""
    m_flow_air = np.asarray(FR_air, dtype=float) * cooler.m_flow_air_nominal
    UA = dry_cooler_UA(cooler, m_flow_air, m_flow_water)
    return heat_exchange(T_water_entering, T_air_entering, np.asarray(m_flow_water) * cp_water,
                         m_flow_air * CP_AIR, UA, cooler.arrangement)


class DryCoolerOperation(NamedTuple):
    """Steady operation of a dry cooler (W, degC, kg/s)."""

    T_water_leaving: np.ndarray
    T_air_entering: np.ndarray  #: after the pads when they are wetted
    T_air_leaving: np.ndarray
    FR_air: np.ndarray  #: air-flow ratio (-)
    P_fan: np.ndarray  #: fan power (W)
    Q_flow: np.ndarray  #: heat from the water to the air (W)
    m_flow_evaporation: np.ndarray  #: pad water evaporated (kg/s)


def dry_cooler_operation(cooler: DryCooler, T_water_entering, m_flow_water, cp_water, T_dry_bulb,
                         T_wet_bulb, T_leaving_set, adiabatic=False) -> DryCoolerOperation:
    """Fan speed and heat flow of a dry cooler holding T_leaving_set (degC).

    The fan speed in [FR_air_min, 1] is solved with :func:`twin.thermal.roots.monotone_root`
    (vectorised): at full speed the water may stay above the set-point (capacity-limited), at
    minimum speed it may fall below.  ``adiabatic`` (bool, per element) wets the pads.
    """
    T_air = np.where(adiabatic, pad_outlet_temperature(T_dry_bulb, T_wet_bulb, cooler.pad_effectiveness),
                     T_dry_bulb)
    T_in, m_flow, T_air, T_set, cp = np.broadcast_arrays(*(np.asarray(a, dtype=float) for a in (
        T_water_entering, m_flow_water, T_air, T_leaving_set, cp_water)))

    def too_warm(FR):
        _, T_out, _ = dry_cooler_heat_exchange(cooler, T_in[..., None], m_flow[..., None], cp[..., None],
                                               T_air[..., None], FR)
        return T_out - T_set[..., None]

    FR_air = monotone_root(too_warm, np.full(T_in.shape, cooler.FR_air_min), np.ones(T_in.shape))
    Q_flow, T_water_leaving, T_air_leaving = dry_cooler_heat_exchange(cooler, T_in, m_flow, cp, T_air, FR_air)
    m_flow_air = FR_air * cooler.m_flow_air_nominal
    m_flow_evaporation = np.where(adiabatic, pad_evaporation(m_flow_air, T_dry_bulb, T_air), 0.0)
    return DryCoolerOperation(T_water_leaving, T_air, T_air_leaving, FR_air,
                              cooler.P_fan_nominal * FR_air**3, Q_flow, m_flow_evaporation)


def economiser_mode(T_sink, approach_heat_rejection, approach_hx, T_supply_set, T_return):
    """Waterside economiser state: ECONOMISER_FULL, _PARTIAL or _OFF (int array).

    ``T_sink`` is the wet bulb for towers, the dry bulb (or pad outlet) for
    dry coolers (degC); approaches in K.
    """
    T_available = np.asarray(T_sink, dtype=float) + approach_heat_rejection + approach_hx
    return np.where(T_available <= T_supply_set, ECONOMISER_FULL,
                    np.where(T_available < T_return, ECONOMISER_PARTIAL, ECONOMISER_OFF))
