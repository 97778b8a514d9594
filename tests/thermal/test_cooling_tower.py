"""Cooling-tower correlations against the EnergyPlus coefficient tables and their examples."""

import json

import numpy as np
import pytest
import psychrolib
from scipy.optimize import brentq

from twin.thermal.cooling_tower import (
    COOLTOOLS_COEFFICIENTS,
    COOLTOOLS_LIMITS,
    V_FLOW_WATER_PER_W,
    YORKCALC_COEFFICIENTS,
    YORKCALC_LIMITS,
    CoolingTower,
    approach_cooltools,
    approach_yorkcalc,
    fan_power,
    leaving_water_temperature,
    tower_operation,
)

CP = 4180.0
psychrolib.SetUnitSystem(psychrolib.SI)


@pytest.fixture(scope="module")
def data(reference_dir):
    return json.loads((reference_dir / "cooling_towers_energyplus.json").read_text())


def test_coefficients_and_limits_match_the_table(data):
    np.testing.assert_array_equal(YORKCALC_COEFFICIENTS, data["YorkCalc"]["coefficients"])
    np.testing.assert_array_equal(COOLTOOLS_COEFFICIENTS, data["CoolToolsCrossFlow"]["coefficients"])
    for limits, key in [(YORKCALC_LIMITS, "YorkCalc"), (COOLTOOLS_LIMITS, "CoolToolsCrossFlow")]:
        table = data[key]["limits"]
        assert (limits.T_wet_bulb_min, limits.T_wet_bulb_max) == (table["Twb_min_C"], table["Twb_max_C"])
        assert (limits.range_min, limits.range_max) == (table["range_min_C"], table["range_max_C"])
        assert (limits.FR_water_min, limits.FR_water_max) == (table["FRwater_min"], table["FRwater_max"])
    assert YORKCALC_LIMITS.LG_max == data["YorkCalc"]["limits"]["LG_max"]


def test_approach_examples(data):
    examples = data["approach_examples_computed_here"]
    assert len(examples) == 15
    args = [np.array([ex[k] for ex in examples]) for k in ("Twb_C", "range_C", "FRwater", "FRair")]
    np.testing.assert_allclose(approach_yorkcalc(*args), [ex["approach_YorkCalc_C"] for ex in examples],
                               atol=1e-3)
    np.testing.assert_allclose(approach_cooltools(*args), [ex["approach_CoolTools_C"] for ex in examples],
                               atol=1e-3)


def test_reference_condition_approach():
    """Both correlations give ~3.8 K at 25.6 degC WB, 5.6 K range, design flows."""
    assert approach_yorkcalc(25.6, 5.6, 1.0, 1.0) == pytest.approx(3.8, abs=0.1)
    assert approach_cooltools(25.6, 5.6, 1.0, 1.0) == pytest.approx(3.8, abs=0.15)
    assert V_FLOW_WATER_PER_W * 1e6 == pytest.approx(0.043)  # 2.4 gpm/ton
    assert V_FLOW_WATER_PER_W * 3516.85 * 15850.3 == pytest.approx(2.4, rel=0.01)


def test_inputs_clamped_to_validity_limits():
    assert approach_yorkcalc(30.0, 5.6, 1.0, 1.0) == approach_yorkcalc(26.7, 5.6, 1.0, 1.0)
    assert approach_yorkcalc(20.0, 5.6, 1.6, 1.0) == approach_yorkcalc(20.0, 5.6, 1.25, 1.0)
    assert approach_yorkcalc(20.0, 5.6, 1.0, 0.05) == approach_yorkcalc(20.0, 5.6, 1.0, 0.125)  # LG <= 8
    assert approach_cooltools(20.0, 15.0, 1.0, 1.0) == approach_cooltools(20.0, 11.1, 1.0, 1.0)
    assert approach_cooltools(-5.0, 5.6, 1.0, 1.0) == approach_cooltools(-1.0, 5.6, 1.0, 1.0)


def _tower(correlation="yorkcalc"):
    Q_design = 10e6
    return CoolingTower(m_flow_water_nominal=V_FLOW_WATER_PER_W * Q_design * 995.0,
                        P_fan_nominal=0.01 * Q_design, correlation=correlation)


@pytest.mark.parametrize("correlation", ["yorkcalc", "cooltools"])
def test_leaving_temperature_solves_the_approach_equation(correlation):
    tower = _tower(correlation)
    T_in, T_wb = np.array([35.0, 30.0, 40.0]), np.array([25.6, 15.0, 20.0])
    T_out = leaving_water_temperature(tower, T_in, 1.0, T_wb, 0.7)
    approach = {"yorkcalc": approach_yorkcalc, "cooltools": approach_cooltools}[correlation]
    np.testing.assert_allclose(T_out - T_wb, approach(T_wb, T_in - T_out, 1.0, 0.7), atol=1e-8)
    # the reference condition: 35 degC in at 25.6 degC WB and full fan leaves near 29.4 degC
    assert leaving_water_temperature(tower, 35.0, 1.0, 25.6, 1.0) == pytest.approx(29.4, abs=0.15)


def test_control_sequence():
    tower = _tower()
    m = tower.m_flow_water_nominal
    T_in = 35.0
    T_wb = np.array([25.6, 20.0, 5.0, 10.0, 20.0])
    T_set = np.array([28.0, 29.0, 34.5, 33.5, 35.0])
    op = tower_operation(tower, T_in, m, T_wb, T_set, CP)
    T_on = leaving_water_temperature(tower, T_in, 1.0, T_wb, 1.0)
    T_min = leaving_water_temperature(tower, T_in, 1.0, T_wb, tower.FR_air_min)
    T_off = T_in - 0.125 * (T_in - T_on)
    # 0: set-point out of reach -> full fan
    assert op.T_leaving[0] == pytest.approx(T_on[0]) and op.P_fan[0] == pytest.approx(tower.P_fan_nominal)
    assert op.T_leaving[0] > 28.0
    # 1: modulating -> exactly on set-point, approach consistent with FR_air
    assert op.T_leaving[1] == 29.0 and tower.FR_air_min < op.FR_air[1] < 1.0
    assert approach_yorkcalc(20.0, 6.0, 1.0, op.FR_air[1]) == pytest.approx(9.0, abs=1e-8)
    assert op.P_fan[1] == pytest.approx(tower.P_fan_nominal * op.FR_air[1] ** 3)
    # 2: free convection suffices -> fan off, 12.5 % of the full-fan drop
    assert T_off[2] <= 34.5
    assert op.P_fan[2] == 0.0 and op.T_leaving[2] == pytest.approx(T_off[2])
    # 3: fan cycles at minimum speed
    assert T_min[3] <= 33.5 < T_off[3]
    ratio = (T_off[3] - 33.5) / (T_off[3] - T_min[3])
    assert op.fan_cycling_ratio[3] == pytest.approx(ratio)
    assert op.P_fan[3] == pytest.approx(ratio * tower.P_fan_nominal * 0.2**3)
    assert op.T_leaving[3] == 33.5
    # energy balance on the water
    np.testing.assert_allclose(op.Q_flow, m * CP * (T_in - op.T_leaving), rtol=1e-12)


def test_fan_law_meets_ashrae_90_1():
    tower = _tower()
    assert fan_power(tower, 0.5) / tower.P_fan_nominal == pytest.approx(0.125)
    assert fan_power(tower, 0.5) <= 0.30 * tower.P_fan_nominal


def psychrolib_evaporation(m_flow_air, Q_flow, T_db, T_wb, p):
    """The saturated-exit balance evaluated with PsychroLib (independent of twin.weather)."""
    W_in = psychrolib.GetHumRatioFromTWetBulb(T_db, T_wb, p)
    h_out = psychrolib.GetMoistAirEnthalpy(T_db, W_in) + Q_flow / m_flow_air
    T_out = brentq(lambda T: psychrolib.GetSatAirEnthalpy(T, p) - h_out, -10.0, 90.0, xtol=1e-10)
    return m_flow_air * (psychrolib.GetSatHumRatio(T_out, p) - W_in)


@pytest.mark.parametrize("T_db, relative_humidity", [(10.0, 0.7), (25.0, 0.5), (35.0, 0.4), (30.0, 0.9)])
def test_evaporation_from_the_air_side_balance(T_db, relative_humidity):
    """Evaporation against the same heat and mass balance done with PsychroLib; at 10 degC /
    70 % RH roughly two thirds of the heat leaves as latent heat (not all of it)."""
    tower = _tower()
    p = 101325.0
    T_wb = psychrolib.GetTWetBulbFromRelHum(T_db, relative_humidity, p)
    T_in = T_wb + 12.0
    op = tower_operation(tower, T_in, tower.m_flow_water_nominal, T_wb, T_in - 5.6, CP, T_dry_bulb=T_db,
                         p_atmosphere=p)
    expected = psychrolib_evaporation(op.FR_air * tower.m_flow_air_nominal, float(op.Q_flow), T_db, T_wb, p)
    assert op.m_flow_evaporation == pytest.approx(expected, rel=2e-3)
    latent = op.m_flow_evaporation * 2.45e6 / op.Q_flow
    assert 0.5 < latent < 1.2
    if T_db == 10.0:
        assert latent == pytest.approx(0.68, abs=0.08)
    if T_db == 35.0:
        assert latent > 1.0  # hot, dry air is cooled by evaporation: more latent than the water gave


def test_water_use():
    tower = _tower()
    op = tower_operation(tower, 35.0, tower.m_flow_water_nominal, 25.6, 29.4, CP, T_dry_bulb=31.0)
    litres_per_kWh = op.m_flow_evaporation / op.Q_flow * 3.6e6 / 995.0 * 1e3
    assert 1.1 <= litres_per_kWh <= 1.6  # below the all-latent 1.49 L/kWh, as measured towers are
    assert op.m_flow_drift == pytest.approx(8e-5 * tower.m_flow_water_nominal)
    assert op.m_flow_blowdown == pytest.approx(op.m_flow_evaporation / 2 - op.m_flow_drift)
    assert op.m_flow_makeup == pytest.approx(1.5 * op.m_flow_evaporation)


def test_fan_failed_cell_keeps_free_convection():
    """A cell without its fan still rejects free_convection_fraction of its full-fan heat (EnergyPlus)."""
    tower = _tower()
    on = tower_operation(tower, 35.0, tower.m_flow_water_nominal, 25.6, 20.0, CP)
    off = tower_operation(tower, 35.0, tower.m_flow_water_nominal, 25.6, 20.0, CP, fan=False)
    assert off.Q_flow == pytest.approx(0.125 * on.Q_flow) and off.P_fan == 0.0
    assert off.FR_air == 0.125 and off.m_flow_evaporation > 0
