"""Two-node accelerator model: exact discretisation against a tight integrator,
analytic steady state and time constants, and the throttling / shutdown law."""

import numpy as np
import pytest
from scipy.linalg import expm

from twin.thermal.accelerator import (
    B200_LIQUID, H200_TRACE, AcceleratorThermal, linear_response, reference_response, simulate,
    state_matrices, steady_state, throttle_factor, time_constants, zoh_matrices,
)

RNG = np.random.default_rng(7)


def test_simulate_matches_restarted_solve_ivp():
    # Piecewise-constant power and coolant changing every second.
    P = RNG.uniform(100.0, 900.0, 120)
    T_coolant = RNG.uniform(25.0, 40.0, 120)
    run = simulate(H200_TRACE, P, T_coolant, 1.0, 30.0, 28.0)
    assert np.all(run.P == P)  # below the throttle temperature all the way
    T_die, T_plate = reference_response(H200_TRACE, P, T_coolant, 1.0, 30.0, 28.0)
    assert np.max(np.abs(run.T_die - T_die)) < 1e-7
    assert np.max(np.abs(run.T_plate - T_plate)) < 1e-7
    fast_die, fast_plate = linear_response(H200_TRACE, P, T_coolant, 1.0, 30.0, 28.0)
    assert np.max(np.abs(fast_die - T_die)) < 1e-7
    assert np.max(np.abs(fast_plate - T_plate)) < 1e-7


def test_zoh_matrices_closed_form_and_vectorised():
    params = AcceleratorThermal(C_die=np.array([5.0, 10.0, 20.0]), C_plate=np.array([300.0, 900.0, 1500.0]),
                                R_die_plate=np.array([0.02, 0.03, 0.04]), R_plate_coolant=0.01)
    dt = np.array([0.1, 1.0, 5.0])
    Ad, Bd = zoh_matrices(params, dt)
    A, B = state_matrices(params)
    for i in range(3):
        # A is invertible: Bd = A^-1 (e^{A dt} - I) B, Ad = e^{A dt}.
        assert np.allclose(Ad[i], expm(A[i] * dt[i]), rtol=1e-12, atol=1e-14)
        assert np.allclose(Bd[i], np.linalg.solve(A[i], (Ad[i] - np.eye(2)) @ B[i]), rtol=1e-10, atol=1e-14)
    # Inputs [P, T_coolant] over a step: Bd[:, 1] + Ad @ 1 = 1 (a uniform shift stays a shift).
    assert np.allclose(Bd[:, :, 1] + Ad.sum(axis=2), 1.0, atol=1e-12)


def test_time_constants_fit_the_reference_step_response():
    tau_fast, tau_slow = time_constants(H200_TRACE)
    P = np.full(400, 600.0)
    dt = 0.05
    T_die, _ = reference_response(H200_TRACE, P, 25.0, dt, 25.0, 25.0)
    t = dt * np.arange(1, P.size + 1)
    T_final, _ = steady_state(H200_TRACE, 600.0, 25.0)
    basis = np.column_stack([np.exp(-t / tau_fast), np.exp(-t / tau_slow)])
    amplitudes, *_ = np.linalg.lstsq(basis, T_die - T_final, rcond=None)
    assert np.max(np.abs(basis @ amplitudes - (T_die - T_final))) < 1e-8
    assert 0.2 < tau_fast < 0.5 and 5.0 < tau_slow < 15.0


def test_steady_state_is_the_resistance_network():
    p = H200_TRACE
    run = simulate(p, np.full(300, 500.0), 30.0, 1.0, 30.0, 30.0)
    assert run.T_die[-1] == pytest.approx(30.0 + 500.0 * (p.R_die_plate + p.R_plate_coolant), abs=1e-6)
    assert run.T_plate[-1] == pytest.approx(30.0 + 500.0 * p.R_plate_coolant, abs=1e-6)


def test_throttling_caps_power_and_obeys_the_law():
    p = B200_LIQUID  # 1.2 kW at 0.030 K/W is a 36 K rise: 60 degC coolant must throttle
    P_demand = np.full(200, 1200.0)
    T_coolant = np.r_[np.full(20, 40.0), np.full(180, 60.0)]
    run = simulate(p, P_demand, T_coolant, 1.0)
    assert np.all(run.P[:20] == 1200.0)
    throttled = run.P < P_demand
    assert throttled[25:].all() and not run.shutdown.any()
    s = run.P / P_demand
    partial = (s > 0.0) & (s < 1.0)
    assert np.allclose(s[partial], throttle_factor(p, run.T_die[partial]), atol=1e-9)
    assert run.T_die.max() < p.T_shutdown
    # Given the power drawn, the temperatures are the exact model's.
    T_die0, T_plate0 = steady_state(p, 1200.0, 40.0)
    T_die, _ = reference_response(p, run.P, T_coolant, 1.0, T_die0, T_plate0)
    assert np.max(np.abs(T_die - run.T_die)) < 1e-7
    # Unthrottled, the die would have gone past the shutdown limit.
    free = simulate(AcceleratorThermal(p.C_die, p.C_plate, p.R_die_plate, p.R_plate_coolant, 200.0, 210.0),
                    P_demand, T_coolant, 1.0)
    assert free.T_die[-1] > p.T_shutdown


def test_shutdown_is_latched_at_zero_power():
    p = H200_TRACE
    T_coolant = np.r_[np.full(10, 30.0), np.full(40, 100.0), np.full(60, 30.0)]
    run = simulate(p, np.full(110, 700.0), T_coolant, 1.0)
    assert run.shutdown.any()
    first = int(np.argmax(run.shutdown))
    assert 10 <= first < 50
    assert run.T_die[first] >= p.T_shutdown > run.T_die[first - 1]
    assert run.shutdown[first:].all() and np.all(run.P[first:] == 0.0)
    assert run.T_die[-1] < 40.0  # cooled down, still off
