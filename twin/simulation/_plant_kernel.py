"""Compiled right-hand side of the plant ODEs (numba).

The model is :class:`twin.simulation.plant.PlantODE`: its numpy ``rhs`` and ``algebraic``
call the validated components (ε-NTU exchange and film scaling in
:mod:`twin.thermal.heat_exchanger`, the pump curve in :mod:`twin.thermal.pump`) and are the
tested reference; this kernel evaluates the same expressions, in the same order, one bank
and one loop at a time (tests/test_plant_kernel.py holds the two equal at random states,
clipped valves, pump limits, closed banks and stopped loops, and a whole run through
``solve_ivp`` on each path).  The plant has a few dozen states: the numpy path costs
~0.3 ms per evaluation in array overheads, this one ~1 us.

Packed arguments (built by ``PlantODE._pack``): ``bank`` rows ``C_tcs, C_fws_max, UA,
C_h, C_ref_bank, Q_racks, P_tcs_pumps, cdu_share, T_set_tcs`` (b); ``lp`` rows
``C_cell, C_ref, C_coils, coil_heat, pumps_running, T_set, Q_plant_max, x_tank, T_tank,
n_pumps (0: no pump model), V_design, dp_design, a0, a1, a2, V_flow_best, eta_best,
eta_motor, k_mains, dp_header, dQ_plant_dT, T_plant_in0, dQ_plant_dC, C_loop0`` (l); ``scalars``: ``K_p, T_i, T_t, tau_sensor, U_MIN, CP*RHO, PUMP_SPEED_MIN``;
``offsets``: start of ``T_h, T_meas, u_I, supply, ret, S_removed, S_cdu, S_tank_V, S_tank_H,
S_pumps`` in ``y``, then ``B, L, N``.
"""

from __future__ import annotations

import math

import numba
import numpy as np

#: columns of the per-bank algebraic output
BANK_OUT = ("u", "u_raw", "ub", "Q_cdu", "T_tcs_supply")
#: columns of the per-loop algebraic output
LOOP_OUT = ("C_loop", "T_fws", "T_return", "T_plant_in", "T_plant_out", "T_push", "Q_removed", "P_pumps")


@numba.njit(cache=True, nogil=True)
def _evaluate(y, loop_of, offsets, scalars, bank, lp, alg_b, alg_l):
    """Fill ``alg_b`` (b, 5) and ``alg_l`` (l, 8) with the algebraic quantities at ``y``."""
    o_Th, o_meas, o_uI, o_sup, o_ret = offsets[0], offsets[1], offsets[2], offsets[3], offsets[4]
    B, L, N = offsets[10], offsets[11], offsets[12]
    K_p, U_MIN, rho_cp, speed_min = scalars[0], scalars[4], scalars[5], scalars[6]
    # valves (PI output clipped), the share of the wanted flow the pumps deliver
    demand = np.zeros(L)
    for b in range(B):
        u_raw = y[o_uI + b] + K_p * (y[o_meas + b] - bank[8, b])
        u = min(max(u_raw, U_MIN), 1.0)
        alg_b[b, 0], alg_b[b, 1] = u, u_raw
        demand[loop_of[b]] += u * bank[1, b] * bank[7, b]
    scale = np.empty(L)
    for i in range(L):  # the hydraulic share (twin.simulation.graph.header_pressure)
        d = demand[i] + lp[2, i]
        n, dp_h = lp[4, i], lp[19, i]
        if n <= 0.0:
            scale[i] = 0.0
        elif d <= 0.0:
            scale[i] = 1.0
        else:
            A = d / rho_cp / math.sqrt(dp_h)
            dp = lp[12, i] / (-lp[14, i] / (n * n) + lp[18, i] + 1.0 / (A * A)) / (A * A)
            scale[i] = math.sqrt(min(dp, dp_h) / dp_h)
    C_loop = np.zeros(L)
    for b in range(B):
        ub = alg_b[b, 0] * scale[loop_of[b]]
        alg_b[b, 2] = ub
        C_loop[loop_of[b]] += ub * (bank[1, b] * bank[7, b])
    for i in range(L):
        C_loop[i] += lp[2, i] * scale[i]
    # CDUs: ε-NTU counterflow with film-scaled UA (twin.thermal.cdu.exchange)
    heat_in = np.zeros(L)
    for b in range(B):
        i = loop_of[b]
        ub = alg_b[b, 2]
        T_h = y[o_Th + b]
        T_fws = y[o_sup + i * N + N - 1]
        C_hot = bank[0, b]
        C_cold = ub * (bank[1, b] * bank[7, b])
        UA_n = bank[2, b] * bank[7, b]
        if ub > 0.0:
            UA = UA_n / (0.5 * 1.0 ** -0.8 + (1.0 - 0.5) * ub ** -0.8)
        else:
            UA = 0.0
        C_min, C_max = min(C_hot, C_cold), max(C_hot, C_cold)
        if C_min > 0.0:
            NTU = UA / C_min
            Cr = C_min / C_max
            if Cr >= 1.0:
                eps = NTU / (1.0 + NTU)
            else:
                x = NTU * (1.0 - Cr)
                eps = -math.expm1(-x) / ((1.0 - Cr) - Cr * math.expm1(-x))
        else:
            eps = 0.0
        Q = eps * C_min * (T_h - T_fws)
        alg_b[b, 3] = Q
        alg_b[b, 4] = T_h - (Q / C_hot if C_hot > 0.0 else 0.0)
        heat_in[i] += Q
    for i in range(L):
        C = C_loop[i]
        flowing = C > 0
        C_safe = C if flowing else 1.0
        P = 0.0
        n = lp[9, i]
        if flowing and n > 0:  # facility pumps on their curve (twin.thermal.network.facility_pump_power)
            a0, a1, a2, V_best, eta_best, eta_motor = lp[12, i], lp[13, i], lp[14, i], lp[15, i], lp[16, i], lp[17, i]
            V = max(C / rho_cp, 0.0)
            dp = lp[11, i] * (V / lp[10, i]) ** 2
            Vn = V / n
            Bq = a1 * Vn
            speed = max((-Bq + math.sqrt(Bq * Bq - 4.0 * a0 * (a2 * Vn ** 2 - dp))) / (2.0 * a0), speed_min)
            x = max(Vn, 0.0) / (speed * V_best) if speed > 0.0 else 0.0
            Vp = max(Vn, 0.0)
            rise = a0 * speed ** 2 + a1 * speed * Vp + a2 * Vp * abs(Vp)
            P = n * (max(rise, 0.0) * speed * V_best / (eta_best * max(2.0 - x, 0.2) * eta_motor))
        T_fws = y[o_sup + i * N + N - 1]
        T_in = y[o_ret + i * N + N - 1]
        Q_max = max(lp[6, i] + lp[20, i] * (T_in - lp[21, i]) + lp[22, i] * (C - lp[23, i]), 0.0)
        T_out = max(min(T_in, lp[5, i]), T_in - Q_max / C_safe)
        x_tank = lp[7, i]
        alg_l[i, 0] = C
        alg_l[i, 1] = T_fws
        alg_l[i, 2] = T_fws + ((heat_in[i] + lp[3, i] + P) / C_safe if flowing else 0.0)
        alg_l[i, 3] = T_in
        alg_l[i, 4] = T_out
        alg_l[i, 5] = (1 - x_tank) * T_out + x_tank * lp[8, i]
        alg_l[i, 6] = C * (T_in - T_out)
        alg_l[i, 7] = P


@numba.njit(cache=True, nogil=True)
def rhs(y, loop_of, offsets, scalars, bank, lp, alg_b, alg_l):
    """``dy/dt`` of the plant ODEs (a new array); ``alg_b``, ``alg_l`` are work buffers."""
    _evaluate(y, loop_of, offsets, scalars, bank, lp, alg_b, alg_l)
    o_Th, o_meas, o_uI, o_sup, o_ret = offsets[0], offsets[1], offsets[2], offsets[3], offsets[4]
    o_rem, o_cdu, o_tV, o_tH, o_pump = offsets[5], offsets[6], offsets[7], offsets[8], offsets[9]
    B, L, N = offsets[10], offsets[11], offsets[12]
    K_p, T_i, T_t, tau = scalars[0], scalars[1], scalars[2], scalars[3]
    dy = np.empty_like(y)
    for i in range(L):
        C = alg_l[i, 0]
        rate = C / lp[0, i]
        for start, inflow in ((o_sup + i * N, alg_l[i, 5]), (o_ret + i * N, alg_l[i, 2])):
            prev = inflow
            for j in range(N):
                T = y[start + j]
                dy[start + j] = rate * (prev - T)
                prev = T
        C_ref = lp[1, i]
        dy[o_rem + i] = alg_l[i, 6] / C_ref
        dy[o_pump + i] = alg_l[i, 7] / C_ref
        dy[o_tV + i] = lp[7, i] * C / C_ref
        dy[o_tH + i] = lp[7, i] * C * alg_l[i, 4] / C_ref
    for b in range(B):
        Q = alg_b[b, 3]
        dy[o_Th + b] = (bank[5, b] + bank[6, b] - Q) / bank[3, b]
        T_meas = y[o_meas + b]
        dy[o_meas + b] = (alg_b[b, 4] - T_meas) / tau
        error = T_meas - bank[8, b]
        dy[o_uI + b] = K_p / T_i * error + (alg_b[b, 0] - alg_b[b, 1]) / T_t
        dy[o_cdu + b] = Q / bank[4, b]
    return dy


@numba.njit(cache=True, nogil=True)
def algebraic(y, loop_of, offsets, scalars, bank, lp):
    """The algebraic quantities at ``y``: ``(per bank (b, 5), per loop (l, 8))`` in BANK_OUT/LOOP_OUT order."""
    alg_b = np.empty((offsets[10], 5))
    alg_l = np.empty((offsets[11], 8))
    _evaluate(y, loop_of, offsets, scalars, bank, lp, alg_b, alg_l)
    return alg_b, alg_l
