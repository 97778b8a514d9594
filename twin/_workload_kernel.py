"""Compiled helpers of :mod:`twin.workload` (numba); each returns exactly what its numpy form does.

- :func:`bounded_bytes`: ``Generator.integers(0, n, size, dtype=uint8)`` (numpy's buffered Lemire
  method: the raw 64-bit stream read as little-endian bytes, a byte ``b`` kept when
  ``(b * n) & 0xFF >= (256 - n) % n`` and mapped to ``(b * n) >> 8``), from the raw bits.
  Tests hold it equal to ``Generator.integers`` for every ``n``.
- :func:`lag_weights`: per iteration row, ``np.bincount(lag[r], scale)`` (the same sums in the same order).
"""

from __future__ import annotations

import numba
import numpy as np


@numba.njit(cache=True, nogil=True)
def _keep_bytes(raw, n_lags, threshold, out, have):
    """Append the accepted values of bytes ``raw`` to ``out[have:]`` (``out`` has one spare element)."""
    value = np.empty(256, np.uint8)
    keep = np.empty(256, np.intp)
    for b in range(256):
        m = b * n_lags
        value[b] = m >> 8
        keep[b] = (m & 0xFF) >= threshold
    n = out.size - 1
    k = have
    for i in range(raw.size):
        b = raw[i]
        out[min(k, n)] = value[b]  # past the end: the spare element, overwritten harmlessly
        k += keep[b]
    return min(k, n)


def bounded_bytes(generator: np.random.Generator, n_lags: int, shape: tuple[int, int]) -> np.ndarray:
    """``generator.integers(0, n_lags, shape, dtype=np.uint8)`` for a fresh PCG64 generator, 1 <= n_lags <= 256."""
    n = shape[0] * shape[1]
    if n_lags == 1:
        return np.zeros(shape, np.uint8)
    bits = generator.bit_generator
    if n_lags == 256:
        return bits.random_raw(-(-n // 8)).view(np.uint8)[:n].reshape(shape).copy()
    threshold = (256 - n_lags) % n_lags
    out = np.empty(n + 1, np.uint8)
    have = 0
    while have < n:
        raw = bits.random_raw(int((n - have) * 256 / (256 - threshold) / 8 * 1.02) + 64).view(np.uint8)
        have = _keep_bytes(raw, n_lags, threshold, out, have)
    return out[:n].reshape(shape)


@numba.njit(cache=True, nogil=True)
def lag_weights(lag, rows, scale, weights):
    """``weights[r] += bincount(lag[r], scale)`` for each ``r`` in ``rows`` (racks in order)."""
    for r in rows:
        w = weights[r]
        lags = lag[r]
        for j in range(lags.size):
            lag_j = lags[j]
            if lag_j < w.size:  # bincount(...)[:n_lags] drops larger lags
                w[lag_j] += scale[j]


@numba.njit(inline="always")
def _ramp(phi, e):
    u = phi + e / 2
    u = u if u > 0.0 else 0.0
    v = phi - e / 2
    v = v if v > 0.0 else 0.0
    return (u * u - v * v) / (2 * e)


@numba.njit(inline="always")
def _wave_periodic(x, e, d_t, period, duty):
    phi = x - np.floor((x + e / 2) / period) * period
    return _ramp(phi, e) - _ramp(phi - d_t, e) - duty * phi


@numba.njit(cache=True, nogil=True)
def wave_table(level, swing, a, dt, lags, e, d_t, period, duty):
    """``level[:, None] + swing[:, None] * wave_mean(a[:, None], dt, lags[None, :])``: the same operations
    in the same order as ``TrainingProfile._wave_mean`` (``_wave_periodic``, ``_ramp``)."""
    out = np.empty((a.size, lags.size))
    for i in range(a.size):
        for j in range(lags.size):
            w = duty + (_wave_periodic(a[i] + dt - lags[j], e, d_t, period, duty)
                        - _wave_periodic(a[i] - lags[j], e, d_t, period, duty)) / dt
            out[i, j] = level[i] + swing[i] * w
    return out
