"""The site as one networkx graph of components, and each facility loop's hydraulic network from it.

:func:`site_graph` is the one description of a site's topology: rack groups,
their CDU banks, TCS loops and control valves, facility loops with their pumps
and supply and return mains, plants and their cold-water tanks, and the
electrical chain.  Node attribute ``kind`` names the component; ``column`` and
``label`` are for drawing (``twin show --graph``).  Edge attribute ``flow`` is
"water" (facility water, along the flow), "heat" (racks to their TCS, TCS to
its CDU) or "power".  The engine's assembly (:mod:`twin.simulation.assembly`)
takes its rack groups, banks and loops, in order, from this graph, so the
result's ``group`` and ``loop`` dims are the graph's; :func:`loop_network`
builds the hydraulic network of one loop from its water edges.
"""

from __future__ import annotations

import math

import networkx as nx
import numpy as np

from twin.thermal.hydraulics import ROUGHNESS_STEEL, pipe_pressure_drop
from twin.thermal.network import CP_FACILITY, RHO_FACILITY, V_MAIN

#: Facility water viscosity near 30 degC (Pa s; IAPWS 2008: 0.797 mPa s).
MU_FACILITY = 7.97e-4
#: Pressure drop of the negligible joints that keep parallel elements apart (share of the header pressure).
JOINT = 1e-9


def site_graph(site) -> nx.DiGraph:
    """The component graph of ``site`` (a :class:`twin.site.Site`)."""
    from twin.site import design_heat_load

    g = nx.DiGraph(name=site.name)

    def node(name, kind, column, label, **attrs):
        layer = "it" if kind == "rack_group" else ("power" if column <= 3 else "cooling")
        g.add_node(name, kind=kind, column=column, label=label, layer=layer, **attrs)

    for plant in site.plants:
        node(f"plant:{plant.name}", "plant", 10, f"{plant.name}\n{plant.arrangement}", plant=plant.name)
        if plant.storage_model is not None and plant.storage_count:
            tank = f"tank:{plant.name}"
            node(tank, "tank", 11, f"{plant.storage_count} x {plant.storage_model.name}", plant=plant.name,
                 volume=plant.storage_count * plant.storage_model.volume)
            g.add_edge(f"plant:{plant.name}", tank, flow="water")
            g.add_edge(tank, f"plant:{plant.name}", flow="water")
    for loop in site.facility_loops:
        q = design_heat_load(site, loop)
        V_design = q / loop.delta_T_nominal / (CP_FACILITY * RHO_FACILITY)
        pump = loop.pump_model
        n = max(1, math.ceil(V_design / pump.V_flow_nominal - 1e-9))
        diameter = math.sqrt(4.0 * V_design / (math.pi * V_MAIN))
        pumps, sup, ret = f"pumps:{loop.name}", f"supply_main:{loop.name}", f"return_main:{loop.name}"
        node(f"loop:{loop.name}", "facility_loop", 9, f"{loop.name}\n{loop.T_supply_set:g} degC", loop=loop.name,
             V_flow_design=V_design, Q_design=q)
        node(pumps, "pumps", 9, f"{n} (+{loop.pump_spares}) x {pump.name}", loop=loop.name, count=n,
             spares=loop.pump_spares, model=pump)
        for name, label in ((sup, "supply"), (ret, "return")):
            node(name, "pipe", 8, f"{label} main\n{loop.pipe_length / 2:g} m, DN{1000 * diameter:.0f}",
                 loop=loop.name, length=loop.pipe_length / 2, diameter=diameter)
        g.add_edge(f"plant:{loop.plant}", pumps, flow="water")
        g.add_edge(pumps, sup, flow="water")
        g.add_edge(ret, f"plant:{loop.plant}", flow="water")
        g.add_edge(f"loop:{loop.name}", f"plant:{loop.plant}", flow="heat")
    el = site.electrical
    node("utility", "utility", 0, f"utility\n{el.utility.P_import_max / 1e6:,.0f} MW")
    node("substation", "substation", 1, f"substation\n{el.substation.count} x {el.substation.model}")
    g.add_edge("utility", "substation", flow="power")
    for i, t in enumerate(el.turbines):
        node(f"turbines:{i}", "turbines", 0, f"{t.count} x {t.model}")
        g.add_edge(f"turbines:{i}", "substation", flow="power")
    for i, b in enumerate(el.bess):
        node(f"bess:{i}", "bess", 0, f"{b.count} x {b.model}")
        g.add_edge(f"bess:{i}", "substation", flow="power")
    node("unit_substations", "unit_substations", 2, f"{el.unit_substation.count} unit substations")
    g.add_edge("substation", "unit_substations", flow="power")
    upstream = "unit_substations"
    if el.ups is not None:
        node("ups", "ups", 3, f"UPS {el.ups.count} x {el.ups.model}")
        g.add_edge("unit_substations", "ups", flow="power")
        upstream = "ups"
    for grp in site.rack_groups:
        racks = f"racks:{grp.name}"
        node(racks, "rack_group", 4, f"{grp.count:,} x {grp.rack}", group=grp.name)
        g.add_edge(upstream, racks, flow="power")
        loop = grp.facility_loop
        if grp.cdu_model is None:  # rear doors: air-side coils on the loop water
            coils = f"coils:{grp.name}"
            node(coils, "coils", 6, "rear-door HX", group=grp.name, loop=loop)
            g.add_edge(racks, coils, flow="heat")
            g.add_edge(f"supply_main:{loop}", coils, flow="water")
            g.add_edge(coils, f"return_main:{loop}", flow="water")
            continue
        tcs, cdus, valve = f"tcs:{grp.name}", f"cdus:{grp.name}", f"valve:{grp.name}"
        node(tcs, "tcs_loop", 5, f"TCS\n{grp.cdu_count * grp.cdu_model.V_tcs * 1e3:,.0f} l", group=grp.name,
             volume=grp.cdu_count * grp.cdu_model.V_tcs)
        node(cdus, "cdu_bank", 6, f"{grp.cdu_count:,} x {grp.cdu_model.name}", group=grp.name, loop=loop,
             count=grp.cdu_count)
        node(valve, "valve", 7, "valve (PI)", group=grp.name, loop=loop, characteristic="linear")
        g.add_edge(racks, tcs, flow="heat")
        g.add_edge(tcs, cdus, flow="heat")
        g.add_edge(f"supply_main:{loop}", valve, flow="water")
        g.add_edge(valve, cdus, flow="water")
        g.add_edge(cdus, f"return_main:{loop}", flow="water")
    return g


def components(graph: nx.DiGraph, kind: str) -> list[str]:
    """Nodes of ``kind``, in the order the site lists them."""
    return [n for n, d in graph.nodes(data=True) if d["kind"] == kind]


def mains_resistance(graph: nx.DiGraph, loop: str, V_flow) -> np.ndarray:
    """``k`` (Pa s2/m6) of a loop's supply and return mains in series at volume flow ``V_flow`` (m3/s):
    Darcy-Weisbach with Colebrook's friction factor (:mod:`twin.thermal.hydraulics`)."""
    V = np.maximum(np.asarray(V_flow, dtype=float), 1e-9)
    dp = sum(pipe_pressure_drop(V, graph.nodes[f"{main}:{loop}"]["length"], graph.nodes[f"{main}:{loop}"]["diameter"],
                                RHO_FACILITY, MU_FACILITY, ROUGHNESS_STEEL)
             for main in ("supply_main", "return_main"))
    return dp / V**2


def loop_network(graph: nx.DiGraph, loop: str, pump, dp_header: float, V_max: dict[str, float],
                 openings: dict[str, float], pumps_running: int, speed: float = 1.0) -> nx.DiGraph:
    """The hydraulic network of facility loop ``loop`` for :func:`twin.thermal.hydraulics.solve_network`.

    From the graph's water edges: ``pumps_running`` pumps (:class:`twin.thermal.pump.Pump`) in
    parallel at ``speed``; the supply and return mains as pipes; one
    branch per CDU bank or coil node: a valve (linear characteristic) that passes ``V_max[branch]``
    (m3/s) fully open at ``dp_header`` (Pa) across the branch, at ``openings[branch]`` (the CDU's own
    resistance is counted in the valve: valve authority 1, so the installed characteristic stays
    linear, as the engine's valve model has it).  The plant (the pumps' suction) is the reference
    node, p = 0.
    """
    net = nx.DiGraph()
    plant = next(iter(graph.predecessors(f"pumps:{loop}")))
    net.add_node(plant, p=0.0)
    sup, ret = f"supply_main:{loop}", f"return_main:{loop}"
    for i in range(pumps_running):
        out = f"pump{i}"
        net.add_edge(plant, out, kind="pump", pump=pump, speed=speed)
        net.add_edge(out, sup, kind="resistance", dp_nominal=JOINT * dp_header, V_flow_nominal=pump.V_flow_best)
    for main, (a, b) in ((sup, (sup, "headers_in")), (ret, ("headers_out", plant))):
        d = graph.nodes[main]
        net.add_edge(a, b, kind="pipe", length=d["length"], diameter=d["diameter"])
    for branch in graph.successors(sup):
        net.add_edge("headers_in", branch, kind="valve", dp_nominal=dp_header, V_flow_nominal=V_max[branch],
                     opening=openings.get(branch, 1.0), characteristic="linear")
        net.add_edge(branch, "headers_out", kind="resistance", dp_nominal=JOINT * dp_header,
                     V_flow_nominal=V_max[branch])
    return net


def header_pressure(a0, a2, pumps_running, k_mains, A, speed=1.0):
    """Pressure (Pa) across the branches of a loop at pump ``speed``, the series-parallel reduction of
    :func:`loop_network`: ``pumps_running`` pumps of curve ``a0 s^2 + a2 (V/n)^2`` (Pa; the curves of
    :meth:`twin.thermal.pump.Pump.from_design`, no linear term) in parallel, mains
    ``k_mains V^2`` (Pa s2/m6), branches that pass ``A sqrt(dp)`` (m3/s per Pa^0.5) in total, so
    ``V^2 = a0 s^2 / (-a2 / n^2 + k_mains + 1 / A^2)`` and ``dp = (V / A)^2``.  Vectorised over loops;
    zero with no pump running or no branch open."""
    n = np.asarray(pumps_running, dtype=float)
    A = np.asarray(A, dtype=float)
    ok = (n > 0) & (A > 0)
    n_safe, A_safe = np.where(ok, n, 1.0), np.where(ok, A, 1.0)
    V2 = a0 * speed**2 / (-a2 / n_safe**2 + k_mains + 1.0 / A_safe**2)
    return np.where(ok, V2 / A_safe**2, 0.0)
