"""Effectiveness-NTU against the textbook table, the exact cross-flow series and the CDU example."""

import csv
import math

import numpy as np
import pytest

from twin.thermal.heat_exchanger import (
    PlateHeatExchanger,
    UA_counterflow_for_design,
    UA_film_scaled,
    effectiveness,
    effectiveness_counterflow,
    effectiveness_crossflow_unmixed,
    heat_exchange,
    ntu_counterflow,
)


def test_effectiveness_table(reference_dir):
    with open(reference_dir / "hx_effectiveness_ntu.csv") as f:
        rows = list(csv.DictReader(f))
    NTU = np.array([float(r["NTU"]) for r in rows])
    Cr = np.array([float(r["Cr"]) for r in rows])
    np.testing.assert_allclose(effectiveness(NTU, Cr, "counterflow"),
                               [float(r["eps_counterflow"]) for r in rows], atol=6e-6)
    np.testing.assert_allclose(effectiveness(NTU, Cr, "parallel"),
                               [float(r["eps_parallelflow"]) for r in rows], atol=6e-6)
    assert (Cr == 1.0).sum() == 8  # the Cr = 1 branch is exercised


def test_counterflow_continuous_at_unit_ratio_and_inverse():
    NTU = np.array([0.5, 2.0, 7.7])
    np.testing.assert_allclose(effectiveness_counterflow(NTU, 1.0 - 1e-9), NTU / (1 + NTU), rtol=1e-7)
    Cr = np.array([0.0, 0.3, 0.999, 1.0])
    eps = effectiveness_counterflow(3.0, Cr)
    np.testing.assert_allclose(ntu_counterflow(eps, Cr), 3.0, rtol=1e-6)


def _crossflow_exact(NTU, Cr, terms=80):
    """Mason's (1954) series for cross-flow with both fluids unmixed."""
    total = 0.0
    for n in range(terms):
        a = 1 - math.exp(-NTU) * sum(NTU**m / math.factorial(m) for m in range(n + 1))
        b = 1 - math.exp(-Cr * NTU) * sum((Cr * NTU) ** m / math.factorial(m) for m in range(n + 1))
        total += a * b
    return total / (Cr * NTU)


@pytest.mark.parametrize("NTU,Cr", [(0.5, 0.5), (1.0, 1.0), (2.0, 0.5), (3.0, 0.8), (4.0, 1.0)])
def test_crossflow_approximation_close_to_exact_series(NTU, Cr):
    assert effectiveness_crossflow_unmixed(NTU, Cr) == pytest.approx(_crossflow_exact(NTU, Cr), abs=0.01)


def test_crossflow_isothermal_limit():
    assert effectiveness_crossflow_unmixed(2.0, 0.0) == pytest.approx(1 - math.exp(-2.0), rel=1e-12)


def test_cdu_worked_example():
    """physics.md 3.4: 1.2 MW, balanced 120 kW/K, 45 -> 35 degC against FWS 32 degC: UA = 400 kW/K."""
    UA = UA_counterflow_for_design(1.2e6, 45.0, 32.0, 120e3, 120e3)
    assert UA == pytest.approx(400e3, rel=1e-9)
    # balanced counterflow: LMTD equals the constant terminal difference, Q = UA*LMTD
    assert 1.2e6 / 3.0 == pytest.approx(UA, rel=1e-9)
    Q, T_hot_out, T_cold_out = heat_exchange(45.0, 32.0, 120e3, 120e3, UA)
    assert Q == pytest.approx(1.2e6, rel=1e-9)
    assert T_hot_out == pytest.approx(35.0, abs=1e-9) and T_cold_out == pytest.approx(42.0, abs=1e-9)
    # halving the approach to 1.5 K: NTU 7.7, UA x 2.3
    UA_half = UA_counterflow_for_design(120e3 * 11.5, 45.0, 32.0, 120e3, 120e3)
    assert UA_half / 120e3 == pytest.approx(7.67, abs=0.01)
    assert UA_half / UA == pytest.approx(2.3, abs=0.01)


def test_unbalanced_energy_balance_and_no_flow():
    Q, Th, Tc = heat_exchange(np.array([45.0, 45.0]), 30.0, np.array([50e3, 0.0]), 80e3, 200e3)
    assert Q[0] == pytest.approx(50e3 * (45.0 - Th[0]), rel=1e-12)
    assert Q[0] == pytest.approx(80e3 * (Tc[0] - 30.0), rel=1e-12)
    assert Q[1] == 0.0 and Th[1] == 45.0 and Tc[1] == 30.0


def test_plate_hx_film_scaling():
    hx = PlateHeatExchanger(UA_nominal=400e3, m_flow_hot_nominal=30.0, m_flow_cold_nominal=30.0)
    assert hx.UA(30.0, 30.0) == pytest.approx(400e3)
    # both flows scaled by x: UA ~ x^0.8 exactly for equal exponents
    assert hx.UA(15.0, 15.0) == pytest.approx(400e3 * 0.5**0.8, rel=1e-12)
    # one side halved, other nominal: 1/UA = (0.5*2^0.8 + 0.5)/UA_nominal
    assert hx.UA(15.0, 30.0) == pytest.approx(400e3 / (0.5 * 2**0.8 + 0.5), rel=1e-12)
    assert UA_film_scaled(1.0, 0.0, 1.0) == 0.0
    Q, Th, Tc = hx.heat_exchange(45.0, 32.0, 30.0, 30.0, 4000.0, 4000.0)
    assert Q == pytest.approx(1.2e6, rel=1e-9)
