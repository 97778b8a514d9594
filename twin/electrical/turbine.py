"""Gas turbines: part-load fuel use, emissions, and a set-point tracking step with ramp and start limits.

Fuel input is affine in output while running (a Willans line),
``fuel = heat_rate_rated * P_rated * (a + (1 - a) x)`` with ``x = P / P_rated``
and ``a = fuel_no_load_fraction``, so the heat rate ``fuel / P`` rises as load
falls: ``heat_rate(x) = heat_rate_rated * (a + (1 - a) x) / x``.  The default
``a = 0.3`` (heat rate +30 % at half load) is an estimate [E] for small
industrial simple-cycle turbines.  Heat rates and fuel are on the higher
heating value (HHV) basis that emission factors use; natural gas HHV / LHV is
about 1.108 (:data:`HHV_PER_LHV`).

Units: Solar Turbines SMT-130 (trailer-mounted Titan 130) ~16.5 MW,
~10,000-10,500 Btu/kWh LHV [E]; Titan 350 ~38 MW, ~8,600 Btu/kWh LHV [E];
start to full load ~10 min, ramp ~10-20 %/min of rating, minimum load ~50 %
for low-NOx (DLE) operation [E] (research/sites.md section 8).

Emissions.  NOx from a stack concentration in ppmvd at 15 % O2 by the F-factor
method of 40 CFR 75 Appendix F (and EPA Method 19):
``E [lb/MMBtu] = K * C * F_d * 20.9 / (20.9 - 15)`` with
``K = 1.194e-7 lb/scf per ppm`` (NOx as NO2) and ``F_d = 8,710 dscf/MMBtu``
(natural gas, HHV).  25 ppm (DLE) gives ~0.092 lb/MMBtu; SCR to ~2 ppm gives
~0.0074.  CO2: 53.06 kg/MMBtu (EPA, 40 CFR 98 subpart C, Table C-1, natural gas).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

#: J per MMBtu (International Table Btu).
J_PER_MMBTU = 1.05505585262e9
#: kg per lb.
KG_PER_LB = 0.45359237
#: Natural gas higher over lower heating value [K: methane 55.5 / 50.0 MJ/kg; pipeline gas ~1.108].
HHV_PER_LHV = 1.108
#: Heat rate of 1 Btu/kWh in J/J.
BTU_PER_KWH = 1055.05585262 / 3.6e6
#: CO2 per fuel energy, natural gas, HHV (kg/J): 53.06 kg/MMBtu.
CO2_PER_FUEL = 53.06 / J_PER_MMBTU

_NOX_K = 1.194e-7  # lb/dscf per ppm NOx (as NO2), 40 CFR 75 Appendix F
_F_D_NATURAL_GAS = 8710.0  # dscf/MMBtu (HHV), 40 CFR 75 Appendix F / Method 19
_O2_REFERENCE = 15.0  # % O2 of the ppm correction


def nox_emission_factor(NOx_ppm: float) -> float:
    """NOx mass per fuel energy (kg/J, HHV) for a concentration in ppmvd at 15 % O2."""
    lb_per_mmbtu = _NOX_K * NOx_ppm * _F_D_NATURAL_GAS * 20.9 / (20.9 - _O2_REFERENCE)
    return lb_per_mmbtu * KG_PER_LB / J_PER_MMBTU


@dataclass(frozen=True)
class GasTurbine:
    """One gas turbine generator set.

    ``P_rated`` (W); ``heat_rate_rated`` (J fuel per J electricity, HHV) at
    rated output; ``min_load_fraction`` lowest steady output as a share of
    ``P_rated``; ``ramp_rate`` (W/s); ``start_time`` (s) from a start command
    to synchronisation at zero output; ``fuel_no_load_fraction`` the Willans-line
    intercept as a share of rated fuel; ``NOx_ppm`` stack NOx (ppmvd at 15 % O2).
    """

    P_rated: float
    heat_rate_rated: float
    ramp_rate: float
    start_time: float = 600.0
    min_load_fraction: float = 0.5
    fuel_no_load_fraction: float = 0.3
    NOx_ppm: float = 25.0


def willans_intercept(heat_rate_rated: float, heat_rate_half: float) -> float:
    """Willans-line intercept from the heat rates at full and half load: ``heat_rate_half / heat_rate_rated - 1``."""
    return heat_rate_half / heat_rate_rated - 1.0


def fuel_power(turbine: GasTurbine, P):
    """Fuel input (W, HHV) at output ``P`` (W); zero when ``P`` is zero (unit off)."""
    P = np.asarray(P, dtype=float)
    a = turbine.fuel_no_load_fraction
    running = turbine.heat_rate_rated * (a * turbine.P_rated + (1 - a) * P)
    return np.where(P > 0, running, 0.0)


def heat_rate(turbine: GasTurbine, P):
    """Heat rate (J/J, HHV) at output ``P`` > 0 (W)."""
    P = np.asarray(P, dtype=float)
    return fuel_power(turbine, P) / P


def nox_rate(turbine: GasTurbine, P):
    """NOx emission rate (kg/s) at output ``P`` (W)."""
    return nox_emission_factor(turbine.NOx_ppm) * fuel_power(turbine, P)


def co2_rate(turbine: GasTurbine, P):
    """CO2 emission rate (kg/s) at output ``P`` (W)."""
    return CO2_PER_FUEL * fuel_power(turbine, P)


def turbine_step(turbine: GasTurbine, P_set, P, start_elapsed, dt: float):
    """Advance units by ``dt`` (s) towards set-points; vectorised over units.

    State: output ``P`` (W) and ``start_elapsed`` (s since a start command, NaN
    when not starting).  A unit at zero output with a positive set-point starts;
    after ``start_time`` it synchronises and ramps up from zero.  A running unit
    tracks ``clip(P_set, min load, P_rated)`` at no more than ``ramp_rate``; a
    set-point of zero ramps it down and off.  A zero set-point during a start
    aborts it.  Returns the new ``(P, start_elapsed)``.
    """
    P_set, P = np.asarray(P_set, dtype=float), np.asarray(P, dtype=float)
    start_elapsed = np.asarray(start_elapsed, dtype=float)
    wanted = P_set > 0
    running = P > 0
    starting = ~running & wanted
    elapsed = np.where(starting, np.nan_to_num(start_elapsed, nan=0.0) + dt, np.nan)
    synchronised = starting & (elapsed > turbine.start_time)
    # time within this step after synchronisation, during which the unit ramps from zero
    ramp_time = np.where(synchronised, np.minimum(elapsed - turbine.start_time, dt), dt)
    target = np.where(wanted, np.clip(P_set, turbine.min_load_fraction * turbine.P_rated, turbine.P_rated), 0.0)
    moving = running | synchronised
    step = turbine.ramp_rate * ramp_time
    P_next = np.where(moving, P + np.clip(target - P, -step, step), 0.0)
    return P_next, np.where(synchronised, np.nan, elapsed)


def fleet_ramp_step(turbine: GasTurbine, n_running: int, P_scheduled: float, P_need: float,
                    dt: float) -> tuple[float, float]:
    """One step of ``n_running`` synchronised units of ``turbine`` sharing a set-point, as one fleet.

    The fleet tracks ``clip(P_need, n min load, n P_rated)`` at no more than ``n
    ramp_rate``: the sum of :func:`turbine_step` over the running units with the
    set-point shared in proportion to rating (tests/electrical/test_turbine.py
    checks it).  Plain floats, for the network's per-step loop.  Returns the new
    schedule and the most the fleet could have reached this step (its ramp
    headroom, ``min(P_scheduled + step, n P_rated)``), both W.
    """
    if n_running <= 0:
        return 0.0, 0.0
    lo, hi = n_running * turbine.min_load_fraction * turbine.P_rated, n_running * turbine.P_rated
    target = lo if P_need < lo else (hi if P_need > hi else P_need)
    step = n_running * turbine.ramp_rate * dt
    new = P_scheduled + step if target > P_scheduled + step else (
        P_scheduled - step if target < P_scheduled - step else target)
    new = hi if new > hi else (0.0 if new < 0.0 else new)
    return new, min(P_scheduled + step, hi)
