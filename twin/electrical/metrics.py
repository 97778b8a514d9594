"""Grid-facing metrics of a power series: peak demand, ramp rates, swings, oscillation in a band, energy.

Each takes a power series ``P`` (W) sampled every ``dt`` (s) and returns a
float (or one float per column for :func:`energy`).  Utilities state limits for
large AI loads as ramp rate (MW/s), dynamic power range and oscillation in
frequency bands such as 0.1-20 Hz (Microsoft Azure, 2025; Choukse et al.,
arXiv 2508.14318).
"""

from __future__ import annotations

import numpy as np

from twin.errors import InputError

_SOURCE = "power metrics"


def _samples(duration: float, dt: float, field: str) -> int:
    """Number of steps in ``duration``, which must be a whole, positive number of steps."""
    n = round(duration / dt)
    if n < 1 or abs(n * dt - duration) > 1e-9 * max(duration, dt):
        raise InputError.one(_SOURCE, field, f"{duration} s", f"a positive multiple of the time step {dt} s")
    return n


def peak_demand(P, dt: float, averaging_time: float | None = None) -> float:
    """Largest power (W); with ``averaging_time`` (s) the largest mean over consecutive
    non-overlapping intervals of that length (billing demand, e.g. 900 s), incomplete tail ignored."""
    P = np.asarray(P, dtype=float)
    if averaging_time is None:
        return float(P.max())
    n = _samples(averaging_time, dt, "averaging_time")
    whole = P.size // n * n
    if whole == 0:
        raise InputError.one(_SOURCE, "averaging_time", f"{averaging_time} s",
                             f"at most the series length {P.size * dt} s")
    return float(P[:whole].reshape(-1, n).mean(axis=1).max())


def max_ramp_rate(P, dt: float, interval: float = 1.0) -> float:
    """Largest ``|P(t + interval) - P(t)| / interval`` (W/s).

    W/s over 1 s: ``max_ramp_rate(P, dt, 1.0)``; W/min over 60 s:
    ``60 * max_ramp_rate(P, dt, 60.0)``.
    """
    P = np.asarray(P, dtype=float)
    n = _samples(interval, dt, "interval")
    if n >= P.size:
        return 0.0
    return float(np.abs(P[n:] - P[:-n]).max() / interval)


def swing_amplitude(P, dt: float, window: float | None = None) -> float:
    """Largest peak-to-peak swing (W): over the whole series, or within any window of ``window`` s."""
    P = np.asarray(P, dtype=float)
    if window is None:
        return float(np.ptp(P))
    n = _samples(window, dt, "window")
    from scipy.ndimage import maximum_filter1d, minimum_filter1d  # here: scipy.ndimage is slow to import

    return float((maximum_filter1d(P, n + 1) - minimum_filter1d(P, n + 1)).max())


def band_oscillation_energy(P, dt: float, f_low: float = 0.1, f_high: float = 20.0,
                            segment_time: float | None = None) -> float:
    """Mean-square power fluctuation in ``[f_low, f_high]`` Hz (W^2).

    The Welch power spectral density (Hann window, each segment's mean
    removed) integrated over the band; for ``A sin(2 pi f t)`` with ``f`` well
    inside the band this is ``A**2 / 2``.  The band is cut at the Nyquist
    frequency ``1 / (2 dt)``.  Segments of ``segment_time`` s (default 20 /
    f_low, so the band edge is resolved by ~20 bins), at most the series.
    """
    P = np.asarray(P, dtype=float)
    segment = min(round((segment_time or 20 / f_low) / dt), P.size)
    from scipy.signal import welch  # imported here: scipy.signal (and scipy.stats) cost ~0.5 s CPU to import

    frequency, density = welch(P, fs=1 / dt, window="hann", nperseg=segment, detrend="constant")
    in_band = (frequency >= f_low) & (frequency <= min(f_high, 0.5 / dt))
    return float(density[in_band].sum() * (frequency[1] - frequency[0]))


def energy(P, dt: float, axis: int = 0):
    """Energy (J) of power held over each step: ``sum(P) * dt`` along ``axis`` (one value per component)."""
    total = np.asarray(P, dtype=float).sum(axis=axis) * dt
    return float(total) if np.ndim(total) == 0 else total
