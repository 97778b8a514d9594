"""Pump: affinity-law invariants, power at the best-efficiency point, analytic operating point."""

import numpy as np
import pytest
from scipy.optimize import brentq

from twin.thermal.pump import (
    Pump,
    operating_point,
    pump_efficiency,
    pump_power,
    pump_pressure_rise,
    speed_for_operating_point,
)

# 0.1 m3/s at 250 kPa, 80 % hydraulic, 93 % motor+drive; a linear term to exercise a1
PUMP = Pump(dp_curve=(320e3, -2.0e5, -5.0e6), V_flow_best=0.1, eta_best=0.8, eta_motor=0.93)


@pytest.mark.parametrize("speed", [0.3, 0.6, 0.85, 1.2])
def test_affinity_laws(speed):
    V = np.array([0.0, 0.03, 0.1, 0.15])
    assert np.allclose(pump_pressure_rise(PUMP, speed * V, speed), speed**2 * pump_pressure_rise(PUMP, V))
    assert np.allclose(pump_efficiency(PUMP, speed * V, speed), pump_efficiency(PUMP, V))
    assert np.allclose(pump_power(PUMP, speed * V, speed), speed**3 * pump_power(PUMP, V))


def test_power_at_best_efficiency_point():
    dp = pump_pressure_rise(PUMP, 0.1)
    assert dp == pytest.approx(320e3 - 2e4 - 5e4)
    assert pump_efficiency(PUMP, 0.1) == pytest.approx(0.8)
    assert pump_power(PUMP, 0.1) == pytest.approx(0.1 * dp / (0.8 * 0.93), rel=1e-12)
    # zero flow: finite shut-off power; zero speed: no power
    assert 0 < pump_power(PUMP, 0.0) < pump_power(PUMP, 0.1)
    assert pump_power(PUMP, 0.0, 0.0) == 0.0


def test_from_design():
    pump = Pump.from_design(V_flow_nominal=0.08, dp_nominal=200e3, eta_nominal=0.75, shutoff_ratio=1.2)
    assert pump_pressure_rise(pump, 0.0) == pytest.approx(240e3)
    assert pump_pressure_rise(pump, 0.08) == pytest.approx(200e3)
    assert pump_efficiency(pump, 0.08) == pytest.approx(0.75)


@pytest.mark.parametrize("speed,k,dp_static", [(1.0, 2.5e7, 0.0), (0.7, 2.5e7, 0.0), (0.9, 1.0e7, 50e3)])
def test_operating_point_matches_numerical_root(speed, k, dp_static):
    V, dp = operating_point(PUMP, k, speed, dp_static)
    V_ref = brentq(lambda v: pump_pressure_rise(PUMP, v, speed) - dp_static - k * v * v, 0.0, 1.0, xtol=1e-14)
    assert V == pytest.approx(V_ref, rel=1e-10)
    assert dp == pytest.approx(pump_pressure_rise(PUMP, V, speed), rel=1e-10)


def test_closed_loop_flow_scales_with_speed():
    """Without static head the operating point moves along the system parabola: V ~ speed."""
    V1, _ = operating_point(PUMP, 2.5e7, 1.0)
    V = np.array([0.4, 0.7])
    Vs, dps = operating_point(PUMP, 2.5e7, V)
    np.testing.assert_allclose(Vs, V * V1, rtol=1e-12)
    np.testing.assert_allclose(pump_power(PUMP, Vs, V), V**3 * pump_power(PUMP, V1), rtol=1e-12)


def test_static_head_too_high_gives_no_flow():
    V, _ = operating_point(PUMP, 2.5e7, 0.5, dp_static=100e3)  # shut-off at half speed is 80 kPa
    assert V == 0.0


def test_speed_for_operating_point_round_trip():
    speed = speed_for_operating_point(PUMP, 0.07, 180e3)
    assert pump_pressure_rise(PUMP, 0.07, speed) == pytest.approx(180e3, rel=1e-12)
