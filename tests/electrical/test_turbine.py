"""Gas turbines: heat rate and fuel, set-point tracking limits, NOx of the Colossus 1 permit fleet."""

from dataclasses import replace

import numpy as np
import pytest

from twin.electrical.turbine import (
    BTU_PER_KWH,
    CO2_PER_FUEL,
    GasTurbine,
    HHV_PER_LHV,
    J_PER_MMBTU,
    KG_PER_LB,
    co2_rate,
    fleet_ramp_step,
    fuel_power,
    heat_rate,
    nox_emission_factor,
    nox_rate,
    turbine_step,
    willans_intercept,
)

# Solar SMT-130: ~16.5 MW (Colossus 1 permit: 15 units, 247 MW); ~10,000-10,500 Btu/kWh LHV [E];
# ramp ~15 %/min of rating, start to sync 10 min [E] (research/sites.md 2 and 8).
SMT_130 = GasTurbine(P_rated=16.5e6, heat_rate_rated=10_250 * HHV_PER_LHV * BTU_PER_KWH,
                     ramp_rate=0.15 * 16.5e6 / 60, start_time=600.0, NOx_ppm=25.0)
SHORT_TON = 2000 * KG_PER_LB  # permit caps are US tons per year


def test_heat_rate_rises_as_load_falls_and_fuel_is_heat_rate_times_energy():
    loads = np.linspace(0.3, 1.0, 8) * SMT_130.P_rated
    rates = heat_rate(SMT_130, loads)
    assert rates[-1] == pytest.approx(SMT_130.heat_rate_rated, rel=1e-12)
    assert np.all(np.diff(rates) < 0)
    assert heat_rate(SMT_130, 0.5 * SMT_130.P_rated) / SMT_130.heat_rate_rated == pytest.approx(1.3)
    assert willans_intercept(1.0, 1.3) == pytest.approx(SMT_130.fuel_no_load_fraction)
    # one hour at 60 % then one at 90 %: fuel = sum of heat rate x electrical energy
    P = np.repeat([0.6, 0.9], 3600) * SMT_130.P_rated
    fuel = fuel_power(SMT_130, P).sum() * 1.0
    expected = sum(heat_rate(SMT_130, x * SMT_130.P_rated) * x * SMT_130.P_rated * 3600 for x in (0.6, 0.9))
    assert fuel == pytest.approx(expected, rel=1e-12)
    # rated SMT-130: 10,250 Btu/kWh LHV is 33.3 % LHV, 30.1 % HHV
    assert 1 / (SMT_130.heat_rate_rated / HHV_PER_LHV) == pytest.approx(3412.14 / 10_250, rel=1e-4)
    assert fuel_power(SMT_130, 0.0) == 0.0


def test_fuel_in_mmbtu_and_co2():
    hour_fuel = fuel_power(SMT_130, SMT_130.P_rated) * 3600 / J_PER_MMBTU
    # 16.5 MW x 11,357 Btu/kWh HHV = 187.4 MMBtu/h
    assert hour_fuel == pytest.approx(16_500 * 10_250 * 1.108 / 1e6, rel=1e-9)
    assert co2_rate(SMT_130, SMT_130.P_rated) * 3600 == pytest.approx(53.06 * hour_fuel, rel=1e-12)
    assert CO2_PER_FUEL * J_PER_MMBTU == pytest.approx(53.06)


def test_nox_factor_matches_method_19_conversion():
    """ppmvd @15 % O2 to lb/MMBtu for natural gas: 9 ppm ~ 0.033 and 25 ppm ~ 0.092 lb/MMBtu [K]."""
    lb_per_mmbtu = {ppm: nox_emission_factor(ppm) * J_PER_MMBTU / KG_PER_LB for ppm in (2, 9, 25)}
    assert lb_per_mmbtu[9] == pytest.approx(0.033, abs=0.0005)
    assert lb_per_mmbtu[25] == pytest.approx(0.092, abs=0.0005)
    assert lb_per_mmbtu[2] == pytest.approx(lb_per_mmbtu[25] * 2 / 25, rel=1e-12)


def test_fifteen_smt130_nox_against_the_87_ton_cap():
    """Colossus 1 permit: 15 SMT-130, rolling 12-month NOx cap 87 t (research/sites.md 2)."""
    cap = 87 * SHORT_TON
    fleet = 15 * nox_rate(SMT_130, SMT_130.P_rated)  # kg/s at full output
    hours_to_cap = cap / fleet / 3600
    # by hand: 15 x 187.4 MMBtu/h x 0.0921 lb/MMBtu = 259 lb/h = 117 kg/h -> 78.9 t in ~670 h
    assert hours_to_cap == pytest.approx(670, rel=0.02)
    # with SCR (~2 ppm) the same fleet reaches the cap only after ~8,400 full-load hours (96 % of a year)
    scr = replace(SMT_130, NOx_ppm=2.0)
    scr_hours = cap / (15 * nox_rate(scr, scr.P_rated)) / 3600
    assert scr_hours == pytest.approx(hours_to_cap * 25 / 2, rel=1e-12)
    assert 8000 < scr_hours < 8760
    # a year at 60 % output with SCR stays well under the cap
    assert 15 * nox_rate(scr, 0.6 * scr.P_rated) * 8760 * 3600 < 0.8 * cap


def run(turbine, P_set, dt=1.0):
    P, elapsed, out = np.zeros(1), np.full(1, np.nan), []
    for setpoint in P_set:
        P, elapsed = turbine_step(turbine, np.array([setpoint]), P, elapsed, dt)
        out.append(P[0])
    return np.array(out)


def test_start_delay_ramp_limit_minimum_load_and_stop():
    rated, ramp = SMT_130.P_rated, SMT_130.ramp_rate
    P_set = np.concatenate([np.full(1500, rated), np.full(600, 0.2 * rated), np.zeros(600)])
    P = run(SMT_130, P_set)
    assert np.all(P[:600] == 0)  # 600 s from command to synchronisation
    assert P[600] == pytest.approx(ramp * 1.0)  # first second after sync
    assert np.abs(np.diff(P)).max() <= ramp * (1 + 1e-12)
    full = 600 + int(np.ceil(rated / ramp))
    assert P[full] == pytest.approx(rated)  # full load 400 s after sync at 15 %/min
    assert P[2099] == pytest.approx(SMT_130.min_load_fraction * rated)  # set-point below minimum load
    assert P[2298] > 0 and P[2299] == 0.0 and P[-1] == 0.0  # off 200 s after the stop, from min load


def test_step_is_vectorised_over_units_and_a_cancelled_start_aborts():
    P, elapsed = np.array([0.0, 10e6, 0.0]), np.array([np.nan, np.nan, 300.0])
    P, elapsed = turbine_step(SMT_130, np.array([5e6, 12e6, 0.0]), P, elapsed, 1.0)
    assert P.tolist() == [0.0, pytest.approx(10e6 + SMT_130.ramp_rate), 0.0]
    assert elapsed[0] == 1.0 and np.isnan(elapsed[1]) and np.isnan(elapsed[2])


@pytest.mark.parametrize("n, P_scheduled, P_need", [
    (3, 30e6, 45e6), (3, 30e6, 5e6), (3, 40e6, 41e6), (2, 10e6, 100e6), (1, 16e6, 0.0), (4, 20e6, 20e6)])
def test_the_network_fleet_step_is_the_sum_of_unit_steps(n, P_scheduled, P_need):
    """What the electrical network runs for a fleet (fleet_ramp_step) is turbine_step of each running unit
    with the set-point shared equally (units of one model), summed."""
    dt = 1.0
    P_units, _ = turbine_step(SMT_130, np.full(n, max(P_need, 1.0) / n), np.full(n, P_scheduled / n),
                              np.full(n, np.nan), dt)
    new, up = fleet_ramp_step(SMT_130, n, P_scheduled, P_need, dt)
    assert new == pytest.approx(float(P_units.sum()), rel=1e-12)
    assert up == pytest.approx(min(P_scheduled + n * SMT_130.ramp_rate * dt, n * SMT_130.P_rated), rel=1e-12)
    assert fleet_ramp_step(SMT_130, 0, 0.0, P_need, dt) == (0.0, 0.0)
