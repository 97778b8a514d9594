"""Pipes: plug-flow transport delay followed by a lumped heat capacity, stepped exactly.

The fluid moves as a plug: what leaves during a step is what entered when the
cumulative inflow was one pipe volume smaller (delay = volume / V_flow at
constant flow).  The inlet history is kept as the cumulative volume W and
the cumulative integral G = integral of T dW at parcel boundaries; with
inlet temperatures held over each step (zero-order hold) G is piecewise
linear in W, so the mean temperature leaving in a step is exact.

The wall (and fittings) heat capacity C_wall sits at the outlet, as in the
Modelica Buildings ``PlugFlowPipe``, with a loss UA_ambient to the
surroundings: C dT/dt = m_flow*cp*(T_delayed - T) + UA*(T_ambient - T),
integrated exactly over the step for the step-mean delayed temperature.  The
whole model is exact when the delay is a whole number of steps at constant
flow; otherwise the delayed temperature is averaged over the step.

References:
- van der Heijde et al., "Dynamic equation-based thermo-hydraulic pipe model
  for district heating and cooling systems", Energy Conversion and
  Management 151 (2017) 158 (plug flow with the wall capacity at the outlet).
- Exact solution of the first-order ODE with constant input over the step
  (zero-order-hold discretisation).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Pipe:
    """volume (m3) of fluid in the pipe; C_wall (J/K) heat capacity at the outlet;
    UA_ambient (W/K) loss to the surroundings."""

    volume: float
    C_wall: float = 0.0
    UA_ambient: float = 0.0


@dataclass(frozen=True)
class PipeState:
    """Inlet history (W m3, G K m3, W increasing) and the outlet capacity's temperature (degC)."""

    W: np.ndarray
    G: np.ndarray
    T_wall: float


def pipe_volume(length, diameter):
    """Internal volume (m3) of a round pipe."""
    return np.pi * diameter**2 / 4.0 * length


def pipe_initial_state(pipe: Pipe, T: float) -> PipeState:
    """A pipe full of fluid at T (degC), wall at T."""
    return PipeState(np.array([-pipe.volume, 0.0]), np.array([0.0, T * pipe.volume]), float(T))


def delay_time(volume, V_flow):
    """Transport delay (s) of plug flow at constant volume flow V_flow (m3/s)."""
    return volume / np.asarray(V_flow, dtype=float)


def lumped_step(T, T_in, m_flow_cp, C, UA, T_ambient, dt):
    """Exact step of C dT/dt = m_flow_cp*(T_in - T) + UA*(T_ambient - T) with constant inputs.

    Returns ``(T_end, T_mean)``: temperature at the end of the step and its
    mean over the step (degC).  C = 0 gives the instantaneous balance.
    """
    conductance = m_flow_cp + UA
    T_inf = np.where(conductance > 0.0,
                     (m_flow_cp * T_in + UA * T_ambient) / np.where(conductance > 0.0, conductance, 1.0), T)
    with np.errstate(divide="ignore", invalid="ignore"):
        x = np.where(C > 0.0, conductance * dt / np.where(C > 0.0, C, 1.0), np.inf)
        decay = np.exp(-x)
        mean_factor = np.where(x > 0.0, -np.expm1(-x) / np.where(x > 0.0, x, 1.0), 1.0)
    return T_inf + (T - T_inf) * decay, T_inf + (T - T_inf) * mean_factor


def plug_flow_step(state: PipeState, volume: float, T_in: float, V_in: float):
    """Advance the plug by an inflow of V_in (m3, >= 0) at T_in (degC).

    Returns ``(W, G, T_out)``: the new history and the mean temperature of the
    fluid pushed out (with no inflow, the temperature at the outlet end).
    """
    W, G = state.W, state.G
    start = W[-1] - volume
    if V_in <= 0.0:
        i = min(np.searchsorted(W, start, side="right") - 1, len(W) - 2)
        return W, G, float((G[i + 1] - G[i]) / (W[i + 1] - W[i]))
    W = np.append(W, W[-1] + V_in)
    G = np.append(G, G[-1] + T_in * V_in)
    end = W[-1] - volume
    T_out = float((np.interp(end, W, G) - np.interp(start, W, G)) / V_in)
    keep = np.searchsorted(W, end, side="right") - 1
    return W[keep:] - W[keep], G[keep:] - G[keep], T_out


def pipe_step(pipe: Pipe, state: PipeState, T_in: float, V_flow: float, rho: float, cp: float,
              T_ambient: float, dt: float) -> tuple[PipeState, float]:
    """One fixed step of length dt (s) at inlet T_in (degC) and flow V_flow (m3/s, >= 0).

    Returns the new state and the mean outlet temperature over the step (degC).
    """
    W, G, T_delayed = plug_flow_step(state, pipe.volume, T_in, max(V_flow, 0.0) * dt)
    T_wall, T_out = lumped_step(state.T_wall, T_delayed, rho * cp * max(V_flow, 0.0), pipe.C_wall,
                                pipe.UA_ambient, T_ambient, dt)
    return PipeState(W, G, float(T_wall)), float(T_out)
