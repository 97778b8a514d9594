"""CDU banks: the plate heat exchanger between a TCS loop and the facility water, and its valve.

A bank is all CDUs of one rack group, run alike.  The facility-water valve sets
the cold-side capacity flow ``u * C_fws_max``; the exchanger is counterflow
(effectiveness-NTU) with UA scaled by both flows (film resistances in series).
The valve's controller is a continuous PI law with anti-windup, part of the
plant ODEs (:mod:`twin.simulation.plant`); :func:`valve_for_setpoint` is its
steady state.

References: research/physics.md 3.2-3.4 (TCS/FWS, CDU approach, ε-NTU).
"""

from __future__ import annotations

import numpy as np

from twin.thermal.heat_exchanger import UA_film_scaled, heat_exchange

#: Lowest valve opening (-): a minimum flow keeps the CDU's sensors and strainers live [estimate].
U_MIN = 0.05


def exchange(T_tcs_return, T_fws_supply, C_tcs, C_fws_max, UA_nominal, u):
    """``(Q_flow, T_tcs_supply, T_fws_return)`` of a CDU bank with valve opening ``u``.

    Capacity flows in W/K (``C_fws_max`` with the valve fully open, which is the
    design flow of the bank), UA at design flows in W/K, temperatures in degC.
    """
    C_fws = u * C_fws_max
    UA = UA_film_scaled(UA_nominal, 1.0, u)
    return heat_exchange(T_tcs_return, T_fws_supply, C_tcs, C_fws, UA)


def valve_for_setpoint(T_tcs_return, T_fws_supply, C_tcs, C_fws_max, UA_nominal, T_tcs_set,
                       iterations: int = 16):
    """Opening (in [U_MIN, 1]) at which the bank holds ``T_tcs_set``: the PI's steady state.

    Vectorised bisection (the TCS supply falls as the valve opens), finished by
    linear interpolation inside the last bracket.
    """
    shape = np.broadcast(T_tcs_return, T_fws_supply, C_tcs, T_tcs_set).shape
    low, high = np.full(shape, U_MIN), np.ones(shape)
    T_low = exchange(T_tcs_return, T_fws_supply, C_tcs, C_fws_max, UA_nominal, low)[1]
    T_high = exchange(T_tcs_return, T_fws_supply, C_tcs, C_fws_max, UA_nominal, high)[1]
    for _ in range(iterations):
        mid = 0.5 * (low + high)
        T_mid = exchange(T_tcs_return, T_fws_supply, C_tcs, C_fws_max, UA_nominal, mid)[1]
        too_warm = T_mid > T_tcs_set
        low, T_low = np.where(too_warm, mid, low), np.where(too_warm, T_mid, T_low)
        high, T_high = np.where(too_warm, high, mid), np.where(too_warm, T_high, T_mid)
    span = np.where(T_low > T_high, T_low - T_high, 1.0)
    u = low + (high - low) * np.clip((T_low - T_tcs_set) / span, 0.0, 1.0)
    return np.where(T_high > T_tcs_set, 1.0, np.where(T_low <= T_tcs_set, U_MIN, u))
