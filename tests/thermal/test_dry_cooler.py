"""Dry cooler: effectiveness-NTU limits, energy balance, pads against psychrolib, economiser logic."""

import numpy as np
import psychrolib
import pytest

from twin.media import CP_AIR
from twin.thermal.dry_cooler import (
    ECONOMISER_FULL,
    ECONOMISER_OFF,
    ECONOMISER_PARTIAL,
    DryCooler,
    dry_cooler_UA,
    dry_cooler_heat_exchange,
    dry_cooler_operation,
    economiser_mode,
    pad_evaporation,
    pad_outlet_temperature,
)

CP_WATER = 4180.0
# 2 MW at 10 K water range: 47.8 kg/s water; air 2.5x the water capacity rate
COOLER = DryCooler(UA_nominal=400e3, m_flow_air_nominal=2.5 * 47.8 * CP_WATER / CP_AIR,
                   m_flow_water_nominal=47.8, P_fan_nominal=40e3, pad_effectiveness=0.8)


def test_energy_balance_water_equals_air():
    FR = np.array([0.2, 0.5, 1.0])
    Q, T_w, T_a = dry_cooler_heat_exchange(COOLER, 45.0, 47.8, CP_WATER, 30.0, FR)
    np.testing.assert_allclose(Q, 47.8 * CP_WATER * (45.0 - T_w), rtol=1e-12)
    np.testing.assert_allclose(Q, FR * COOLER.m_flow_air_nominal * CP_AIR * (T_a - 30.0), rtol=1e-12)
    assert np.all(np.diff(Q) > 0)


def test_effectiveness_ntu_limits():
    huge = DryCooler(UA_nominal=1e12, m_flow_air_nominal=1e3, m_flow_water_nominal=10.0, P_fan_nominal=0.0)
    # water is C_min: an infinite counterflow coil brings the water to the air inlet temperature
    _, T_w, _ = dry_cooler_heat_exchange(huge, 45.0, 10.0, CP_WATER, 30.0, 1.0)
    assert T_w == pytest.approx(30.0, abs=1e-9)
    # air side far above nominal (Cr -> 0, water-side resistance only): eps = 1 - exp(-NTU)
    x = 1e8
    Q, _, _ = dry_cooler_heat_exchange(COOLER, 45.0, 47.8, CP_WATER, 30.0, x)
    UA_limit = COOLER.UA_nominal / (1 - COOLER.air_side_resistance_fraction)
    NTU = UA_limit / (47.8 * CP_WATER)
    assert Q == pytest.approx((1 - np.exp(-NTU)) * 47.8 * CP_WATER * 15.0, rel=1e-4)
    # no air: no heat
    assert dry_cooler_UA(COOLER, 0.0, 47.8) == 0.0


def test_pad_formula_and_water_use_against_psychrolib():
    psychrolib.SetUnitSystem(psychrolib.SI)
    p, T_db, RH = 101325.0, 35.0, 0.4
    T_wb = psychrolib.GetTWetBulbFromRelHum(T_db, RH, p)
    assert T_wb == pytest.approx(23.934, abs=0.01)  # physics.md section 7
    T_pad = pad_outlet_temperature(T_db, T_wb, 0.8)
    assert T_pad == pytest.approx(35.0 - 0.8 * (35.0 - T_wb), rel=1e-12)
    # adiabatic saturation: enthalpy kept, humidity ratio rises by the evaporated water
    W_in = psychrolib.GetHumRatioFromRelHum(T_db, RH, p)
    h = psychrolib.GetMoistAirEnthalpy(T_db, W_in)
    W_out = psychrolib.GetHumRatioFromEnthalpyAndTDryBulb(h, T_pad)
    m_dry_air = 10.0
    assert pad_evaporation(m_dry_air, T_db, T_pad) == pytest.approx(m_dry_air * (W_out - W_in), rel=0.03)


def test_operation_holds_setpoint_or_saturates():
    T_db = np.array([-5.0, 30.0, 40.0, 40.0])
    T_wb = np.array([-6.0, 20.0, 24.0, 24.0])
    adiabatic = np.array([False, False, False, True])
    op = dry_cooler_operation(COOLER, 45.0, 47.8, CP_WATER, T_db, T_wb, 36.0, adiabatic)
    # cold day: minimum fan speed over-cools; mild day: on set-point; hot dry day: capacity-limited
    assert op.FR_air[0] == COOLER.FR_air_min and op.T_water_leaving[0] < 36.0
    assert op.T_water_leaving[1] == pytest.approx(36.0, abs=1e-6) and COOLER.FR_air_min < op.FR_air[1] < 1
    assert op.FR_air[2] == 1.0 and op.T_water_leaving[2] > 36.0
    # the pads bring the hot day back to the set-point, using water
    assert op.T_air_entering[3] == pytest.approx(40.0 - 0.8 * 16.0)
    assert op.T_water_leaving[3] == pytest.approx(36.0, abs=1e-6)
    assert op.m_flow_evaporation[3] > 0 and np.all(op.m_flow_evaporation[:3] == 0)
    np.testing.assert_allclose(op.P_fan, COOLER.P_fan_nominal * op.FR_air**3)
    np.testing.assert_allclose(op.Q_flow, 47.8 * CP_WATER * (45.0 - op.T_water_leaving), rtol=1e-12)


def test_economiser_mode():
    """physics.md 2.4 with tower approach 4 K and HX approach 2 K, supply 32 degC, return 42 degC."""
    T_wb = np.array([20.0, 26.0, 30.0, 37.0])
    mode = economiser_mode(T_wb, 4.0, 2.0, 32.0, 42.0)
    np.testing.assert_array_equal(mode, [ECONOMISER_FULL, ECONOMISER_FULL, ECONOMISER_PARTIAL, ECONOMISER_OFF])
