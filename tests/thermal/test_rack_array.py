"""Rack-array kernel: against solve_ivp on the heat balances written out here,
the analytic resistance network, energy conservation, throttling and shutdown."""

from dataclasses import replace

import numpy as np
import pytest
from scipy.integrate import solve_ivp

from twin.thermal import rack_array
from twin.thermal.rack_array import GB200_NVL72, GB300_NVL72, RackArray, rack_steady_state
from twin.workload import BlockPower, TrainingProfile

RNG = np.random.default_rng(11)


def table_source(P):
    """power_source over a precomputed (n_steps, n_racks) table at 1 s."""
    return lambda t0, n, dt: P[int(round(t0)):int(round(t0)) + n]


def reference_step(rack, x, D, T_inlet, s=1.0):
    """One 1 s step of the rack heat balances by a tight adaptive integrator."""
    a, n = rack.accelerator, rack.n_accelerators
    P_acc = s * rack.accelerator_power_fraction * D
    P_other = (rack.liquid_fraction - rack.accelerator_power_fraction) * D

    def rhs(_t, y):
        T_die, T_plate, T_coolant = y
        Q_die_plate = (T_die - T_plate) / a.R_die_plate
        Q_plate_coolant = (T_plate - T_coolant) / a.R_plate_coolant
        return [(P_acc / n - Q_die_plate) / a.C_die,
                (Q_die_plate - Q_plate_coolant) / a.C_plate,
                (n * Q_plate_coolant + P_other - rack.C_flow * (T_coolant - T_inlet)) / rack.C_coolant]

    return solve_ivp(rhs, (0.0, 1.0), x, method="DOP853", rtol=1e-11, atol=1e-11).y[:, -1]


def test_single_rack_matches_restarted_solve_ivp():
    rack = GB200_NVL72
    P = RNG.uniform(25e3, 130e3, (300, 1))
    array = RackArray([rack], [0], [0], T_initial=32.0, block_steps=60)
    x = np.full(3, 32.0)
    worst = 0.0
    for start in range(0, 300, 75):  # plant steps of 75 s: blocks of 60 + 15
        report = array.advance(table_source(P), [32.0], 75, 1.0, per_rack=True)
        samples = []
        for k in range(start, start + 75):
            x = reference_step(rack, x, P[k, 0], 32.0)
            samples.append(x[0])
        worst = max(worst, abs(max(samples) - report.T_die_max_rack[0]),
                    abs(np.mean(samples) - report.T_die_mean_rack[0]), abs(x[0] - array.T_die[0]),
                    abs(x[2] - array.T_coolant[0]))
    # Exact discretisation: round-off only (requirement B-SIM-1: 0.05 K).
    assert worst < 1e-7


def test_steady_state_is_the_resistance_network():
    rack = GB300_NVL72
    a, n = rack.accelerator, rack.n_accelerators
    P, T_inlet = 120e3, 40.0
    array = RackArray([rack], [0], [0], T_initial=T_inlet)
    array.advance(lambda t0, k, dt: np.full((k, 1), P), [T_inlet], 1200, 1.0)
    report = array.advance(lambda t0, k, dt: np.full((k, 1), P), [T_inlet], 60, 1.0)
    T_coolant = T_inlet + rack.liquid_fraction * P / rack.C_flow
    P_each = rack.accelerator_power_fraction * P / n
    T_plate = T_coolant + P_each * a.R_plate_coolant
    T_die = T_plate + P_each * a.R_die_plate
    assert array.T_coolant[0] == pytest.approx(T_coolant, abs=1e-6)
    assert array.T_plate[0] == pytest.approx(T_plate, abs=1e-6)
    assert array.T_die[0] == pytest.approx(T_die, abs=1e-6)
    assert report.Q_flow_liquid[0] == pytest.approx(rack.liquid_fraction * P, rel=1e-8)
    assert report.Q_flow_air[0] == pytest.approx((1 - rack.liquid_fraction) * P, rel=1e-12)
    assert report.T_outlet[0] == pytest.approx(T_coolant, abs=1e-6)
    assert np.allclose(rack_steady_state(rack, P, T_inlet), (T_die, T_plate, T_coolant), atol=1e-12)


def many_racks(n=40, T_inlet=(30.0, 35.0, 40.0, 52.0), seed=3, kernel=None):
    """Mixed types in random order over 4 CDU groups; the 52 degC group throttles."""
    rng = np.random.default_rng(seed)
    rack_type = rng.integers(0, 2, n)
    rack_group = rng.integers(0, len(T_inlet), n)
    P_peak = np.where(rack_type == 0, GB200_NVL72.P_nominal, GB300_NVL72.P_nominal)
    P = P_peak * rng.uniform(0.2, 1.0, (600, n))
    array = RackArray([GB200_NVL72, GB300_NVL72], rack_type, rack_group, T_initial=35.0, kernel=kernel)
    array.set_steady_state(P[0], np.array(T_inlet))
    return array, P, np.array(T_inlet)


def test_energy_is_conserved_with_throttling():
    array, P, T_inlet = many_racks()
    throttled = 0
    for _ in range(10):
        report = array.advance(table_source(P), T_inlet, 60, 1.0)
        balance = report.E_electric - report.E_liquid - report.E_air - report.E_stored_change
        assert np.all(np.abs(balance) <= 1e-9 * report.E_electric)
        assert report.energy_residual < 1e-9
        throttled += report.n_throttled.sum()
    assert throttled > 0  # the 52 degC group throttles, so both paths are checked


def test_block_products_equal_stepping_one_second_at_a_time():
    outs = []
    for block_steps in (1, 60):
        array, P, T_inlet = many_racks()
        array.block_steps = block_steps
        reports = [array.advance(table_source(P), T_inlet, 100, 1.0, per_rack=True) for _ in range(6)]
        outs.append((array.T_die, reports[-1].Q_flow_liquid, reports[-1].T_die_max_rack,
                     sum(r.n_throttled for r in reports)))
    assert outs[0][3].sum() > 0  # throttling racks included
    for one, many in zip(*outs):
        assert np.allclose(one, many, rtol=1e-10, atol=1e-9)


def test_throttling_engages_above_the_limit_and_reduces_power():
    rack = GB200_NVL72
    a = rack.accelerator
    D = rack.P_nominal
    array = RackArray([rack], [0], [0], T_initial=40.0)
    array.set_steady_state(D, [40.0])
    x = np.array([array.T_die[0], array.T_plate[0], array.T_coolant[0]])
    source = lambda t0, k, dt: np.full((k, 1), D)  # noqa: E731
    band = a.T_shutdown - a.T_throttle
    for _ in range(120):  # the supply steps to 55 degC: the die would reach ~100 degC
        report = array.advance(source, [55.0], 1, 1.0)
        # Reference throttle: the die's end-of-step temperature is linear in s.
        T0 = reference_step(rack, x, D, 55.0, s=0.0)[0]
        gain = reference_step(rack, x, D, 55.0, s=1.0)[0] - T0
        s = np.clip((a.T_shutdown - T0) / (band + gain), 0.0, 1.0)
        x = reference_step(rack, x, D, 55.0, s=s)
        assert report.P[0] == pytest.approx(D * (1 - rack.accelerator_power_fraction * (1 - s)), rel=1e-9)
        assert array.T_die[0] == pytest.approx(x[0], abs=1e-6)
    assert report.n_throttled[0] == 1 and report.n_shutdown[0] == 0
    assert report.P[0] < 0.9 * D
    assert a.T_throttle < array.T_die[0] < a.T_shutdown  # held inside the derate band
    hot = replace(rack, accelerator=replace(a, T_throttle=150.0, T_shutdown=160.0))
    free = RackArray([hot], [0], [0], T_initial=40.0)
    free.set_steady_state(D, [40.0])
    free_report = free.advance(source, [55.0], 120, 1.0)
    assert free_report.n_throttled[0] == 0 and free.T_die[0] > a.T_shutdown


def test_shutdown_is_latched_and_keeps_the_rest_of_the_rack():
    rack = GB300_NVL72
    D = 0.8 * rack.P_nominal
    array = RackArray([rack, GB200_NVL72], [0, 1], [0, 1], T_initial=35.0)
    source = lambda t0, k, dt: np.full((k, 2), D)  # noqa: E731
    array.advance(source, [35.0, 35.0], 60, 1.0)
    report = array.advance(source, [98.0, 35.0], 300, 1.0)
    assert list(report.n_shutdown) == [1, 0]
    report = array.advance(source, [35.0, 35.0], 600, 1.0)
    assert list(array.shutdown) == [True, False]
    assert report.P[0] == pytest.approx((1 - rack.accelerator_power_fraction) * D, rel=1e-12)
    assert report.P[1] == pytest.approx(D, rel=1e-12)
    assert array.T_die[0] < 50.0


def test_groups_add_up_and_shapes_are_checked():
    array, P, T_inlet = many_racks()
    report = array.advance(table_source(P), T_inlet, 60, 1.0, per_rack=True)
    groups = array.rack_group
    for g in range(4):
        members = groups == g
        assert report.P[g] == pytest.approx(report.P_rack[members].sum(), rel=1e-12)
        C_flow = np.where(array.rack_type[members] == 0, GB200_NVL72.C_flow, GB300_NVL72.C_flow)
        liquid = (C_flow * (report.T_outlet_rack[members] - T_inlet[g])).sum()
        assert report.Q_flow_liquid[g] == pytest.approx(liquid, rel=1e-9)
        assert report.T_die_max[g] == report.T_die_max_rack[members].max()
    # One type per rack, equal ones merged: the same results.
    twin_types = [GB200_NVL72 if t == 0 else GB300_NVL72 for t in array.rack_type]
    merged = RackArray(twin_types, np.arange(array.n_racks), groups, T_initial=35.0)
    merged.set_steady_state(P[0], T_inlet)
    assert len(merged.types) == 2
    again = merged.advance(table_source(P), T_inlet, 60, 1.0)
    assert np.allclose(again.Q_flow_liquid, report.Q_flow_liquid, rtol=1e-12)
    with pytest.raises(ValueError, match="shape"):
        array.advance(lambda t0, k, dt: np.zeros((k, 3)), T_inlet, 10, 1.0)
    with pytest.raises(ValueError, match="T_inlet_per_group"):
        array.advance(table_source(P), T_inlet[:2], 10, 1.0)


needs_numba = pytest.mark.skipif(rack_array._compiled() is None, reason="numba is not installed")
REPORT_FIELDS = ("P", "Q_flow_liquid", "Q_flow_air", "T_outlet", "T_die_max", "T_die_mean", "E_electric", "E_liquid",
                 "E_air", "T_die_max_rack", "T_die_mean_rack", "T_outlet_rack", "P_rack")


@needs_numba
@pytest.mark.parametrize("factored", [False, True])
def test_compiled_kernel_equals_the_numpy_reference_with_throttled_and_shut_down_racks(factored):
    """The fused kernel (power generated in the loop when factored) against the block-product
    reference: racks in random type order, a group throttling, another driven to shutdown."""
    profile = TrainingProfile(n_gpus=300_000, seed=2)
    arrays = {kernel: many_racks(n=70, T_inlet=(30.0, 35.0, 51.0, 60.0), kernel=kernel)[0]
              for kernel in ("numpy", "compiled")}
    P_peak = np.where(arrays["numpy"].rack_type == 0, GB200_NVL72.P_nominal, GB300_NVL72.P_nominal)
    scale = P_peak * (np.arange(70) % 9 != 0)  # some racks switched off

    def source(t0, k, dt):
        block = BlockPower(profile.block_factors(t0, k, dt, 70), scale)
        return block if factored else block.dense()

    inlets = [(30.0, 35.0, 51.0, 60.0)] * 4 + [(30.0, 35.0, 51.0, 99.0)] * 2 + [(31.0, 36.0, 52.0, 40.0)] * 3
    reports = {kernel: [] for kernel in arrays}
    for T_inlet in inlets:
        for kernel, array in arrays.items():
            reports[kernel].append(array.advance(source, np.array(T_inlet), 75, 1.0, per_rack=True))
    last = reports["numpy"][-1]
    assert sum(r.n_throttled[2] for r in reports["numpy"]) > 0 and last.n_shutdown[3] > 0
    for reference, compiled in zip(reports["numpy"], reports["compiled"]):
        for name in REPORT_FIELDS:  # temperatures to 1e-12 K, energies and powers to 1e-12 of the largest
            expected = getattr(reference, name)
            atol = 1e-12 if name.startswith("T_") else 1e-12 * np.abs(expected).max()
            np.testing.assert_allclose(getattr(compiled, name), expected, rtol=0, atol=atol, err_msg=name)
        # a difference of stored heats of ~1e9 J: round-off relative to what is stored
        np.testing.assert_allclose(compiled.E_stored_change, reference.E_stored_change, rtol=0,
                                   atol=1e-12 * 70 * 2e7)
        np.testing.assert_array_equal(compiled.n_throttled, reference.n_throttled)
        np.testing.assert_array_equal(compiled.n_shutdown, reference.n_shutdown)
    for name in ("T_die", "T_plate", "T_coolant"):
        assert np.abs(getattr(arrays["compiled"], name) - getattr(arrays["numpy"], name)).max() < 1e-12
    np.testing.assert_array_equal(arrays["compiled"].shutdown, arrays["numpy"].shutdown)


def test_without_numba_the_numpy_kernel_runs(monkeypatch):
    monkeypatch.setattr(rack_array, "_compiled", lambda: None)
    array, P, T_inlet = many_racks()
    assert array.kernel == "numpy"
    report = array.advance(table_source(P), T_inlet, 60, 1.0)
    assert report.energy_residual < 1e-9
    with pytest.raises(ValueError, match="numba"):
        RackArray([GB200_NVL72], [0], [0], T_initial=30.0, kernel="compiled")


def test_power_buffers_are_reused_between_plant_steps():
    array, P, T_inlet = many_racks()
    array.advance(table_source(P), T_inlet, 60, 1.0)
    buffers = [array._acc, array._derated, array._T_inlet, array._x, array._D]
    array.advance(table_source(P), T_inlet, 60, 1.0)
    assert all(a is b for a, b in zip(buffers, [array._acc, array._derated, array._T_inlet, array._x, array._D]))
