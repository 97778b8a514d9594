"""Battery storage: energy accounting, round trip, limits, ramp smoothing of a training load, ride-through."""

import numpy as np
import pytest

from twin.electrical.bess import (
    Battery,
    RampSmoothing,
    battery_step,
    energy_trajectory,
    ramp_smoothing,
    ride_through_time,
)
from twin.electrical.metrics import band_oscillation_energy, max_ramp_rate
from twin.workload import TrainingProfile

MWH = 3.6e9  # J
RTE = 0.89  # Megapack 2 XL: 88-92 % AC-AC [E] (research/sites.md 8)


def megapacks(n: int, hours: int = 2, rte: float = RTE, **limits) -> Battery:
    """n Megapack 2 XL units; the datasheet energy is what a full discharge delivers, so store E / eta."""
    P, E = {2: (1.93e6, 3.85 * MWH), 4: (0.98e6, 3.92 * MWH)}[hours]
    return Battery(P_rated=n * P, E_rated=n * E / np.sqrt(rte), round_trip_efficiency=rte, **limits)


def test_datasheet_durations():
    for hours, expected in ((2, 3.85 / 1.93), (4, 3.92 / 0.98)):
        unit = megapacks(1, hours)
        assert ride_through_time(unit, unit.E_rated, unit.P_rated) / 3600 == pytest.approx(expected, rel=1e-12)


def test_energy_accounting_over_random_dispatch():
    battery = megapacks(10, soc_min=0.05, soc_max=0.95)
    rng = np.random.default_rng(0)
    request = rng.uniform(-1.2, 1.2, 5000) * battery.P_rated
    dt, E = 60.0, 0.5 * battery.E_rated
    E0, delivered = E, []
    for P in request:
        P, E = battery_step(battery, E, P, dt)
        delivered.append(float(P))
        assert battery.E_min <= E <= battery.E_max
    P = np.array(delivered)
    assert np.abs(P).max() <= battery.P_rated
    assert np.any(P != request)  # limits were hit
    E_in, E_out = -P[P < 0].sum() * dt, P[P > 0].sum() * dt
    eta = np.sqrt(RTE)
    assert E_in * eta - E_out / eta == pytest.approx(E - E0, abs=1e-9 * (E_in + E_out))
    # the vectorised trajectory agrees with the stepped energy
    assert energy_trajectory(battery, E0, P, dt)[-1] == pytest.approx(E, abs=1e-9 * (E_in + E_out))


def test_full_cycle_round_trip_efficiency_equals_parameter():
    battery = megapacks(4, soc_min=0.1, soc_max=0.9)
    dt, E = 10.0, battery.E_min
    charged = discharged = 0.0
    while E < battery.E_max:
        P, E = battery_step(battery, E, -battery.P_rated, dt)
        charged -= P * dt
    while E > battery.E_min:
        P, E = battery_step(battery, E, battery.P_rated, dt)
        discharged += P * dt
    assert discharged / charged == pytest.approx(RTE, rel=1e-9)


def test_ramp_smoothing_holds_poi_ramp_limit_on_a_training_load():
    """150 MW of racks: job start from idle, 4 s iteration swings, a checkpoint at 30 min; 150 MW / 2 h of
    Megapacks hold the grid to 10 MW/min (research/sites.md 6: BESS absorbs sub-second to minute swings)."""
    dt, hours = 1.0, 1.0
    t = np.arange(0.0, hours * 3600, dt)
    profile = TrainingProfile(job_start=300.0, restart_interval_reference=np.inf)
    P_load = 150e6 * profile.site_fraction(t)
    battery = megapacks(78)  # 150 MW
    controller = RampSmoothing(ramp_limit=10e6 / 60, soc_set=0.5, recentring_time=1800.0)
    P_grid, P_battery, E = ramp_smoothing(battery, controller, P_load, dt, E_initial=0.5 * battery.E_rated)
    np.testing.assert_allclose(P_grid + P_battery, P_load, rtol=1e-12)
    assert np.all((E > battery.E_min) & (E < battery.E_max))  # the battery never ran out of room
    assert np.abs(np.diff(P_grid)).max() <= controller.ramp_limit * dt * (1 + 1e-9)
    assert max_ramp_rate(P_grid, dt) <= controller.ramp_limit * (1 + 1e-9)
    assert max_ramp_rate(P_load, dt) > 50 * controller.ramp_limit
    # the 0.25 Hz iteration swing stays behind the meter
    assert band_oscillation_energy(P_grid, dt) < 1e-4 * band_oscillation_energy(P_load, dt)


def test_ramp_limit_gives_way_when_the_battery_is_empty():
    battery = Battery(P_rated=10e6, E_rated=10e6 * 60, soc_min=0.0)  # one minute at full power
    controller = RampSmoothing(ramp_limit=1e4, soc_set=0.5, recentring_time=1e9)
    P_load = np.concatenate([np.zeros(10), np.full(300, 8e6)])
    P_grid, P_battery, E = ramp_smoothing(battery, controller, P_load, 1.0, E_initial=0.5 * battery.E_rated)
    assert E.min() == pytest.approx(0.0, abs=1e-6)
    assert P_grid[-1] == pytest.approx(8e6)  # the grid takes the load once storage is empty
    np.testing.assert_allclose(P_grid + P_battery, P_load)


def test_outage_ride_through():
    battery = megapacks(78)
    E_half = 0.5 * battery.E_rated
    expected = E_half * np.sqrt(RTE) / 100e6
    assert ride_through_time(battery, E_half, 100e6) == pytest.approx(expected, rel=1e-12)
    assert ride_through_time(battery, E_half, 1.01 * battery.P_rated) == 0.0
    # stepping the outage reproduces it: the battery carries 100 MW until empty
    E, t = E_half, 0.0
    while E > battery.E_min:
        P, E = battery_step(battery, E, 100e6, 10.0)
        t += 10.0 * P / 100e6
    assert t == pytest.approx(expected, rel=1e-9)
