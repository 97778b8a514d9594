"""UPS loss model against the reference efficiency curve (research/physics.md 5.1, Rasmussen WP 113)."""

import numpy as np
import pytest

from twin.electrical.ups import UPS, fit_ups_loss_coefficients, ride_through_time, ups_efficiency
from twin.errors import InputError

LOADS = [0.25, 0.50, 0.75, 1.00]
DOUBLE_CONVERSION = [0.935, 0.955, 0.965, 0.968]  # physics.md 5.1 reference curve [E]
ECO = [0.985, 0.990, 0.990, 0.990]  # physics.md 5.1: eco mode 98.5-99 % above 25 % load [E]


def make_ups(mode="double_conversion", minutes=5.0):
    k = fit_ups_loss_coefficients(LOADS, DOUBLE_CONVERSION)
    k_eco = fit_ups_loss_coefficients(LOADS, ECO)
    P_rated = 1.5e6
    # battery sized to carry rated output for `minutes` through the inverter
    E = minutes * 60 * P_rated * (1 + sum(k))
    return UPS(P_rated, *k, *k_eco, E_battery=E, mode=mode)


def test_fit_reproduces_reference_curve():
    k = fit_ups_loss_coefficients(LOADS, DOUBLE_CONVERSION)
    assert all(c >= 0 for c in k)
    np.testing.assert_allclose(ups_efficiency(LOADS, *k), DOUBLE_CONVERSION, atol=0.0015)  # 0.15 points
    # efficiency falls steeply below a quarter load (WP 113): at 10 % it is 4+ points below 25 %
    assert ups_efficiency(0.10, *k) < ups_efficiency(0.25, *k) - 0.04


def test_fit_is_exact_for_three_points_of_a_known_curve():
    k_true = (0.008, 0.015, 0.012)
    x = [0.2, 0.6, 1.0]
    k = fit_ups_loss_coefficients(x, ups_efficiency(x, *k_true))
    np.testing.assert_allclose(k, k_true, rtol=1e-9)


def test_eco_mode_loses_less_than_double_conversion():
    P = np.linspace(0.25, 1.0, 16) * 1.5e6
    eco, double = make_ups("eco"), make_ups()
    assert np.all(eco.efficiency(P) >= 0.984)
    assert np.all(eco.loss(P) < double.loss(P))
    assert double.efficiency(0.5 * 1.5e6) == pytest.approx(0.955, abs=0.0015)


def test_stage_inverse_is_exact():
    for ups in (make_ups(), make_ups("eco")):
        P_out = np.linspace(0, 1.6e6, 17)
        P_in = ups.input_power(P_out)
        np.testing.assert_allclose(ups.output_power(P_in), P_out, rtol=1e-12, atol=1e-6)


def test_ride_through_minutes_at_load():
    ups = make_ups(minutes=5.0)
    assert ride_through_time(ups, 1.5e6) == pytest.approx(300.0, rel=1e-12)
    # at half load: same battery energy over half the output plus the (smaller) loss
    k0, k1, k2 = ups.k0, ups.k1, ups.k2
    expected = ups.E_battery / (0.75e6 + 1.5e6 * (k0 + 0.5 * k1 + 0.25 * k2))
    assert ride_through_time(ups, 0.75e6) == pytest.approx(expected, rel=1e-12)
    assert 550 < expected < 600  # under twice the full-load time: the no-load loss does not halve
    # on battery the inverter carries the load whatever the normal mode
    assert ride_through_time(make_ups("eco"), 1.5e6) == pytest.approx(300.0, rel=1e-12)


def test_bad_inputs_raise_input_error():
    with pytest.raises(InputError, match="mode"):
        make_ups("line_interactive").loss(1e6)
    with pytest.raises(InputError, match="load_fractions"):
        fit_ups_loss_coefficients([0.5, 1.0], [0.95, 0.96])
