"""Cooling-power curves for dispatch, derived from the plant model."""

import numpy as np
import pytest
import xarray as xr

import twin
from twin.optimize.cooling_curves import cooling_curves, lower_convex_envelope
from twin.workload import ConstantProfile


def test_lower_convex_envelope_of_known_points():
    x = np.array([0.0, 1.0, 2.0, 3.0, 4.0])
    y = np.array([0.0, 3.0, 1.0, 2.0, 6.0])  # the hull is 0 -> 1 (at x=2) -> 6, passing 2.67 at x=3
    np.testing.assert_allclose(lower_convex_envelope(x, y), [[0.0, 0.5, 1.0, 2.0, 6.0]])
    convex = x**2
    np.testing.assert_allclose(lower_convex_envelope(x, convex), [convex])


@pytest.mark.parametrize("name", ["demo", "colossus2"])
def test_curves_equal_the_simulator_at_their_breakpoints(name):
    site = twin.load_site(name)
    curves = cooling_curves(site, np.array([30.0, 12.0]), np.array([24.0, 8.0]))
    slopes = np.diff(curves.P_convex, axis=-1) / np.diff(curves.P_it)
    assert np.all(np.diff(slopes, axis=-1) >= -1e-9)  # convex: slopes never fall
    assert np.all(curves.P_convex <= curves.P_model + 1e-6)
    for k, fraction in enumerate([0.3, 0.8, 1.0]):
        j = list(np.round(curves.P_it / curves.P_it[-1], 6)).index(fraction)
        for period, (T_db, T_wb) in enumerate([(30.0, 24.0), (12.0, 8.0)]):
            ds = twin.simulate(site, duration=3600, plant_step=3600, mode="quasi_steady",
                               weather=xr.Dataset({"T_dry_bulb": T_db, "T_wet_bulb": T_wb}),
                               workload=ConstantProfile(fraction))
            assert float(ds.P_cooling[0]) == pytest.approx(curves.P_model[period, j], rel=1e-9)
