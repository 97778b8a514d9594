"""Stratified chilled-water tank: energy conservation and analytic charge, wash-out and loss."""

import numpy as np
import pytest

from twin.thermal.storage import StratifiedTank, TankState, stored_cooling, tank_energy, tank_step

TANK = StratifiedTank(volume=5000.0, UA_ambient=2000.0)


def test_energy_conservation_over_random_operation():
    rng = np.random.default_rng(11)
    state = TankState(V_cold=2000.0, T_cold=6.0, T_warm=16.0)
    dt = 600.0
    E0 = tank_energy(TANK, state)
    net = 0.0
    for V_flow, T_in in zip(rng.uniform(-0.5, 0.5, 500), rng.uniform(5.0, 18.0, 500)):
        step = tank_step(TANK, state, V_flow, T_in, 30.0, dt)
        net += TANK.rho * TANK.cp * abs(V_flow) * dt * (T_in - step.T_out) + step.Q_flow_ambient * dt
        state = step.state
        assert 0.0 <= state.V_cold <= TANK.volume
    assert abs(tank_energy(TANK, state) - E0 - net) <= 1e-12 * E0


def test_ideal_charge_then_discharge_delivers_full_capacity():
    """A warm tank charged with 6 degC water returns 16 degC until full; then gives 6 degC back."""
    tank = StratifiedTank(volume=1000.0)
    state = TankState(V_cold=0.0, T_cold=6.0, T_warm=16.0)
    q, dt = 0.1, 100.0
    outs = []
    for _ in range(100):  # exactly one tank volume
        step = tank_step(tank, state, q, 6.0, 20.0, dt)
        state, outs = step.state, outs + [step.T_out]
    np.testing.assert_allclose(outs, 16.0)
    assert state.V_cold == pytest.approx(1000.0) and state.T_cold == pytest.approx(6.0)
    assert stored_cooling(tank, state, 16.0) == pytest.approx(tank.rho * tank.cp * 1000.0 * 10.0)
    outs = []
    for _ in range(100):
        step = tank_step(tank, state, -q, 16.0, 20.0, dt)
        state, outs = step.state, outs + [step.T_out]
    np.testing.assert_allclose(outs, 6.0)
    assert stored_cooling(tank, state, 16.0) == pytest.approx(0.0, abs=1e-3)


def test_washout_after_exhaustion():
    """Beyond a full charge the tank is one mixed volume: T_out = T_in + (T0 - T_in)*exp(-V_in/V)."""
    tank = StratifiedTank(volume=100.0)
    state = TankState(V_cold=100.0, T_cold=8.0, T_warm=15.0)
    step = tank_step(tank, state, 0.5, 4.0, 20.0, 100.0)  # 50 m3 through a 100 m3 mixed tank
    x = 0.5
    assert step.state.T_cold == pytest.approx(4.0 + 4.0 * np.exp(-x), rel=1e-12)
    assert step.T_out == pytest.approx(4.0 + 4.0 * (1 - np.exp(-x)) / x, rel=1e-12)
    # a step that empties the warm zone part-way: 20 m3 warm at 15 degC, then 30 m3 of wash-out
    state = TankState(V_cold=80.0, T_cold=8.0, T_warm=15.0)
    step = tank_step(tank, state, 0.5, 4.0, 20.0, 100.0)
    T_mixed = (80.0 * 8.0 + 20.0 * 4.0) / 100.0
    drawn = 20.0 * 15.0 + 30.0 * 4.0 + (T_mixed - 4.0) * 100.0 * (1 - np.exp(-0.3))
    assert step.T_out == pytest.approx(drawn / 50.0, rel=1e-12)


def test_standing_loss_is_exponential():
    state = TankState(V_cold=3000.0, T_cold=6.0, T_warm=14.0)
    rate = TANK.UA_ambient / (TANK.rho * TANK.cp * TANK.volume)
    for _ in range(24):
        state = tank_step(TANK, state, 0.0, 0.0, 30.0, 3600.0).state
    t = 24 * 3600.0
    assert state.T_cold == pytest.approx(30.0 - 24.0 * np.exp(-rate * t), rel=1e-12)
    assert state.T_warm == pytest.approx(30.0 - 16.0 * np.exp(-rate * t), rel=1e-12)
    # initial heat gain equals UA*(T_ambient - T_mean)
    gain = tank_step(TANK, TankState(3000.0, 6.0, 14.0), 0.0, 0.0, 30.0, 1.0).Q_flow_ambient
    assert gain == pytest.approx(TANK.UA_ambient * (30.0 - (0.6 * 6.0 + 0.4 * 14.0)), rel=1e-5)
