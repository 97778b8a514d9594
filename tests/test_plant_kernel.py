"""The compiled plant kernel is the numpy plant model: same right-hand side, same runs."""

import numpy as np
import pytest

from twin.simulation import build
from twin.simulation import plant
from twin.site import load_site

pytest.importorskip("numba")


def _ode(name):
    model = build(load_site(name))
    g = model.groups
    liquid = np.flatnonzero(g.liquid)
    return model, plant.PlantODE(g, model.loops, liquid, g.M_tcs[liquid], plant.Solver())


@pytest.mark.parametrize("name", ["demo", "colossus1"])
def test_compiled_rhs_equals_the_numpy_reference_at_random_states(name):
    """Random states and inputs, including valves clipped at both ends, pumps that cannot move the demand,
    closed CDU banks, loops without flow, a plant at its capacity and one at zero, cold storage drawn."""
    model, ode = _ode(name)
    assert ode.kernel is not None
    rng = np.random.default_rng(7)
    B, L = ode.B, ode.L
    for _ in range(300):
        ode.inputs = plant.Inputs(
            Q_racks=rng.uniform(0, 2e6, B), P_tcs_pumps=rng.uniform(0, 1e4, B), cdu_share=rng.choice([0, 0.4, 1], B),
            T_set_tcs=rng.uniform(25, 40, B), C_coils=model.C_coils * rng.choice([0, 1], L),
            coil_heat=rng.uniform(0, 1e5, L), pumps_running=model.loops.n_pumps * rng.choice([0, 0.3, 1.0], L),
            k_mains=rng.uniform(0, 3e3, L) / (model.loops.C_design / 4.16e6) ** 2,
            T_set=rng.uniform(20, 32, L), Q_plant_max=(Q_max := rng.choice([np.inf, 1e6, 0.0], L)),
            dQ_plant_dT=np.where(np.isfinite(Q_max), rng.uniform(0, 1e5, L), 0.0), T_plant_in0=rng.uniform(20, 50, L),
            dQ_plant_dC=np.where(np.isfinite(Q_max), rng.uniform(0, 5, L), 0.0), C_loop0=rng.uniform(0, 1e6, L),
            x_tank=rng.choice([0, 0.3], L), T_tank=rng.uniform(10, 20, L))
        y = ode.pack(T_h=rng.uniform(20, 60, B), T_meas=rng.uniform(20, 60, B), u_I=rng.uniform(-0.5, 1.5, B),
                     supply=rng.uniform(15, 40, L * ode.N), ret=rng.uniform(20, 50, L * ode.N))
        fast, reference = ode.rhs(0.0, y), ode.rhs_reference(0.0, y)
        np.testing.assert_allclose(fast, reference, rtol=1e-13, atol=1e-300)
        a, r = ode.algebraic(y), ode.algebraic_reference(y)
        assert a.keys() == r.keys()
        for key in r:
            np.testing.assert_allclose(a[key], r[key], rtol=1e-13, atol=0, err_msg=key)


def test_a_run_on_the_compiled_kernel_equals_the_run_on_the_numpy_reference(monkeypatch):
    """The engine's convergence scenario (load step, cold front into an oversized bank, chiller trip) through
    solve_ivp on both paths: the same to the integrator's tolerance (rtol = atol = 1e-6): temperatures within
    1e-5 K, valves within 1e-6, flows, powers and heat within 1e-6 relative.  (The right-hand sides agree to
    round-off, so LSODA's step choices differ only where round-off tips them: measured 1.3e-6 K at most.)"""
    from test_engine import front

    fast = front(10.0, duration=900.0)
    monkeypatch.setattr(plant, "_kernel", lambda: None)
    reference = front(10.0, duration=900.0)
    for name in ("T_tcs_supply", "T_tcs_return", "T_fws_supply", "T_fws_return", "T_die_max", "valve"):
        np.testing.assert_allclose(fast[name].values, reference[name].values, rtol=0,
                                   atol=1e-6 if name == "valve" else 1e-5, err_msg=name)
    for name in ("P_fws_pumps", "Q_flow_removed", "P_compressors", "C_fws", "P_cooling"):
        np.testing.assert_allclose(fast[name].values, reference[name].values, rtol=1e-6, err_msg=name)
    assert fast.twin.energy_residual() < 1e-9


def test_lsoda_over_the_whole_interval_equals_solve_ivp_step_by_step():
    """The default path runs LSODA through one ODEPACK call per communication step; solve_ivp drives the same
    LSODA one step at a time.  Same states after a transient (1e-9 K), same number of evaluations."""
    model, ode = _ode("colossus1")
    g, lp = model.groups, model.loops
    liquid = np.flatnonzero(g.liquid)
    B, L = ode.B, ode.L
    ode.inputs = plant.Inputs(
        Q_racks=0.7 * g.P_peak[liquid] * g.n_racks[liquid], P_tcs_pumps=np.zeros(B), cdu_share=np.ones(B),
        T_set_tcs=np.full(B, 33.0), C_coils=model.C_coils, coil_heat=np.zeros(L), pumps_running=lp.n_pumps,
        k_mains=np.zeros(L),
        T_set=np.full(L, 30.0), Q_plant_max=np.full(L, 5e7), dQ_plant_dT=np.full(L, 1e6), T_plant_in0=np.full(L, 38.0),
        dQ_plant_dC=np.full(L, 5.0), C_loop0=lp.C_design,
        x_tank=np.zeros(L), T_tank=np.full(L, 20.0))
    y = ode.pack(T_h=np.full(B, 40.0), T_meas=np.full(B, 33.0), u_I=np.full(B, 0.7),
                 supply=np.full(L * ode.N, 30.0), ret=np.full(L * ode.N, 38.0))
    for dt in (60.0, 10.0, 60.0):
        whole, info = ode.advance(y, dt)
        stepped, sol = ode.advance(y, dt, whole_interval=False)
        np.testing.assert_allclose(whole, stepped, rtol=1e-9, atol=1e-9)
        assert abs(info.nfev - sol.nfev) <= 2
        y = whole
