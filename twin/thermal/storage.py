"""Chilled-water thermal storage: a two-zone stratified tank.

The tank holds a cold zone (bottom) and a warm zone (top), each fully mixed,
separated by an ideal thermocline.  Charging (V_flow > 0) adds chilled water
at the bottom into the cold zone and draws water from the warm zone at the
top; discharging (V_flow < 0) returns warm water into the warm zone and draws
cold water from the bottom.  Once the zone being drawn from is empty, the
tank is one mixed volume and the outlet follows it.  This keeps the
"first in, last out" behaviour that gives stratified tanks their usable
capacity (a single mixed node would blend supply and return at once) while
staying two states per tank.

Standing losses: UA_ambient for the whole tank, shared by the zones in
proportion to their volume, so both relax to T_ambient at the same rate
UA/(rho*cp*V).  Each step is the exact advection (mixing balances; the
exponential wash-out of a single mixed volume) followed by the exact loss
decay over the step; energy is conserved exactly by both.

References:
- Two-zone (thermocline) representation of stratified chilled-water storage:
  ASHRAE Handbook-HVAC Applications (2019), ch. 51 "Thermal Storage";
  Homan, Sohn & Soo, "Thermal performance of stratified chilled water
  storage tanks", HVAC&R Research 2(2) (1996) 158.
- Mixed-tank wash-out T = T_in + (T0 - T_in)*exp(-V_in/V): well-mixed
  vessel balance.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import numpy as np


@dataclass(frozen=True)
class StratifiedTank:
    """volume (m3), UA_ambient (W/K); rho (kg/m3) and cp (J/(kg K)) of the stored water
    (defaults: water at 10 degC, CoolProp)."""

    volume: float
    UA_ambient: float = 0.0
    rho: float = 999.75
    cp: float = 4194.8


class TankState(NamedTuple):
    V_cold: float  #: volume of the cold zone (m3)
    T_cold: float  #: degC
    T_warm: float  #: degC


class TankStep(NamedTuple):
    state: TankState
    T_out: float  #: mean temperature of the water drawn during the step (degC)
    Q_flow_ambient: float  #: mean heat gained from the surroundings (W)


def tank_energy(tank: StratifiedTank, state: TankState) -> float:
    """Internal energy (J) relative to water at 0 degC."""
    V_warm = tank.volume - state.V_cold
    return tank.rho * tank.cp * (state.V_cold * state.T_cold + V_warm * state.T_warm)


def stored_cooling(tank: StratifiedTank, state: TankState, T_reference: float) -> float:
    """Cooling energy (J) the tank holds below T_reference (degC), e.g. the return temperature."""
    return tank.rho * tank.cp * tank.volume * T_reference - tank_energy(tank, state)


def _advect(V_receive, T_receive, V_drain, T_drain, V_in, T_in):
    """Push V_in at T_in into the receiving zone, drawing from the draining zone first.

    Returns the receiving zone's new volume and temperature, the draining
    zone's new volume, and the integral of T over the volume drawn.
    """
    if V_in <= V_drain:
        V_new = V_receive + V_in
        T_new = (V_receive * T_receive + V_in * T_in) / V_new if V_new > 0.0 else T_receive
        return V_new, T_new, V_drain - V_in, V_in * T_drain
    volume = V_receive + V_drain
    T_mixed = (V_receive * T_receive + V_drain * T_in) / volume
    V_rest = V_in - V_drain
    washed = -np.expm1(-V_rest / volume)
    drawn = V_drain * T_drain + T_in * V_rest + (T_mixed - T_in) * volume * washed
    return volume, T_in + (T_mixed - T_in) * (1.0 - washed), 0.0, drawn


def tank_step(tank: StratifiedTank, state: TankState, V_flow: float, T_in: float, T_ambient: float,
              dt: float) -> TankStep:
    """Advance the tank by dt (s) with flow V_flow (m3/s; > 0 charging cold water in at the
    bottom, < 0 discharging with warm water in at the top) entering at T_in (degC)."""
    V_in = abs(V_flow) * dt
    V_cold, T_cold, T_warm = state
    V_warm = tank.volume - V_cold
    if V_flow >= 0.0:
        V_cold, T_cold, V_warm, drawn = _advect(V_cold, T_cold, V_warm, T_warm, V_in, T_in)
    else:
        V_warm, T_warm, V_cold, drawn = _advect(V_warm, T_warm, V_cold, T_cold, V_in, T_in)
    T_out = drawn / V_in if V_in > 0.0 else (T_warm if V_flow >= 0.0 else T_cold)
    decay = np.exp(-tank.UA_ambient * dt / (tank.rho * tank.cp * tank.volume))
    T_cold_end = T_ambient + (T_cold - T_ambient) * decay
    T_warm_end = T_ambient + (T_warm - T_ambient) * decay
    gained = tank.rho * tank.cp * (V_cold * (T_cold_end - T_cold) + V_warm * (T_warm_end - T_warm))
    return TankStep(TankState(V_cold, float(T_cold_end), float(T_warm_end)), float(T_out), float(gained / dt))
