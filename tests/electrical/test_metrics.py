"""Power-series metrics against analytic signals."""

import numpy as np
import pytest

from twin.electrical.metrics import (
    band_oscillation_energy,
    energy,
    max_ramp_rate,
    peak_demand,
    swing_amplitude,
)
from twin.errors import InputError

A = 30e6  # W amplitude of the test sinusoids


def sinusoid(f, dt=0.01, duration=600.0, offset=100e6):
    t = np.arange(0.0, duration, dt)
    return offset + A * np.sin(2 * np.pi * f * t)


@pytest.mark.parametrize("f", [0.25, 1.0, 7.3])
def test_in_band_sinusoid_has_power_a_squared_over_two(f):
    assert band_oscillation_energy(sinusoid(f), 0.01) == pytest.approx(A**2 / 2, rel=1e-3)


@pytest.mark.parametrize("f", [0.02, 35.0])
def test_out_of_band_sinusoid_and_offset_contribute_nothing(f):
    assert band_oscillation_energy(sinusoid(f), 0.01) < 1e-6 * A**2 / 2


def test_band_is_cut_at_nyquist():
    # sampled at 1 s only 0.1-0.5 Hz is visible; a 0.25 Hz training swing is
    assert band_oscillation_energy(sinusoid(0.25, dt=1.0, duration=3600.0), 1.0) == pytest.approx(A**2 / 2, rel=1e-3)
    # two tones, one per band: the sub-band picks only its own
    P = sinusoid(0.5) + sinusoid(5.0, offset=0.0)
    assert band_oscillation_energy(P, 0.01, 2.0, 20.0) == pytest.approx(A**2 / 2, rel=1e-3)


def test_ramp_rates_of_a_linear_ramp_and_a_step():
    dt = 0.1
    t = np.arange(0.0, 300.0, dt)
    ramp = 2e6 * t  # 2 MW/s
    assert max_ramp_rate(ramp, dt, 1.0) == pytest.approx(2e6)
    assert 60 * max_ramp_rate(ramp, dt, 60.0) == pytest.approx(120e6)  # W/min over 60 s
    step = np.where(t < 100, 50e6, 80e6)
    assert max_ramp_rate(step, dt, 1.0) == pytest.approx(30e6)
    assert 60 * max_ramp_rate(step, dt, 60.0) == pytest.approx(30e6)
    with pytest.raises(InputError, match="interval"):
        max_ramp_rate(step, dt, 0.25)


def test_peak_demand_instantaneous_and_averaged():
    dt = 60.0
    P = np.full(4 * 60, 100e6)  # four hours at 1 min
    P[30:35] = 190e6  # a five-minute spike
    assert peak_demand(P, dt) == 190e6
    assert peak_demand(P, dt, 900.0) == pytest.approx(100e6 + 90e6 * 5 / 15)


def test_swing_amplitude_whole_and_windowed():
    P = sinusoid(0.1, dt=0.1, duration=100.0)  # 10 s period
    assert swing_amplitude(P, 0.1) == pytest.approx(2 * A, rel=1e-6)
    assert swing_amplitude(P, 0.1, window=5.0) == pytest.approx(2 * A, rel=1e-6)  # half a period holds both peaks
    assert swing_amplitude(P, 0.1, window=1.0) == pytest.approx(2 * A * np.sin(np.pi * 0.1), rel=1e-3)


def test_energy_per_component():
    P = np.array([[1e6, 2e6], [3e6, 4e6], [5e6, 6e6]])
    np.testing.assert_allclose(energy(P, 10.0), [90e6, 120e6])
    assert energy(P[:, 0], 10.0) == pytest.approx(90e6)
