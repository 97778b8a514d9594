"""The compiled battery step the electrical network runs equals the tested numpy battery_step, bit for bit."""

from __future__ import annotations

import numpy as np
import pytest

from twin.electrical._bess_kernel import battery_step_scalar
from twin.electrical.bess import Battery, battery_step


@pytest.mark.parametrize("battery", [Battery(P_rated=100e6, E_rated=400e6 * 3600), Battery(
    P_rated=1.93e6, E_rated=3.85e6 * 3600, round_trip_efficiency=0.88, soc_min=0.1, soc_max=0.95)])
def test_compiled_battery_step_equals_the_reference(battery):
    rng = np.random.default_rng(7)
    n = 4000
    span = battery.E_max - battery.E_min
    # stored energy inside, at and just off the limits; requests inside, at and beyond the power limit
    E = np.concatenate([battery.E_min + span * rng.random(n // 2), np.full(n // 8, battery.E_min),
                        np.full(n // 8, battery.E_max), battery.E_min + span * rng.choice([1e-9, 1 - 1e-9], n // 4)])
    P = battery.P_rated * rng.choice([-3.0, -1.0, -0.3, 0.0, 0.4, 1.0, 2.5], E.size) * rng.random(E.size) ** 0.1
    P[::11] = 0.0
    for dt in (0.1, 1.0, 60.0, 3600.0 * 4):
        P_ref, E_ref = battery_step(battery, E, P, dt)
        got = np.array([battery_step_scalar(battery.P_rated, battery.E_min, battery.E_max, battery.efficiency,
                                            e, p, dt) for e, p in zip(E, P)])
        np.testing.assert_array_equal(got[:, 0], P_ref)
        np.testing.assert_array_equal(got[:, 1], E_ref)
        assert (got[:, 1] == battery.E_min).any() or dt < 60  # the energy limits were reached at long steps
