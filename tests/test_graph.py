"""The site as one component graph: the engine's arrays, the result's dims, the drawing and each loop's
hydraulic network come from it; pump trips and valve failures redistribute flow (against a network solved
by hand)."""

import networkx as nx
import numpy as np
import pytest
from typer.testing import CliRunner

from twin.cli import app
from twin.simulation import build
from twin.simulation.graph import components, header_pressure, loop_network, mains_resistance, site_graph
from twin.site import builtin_sites, load_site
from twin.thermal.hydraulics import solve_network
from twin.thermal.pump import Pump

RHO, MU = 995.7, 7.97e-4


@pytest.mark.parametrize("name", builtin_sites())
def test_the_graph_has_every_component_and_the_engine_assembles_from_it(name):
    site = load_site(name)
    g = site_graph(site)
    kinds = {d["kind"] for _, d in g.nodes(data=True)}
    assert {"rack_group", "facility_loop", "pumps", "pipe", "plant", "utility", "substation"} <= kinds
    liquid = [grp for grp in site.rack_groups if grp.cdu_model is not None]
    assert len(components(g, "cdu_bank")) == len(components(g, "tcs_loop")) == len(components(g, "valve")) \
        == len(liquid)
    model = build(site)
    assert model.groups.names == tuple(g.nodes[n]["group"] for n in components(g, "rack_group"))
    assert model.loops.names == tuple(g.nodes[n]["loop"] for n in components(g, "facility_loop"))
    assert model.loops.n_pumps.tolist() == [g.nodes[f"pumps:{n}"]["count"] for n in model.loops.names]
    # facility water goes round each loop: plant -> pumps -> supply main -> branches -> return main -> plant
    water = g.edge_subgraph([e for e, f in nx.get_edge_attributes(g, "flow").items() if f == "water"])
    for loop in site.facility_loops:
        sup, ret = f"supply_main:{loop.name}", f"return_main:{loop.name}"
        assert list(water.successors(f"pumps:{loop.name}")) == [sup]
        assert list(water.successors(ret)) == [f"plant:{loop.plant}"]
        assert f"pumps:{loop.name}" in water.successors(f"plant:{loop.plant}")
        assert all(nx.has_path(water, b, ret) for b in water.successors(sup)) and len(list(water.successors(sup)))
    assert site.graph.nodes == g.nodes  # the drawing's graph is this one


def test_show_graph_draws_the_component_graph(tmp_path):
    out = tmp_path / "demo.png"
    result = CliRunner().invoke(app, ["show", "demo", "--graph", str(out)])
    assert result.exit_code == 0, result.output
    assert out.read_bytes()[:4] == b"\x89PNG"


def _hand_graph():
    """One loop: a plant, pumps, 1 mm mains (negligible), two branches a and b."""
    g = nx.DiGraph()
    g.add_node("plant:p", kind="plant")
    g.add_node("pumps:L", kind="pumps")
    for main in ("supply_main:L", "return_main:L"):
        g.add_node(main, kind="pipe", length=1e-3, diameter=0.3)
    g.add_edges_from([("plant:p", "pumps:L"), ("pumps:L", "supply_main:L"), ("return_main:L", "plant:p")])
    for b in ("valve:a", "valve:b"):
        g.add_edges_from([("supply_main:L", b), (b, "return_main:L")])
    return g


PUMP = Pump.from_design(0.1, 200e3, 0.8)  # a0 = 250 kPa, a2 = (200 - 250) kPa / 0.01 = -5e6 Pa s2/m6
V_MAX = {"valve:a": 0.1, "valve:b": 0.05}  # m3/s at 150 kPa fully open


@pytest.mark.parametrize("case, pumps, openings, expected", [
    # two pumps: head 250e3 - 1.25e6 V^2; branches pass (0.1 + 0.05) sqrt(dp / 150e3), so dp = V^2 / A^2 with
    # 1/A^2 = 150e3 / 0.15^2 = 6.6667e6: V^2 = 250e3 / 7.9167e6 = 0.031579, V = 0.17770 m3/s, dp = 210.53 kPa;
    # a = 0.1 sqrt(210.53 / 150) = 0.11847, b = 0.059235
    ("design", 2, {}, (0.17770, 210.53e3, 0.11847, 0.059235)),
    # one pump trips: head 250e3 - 5e6 V^2: V^2 = 250e3 / 11.6667e6 = 0.021429, V = 0.14639, dp = 142.86 kPa;
    # a = 0.1 sqrt(142.86 / 150) = 0.097590, b = 0.048795: both branches lose 17.6 %
    ("pump trip", 1, {}, (0.14639, 142.86e3, 0.097590, 0.048795)),
    # valve b fails shut (leakage 1e-4 of its open flow coefficient): 1/A^2 = 150e3 / 0.100005^2 = 1.49985e7,
    # V^2 = 250e3 / 1.62485e7 = 0.015386, V = 0.12404, dp = 230.77 kPa; a = 0.1 sqrt(230.77 / 150) = 0.12403
    # (+4.7 % on branch a: the pressure rises on the pump curve), b = 5e-6 sqrt(230.77 / 150) = 6.2e-6
    ("valve b shut", 2, {"valve:b": 0.0}, (0.12404, 230.77e3, 0.12403, 6.2e-6)),
])
def test_pump_trip_and_valve_failure_redistribute_flow_as_solved_by_hand(case, pumps, openings, expected):
    V_total, dp, V_a, V_b = expected
    net = loop_network(_hand_graph(), "L", PUMP, 150e3, V_MAX, openings, pumps)
    sol = solve_network(net, RHO, MU)
    assert sol.V_flow[("headers_in", "valve:a")] == pytest.approx(V_a, rel=2e-4)
    assert sol.V_flow[("headers_in", "valve:b")] == pytest.approx(V_b, rel=2e-3)
    assert sol.V_flow[("supply_main:L", "headers_in")] == pytest.approx(V_total, rel=2e-4)
    assert sol.p["headers_in"] - sol.p["headers_out"] == pytest.approx(dp, rel=2e-4)
    # the engine's series-parallel reduction gives the same pressure
    phi = {b: 1e-4 + (1 - 1e-4) * openings.get(b, 1.0) for b in V_MAX}
    A = sum(phi[b] * V_MAX[b] for b in V_MAX) / np.sqrt(150e3)
    assert float(header_pressure(PUMP.dp_curve[0], PUMP.dp_curve[2], pumps, 0.0, A)) == pytest.approx(dp, rel=2e-4)


@pytest.mark.parametrize("name", ["demo", "colossus1"])
def test_the_engine_loop_reduction_matches_the_network_on_a_built_in_site(name):
    """The site's own loop (real mains, Colebrook) with half its pumps: the network's Newton solution and the
    engine's reduction agree; with every pump the pumps hold the branches' design pressure."""
    site = load_site(name)
    model = build(site)
    lp, g = model.loops, model.graph
    for i, loop in enumerate(lp.names):
        branches = list(g.successors(f"supply_main:{loop}"))
        groups = list(model.groups.names)
        coils = [b for b in branches if b.startswith("coils:")]
        V_max = {b: (model.groups.C_fws_max[groups.index(g.nodes[b]["group"])] if b.startswith("valve:")
                     else model.C_coils[i] / len(coils)) / (RHO * 4179.6) for b in branches}
        n = max(1, int(lp.n_pumps[i]) // 2)
        sol = solve_network(loop_network(g, loop, lp.pumps[i], lp.dp_header[i], V_max, {}, n), RHO, MU)
        V = sol.V_flow[(f"supply_main:{loop}", "headers_in")]
        A = sum(V_max.values()) / np.sqrt(lp.dp_header[i])
        dp = header_pressure(lp.pumps[i].dp_curve[0], lp.pumps[i].dp_curve[2], n,
                             float(mains_resistance(g, loop, V)), A)
        assert sol.p["headers_in"] - sol.p["headers_out"] == pytest.approx(float(dp), rel=1e-3)
