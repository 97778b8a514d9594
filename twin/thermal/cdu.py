"""CDU banks: the plate heat exchanger between a TCS loop and the facility water, and its valve.

A bank is all CDUs of one rack group, run alike.  The facility-water valve sets
the cold-side capacity flow ``u * C_fws_max``; the exchanger is counterflow
(effectiveness-NTU) with UA scaled by both flows (film resistances in series).
The valve is driven by an integral controller on the TCS supply temperature,
tuned by internal-model control: the exchanger responds to the valve within a
plant step, so the loop is an integrator on a static gain ``dT/du``; with the
integral gain ``1 / (|dT/du| * tau)``, re-evaluated at each step from the
exchanger model, the supply error decays with the closed-loop time constant
``tau`` at any plant step (velocity form, output clamped to [u_min, 1], so
there is no wind-up).

References: research/physics.md 3.2-3.4 (TCS/FWS, CDU approach, ε-NTU);
Rivera, Morari & Skogestad, "Internal model control: PID controller design",
Ind. Eng. Chem. Process Des. Dev. 25 (1986) 252 (IMC tuning of an integrating loop).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from twin.thermal.heat_exchanger import UA_film_scaled, heat_exchange

#: Lowest valve opening (-): a minimum flow keeps the CDU's sensors and strainers live [estimate].
U_MIN = 0.05


@dataclass(frozen=True)
class ValveControl:
    """Closed-loop time constant ``tau`` (s) of the TCS supply temperature control."""

    tau: float = 60.0


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


def valve_update(control: ValveControl, u, error, T_tcs_return, T_fws_supply, C_tcs, C_fws_max, UA_nominal,
                 dt: float, du: float = 0.01):
    """Next valve opening from the TCS supply error (measured - set, K).

    The local gain dT_supply/du comes from the exchanger model by a central
    difference; each step moves ``min(1, dt/tau)`` of the way to the opening
    that cancels the error.
    """
    T_up = exchange(T_tcs_return, T_fws_supply, C_tcs, C_fws_max, UA_nominal, np.minimum(u + du, 1.0))[1]
    T_down = exchange(T_tcs_return, T_fws_supply, C_tcs, C_fws_max, UA_nominal, np.maximum(u - du, 0.0))[1]
    span = np.minimum(u + du, 1.0) - np.maximum(u - du, 0.0)
    gain = np.minimum((T_up - T_down) / span, -1e-6)  # the supply falls as the valve opens
    return np.clip(u - min(1.0, dt / control.tau) * error / gain, U_MIN, 1.0)
