"""Assembly of a site into the engine's arrays and rack types.

Rack groups share a CDU bank and a facility loop; every quantity is an array over
groups or loops (design-point sizing: :mod:`twin.thermal.network`)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from twin.electrical.network import ElectricalNetwork
from twin.media import coolant
from twin.site import LIQUID_CLASSES, Site, design_heat_load
from twin.simulation.graph import components, mains_resistance, site_graph
from twin.thermal.accelerator import AcceleratorThermal
from twin.thermal.heat_exchanger import UA_counterflow_for_design
from twin.thermal.network import CP_FACILITY, RHO_FACILITY, V_MAIN
from twin.thermal.plant import LoopPlant
from twin.thermal.pump import Pump, pump_power, speed_for_operating_point
from twin.thermal.rack_array import RackType

#: Electrical power of the cooling system, by result variable.
COOLING_TERMS = ("P_tcs_pumps", "P_air_fans", "P_fws_pumps", "P_compressors", "P_plant_fans", "P_condenser_pumps")

#: H200 fit to the measured trace (twin.thermal.accelerator.H200_TRACE): die capacity per W of TDP
#: (J/K/W) and the split of die-to-coolant resistance, used to scale catalogue accelerators.
C_DIE_PER_W = 9.925 / 700.0
C_PLATE_PER_W = 500.0 / 1200.0
DIE_PLATE_SHARE = 0.6
#: Rack coolant and manifold heat capacity per W of rack peak (J/K/W): ~1.8e5 J/K for a 132 kW NVL72.
C_COOLANT_PER_W = 1.8e5 / 132e3


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
    dp_header: np.ndarray | None = None  #: pressure across the branches at design flow (Pa), held by the pumps


def assemble(site: Site, *, out_of_service: dict[str, float] | None = None, graph=None) -> tuple[RackGroups, FacilityLoops]:
    """Arrays of ``site`` for simulation, in the order of its component graph (``graph``, default
    :func:`twin.simulation.graph.site_graph`); ``out_of_service`` maps plant name -> fraction of units failed."""
    graph = site_graph(site) if graph is None else graph
    by_name = {g.name: g for g in site.rack_groups}
    loop_by_name = {loop.name: loop for loop in site.facility_loops}
    rack_groups = [by_name[graph.nodes[n]["group"]] for n in components(graph, "rack_group")]
    facility_loops = [loop_by_name[graph.nodes[n]["loop"]] for n in components(graph, "facility_loop")]
    loop_index = {loop.name: i for i, loop in enumerate(facility_loops)}
    rows = []
    for g in rack_groups:
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
        names=tuple(g.name for g in rack_groups),
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
    for loop in facility_loops:
        plant_load[loop.plant] += design_heat_load(site, loop)
    Q, C, M, P_pump, plants, pumps, n_pumps, dp_header = [], [], [], [], [], [], [], []
    for loop in facility_loops:
        q = design_heat_load(site, loop)
        c = q / loop.delta_T_nominal
        volume = c / (CP_FACILITY * RHO_FACILITY) / V_MAIN * loop.pipe_length / 2
        pump = loop.pump_model
        V_design = c / (CP_FACILITY * RHO_FACILITY)
        pumps.append(Pump.from_design(pump.V_flow_nominal, pump.dp_nominal, pump.efficiency_nominal,
                                      shutoff_ratio=pump.dp_shutoff / pump.dp_nominal))
        n_pumps.append(graph.nodes[f"pumps:{loop.name}"]["count"])
        k_mains = float(mains_resistance(graph, loop.name, V_design))
        dp_header.append(max(pump.dp_nominal - k_mains * V_design**2, 0.2 * pump.dp_nominal))
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
        names=tuple(loop.name for loop in facility_loops),
        T_set=np.array([loop.T_supply_set for loop in facility_loops]),
        C_design=np.array(C), M_main=np.array(M), P_pump_design=np.array(P_pump), Q_design=np.array(Q),
        liquid_class_limit=np.array([LIQUID_CLASSES[loop.liquid_class] for loop in facility_loops]),
        plants=tuple(plants), plant_share=np.array([q / plant_load[loop.plant] for q, loop in
                                                    zip(Q, facility_loops)]),
        plant_names=tuple(loop.plant for loop in facility_loops), pumps=tuple(pumps),
        n_pumps=np.array(n_pumps, dtype=float), dp_header=np.array(dp_header))
    return groups, loops


@dataclass(frozen=True)
class Model:
    """A site assembled for simulation."""

    site: Site
    groups: RackGroups
    loops: FacilityLoops
    rack_types: tuple[RackType | None, ...]  #: per group; None for rear-door (air) racks
    C_coils: np.ndarray  #: per loop: capacity flow through rear-door and CRAH coils (W/K)
    electrical: ElectricalNetwork  #: the power chain, for the losses that warm the halls
    it_share: np.ndarray  #: per loop: share of the site's IT peak
    graph: object = None  #: the site's component graph (networkx), from which the arrays were assembled

    def hall_losses(self, P_it) -> np.ndarray:
        """UPS and distribution losses (W) at total IT power ``P_it`` (W): heat in the halls, per loop."""
        chain = self.electrical.demand(np.asarray(P_it, dtype=float), 0.0)
        return np.multiply.outer(chain["P_losses_ups"] + chain["P_losses_distribution"], self.it_share)


def rack_type(model, C_flow: float) -> RackType:
    """Rack thermal parameters of a catalogue rack with TCS capacity flow ``C_flow`` (W/K) per rack.

    Die and plate capacities scale with the accelerator's TDP from the H200 fit
    and the B200 cold-plate estimate; the catalogue's die-to-coolant resistance
    is split 60/40 between die-to-plate and plate-to-coolant (estimates, see
    twin.thermal.accelerator).
    """
    P = model.P_accelerator
    accelerator = AcceleratorThermal(
        C_die=C_DIE_PER_W * P, C_plate=C_PLATE_PER_W * P,
        R_die_plate=DIE_PLATE_SHARE * model.R_die_coolant,
        R_plate_coolant=(1 - DIE_PLATE_SHARE) * model.R_die_coolant,
        T_throttle=model.T_throttle, T_shutdown=model.T_shutdown)
    return RackType(name=model.name, n_accelerators=model.accelerator_count, accelerator=accelerator,
                    accelerator_power_fraction=model.accelerator_count * P / model.P_peak,
                    liquid_fraction=model.liquid_fraction, C_flow=C_flow,
                    C_coolant=C_COOLANT_PER_W * model.P_peak, P_nominal=model.P_peak)


def build(site: Site, *, out_of_service: dict[str, float] | None = None) -> Model:
    """Assemble ``site`` into arrays and rack types."""
    graph = site_graph(site)
    groups, loops = assemble(site, out_of_service=out_of_service, graph=graph)
    by_name = {g.name: g for g in site.rack_groups}
    types = []
    for i, g in enumerate(by_name[name] for name in groups.names):
        liquid = groups.C_tcs[i] > 0
        types.append(rack_type(g.model, groups.C_tcs[i] / groups.n_racks[i]) if liquid else None)
    air_heat = (1 - groups.liquid_fraction) * groups.P_peak * groups.n_racks
    delta_T = {loop.name: loop.delta_T_nominal for loop in site.facility_loops}
    C_coils = np.array([air_heat[groups.loop == i].sum() / delta_T[loops.names[i]]
                        for i in range(len(loops.names))])
    peak = groups.P_peak * groups.n_racks
    it_share = np.array([peak[groups.loop == i].sum() for i in range(len(loops.names))]) / peak.sum()
    return Model(site, groups, loops, tuple(types), np.maximum(C_coils, 1.0), ElectricalNetwork.from_site(site),
                 it_share, graph)
