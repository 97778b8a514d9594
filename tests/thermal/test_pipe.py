"""Pipe: plug-flow delay and outlet heat capacity against the analytic step response."""

import numpy as np
import pytest

from twin.thermal.pipe import (
    Pipe,
    delay_time,
    lumped_step,
    pipe_initial_state,
    pipe_step,
    pipe_volume,
)

RHO, CP = 995.0, 4180.0


def _run(pipe, T_in, V_flow, dt, n, T0=20.0, T_ambient=20.0):
    state = pipe_initial_state(pipe, T0)
    T_out, T_wall = [], []
    for k in range(n):
        Tk = T_in(k) if callable(T_in) else T_in
        Vk = V_flow(k) if callable(V_flow) else V_flow
        state, T = pipe_step(pipe, state, Tk, Vk, RHO, CP, T_ambient, dt)
        T_out.append(T)
        T_wall.append(state.T_wall)
    return np.array(T_out), np.array(T_wall), state


def test_step_response_delay_plus_first_order():
    """Inlet steps 20 -> 30 degC at t = 0: outlet 20 until the delay, then 30 - 10*exp(-(t - delay)/tau)."""
    V_flow, dt = 0.05, 10.0
    pipe = Pipe(volume=pipe_volume(length=318.31, diameter=0.2), C_wall=2.0e6)
    delay = float(delay_time(pipe.volume, V_flow))
    n_delay = round(delay / dt)
    pipe = Pipe(volume=n_delay * dt * V_flow, C_wall=2.0e6)  # a whole number of steps: exact
    tau = pipe.C_wall / (RHO * CP * V_flow)
    _, T_wall, _ = _run(pipe, 30.0, V_flow, dt, 200)
    t_end = dt * np.arange(1, 201)
    expected = np.where(t_end <= n_delay * dt, 20.0, 30.0 - 10.0 * np.exp(-(t_end - n_delay * dt) / tau))
    np.testing.assert_allclose(T_wall, expected, atol=1e-10)
    assert n_delay == 20 and delay == pytest.approx(200.0, rel=1e-4)


def test_pure_delay_with_fractional_step():
    """No wall capacity: the step-mean outlet is exact for a delay of 3.4 steps."""
    V_flow, dt = 0.01, 1.0
    pipe = Pipe(volume=3.4 * dt * V_flow)
    T_out, _, _ = _run(pipe, 30.0, V_flow, dt, 6)
    np.testing.assert_allclose(T_out, [20.0, 20.0, 20.0, 26.0, 30.0, 30.0], atol=1e-12)


def test_variable_flow_plug_and_energy_conservation():
    """A hot parcel leaves when one pipe volume has entered after it, whatever the flow history."""
    rng = np.random.default_rng(3)
    dt, volume = 5.0, 1.0
    V_flows = rng.uniform(0.0, 0.02, 400)
    V_flows[50:60] = 0.0  # the pump stops for a while
    T_ins = 20.0 + 10.0 * (np.arange(400) == 5)
    pipe = Pipe(volume=volume)
    T_out, _, state = _run(pipe, lambda k: T_ins[k], lambda k: V_flows[k], dt, 400)
    V_in = V_flows * dt
    cumulative = np.cumsum(V_in)
    parcel_start, parcel_end = cumulative[4], cumulative[5]
    leaving = np.clip(np.minimum(cumulative, parcel_end + volume) - np.maximum(cumulative - V_in, parcel_start + volume),
                      0.0, None)
    expected = 20.0 + 10.0 * np.where(V_in > 0, leaving / np.where(V_in > 0, V_in, 1.0), 0.0)
    np.testing.assert_allclose(T_out[V_in > 0], expected[V_in > 0], atol=1e-9)
    # energy: in - out = change of the contents (all relative to 0 degC)
    stored = state.G[-1] - np.interp(state.W[-1] - volume, state.W, state.G)
    assert np.sum(V_in * T_ins) - np.sum(V_in * T_out) == pytest.approx(stored - 20.0 * volume, abs=1e-8)
    assert len(state.W) < 400  # history is pruned


def test_steady_state_with_losses():
    V_flow, UA = 0.01, 500.0
    pipe = Pipe(volume=0.5, C_wall=1e5, UA_ambient=UA)
    T_out, _, _ = _run(pipe, 40.0, V_flow, 60.0, 300, T0=40.0, T_ambient=25.0)
    mcp = RHO * CP * V_flow
    assert T_out[-1] == pytest.approx((mcp * 40.0 + UA * 25.0) / (mcp + UA), abs=1e-9)


def test_lumped_step_matches_ode_solution():
    """Exact for any step length: two half steps equal one full step; C = 0 is instantaneous."""
    args = dict(T_in=35.0, m_flow_cp=2e4, C=5e5, UA=100.0, T_ambient=20.0)
    one, _ = lumped_step(10.0, dt=30.0, **args)
    half, _ = lumped_step(10.0, dt=15.0, **args)
    two, _ = lumped_step(half, dt=15.0, **args)
    assert one == pytest.approx(two, abs=1e-12)
    a = (2e4 + 100.0) / 5e5
    T_inf = (2e4 * 35.0 + 100.0 * 20.0) / (2e4 + 100.0)
    _, mean = lumped_step(10.0, dt=30.0, **args)
    assert mean == pytest.approx(T_inf + (10.0 - T_inf) * (1 - np.exp(-a * 30.0)) / (a * 30.0), rel=1e-12)
    end, mean = lumped_step(10.0, 35.0, 2e4, 0.0, 0.0, 20.0, 30.0)
    assert end == mean == 35.0
