"""Compiled rack kernel (numba): the exact zero-order-hold step with the throttling law, fused with
power generation and the per-group report.  The model and its numpy reference are in
:mod:`twin.thermal.rack_array`; tests hold the two equal.

Racks of one type are stored contiguously; each kernel walks chunks of racks small enough to stay
in the first-level cache, all steps of the block per chunk, so the inner loop over racks is plain
arithmetic on contiguous arrays.  ``c`` holds a type's coefficients: ``Ad`` (0-8) and ``Bd``
(9-17) row-major, ``Phi[2]`` (18-20), ``Gamma[2]`` (21-23), ``f_acc``, ``f_other``,
``T_shutdown``, derate band ``T_shutdown - T_throttle`` (24-27).
"""

from __future__ import annotations

import numba
import numpy as np

_CHUNK = 256  # racks per chunk: ~11 arrays of 256 doubles stay in L1/L2


@numba.njit(inline="always")
def _rack_step(c, j, d, dt, x0s, x1s, x2s, T_inlet, off, derated, peak, T_sum, integral, E_electric, E_demand):
    """One step of stored rack ``j`` at demanded power ``d`` (W); ``c`` the coefficients as a tuple."""
    (a00, a01, a02, a10, a11, a12, a20, a21, a22, b00, b01, b02, b10, b11, b12, b20, b21, b22,
     p0, p1, p2, g0, g1, g2, f_acc, f_other, T_shutdown, band) = c
    x0, x1, x2 = x0s[j], x1s[j], x2s[j]
    T_in = T_inlet[j]
    P_other = f_other * d
    free0 = a00 * x0 + a01 * x1 + a02 * x2 + b01 * P_other + b02 * T_in
    free1 = a10 * x0 + a11 * x1 + a12 * x2 + b11 * P_other + b12 * T_in
    free2 = a20 * x0 + a21 * x1 + a22 * x2 + b21 * P_other + b22 * T_in
    s = (T_shutdown - free0) / (band + b00 * f_acc * d)  # throttling law (twin.thermal.accelerator)
    s = s if s < 1.0 else 1.0
    s = s if s > 0.0 else 0.0
    was_off = off[j]
    s = 0.0 if was_off else s
    P_acc = s * f_acc * d
    integral[j] += p0 * x0 + p1 * x1 + p2 * x2 + g0 * P_acc + g1 * P_other + g2 * T_in
    y0 = free0 + b00 * P_acc
    x0s[j] = y0
    x1s[j] = free1 + b10 * P_acc
    x2s[j] = free2 + b20 * P_acc
    E_electric[j] += ((1.0 - f_acc) * d + P_acc) * dt
    E_demand[j] += d * dt
    derated[j] = derated[j] | ((s < 1.0) & (d > 0.0))
    off[j] = was_off | (y0 >= T_shutdown)
    highest = peak[j]
    peak[j] = y0 if y0 > highest else highest
    T_sum[j] += y0


@numba.njit(inline="always")
def _unpack(c):
    return (c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7], c[8], c[9], c[10], c[11], c[12], c[13], c[14],
            c[15], c[16], c[17], c[18], c[19], c[20], c[21], c[22], c[23], c[24], c[25], c[26], c[27])


# Loops over racks run on unsigned indices: with signed ones every access carries a negative-index
# wrap-around select, which keeps LLVM from proving the accesses independent and vectorising.
@numba.njit(cache=True, nogil=True, error_model="numpy")
def step_dense(c, lo, hi, K, dt, D, x, off, T_inlet, acc, derated):
    """Advance stored racks ``lo:hi`` (one type) over ``K`` steps of power ``D[k, j]`` (W)."""
    coefficients = _unpack(c)
    x0s, x1s, x2s = x[0], x[1], x[2]
    peak, T_sum, integral, E_electric, E_demand = acc[0], acc[1], acc[2], acc[3], acc[4]
    for start in range(lo, hi, _CHUNK):
        stop = min(start + _CHUNK, hi)
        for k in range(K):
            D_k = D[k]
            for j in range(numba.uint64(start), numba.uint64(stop)):
                _rack_step(coefficients, j, D_k[j], dt, x0s, x1s, x2s, T_inlet, off, derated, peak, T_sum,
                           integral, E_electric, E_demand)


@numba.njit(cache=True, nogil=True, error_model="numpy")
def step_factored(c, lo, hi, K, dt, table, lag, row, scale, x, off, T_inlet, acc, derated):
    """As :func:`step_dense`, the power generated on the fly: ``scale[j] * table[k, lag[row[k], j]]``."""
    coefficients = _unpack(c)
    x0s, x1s, x2s = x[0], x[1], x[2]
    peak, T_sum, integral, E_electric, E_demand = acc[0], acc[1], acc[2], acc[3], acc[4]
    power = np.empty(hi)  # the chunk's power at one step: gathered first, so the step loop vectorises
    for start in range(lo, hi, _CHUNK):
        stop = min(start + _CHUNK, hi)
        for k in range(K):
            lags = lag[row[k]]
            fractions = table[k]
            for j in range(numba.uint64(start), numba.uint64(stop)):
                power[j] = scale[j] * fractions[lags[j]]
            for j in range(numba.uint64(start), numba.uint64(stop)):
                _rack_step(coefficients, j, power[j], dt, x0s, x1s, x2s, T_inlet, off, derated,
                           peak, T_sum, integral, E_electric, E_demand)


@numba.njit(cache=True, nogil=True, error_model="numpy")
def stored_by_group(x, heat, group, out):
    """Heat stored relative to 0 degC (J), summed per group into ``out``."""
    for j in range(x.shape[1]):
        out[group[j]] += heat[0, j] * x[0, j] + heat[1, j] * x[1, j] + heat[2, j] * x[2, j]


@numba.njit(cache=True, nogil=True, error_model="numpy")
def report_by_group(acc, derated, off, x, heat, group, T_inlet_group, duration, sums, counts, T_die_max):
    """Per-group sums of a plant step: heat to liquid, die sum, electric and air energy, stored heat,
    rack, derated and shut-down counts, die maximum."""
    for j in range(x.shape[1]):
        g = group[j]
        sums[0, g] += heat[3, j] * (acc[2, j] - T_inlet_group[g] * duration)
        sums[1, g] += acc[1, j]
        sums[2, g] += acc[3, j]
        sums[3, g] += heat[4, j] * acc[4, j]
        sums[4, g] += heat[0, j] * x[0, j] + heat[1, j] * x[1, j] + heat[2, j] * x[2, j]
        counts[0, g] += 1
        counts[1, g] += derated[j]
        counts[2, g] += off[j]
        T_die_max[g] = max(T_die_max[g], acc[0, j])
