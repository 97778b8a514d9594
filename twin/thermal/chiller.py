"""Electric chillers: the EnergyPlus ``Chiller:Electric:EIR`` (DOE-2) model, an
air-cooled variant with a free-cooling coil, and chiller staging.

Model (x = leaving chilled-water temperature, y = entering condenser temperature, degC)::

    Q_flow_available = Q_flow_nominal * CAPFT(x, y)
    PLR        = min(Q_flow_load / Q_flow_available, PLR_max)
    cycling    = min(PLR / PLR_min, 1)              (on/off cycling below PLR_min)
    PLR_power  = max(PLR, min_unloading_ratio)      (false loading, hot-gas bypass)
    P          = Q_flow_available / COP_nominal * EIRFT(x, y) * EIRFPLR(PLR_power) * cycling
    Q_flow_false_load = Q_flow_available * PLR_power * cycling - Q_flow_evaporator
    Q_flow_condenser  = P * compressor_heat_to_condenser + Q_flow_evaporator + Q_flow_false_load

Curve inputs are clamped to the curve limits; CAPFT, EIRFT and EIRFPLR are
floored at zero, as EnergyPlus does.

References:
- EnergyPlus Engineering Reference, "Electric Chiller Model Based on
  Condenser Entering Temperature"; EnergyPlus source ``ChillerElectricEIR``
  (cycling below the minimum part-load ratio, false loading below the
  minimum unloading ratio).
- Hydeman et al., "Development and testing of a reformulated regression-based
  electric chiller model", ASHRAE Transactions 108(2) (2002); coefficient
  sets: EnergyPlus ``datasets/Chillers.idf`` (CoolTools data, 1991-2001).
- Air-cooled reference rating point 6.67 degC (44 F) leaving chilled water /
  35 degC (95 F) entering air: AHRI Standard 550/590.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

#: AHRI 550/590 air-cooled rating: entering condenser air temperature (degC).
T_AIR_COOLED_RATING = 35.0
#: AHRI 550/590 water-cooled rating (the DOE-2 reference): entering condenser water (degC).
T_WATER_COOLED_RATING = 29.44


@dataclass(frozen=True)
class Biquadratic:
    """a + b*x + c*x^2 + d*y + e*y^2 + f*x*y with x, y clamped to their limits."""

    coefficients: tuple[float, float, float, float, float, float]
    x_min: float
    x_max: float
    y_min: float
    y_max: float

    def __call__(self, x, y):
        a, b, c, d, e, f = self.coefficients
        x = np.clip(x, self.x_min, self.x_max)
        y = np.clip(y, self.y_min, self.y_max)
        return a + b * x + c * x * x + d * y + e * y * y + f * x * y


@dataclass(frozen=True)
class Quadratic:
    """a + b*x + c*x^2 with x clamped to its limits."""

    coefficients: tuple[float, float, float]
    x_min: float
    x_max: float

    def __call__(self, x):
        a, b, c = self.coefficients
        x = np.clip(x, self.x_min, self.x_max)
        return a + b * x + c * x * x


@dataclass(frozen=True)
class ElectricEIRChiller:
    """Parameters of a ``Chiller:Electric:EIR`` chiller.

    Q_flow_nominal: reference capacity (W); COP_nominal: reference COP (-);
    CAPFT/EIRFT: functions of (leaving chilled water, entering condenser) in
    degC; EIRFPLR: function of part-load ratio; PLR_min/PLR_max and
    min_unloading_ratio as in EnergyPlus; compressor_heat_to_condenser: the
    fraction of compressor power rejected by the condenser (-).
    """

    Q_flow_nominal: float
    COP_nominal: float
    CAPFT: Biquadratic
    EIRFT: Biquadratic
    EIRFPLR: Quadratic
    PLR_min: float
    PLR_max: float
    min_unloading_ratio: float
    compressor_heat_to_condenser: float = 1.0


class ChillerOperation(NamedTuple):
    """Steady operation of a chiller; heat flows in W, all >= 0."""

    P: np.ndarray  #: electrical power (W)
    Q_flow_evaporator: np.ndarray  #: heat taken from the chilled water (W)
    Q_flow_condenser: np.ndarray  #: heat given to the condenser water or air (W)
    Q_flow_available: np.ndarray  #: capacity at these temperatures (W)
    Q_flow_false_load: np.ndarray  #: hot-gas-bypass load above the water-side load (W)
    Q_flow_unmet: np.ndarray  #: load above PLR_max * capacity (W)
    PLR: np.ndarray  #: part-load ratio, before false loading (-)
    cycling_ratio: np.ndarray  #: fraction of time on (-)


def chiller_operation(chiller: ElectricEIRChiller, Q_flow_load, T_chilled_water_leaving,
                      T_condenser_entering) -> ChillerOperation:
    """Power and heat flows of one chiller serving ``Q_flow_load`` (W) at the given temperatures (degC)."""
    Q_flow_load = np.maximum(np.asarray(Q_flow_load, dtype=float), 0.0)
    Q_flow_available = chiller.Q_flow_nominal * np.maximum(
        chiller.CAPFT(T_chilled_water_leaving, T_condenser_entering), 0.0)
    running = Q_flow_available > 0.0
    PLR = np.where(running, np.minimum(Q_flow_load / np.where(running, Q_flow_available, 1.0),
                                       chiller.PLR_max), 0.0)
    Q_flow_evaporator = PLR * Q_flow_available
    cycling_ratio = np.minimum(PLR / chiller.PLR_min, 1.0)
    PLR_power = np.where(running, np.maximum(PLR, chiller.min_unloading_ratio), 0.0)
    Q_flow_false_load = np.maximum(Q_flow_available * PLR_power * cycling_ratio - Q_flow_evaporator, 0.0)
    EIRFT = np.maximum(chiller.EIRFT(T_chilled_water_leaving, T_condenser_entering), 0.0)
    EIRFPLR = np.maximum(chiller.EIRFPLR(PLR_power), 0.0)
    P = Q_flow_available / chiller.COP_nominal * EIRFT * EIRFPLR * cycling_ratio
    Q_flow_condenser = P * chiller.compressor_heat_to_condenser + Q_flow_evaporator + Q_flow_false_load
    return ChillerOperation(P, Q_flow_evaporator, Q_flow_condenser, Q_flow_available,
                            Q_flow_false_load, Q_flow_load - Q_flow_evaporator, PLR, cycling_ratio)


@dataclass(frozen=True)
class AirCooledChiller:
    """Air-cooled chiller, optionally with a free-cooling (economiser) coil.

    The curves of ``chiller`` are evaluated at condenser temperature
    T_dry_bulb + ``condenser_offset``.  With curves fitted against entering
    air temperature the offset is 0.  Reusing a water-cooled DOE-2 curve shape
    for an air-cooled machine with ``condenser_offset`` = T_WATER_COOLED_RATING
    - T_AIR_COOLED_RATING (-5.56 K), so that the curves equal one at the AHRI
    air-cooled rating point, is an engineering estimate, not a published
    air-cooled fit; COP_nominal must then be an air-cooled COP (condenser
    fans included, as in EnergyPlus).

    Free-cooling coil [estimate]: when T_dry_bulb + ``free_cooling_approach``
    < T_return, the coil pre-cools the return water to that temperature (not
    below the set-point) and the compressor trims the rest.  Its fans draw
    ``P_free_cooling_fan_nominal`` times the cube of the air-flow fraction,
    taken as the share of the coil's full-fan temperature drop that is needed.
    ``free_cooling_approach = None`` means no coil.
    """

    chiller: ElectricEIRChiller
    condenser_offset: float = 0.0
    free_cooling_approach: float | None = None
    P_free_cooling_fan_nominal: float = 0.0


class AirCooledOperation(NamedTuple):
    """Steady operation of an air-cooled chiller with free cooling; W and degC."""

    P: np.ndarray  #: compressor (with condenser fans) plus free-cooling fans (W)
    P_free_cooling_fan: np.ndarray  #: free-cooling coil fans (W)
    Q_flow_free_cooling: np.ndarray  #: heat removed by the free-cooling coil (W)
    Q_flow_evaporator: np.ndarray  #: heat removed by the compressor circuit (W)
    Q_flow_unmet: np.ndarray  #: load neither could remove (W)
    Q_flow_rejected: np.ndarray  #: heat given to outdoor air (W)
    T_precooled: np.ndarray  #: water temperature after the free-cooling coil (degC)


def air_cooled_chiller_operation(unit: AirCooledChiller, m_flow, cp, T_return, T_supply_set,
                                 T_dry_bulb) -> AirCooledOperation:
    """Operation of an air-cooled chiller cooling ``m_flow`` (kg/s) from T_return to T_supply_set."""
    m_flow, T_return = np.asarray(m_flow, dtype=float), np.asarray(T_return, dtype=float)
    T_supply_set, T_dry_bulb = np.asarray(T_supply_set, dtype=float), np.asarray(T_dry_bulb, dtype=float)
    if unit.free_cooling_approach is None:
        T_precooled = T_return + np.zeros_like(T_dry_bulb)
        fan_fraction = np.zeros_like(T_precooled)
    else:
        T_coil = T_dry_bulb + unit.free_cooling_approach
        active = T_coil < T_return
        T_precooled = np.where(active, np.maximum(T_coil, T_supply_set), T_return)
        span = np.where(active, T_return - T_coil, 1.0)
        fan_fraction = np.where(active, np.clip((T_return - T_precooled) / span, 0.0, 1.0), 0.0)
    Q_flow_free_cooling = m_flow * cp * (T_return - T_precooled)
    load = m_flow * cp * np.maximum(T_precooled - T_supply_set, 0.0)
    op = chiller_operation(unit.chiller, load, T_supply_set, T_dry_bulb + unit.condenser_offset)
    P_fan = unit.P_free_cooling_fan_nominal * fan_fraction**3
    return AirCooledOperation(op.P + P_fan, P_fan, Q_flow_free_cooling, op.Q_flow_evaporator,
                              op.Q_flow_unmet, Q_flow_free_cooling + op.Q_flow_condenser + P_fan,
                              T_precooled)


class Staging(NamedTuple):
    """Chillers to run for a load."""

    n_on: np.ndarray  #: chillers running
    n_required: np.ndarray  #: chillers needed to carry the load at PLR_max
    redundancy_met: np.ndarray  #: True where n_required + n_redundant <= n_installed


def stage_chillers(Q_flow_load, Q_flow_capacity, n_installed: int, PLR_max: float = 1.0,
                   n_redundant: int = 1, run_redundant: bool = False) -> Staging:
    """Number of identical chillers to run for a load (W), each loaded to at most PLR_max.

    ``Q_flow_capacity`` is one chiller's available capacity (W); with
    ``run_redundant`` the redundant units run too (lower part load each).
    """
    load = np.maximum(np.asarray(Q_flow_load, dtype=float), 0.0)
    n_required = np.ceil(load / (PLR_max * np.asarray(Q_flow_capacity, dtype=float)) - 1e-9)
    n_required = np.maximum(n_required, 0).astype(int)
    wanted = np.where(run_redundant & (n_required > 0), n_required + n_redundant, n_required)
    return Staging(np.minimum(wanted, n_installed), n_required, n_required + n_redundant <= n_installed)
