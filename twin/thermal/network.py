"""Assembly of a Site into the arrays the simulator steps: rack groups, CDU banks, facility loops.

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

import math
from dataclasses import dataclass

import numpy as np

from twin.media import coolant
from twin.site import Site, design_heat_load
from twin.thermal.heat_exchanger import UA_counterflow_for_design
from twin.thermal.plant import LoopPlant
from twin.thermal.pump import Pump, pump_power, pump_pressure_rise, speed_for_operating_point

#: Facility water properties near 30 degC (CoolProp, IAPWS-95): cp J/(kg K), density kg/m3.
CP_FACILITY = 4179.6
RHO_FACILITY = 995.7
#: Design velocity in the facility mains (m/s), research/physics.md 4.2 (1.2-3 m/s).
V_MAIN = 2.5
#: Minimum facility pump speed fraction (variable-speed drive) [estimate].
PUMP_SPEED_MIN = 0.3
#: CRAH / fan-wall fan power per W of air-side heat [estimate: ~4 %, typical of EC fan walls].
AIR_FAN_FRACTION = 0.04


@dataclass(frozen=True)
class RackGroups:
    """Per-group arrays (index g)."""

    names: tuple[str, ...]
    n_racks: np.ndarray  #: racks in the group
    P_peak: np.ndarray  #: peak IT power per rack (W)
    P_idle: np.ndarray  #: idle IT power per rack (W)
    liquid_fraction: np.ndarray  #: share of rack heat to the TCS (-)
    C_tcs: np.ndarray  #: TCS capacity flow of the whole group (W/K); 0 for rear-door racks
    UA_cdu: np.ndarray  #: UA of the group's CDU bank at design flows (W/K)
    C_fws_max: np.ndarray  #: facility-water capacity flow of the bank with valves open (W/K)
    approach: np.ndarray  #: CDU design approach (K)
    P_tcs_pumps: np.ndarray  #: TCS pump power of the bank (W)
    loop: np.ndarray  #: index of the group's facility loop
    T_throttle: np.ndarray  #: die throttle temperature (degC)
    T_shutdown: np.ndarray  #: die shutdown temperature (degC)
    T_coolant_trip: np.ndarray  #: coolant inlet temperature that powers a rack off (degC)
    M_tcs: np.ndarray  #: heat capacity of the bank's TCS water, V_tcs of every CDU (J/K); 0 for rear-door racks

    @property
    def liquid(self) -> np.ndarray:
        return self.C_tcs > 0


@dataclass(frozen=True)
class FacilityLoops:
    """Per-loop arrays (index l) and each loop's share of its plant."""

    names: tuple[str, ...]
    T_set: np.ndarray  #: facility supply set-point (degC)
    C_design: np.ndarray  #: design capacity flow (W/K)
    M_main: np.ndarray  #: heat capacity of water in each main, supply or return (J/K)
    P_pump_design: np.ndarray  #: facility pumps at design flow (W)
    Q_design: np.ndarray  #: design heat load (W)
    liquid_class_limit: np.ndarray  #: upper bound of the ASHRAE class (degC)
    plants: tuple[LoopPlant, ...]
    plant_share: np.ndarray  #: fraction of its plant's design load each loop carries
    plant_names: tuple[str, ...]  #: the site plant each loop is served by
    pumps: tuple[Pump, ...] = ()  #: each loop's pump model (curve and efficiency)
    n_pumps: np.ndarray | None = None  #: pumps sharing each loop's design flow


def assemble(site: Site, *, out_of_service: dict[str, float] | None = None) -> tuple[RackGroups, FacilityLoops]:
    """Arrays of ``site`` for simulation; ``out_of_service`` maps plant name -> fraction of units failed."""
    from twin.site import LIQUID_CLASSES

    loop_index = {loop.name: i for i, loop in enumerate(site.facility_loops)}
    rows = []
    for g in site.rack_groups:
        rack, cdu, loop = g.model, g.cdu_model, site.loop(g.facility_loop)
        liquid_heat = rack.P_peak * rack.liquid_fraction
        if cdu is None:
            rows.append((g.count, rack, 0.0, 0.0, 0.0, 0.0, 0.0, loop_index[loop.name], 0.0))
            continue
        fluid = coolant(cdu.tcs_coolant)
        T_tcs = loop.T_supply_set + cdu.approach_nominal
        C_rack = rack.coolant_flow_per_power * liquid_heat * fluid.density(T_tcs) * fluid.cp(T_tcs)
        C_hot = cdu.Q_flow_nominal / cdu.delta_T_tcs_nominal
        C_cold = cdu.Q_flow_nominal / loop.delta_T_nominal
        UA = UA_counterflow_for_design(cdu.Q_flow_nominal, T_tcs + cdu.delta_T_tcs_nominal, loop.T_supply_set,
                                       C_hot, C_cold)
        n_cdu = g.cdu_count
        rows.append((g.count, rack, g.count * float(C_rack), n_cdu * float(UA), n_cdu * C_cold,
                     cdu.approach_nominal, n_cdu * cdu.P_pump_nominal, loop_index[loop.name],
                     n_cdu * cdu.V_tcs * float(fluid.density(T_tcs) * fluid.cp(T_tcs))))
    groups = RackGroups(
        names=tuple(g.name for g in site.rack_groups),
        n_racks=np.array([r[0] for r in rows], dtype=float),
        P_peak=np.array([r[1].P_peak for r in rows]),
        P_idle=np.array([r[1].P_idle for r in rows]),
        liquid_fraction=np.array([r[1].liquid_fraction for r in rows]),
        C_tcs=np.array([r[2] for r in rows]),
        UA_cdu=np.array([r[3] for r in rows]),
        C_fws_max=np.array([r[4] for r in rows]),
        approach=np.array([r[5] for r in rows]),
        P_tcs_pumps=np.array([r[6] for r in rows]),
        loop=np.array([r[7] for r in rows], dtype=int),
        T_throttle=np.array([r[1].T_throttle for r in rows]),
        T_shutdown=np.array([r[1].T_shutdown for r in rows]),
        T_coolant_trip=np.array([r[1].T_coolant_trip for r in rows]),
        M_tcs=np.array([r[8] for r in rows]),
    )
    failed = out_of_service or {}
    plant_load = {p.name: 0.0 for p in site.plants}
    for loop in site.facility_loops:
        plant_load[loop.plant] += design_heat_load(site, loop)
    Q, C, M, P_pump, plants, pumps, n_pumps = [], [], [], [], [], [], []
    for loop in site.facility_loops:
        q = design_heat_load(site, loop)
        c = q / loop.delta_T_nominal
        volume = c / (CP_FACILITY * RHO_FACILITY) / V_MAIN * loop.pipe_length / 2
        pump = loop.pump_model
        V_design = c / (CP_FACILITY * RHO_FACILITY)
        pumps.append(Pump.from_design(pump.V_flow_nominal, pump.dp_nominal, pump.efficiency_nominal,
                                      shutoff_ratio=pump.dp_shutoff / pump.dp_nominal))
        n_pumps.append(max(1, math.ceil(V_design / pump.V_flow_nominal - 1e-9)))
        P_design = n_pumps[-1] * float(pump_power(pumps[-1], V_design / n_pumps[-1],
                                                  speed_for_operating_point(pumps[-1], V_design / n_pumps[-1],
                                                                            pump.dp_nominal)))
        plant = site.plant(loop.plant)
        Q.append(q)
        C.append(c)
        M.append(volume * RHO_FACILITY * CP_FACILITY)
        P_pump.append(P_design)
        lost = failed.get(plant.name, 0.0)
        plants.append(LoopPlant.share(plant, q / plant_load[plant.name],
                                      {kind: 1.0 - lost for kind in ("tower", "dry_cooler", "chiller")}))
    loops = FacilityLoops(
        names=tuple(loop.name for loop in site.facility_loops),
        T_set=np.array([loop.T_supply_set for loop in site.facility_loops]),
        C_design=np.array(C), M_main=np.array(M), P_pump_design=np.array(P_pump), Q_design=np.array(Q),
        liquid_class_limit=np.array([LIQUID_CLASSES[loop.liquid_class] for loop in site.facility_loops]),
        plants=tuple(plants), plant_share=np.array([q / plant_load[loop.plant] for q, loop in
                                                    zip(Q, site.facility_loops)]),
        plant_names=tuple(loop.plant for loop in site.facility_loops), pumps=tuple(pumps),
        n_pumps=np.array(n_pumps, dtype=float))
    return groups, loops


def facility_pump_power(loops: FacilityLoops, C_flow) -> np.ndarray:
    """Facility pump power (W) at capacity flow ``C_flow`` (W/K) per loop, shape (..., L).

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
