"""Distribution losses, rack PSUs (80 PLUS Titanium) and the power-chain walk (research/physics.md 5.3)."""

import numpy as np
import pytest

from twin.electrical.distribution import Distribution, PowerSupply, power_chain, power_chain_inverse
from twin.electrical.transformer import transformer_for_efficiency
from twin.electrical.ups import UPS, fit_ups_loss_coefficients
from twin.errors import InputError

IT_RATED = 2.0e6  # W of IT behind one chain


def chain(mode="double_conversion"):
    """Utility side first: MV/LV transformer at the DOE liquid-immersed 2,500 kVA level (99.53 % at 50 %),
    UPS on the reference curve, 480/415 V PDU transformers at the DOE dry-type 1,000 kVA level
    (99.28 % at 35 %), busway and cabling (1 % at rated)."""
    mv_lv = transformer_for_efficiency(2.5e6, 0.9953, 0.5)
    k = fit_ups_loss_coefficients([0.25, 0.5, 0.75, 1.0], [0.935, 0.955, 0.965, 0.968])
    k_eco = fit_ups_loss_coefficients([0.25, 0.5, 0.75, 1.0], [0.985, 0.99, 0.99, 0.99])
    ups = UPS(2.2e6, *k, *k_eco, E_battery=2.2e6 * 300, mode=mode)
    pdu = transformer_for_efficiency(2.5e6, 0.9928, 0.35)
    busway = Distribution(P_rated=IT_RATED, loss_fraction=0.005, P_loss_rated=0.005 * IT_RATED)
    return [mv_lv, ups, pdu, busway]


def test_psu_reproduces_80_plus_titanium_points():
    psu = PowerSupply(P_rated=33e3)
    loads = np.array([0.10, 0.20, 0.50, 1.00])
    np.testing.assert_allclose(psu.efficiency(loads * 33e3), [0.90, 0.94, 0.96, 0.91], rtol=1e-12)
    # below 10 % the fixed loss dominates: efficiency falls towards zero
    low = psu.efficiency(np.array([0.0, 0.02, 0.05, 0.1]) * 33e3)
    assert low[0] == 0 and np.all(np.diff(low) > 0) and low[2] < 0.85


def test_psu_inverse_is_exact_including_overload_and_no_load():
    psu = PowerSupply(P_rated=33e3)
    P_out = np.linspace(0, 1.3 * 33e3, 27)
    np.testing.assert_allclose(psu.output_power(psu.input_power(P_out)), P_out, rtol=1e-12, atol=1e-9)
    assert psu.output_power(0.5 * psu.input_power(0.0)) == 0.0


def test_distribution_loss_is_fixed_plus_fraction_plus_square_law():
    pdu = Distribution(P_rated=1e6, loss_fraction=0.004, P_loss_rated=6e3, P_no_load=1e3)
    assert pdu.loss(0.0) == pytest.approx(1e3)
    assert pdu.loss(1e6) == pytest.approx(1e3 + 4e3 + 6e3)
    assert pdu.loss(0.5e6) == pytest.approx(1e3 + 2e3 + 1.5e3)
    P = np.linspace(0, 1.2e6, 13)
    np.testing.assert_allclose(pdu.output_power(pdu.input_power(P)), P, rtol=1e-12, atol=1e-9)


def test_chain_losses_sum_to_upstream_minus_it():
    stages = chain() + [PowerSupply(P_rated=2 * IT_RATED)]
    P_it = np.random.default_rng(0).uniform(0.1, 1.0, (48, 5)) * IT_RATED * 0.9
    P_upstream, losses = power_chain(P_it, stages)
    assert losses.shape == (5, 48, 5)
    np.testing.assert_allclose(losses.sum(axis=0), P_upstream - P_it, rtol=1e-9)
    assert np.all(losses > 0)
    np.testing.assert_allclose(power_chain_inverse(P_upstream, stages), P_it, rtol=1e-9)


def test_chain_efficiency_in_published_band():
    """Utility to IT input with double conversion: 5-10 % loss (physics.md 5.3, Rasmussen WP 113)."""
    P_it = np.array([0.25, 0.5, 0.75, 1.0]) * IT_RATED
    P_upstream, _ = power_chain(P_it, chain())
    efficiency = P_it / P_upstream
    assert np.all((efficiency >= 0.90) & (efficiency <= 0.95))
    eco_upstream, _ = power_chain(P_it[1:], chain("eco"))
    assert np.all((P_it[1:] / eco_upstream >= 0.95) & (P_it[1:] / eco_upstream <= 0.98))


def test_bad_psu_curve_raises_input_error():
    with pytest.raises(InputError, match="load_fractions"):
        PowerSupply(1e3, load_fractions=(0.5, 0.2), efficiencies=(0.9, 0.9)).loss(100.0)
