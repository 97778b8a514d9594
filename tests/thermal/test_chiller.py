"""Chiller:Electric:EIR against the EnergyPlus data set and its worked examples."""

import json

import numpy as np
import pytest

from twin.thermal.chiller import (
    T_AIR_COOLED_RATING,
    T_WATER_COOLED_RATING,
    AirCooledChiller,
    Biquadratic,
    ElectricEIRChiller,
    Quadratic,
    air_cooled_chiller_operation,
    chiller_operation,
    stage_chillers,
)


def _build(entry, Q_flow_nominal=None):
    def biquadratic(c):
        return Biquadratic(tuple(c["coefficients"]), c["x_min"], c["x_max"], c["y_min"], c["y_max"])

    plr = entry["EIRFPLR"]
    return ElectricEIRChiller(
        Q_flow_nominal=Q_flow_nominal or entry["ref_capacity_W"],
        COP_nominal=entry["ref_COP"],
        CAPFT=biquadratic(entry["CAPFT"]),
        EIRFT=biquadratic(entry["EIRFT"]),
        EIRFPLR=Quadratic(tuple(plr["coefficients"]), plr["x_min"], plr["x_max"]),
        PLR_min=entry["min_PLR"],
        PLR_max=entry["max_PLR"],
        min_unloading_ratio=entry["min_unloading_ratio"],
    )


@pytest.fixture(scope="module")
def data(reference_dir):
    return json.loads((reference_dir / "chillers_energyplus.json").read_text())


@pytest.fixture(scope="module")
def doe2(data):
    return _build(data["chillers"][0], 4.0e6)


def test_reference_points_are_calibration_points(data):
    """CAPFT, EIRFT ~ 1 at each chiller's reference temperatures (McQuay 3165 kW EIRFT is 1.058)."""
    for entry in data["chillers"]:
        chiller = _build(entry, 1.0e6)
        x, y = entry["ref_LCHWT_C"], entry["ref_ECWT_C"]
        assert chiller.CAPFT(x, y) == pytest.approx(1.0, abs=0.011), entry["name"]
        assert chiller.EIRFT(x, y) == pytest.approx(1.0, abs=0.06), entry["name"]
        assert chiller.EIRFPLR(1.0) == pytest.approx(1.0, abs=0.003), entry["name"]


def test_worked_examples(data):
    by_name = {entry["name"]: entry for entry in data["chillers"]}
    examples = data["worked_examples_computed_here"]
    assert len(examples) == 10
    for ex in examples:
        chiller = _build(by_name[ex["chiller"]], ex["Q_ref_W"])
        x, y = ex["T_chw_leaving_C"], ex["T_cond_entering_C"]
        assert chiller.CAPFT(x, y) == pytest.approx(ex["CAPFT"], abs=1e-6)
        assert chiller.EIRFT(x, y) == pytest.approx(ex["EIRFT"], abs=1e-6)
        op = chiller_operation(chiller, ex["load_W"], x, y)
        assert op.Q_flow_available == pytest.approx(ex["Q_avail_W"], rel=1e-6)
        assert op.PLR == pytest.approx(ex["PLR"], rel=1e-6)
        assert op.P == pytest.approx(ex["P_W"], rel=1e-6), ex["chiller"]  # brief: <= 0.01 %
        assert op.Q_flow_evaporator / op.P == pytest.approx(ex["COP"], rel=1e-4)
        assert op.Q_flow_condenser == pytest.approx(op.P + ex["load_W"], rel=1e-9)
        assert op.Q_flow_unmet == pytest.approx(0.0, abs=1e-6) and op.cycling_ratio == 1.0


def test_worked_example_in_words_vectorised(doe2):
    """physics.md 1.3: 532.0 kW at 10/29.4 degC, 498.8 kW at 10/24 degC, PLR 0.75."""
    y = np.array([29.4, 24.0])
    Q_available = 4.0e6 * doe2.CAPFT(10.0, y)
    op = chiller_operation(doe2, 0.75 * Q_available, 10.0, y)
    np.testing.assert_allclose(op.P, [532.0e3, 498.8e3], rtol=1e-4)


def test_curve_limits_clamp_inputs(doe2):
    """DOE-2 curves hold y in 24-35 degC: 20 degC condenser water performs as 24 degC."""
    low = chiller_operation(doe2, 2.0e6, 7.0, 20.0)
    at_limit = chiller_operation(doe2, 2.0e6, 7.0, 24.0)
    assert low.P == pytest.approx(at_limit.P, rel=1e-12)


def test_false_loading_and_cycling(doe2):
    """EnergyPlus: below min unloading (0.2) power at PLR 0.2; below min PLR (0.1) on/off cycling."""
    Q_available = 4.0e6 * doe2.CAPFT(6.67, 29.4)
    P_at_unloading = Q_available / 5.5 * doe2.EIRFT(6.67, 29.4) * doe2.EIRFPLR(0.2)
    false = chiller_operation(doe2, 0.15 * Q_available, 6.67, 29.4)
    assert false.P == pytest.approx(P_at_unloading, rel=1e-12)
    assert false.Q_flow_false_load == pytest.approx(0.05 * Q_available, rel=1e-9)
    assert false.Q_flow_condenser == pytest.approx(false.P + 0.2 * Q_available, rel=1e-12)
    cycling = chiller_operation(doe2, 0.05 * Q_available, 6.67, 29.4)
    assert cycling.cycling_ratio == pytest.approx(0.5)
    assert cycling.P == pytest.approx(0.5 * P_at_unloading, rel=1e-12)
    assert cycling.Q_flow_false_load == pytest.approx(0.2 * 0.5 * Q_available - 0.05 * Q_available)
    off = chiller_operation(doe2, 0.0, 6.67, 29.4)
    assert off.P == 0.0 and off.Q_flow_condenser == 0.0


def test_capacity_limit(doe2):
    Q_available = 4.0e6 * doe2.CAPFT(6.67, 29.4)
    op = chiller_operation(doe2, 1.2 * Q_available, 6.67, 29.4)
    assert op.PLR == 1.0
    assert op.Q_flow_unmet == pytest.approx(0.2 * Q_available)


def test_air_cooled_reuse_of_doe2_shape(doe2):
    """With the -5.56 K offset the curves equal their DOE-2 reference values at 35 degC air."""
    unit = AirCooledChiller(doe2, T_WATER_COOLED_RATING - T_AIR_COOLED_RATING)
    m_flow, cp = 100.0, 4190.0
    op = air_cooled_chiller_operation(unit, m_flow, cp, 16.67, 6.67, 35.0)
    reference = chiller_operation(doe2, m_flow * cp * 10.0, 6.67, 29.44)
    assert op.P == pytest.approx(reference.P, rel=1e-12)
    assert op.Q_flow_free_cooling == 0.0


def test_free_cooling_coil(doe2):
    unit = AirCooledChiller(doe2, -5.56, free_cooling_approach=5.0, P_free_cooling_fan_nominal=50e3)
    m_flow, cp, T_return, T_set = 100.0, 4190.0, 20.0, 10.0
    T_db = np.array([30.0, 10.0, 0.0])
    op = air_cooled_chiller_operation(unit, m_flow, cp, T_return, T_set, T_db)
    # hot day: no free cooling; mild: coil to 15 degC, compressor trims 5 K; cold: all free
    np.testing.assert_allclose(op.T_precooled, [20.0, 15.0, 10.0])
    np.testing.assert_allclose(op.Q_flow_free_cooling, m_flow * cp * np.array([0.0, 5.0, 10.0]))
    np.testing.assert_allclose(op.Q_flow_evaporator, m_flow * cp * np.array([10.0, 5.0, 0.0]), rtol=1e-12)
    np.testing.assert_allclose(op.P_free_cooling_fan, 50e3 * np.array([0.0, 1.0, (10.0 / 15.0) ** 3]))
    # energy balance: heat rejected = load removed + all electrical power
    np.testing.assert_allclose(op.Q_flow_rejected, m_flow * cp * 10.0 + op.P, rtol=1e-12)


def test_staging_with_redundancy():
    load = np.array([0.0, 3.0e6, 9.0e6, 12.0e6, 20.0e6])
    s = stage_chillers(load, 4.0e6, n_installed=4, PLR_max=0.9)
    np.testing.assert_array_equal(s.n_required, [0, 1, 3, 4, 6])
    np.testing.assert_array_equal(s.n_on, [0, 1, 3, 4, 4])
    np.testing.assert_array_equal(s.redundancy_met, [True, True, True, False, False])
    s = stage_chillers(load, 4.0e6, n_installed=4, PLR_max=0.9, run_redundant=True)
    np.testing.assert_array_equal(s.n_on, [0, 2, 4, 4, 4])
    assert stage_chillers(7.2e6, 4.0e6, 4, PLR_max=0.9).n_required == 2  # exactly 2 x 90 %
