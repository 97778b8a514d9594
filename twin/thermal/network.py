"""Facility-water properties, design constants and the facility pumps' power on their curve.

The assembly of a site into arrays (rack groups, CDU banks, facility loops) is
:mod:`twin.simulation.assembly`; what follows describes the design-point sizing it uses.

Racks behind one rack group share a CDU bank (all CDUs of the group, run
alike) and one facility loop; every quantity here is an array over groups or
loops, so a GW site is a handful of arrays, never one Python object per rack.

Design-point sizing (estimates where the catalogue is silent, stated below):
- TCS flow of a rack = coolant_flow_per_power x liquid heat at peak;
- CDU UA from its rated duty at its rated approach and TCS rise, with the
  facility-water rise of the loop (ε-NTU, counterflow);
- facility loop design flow = design heat / (cp x delta_T_nominal);
- supply and return mains hold water for ``pipe_length / 2`` each at a design
  velocity of 2.5 m/s (research/physics.md 4.2), i.e. a transport delay of
  pipe_length / 5 s at design flow.
"""

from __future__ import annotations

import numpy as np

from twin.thermal.pump import Pump, pump_power, pump_pressure_rise, speed_for_operating_point

#: Facility water properties near 30 degC (CoolProp, IAPWS-95): cp J/(kg K), density kg/m3.
CP_FACILITY = 4179.6
RHO_FACILITY = 995.7
#: Design velocity in the facility mains (m/s), research/physics.md 4.2 (1.2-3 m/s).
V_MAIN = 2.5
#: Minimum facility pump speed fraction (variable-speed drive) [estimate].
PUMP_SPEED_MIN = 0.3
#: CRAH / fan-wall fan power per W of air-side heat [estimate [E]: ~4 % for variable-speed EC fan walls with
#: containment; ENERGY STAR: legacy constant-speed CRAC fans 5-10 % of a data centre's total energy, an upper
#: bound].  The catalogue has no coil ratings; README "Known limits".
AIR_FAN_FRACTION = 0.04


def facility_pump_power(loops, C_flow) -> np.ndarray:
    """Facility pump power (W) at capacity flow ``C_flow`` (W/K) per loop, shape (..., L).

    ``loops`` carries per loop ``pumps``, ``n_pumps`` and ``C_design`` (W/K)
    (:class:`twin.simulation.assembly.FacilityLoops`).

    Variable-speed pumps (:mod:`twin.thermal.pump`: quadratic curve from the
    catalogue's design and shut-off heads, efficiency parabola) share the flow;
    the differential-pressure set-point is reset with flow, so the system curve
    is ``dp_nominal (V / V_design)^2`` (research/physics.md 4.1); below the
    minimum speed the pumps run at it and the valves take the excess head.
    """
    C_flow = np.asarray(C_flow, dtype=float)
    out = np.zeros(np.broadcast_shapes(C_flow.shape, loops.C_design.shape))
    for i, pump in enumerate(loops.pumps):
        n = loops.n_pumps[i]
        V_design = loops.C_design[i] / (CP_FACILITY * RHO_FACILITY)
        V = np.maximum(C_flow[..., i] / (CP_FACILITY * RHO_FACILITY), 0.0)
        dp = _dp_design(pump) * (V / V_design) ** 2
        speed = np.maximum(speed_for_operating_point(pump, V / n, dp), PUMP_SPEED_MIN)
        out[..., i] = n * pump_power(pump, V / n, speed)
    return out


def _dp_design(pump: Pump) -> float:
    """Design pressure rise (Pa) of a pump made by :meth:`Pump.from_design`: its curve at the best point."""
    return float(pump_pressure_rise(pump, pump.V_flow_best))
