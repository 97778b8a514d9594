"""Pressure drop in pipes and the steady flow in a network of pipes, valves and pumps.

Darcy-Weisbach dp = f*(L/D)*rho*v*|v|/2 with f = 64/Re (laminar, Re <= 2300),
Colebrook (Re >= 4000, solved by Newton's method on 1/sqrt(f)), linear in Re
in between; Swamee-Jain as the explicit alternative.

The network is a ``networkx.DiGraph``: nodes are junctions (a node with
attribute ``p`` (Pa) has its pressure fixed and may exchange flow with the
outside; at least one is needed), edges are components with ``kind``:

- ``"pipe"``: ``length``, ``diameter`` (m), optional ``roughness`` (m,
  default 4.5e-5, commercial steel) and ``k_minor`` (sum of loss coefficients);
- ``"resistance"``: ``dp_nominal`` (Pa) at ``V_flow_nominal`` (m3/s), quadratic
  (a coil, a heat exchanger, a strainer);
- ``"valve"``: as resistance when fully open, with ``opening`` in [0, 1]
  (default 1) and ``characteristic`` "linear" or "equal_percentage"
  (rangeability 50), leakage 1e-4 of the open flow coefficient;
- ``"pump"``: ``pump`` (a :class:`twin.thermal.pump.Pump`) and ``speed`` (default 1).

Flow is positive along the edge direction.  Unknowns are the edge volume
flows and the free node pressures; equations are volume conservation at free
nodes and p_from - p_to + rise - loss = 0 on each edge, solved together by
Newton's method with backtracking (the global gradient algorithm of Todini &
Pilati, as in EPANET, without eliminating the flows).  Change a pump's
``speed`` or a valve's ``opening`` on the graph and solve again, passing the
previous solution as the start.

References:
- Colebrook, J. Inst. Civ. Eng. 11 (1939) 133; Swamee & Jain, J. Hydraul.
  Div. ASCE 102 (1976) 657; Moody, Trans. ASME 66 (1944) 671.
- Valve characteristics and leakage as in the Modelica Buildings library
  (``Buildings.Fluid.Actuators.Valves``: equal percentage R = 50, l = 1e-4).
- Todini & Pilati, "A gradient algorithm for the analysis of pipe networks",
  in *Computer Applications in Water Supply* (1988).
- Roughness of commercial steel 0.045 mm: Moody (1944).
"""

from __future__ import annotations

from typing import NamedTuple

import networkx as nx
import numpy as np

from twin.thermal.pump import pump_power, pump_pressure_rise

RE_LAMINAR = 2300.0
RE_TURBULENT = 4000.0
ROUGHNESS_STEEL = 4.5e-5
VALVE_RANGEABILITY = 50.0
VALVE_LEAKAGE = 1e-4


def reynolds_number(V_flow, diameter, rho, mu):
    """Reynolds number (-) of volume flow V_flow (m3/s) in a round pipe (m); rho kg/m3, mu Pa s."""
    return 4.0 * rho * np.abs(V_flow) / (np.pi * diameter * mu)


def friction_factor_swamee_jain(Re, relative_roughness):
    """Darcy friction factor (-), Swamee-Jain explicit fit (5e3 < Re < 1e8)."""
    return 0.25 / np.log10(relative_roughness / 3.7 + 5.74 / np.asarray(Re, dtype=float) ** 0.9) ** 2


def friction_factor_colebrook(Re, relative_roughness, iterations: int = 6):
    """Darcy friction factor (-) from the Colebrook equation, Newton iterations on y = 1/sqrt(f)."""
    Re = np.asarray(Re, dtype=float)
    a = np.asarray(relative_roughness, dtype=float) / 3.7
    b = 2.51 / Re
    y = 1.0 / np.sqrt(friction_factor_swamee_jain(Re, relative_roughness))
    for _ in range(iterations):
        inner = a + b * y
        residual = y + 2.0 * np.log10(inner)
        y = y - residual / (1.0 + 2.0 * b / (np.log(10.0) * inner))
    return 1.0 / (y * y)


def friction_factor(Re, relative_roughness):
    """Darcy friction factor (-): laminar, Colebrook, and linear in Re across 2300-4000."""
    Re = np.maximum(np.asarray(Re, dtype=float), 1e-9)
    laminar = 64.0 / Re
    turbulent = friction_factor_colebrook(np.maximum(Re, RE_TURBULENT), relative_roughness)
    w = np.clip((Re - RE_LAMINAR) / (RE_TURBULENT - RE_LAMINAR), 0.0, 1.0)
    transition = (1.0 - w) * (64.0 / RE_LAMINAR) + w * turbulent
    return np.where(Re <= RE_LAMINAR, laminar, np.where(Re >= RE_TURBULENT, turbulent, transition))


def pipe_pressure_drop(V_flow, length, diameter, rho, mu, roughness=ROUGHNESS_STEEL, k_minor=0.0):
    """Pressure drop (Pa) along the flow direction; the sign follows V_flow (m3/s)."""
    V_flow = np.asarray(V_flow, dtype=float)
    area = np.pi * diameter**2 / 4.0
    v = V_flow / area
    f = friction_factor(reynolds_number(V_flow, diameter, rho, mu), roughness / diameter)
    return (f * length / diameter + k_minor) * rho * v * np.abs(v) / 2.0


def valve_flow_fraction(opening, characteristic: str = "linear"):
    """Flow coefficient relative to fully open (-) at ``opening`` in [0, 1], with leakage."""
    y = np.clip(opening, 0.0, 1.0)
    if characteristic == "linear":
        phi = y
    elif characteristic == "equal_percentage":
        phi = np.where(y > 0.0, VALVE_RANGEABILITY ** (y - 1.0), 0.0)
    else:
        raise ValueError(f"valve characteristic {characteristic!r} is not 'linear' or 'equal_percentage'")
    return VALVE_LEAKAGE + (1.0 - VALVE_LEAKAGE) * phi


def _edge_gain(data: dict, V_flow, rho, mu):
    """Pressure rise minus pressure loss (Pa) across one edge along its direction."""
    kind = data["kind"]
    if kind == "pipe":
        return -pipe_pressure_drop(V_flow, data["length"], data["diameter"], rho, mu,
                                   data.get("roughness", ROUGHNESS_STEEL), data.get("k_minor", 0.0))
    if kind in ("resistance", "valve"):
        k = data["dp_nominal"] / data["V_flow_nominal"] ** 2
        if kind == "valve":
            k = k / valve_flow_fraction(data.get("opening", 1.0), data.get("characteristic", "linear")) ** 2
        return -k * V_flow * np.abs(V_flow)
    if kind == "pump":
        return pump_pressure_rise(data["pump"], V_flow, data.get("speed", 1.0))
    raise ValueError(f"edge kind {kind!r} is not pipe, resistance, valve or pump")


class HydraulicSolution(NamedTuple):
    V_flow: dict  #: edge (u, v) -> volume flow (m3/s), positive along the edge
    p: dict  #: node -> pressure (Pa)
    P_pump: dict  #: pump edge -> electrical power (W)
    residual_V_flow: float  #: largest volume imbalance at a free node (m3/s)
    residual_p: float  #: largest pressure imbalance along an edge (Pa)


def solve_network(graph: nx.DiGraph, rho: float, mu: float, start: HydraulicSolution | None = None,
                  max_iterations: int = 100) -> HydraulicSolution:
    """Steady flows and pressures of the network ``graph`` for a fluid of density rho and viscosity mu."""
    nodes = list(graph.nodes)
    edges = list(graph.edges)
    fixed = {n: float(d["p"]) for n, d in graph.nodes(data=True) if "p" in d}
    if not fixed:
        raise ValueError("fix the pressure of at least one node (node attribute 'p')")
    free = [n for n in nodes if n not in fixed]
    incidence = nx.incidence_matrix(graph, nodelist=nodes, edgelist=edges, oriented=True).toarray()
    A_free = incidence[[nodes.index(n) for n in free]]
    # incidence: -1 at an edge's tail, +1 at its head, so A.T @ p = p_to - p_from
    dp_fixed = incidence[[nodes.index(n) for n in fixed]].T @ np.array(list(fixed.values()))
    datas = [graph.edges[e] for e in edges]
    n_e, n_free = len(edges), len(free)

    def gains(V):
        return np.array([_edge_gain(d, V[i], rho, mu) for i, d in enumerate(datas)], dtype=float)

    def residuals(V, p_free):
        return A_free @ V, gains(V) - A_free.T @ p_free - dp_fixed

    if start is None:
        V, p_free = np.full(n_e, 1e-3), np.zeros(n_free)
    else:
        V = np.array([start.V_flow[e] for e in edges], dtype=float)
        p_free = np.array([start.p[n] for n in free], dtype=float)
    r_mass, r_edge = residuals(V, p_free)
    for _ in range(max_iterations):
        h = 1e-7 * np.maximum(np.abs(V), 1e-4)
        slope = (gains(V + h) - gains(V - h)) / (2.0 * h)
        # gains fall with flow; keep a quadratic element at zero flow from a singular Jacobian
        slope = np.minimum(slope, -max(1e-6 * float(np.median(np.abs(slope))), 1e-9))
        jac = np.block([[A_free, np.zeros((n_free, n_free))], [np.diag(slope), -A_free.T]])
        step = np.linalg.solve(jac, -np.concatenate([r_mass, r_edge]))
        norm = np.linalg.norm(r_edge) + np.linalg.norm(r_mass) * np.abs(slope).max()
        t = 1.0
        while True:  # backtrack until the residual falls
            V_try, p_try = V + t * step[:n_e], p_free + t * step[n_e:]
            m_try, e_try = residuals(V_try, p_try)
            if np.linalg.norm(e_try) + np.linalg.norm(m_try) * np.abs(slope).max() < norm or t < 1e-4:
                break
            t *= 0.5
        V, p_free, r_mass, r_edge = V_try, p_try, m_try, e_try
        if np.all(np.abs(step[:n_e]) <= 1e-12 + 1e-10 * np.abs(V)) and np.all(np.abs(step[n_e:]) <= 1e-6):
            break
    else:
        raise RuntimeError(f"hydraulic network did not converge in {max_iterations} iterations "
                           f"(residuals {np.abs(r_mass).max(initial=0):.3g} m3/s, {np.abs(r_edge).max():.3g} Pa)")
    p = dict(fixed)
    p.update(zip(free, p_free.tolist()))
    P_pump = {e: float(pump_power(d["pump"], V[i], d.get("speed", 1.0)))
              for i, (e, d) in enumerate(zip(edges, datas)) if d["kind"] == "pump"}
    return HydraulicSolution(dict(zip(edges, V.tolist())), p, P_pump,
                             float(np.abs(r_mass).max(initial=0.0)), float(np.abs(r_edge).max()))
