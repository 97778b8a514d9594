"""Friction factors against the reference table, the worked pipe example, and network solves."""

import csv
import json

import networkx as nx
import numpy as np
import pytest
from scipy.optimize import brentq

from twin.media import coolant
from twin.thermal.hydraulics import (
    friction_factor,
    friction_factor_colebrook,
    friction_factor_swamee_jain,
    pipe_pressure_drop,
    reynolds_number,
    solve_network,
    valve_flow_fraction,
)
from twin.thermal.pump import Pump, operating_point, pump_power, pump_pressure_rise

RHO, MU = 995.69, 0.7972e-3  # water at 30 degC, physics.md 4.2
PUMP = Pump(dp_curve=(320e3, -2.0e5, -5.0e6), V_flow_best=0.1, eta_best=0.8, eta_motor=0.93)


def test_friction_factor_table(reference_dir):
    with open(reference_dir / "friction_factor.csv") as f:
        rows = list(csv.DictReader(f))
    Re = np.array([float(r["Re"]) for r in rows])
    rel = np.array([float(r["rel_roughness"]) for r in rows])
    np.testing.assert_allclose(friction_factor_colebrook(Re, rel), [float(r["f_colebrook"]) for r in rows],
                               rtol=5e-5)
    np.testing.assert_allclose(friction_factor_swamee_jain(Re, rel), [float(r["f_swamee_jain"]) for r in rows],
                               rtol=5e-5)
    np.testing.assert_allclose(friction_factor(Re, rel), [float(r["f_colebrook"]) for r in rows], rtol=5e-5)


def test_laminar_and_transition():
    assert friction_factor(1000.0, 1e-4) == pytest.approx(0.064)
    f_2300, f_4000 = 64 / 2300, friction_factor_colebrook(4000.0, 1e-4)
    assert friction_factor(3150.0, 1e-4) == pytest.approx(0.5 * (f_2300 + f_4000))
    # laminar Hagen-Poiseuille: dp = 128 mu L Q / (pi D^4)
    Q, D, L = 1e-6, 0.01, 2.0
    assert pipe_pressure_drop(Q, L, D, RHO, MU) == pytest.approx(128 * MU * L * Q / (np.pi * D**4), rel=1e-12)
    assert pipe_pressure_drop(0.0, L, D, RHO, MU) == 0.0
    assert pipe_pressure_drop(-Q, L, D, RHO, MU) == pytest.approx(-pipe_pressure_drop(Q, L, D, RHO, MU))


def test_worked_pipe_example(reference_dir):
    ex = json.loads((reference_dir / "hydraulics_examples.json").read_text())["pipe_example_computed_here"]
    water = coolant("water")
    rho, mu = water.density(30.0), water.viscosity(30.0)
    Q = ex["v_m_s"] * np.pi * ex["D_m"] ** 2 / 4
    assert reynolds_number(Q, ex["D_m"], rho, mu) == pytest.approx(ex["Re"], rel=1e-5)
    dp = pipe_pressure_drop(Q, ex["L_m"], ex["D_m"], rho, mu, ex["roughness_m"])
    assert dp == pytest.approx(ex["dp_Pa"], rel=1e-4)  # 23.9 kPa per 100 m


def test_valve_characteristics():
    assert valve_flow_fraction(1.0, "linear") == pytest.approx(1.0)
    assert valve_flow_fraction(1.0, "equal_percentage") == pytest.approx(1.0)
    # equal percentage: each 10 % of stroke multiplies flow by 50**0.1
    ratio = valve_flow_fraction(0.6, "equal_percentage") / valve_flow_fraction(0.5, "equal_percentage")
    assert ratio == pytest.approx(50**0.1, rel=1e-3)
    assert valve_flow_fraction(0.0, "linear") == pytest.approx(1e-4)


def _loop(*branches):
    """Pump from node 'S' (p fixed) to 'A', branches from 'A' to 'S'."""
    g = nx.DiGraph()
    g.add_node("S", p=2e5)
    g.add_edge("S", "A", kind="pump", pump=PUMP, speed=1.0)
    for u, v, attrs in branches:
        g.add_edge(u, v, **attrs)
    return g


def test_pump_and_resistance_match_analytic_operating_point():
    k = 2.5e7
    g = _loop(("A", "S", dict(kind="resistance", dp_nominal=k * 0.01, V_flow_nominal=0.1)))
    sol = solve_network(g, RHO, MU)
    V, dp = operating_point(PUMP, k)
    assert sol.V_flow[("S", "A")] == pytest.approx(V, rel=1e-9)
    assert sol.p["A"] - sol.p["S"] == pytest.approx(dp, rel=1e-9)
    assert sol.P_pump[("S", "A")] == pytest.approx(pump_power(PUMP, V), rel=1e-9)
    # re-solve at a lower speed from the previous solution: affinity, V ~ speed
    g.edges["S", "A"]["speed"] = 0.6
    sol2 = solve_network(g, RHO, MU, start=sol)
    assert sol2.V_flow[("S", "A")] == pytest.approx(0.6 * V, rel=1e-9)


def test_pump_and_darcy_pipe_match_independent_root():
    pipe = dict(kind="pipe", length=300.0, diameter=0.2, roughness=4.5e-5, k_minor=5.0)
    g = _loop(("A", "S", pipe))
    sol = solve_network(g, RHO, MU)
    V_ref = brentq(lambda v: pump_pressure_rise(PUMP, v) - pipe_pressure_drop(v, 300.0, 0.2, RHO, MU, 4.5e-5, 5.0),
                   1e-6, 0.5, xtol=1e-14)
    assert sol.V_flow[("S", "A")] == pytest.approx(V_ref, rel=1e-8)


def test_parallel_branches_split_by_conductance():
    k1, k2, k3 = 1e7, 3e7, 1e7  # branch 2 = two resistances in series
    r = lambda k: dict(kind="resistance", dp_nominal=k * 0.01, V_flow_nominal=0.1)
    g = _loop(("A", "B", r(k1)), ("A", "C", r(k2)), ("C", "B", r(k3)), ("B", "S", r(5e6)))
    sol = solve_network(g, RHO, MU)
    V1, V2 = sol.V_flow[("A", "B")], sol.V_flow[("A", "C")]
    assert V1 / V2 == pytest.approx(np.sqrt((k2 + k3) / k1), rel=1e-9)
    dp = sol.p["A"] - sol.p["B"]
    assert V1 == pytest.approx(np.sqrt(dp / k1), rel=1e-9)
    # closing a valve in branch 2 sends (almost) all flow through branch 1
    g.add_edge("C", "B", kind="valve", dp_nominal=k3 * 0.01, V_flow_nominal=0.1, opening=0.0)
    closed = solve_network(g, RHO, MU, start=sol)
    assert closed.V_flow[("A", "C")] < 1e-3 * closed.V_flow[("A", "B")]


def test_mass_conservation_in_meshed_network():
    g = nx.DiGraph()
    g.add_node("S", p=1.5e5)
    g.add_edge("S", "P1", kind="pipe", length=5.0, diameter=0.15)
    g.add_edge("S", "P2", kind="pipe", length=5.0, diameter=0.15)
    g.add_edge("P1", "H", kind="pump", pump=PUMP, speed=0.9)
    g.add_edge("P2", "H", kind="pump", pump=PUMP, speed=0.8)
    for i, (L, D) in enumerate([(120.0, 0.2), (80.0, 0.15), (200.0, 0.25)]):
        g.add_edge("H", f"L{i}", kind="pipe", length=L, diameter=D, k_minor=3.0)
        g.add_edge(f"L{i}", "R", kind="valve", dp_nominal=40e3, V_flow_nominal=0.05, opening=0.5 + 0.2 * i,
                   characteristic="equal_percentage")
    g.add_edge("L0", "L1", kind="pipe", length=10.0, diameter=0.1)  # a cross-connection
    g.add_edge("R", "S", kind="pipe", length=300.0, diameter=0.3)
    sol = solve_network(g, RHO, MU)
    for node in g.nodes:
        if node == "S":
            continue
        inflow = sum(sol.V_flow[e] for e in g.in_edges(node))
        outflow = sum(sol.V_flow[e] for e in g.out_edges(node))
        assert inflow == pytest.approx(outflow, abs=1e-12)
    assert sol.residual_V_flow < 1e-12 and sol.residual_p < 1e-6
    # every pipe obeys Darcy-Weisbach with the solved node pressures
    for (u, v), d in g.edges.items():
        if d["kind"] == "pipe":
            dp = pipe_pressure_drop(sol.V_flow[u, v], d["length"], d["diameter"], RHO, MU,
                                    k_minor=d.get("k_minor", 0.0))
            assert sol.p[u] - sol.p[v] == pytest.approx(dp, rel=1e-7, abs=1e-6)
    assert sol.V_flow[("P1", "H")] > sol.V_flow[("P2", "H")] > 0


def test_network_needs_a_fixed_pressure():
    g = nx.DiGraph()
    g.add_edge("A", "B", kind="pump", pump=PUMP)
    g.add_edge("B", "A", kind="pipe", length=10.0, diameter=0.1)
    with pytest.raises(ValueError, match="'p'"):
        solve_network(g, RHO, MU)
