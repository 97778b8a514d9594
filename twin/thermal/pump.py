"""Variable-speed centrifugal pumps: quadratic pump curve, affinity laws, efficiency,
power, and the operating point against a quadratic system curve.

At speed ratio r = N/N_nominal the pressure rise is r^2 * dp_0(V_flow/r) with
dp_0(V) = a0 + a1*V + a2*V^2, i.e. a0*r^2 + a1*r*V + a2*V^2 (written a2*V*|V|
so that reverse flow through the pump meets a rising resistance).  Hydraulic
efficiency is a parabola through zero flow peaking at the best-efficiency
point, eta = eta_best * x*(2 - x), x = V_flow/(r*V_flow_best), so similar
operating points keep their efficiency; electrical power is
P = V_flow*dp/(eta*eta_motor), with 2 - x held >= 0.2 past run-out.

References:
- Affinity (similarity) laws: Q ~ N, H ~ N^2, P ~ N^3, e.g. Karassik et al.,
  *Pump Handbook*, 4th ed.; the pressure curve scaled this way is the one of
  the Modelica Buildings movers (``Buildings.Fluid.Movers``), P = V*dp/eta.
- System curve dp = dp_static + k*V^2 (Darcy-Weisbach in fully turbulent flow).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Pump:
    """A pump at nominal speed: dp_curve (a0 Pa, a1 Pa s/m3, a2 Pa s2/m6) in V_flow (m3/s).

    V_flow_best (m3/s) and eta_best (-): best-efficiency point at nominal
    speed; eta_motor (-): motor and drive efficiency.
    """

    dp_curve: tuple[float, float, float]
    V_flow_best: float
    eta_best: float
    eta_motor: float = 1.0

    @classmethod
    def from_design(cls, V_flow_nominal: float, dp_nominal: float, eta_nominal: float,
                    eta_motor: float = 1.0, shutoff_ratio: float = 1.25) -> "Pump":
        """Pump with best efficiency at (V_flow_nominal, dp_nominal) and shut-off head
        ``shutoff_ratio`` times dp_nominal (1.1-1.3 typical for centrifugal pumps)."""
        a0 = shutoff_ratio * dp_nominal
        return cls((a0, 0.0, (dp_nominal - a0) / V_flow_nominal**2), V_flow_nominal, eta_nominal, eta_motor)


def pump_pressure_rise(pump: Pump, V_flow, speed=1.0):
    """Pressure rise (Pa) at volume flow V_flow (m3/s) and speed ratio ``speed`` (-)."""
    a0, a1, a2 = pump.dp_curve
    V_flow, speed = np.asarray(V_flow, dtype=float), np.asarray(speed, dtype=float)
    return a0 * speed**2 + a1 * speed * V_flow + a2 * V_flow * np.abs(V_flow)


def pump_efficiency(pump: Pump, V_flow, speed=1.0):
    """Hydraulic efficiency (-), the same at similar operating points."""
    x = _flow_fraction(pump, V_flow, speed)
    return pump.eta_best * x * np.maximum(2.0 - x, 0.2)


def pump_power(pump: Pump, V_flow, speed=1.0):
    """Electrical power (W) = V_flow*dp/(eta*eta_motor); zero at zero speed."""
    speed = np.asarray(speed, dtype=float)
    x = _flow_fraction(pump, V_flow, speed)
    dp = pump_pressure_rise(pump, np.maximum(V_flow, 0.0), speed)
    # V/eta = r*V_best/(eta_best*(2 - x)): finite at zero flow
    return np.maximum(dp, 0.0) * speed * pump.V_flow_best / (
        pump.eta_best * np.maximum(2.0 - x, 0.2) * pump.eta_motor)


def _flow_fraction(pump: Pump, V_flow, speed):
    speed = np.asarray(speed, dtype=float)
    running = speed > 0.0
    return np.where(running, np.maximum(V_flow, 0.0) / (np.where(running, speed, 1.0) * pump.V_flow_best), 0.0)


def operating_point(pump: Pump, k_system, speed=1.0, dp_static=0.0):
    """``(V_flow, dp)`` where the pump curve meets dp = dp_static + k_system*V_flow^2 (Pa s2/m6).

    Analytic root of (a2 - k)*V^2 + a1*r*V + a0*r^2 - dp_static = 0; zero
    flow where the pump cannot overcome the static pressure.
    """
    a0, a1, a2 = pump.dp_curve
    speed = np.asarray(speed, dtype=float)
    A = a2 - np.asarray(k_system, dtype=float)
    B = a1 * speed
    C = a0 * speed**2 - dp_static
    V_flow = np.maximum((-B - np.sqrt(np.maximum(B * B - 4.0 * A * C, 0.0))) / (2.0 * A), 0.0)
    return V_flow, dp_static + k_system * V_flow**2


def speed_for_operating_point(pump: Pump, V_flow, dp):
    """Speed ratio (-) at which the pump delivers V_flow (m3/s) against dp (Pa)."""
    a0, a1, a2 = pump.dp_curve
    V_flow = np.asarray(V_flow, dtype=float)
    B = a1 * V_flow
    return (-B + np.sqrt(B * B - 4.0 * a0 * (a2 * V_flow**2 - dp))) / (2.0 * a0)
