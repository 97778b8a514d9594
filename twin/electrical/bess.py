"""Battery energy storage (Tesla Megapack class): state of charge, limits, ramp smoothing, ride-through.

Sign convention: battery power ``P`` is positive when **discharging into the
site bus** and negative when charging from it (W, AC side).  ``E`` is the stored
energy (J).  The round-trip efficiency (AC to AC) is split evenly:
charging stores ``eta |P| dt``, discharging removes ``P dt / eta``, with
``eta = sqrt(round_trip_efficiency)``.

Megapack 2 XL (research/sites.md section 8): 1.93 MW / 3.85 MWh (2-hour) or
0.98 MW / 3.92 MWh (4-hour) per unit; round trip 88-92 % AC-AC [E].
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Battery:
    """Battery fleet at one bus.

    ``P_rated`` (W) charge and discharge limit; ``E_rated`` (J) stored-energy
    capacity; stored energy stays within ``[soc_min, soc_max] * E_rated``.  A
    full discharge from ``soc_max`` to ``soc_min`` delivers
    ``sqrt(round_trip_efficiency) * (soc_max - soc_min) * E_rated`` to the bus.
    """

    P_rated: float
    E_rated: float
    round_trip_efficiency: float = 0.90
    soc_min: float = 0.0
    soc_max: float = 1.0

    @property
    def efficiency(self) -> float:
        """One-way (charge or discharge) efficiency, ``sqrt(round_trip_efficiency)``."""
        return float(np.sqrt(self.round_trip_efficiency))

    @property
    def E_min(self) -> float:
        return self.soc_min * self.E_rated

    @property
    def E_max(self) -> float:
        return self.soc_max * self.E_rated


def energy_change(battery: Battery, P, dt: float):
    """Change of stored energy (J) over ``dt`` (s) at constant power ``P`` (W, + discharging)."""
    P = np.asarray(P, dtype=float)
    eta = battery.efficiency
    return -dt * (np.maximum(P, 0.0) / eta + np.minimum(P, 0.0) * eta)


def power_limits(battery: Battery, E, dt: float):
    """Largest charging and discharging powers (both >= 0, W) for a step ``dt`` (s) from stored energy ``E`` (J)."""
    E = np.asarray(E, dtype=float)
    eta = battery.efficiency
    P_charge = np.minimum(battery.P_rated, np.maximum(battery.E_max - E, 0.0) / (eta * dt))
    P_discharge = np.minimum(battery.P_rated, np.maximum(E - battery.E_min, 0.0) * eta / dt)
    return P_charge, P_discharge


def battery_step(battery: Battery, E, P_request, dt: float):
    """One step: the power actually delivered (request clipped to the limits) and the stored energy after it.

    Vectorised over batteries.  Energy hits ``E_min`` / ``E_max`` exactly, never
    beyond.
    """
    P_charge, P_discharge = power_limits(battery, E, dt)
    P = np.clip(np.asarray(P_request, dtype=float), -P_charge, P_discharge)
    return P, np.clip(np.asarray(E, dtype=float) + energy_change(battery, P, dt), battery.E_min, battery.E_max)


def energy_trajectory(battery: Battery, E_initial: float, P, dt: float) -> np.ndarray:
    """Stored energy at the start of each step and after the last, for a power series ``P`` (W).

    Exact for power held constant over each step; no limits are applied (use
    :func:`battery_step` for that).  Returns ``len(P) + 1`` values (J).
    """
    return E_initial + np.concatenate(([0.0], np.cumsum(energy_change(battery, P, dt))))


def ride_through_time(battery: Battery, E, P_load):
    """Seconds the battery alone can carry ``P_load`` (W) from stored energy ``E`` (J); 0 above ``P_rated``,
    infinite for no load."""
    E, P_load = np.asarray(E, dtype=float), np.asarray(P_load, dtype=float)
    with np.errstate(divide="ignore"):
        time = np.maximum(E - battery.E_min, 0.0) * battery.efficiency / P_load
    return np.where(P_load <= battery.P_rated, time, 0.0)


@dataclass(frozen=True)
class RampSmoothing:
    """Point-of-interconnection ramp-rate limiter with state-of-charge recentring.

    The grid follows the site load at no more than ``ramp_limit`` (W/s); the
    battery covers the difference.  The grid target is the load plus the
    power that would bring the stored energy back to ``soc_set * E_rated`` over
    ``recentring_time`` (s).
    """

    ramp_limit: float
    soc_set: float = 0.5
    recentring_time: float = 900.0


def ramp_smoothing_step(battery: Battery, controller: RampSmoothing, P_load, P_grid_previous, E, dt: float):
    """One controller step: ``(P_grid, P_battery, E_next)`` (W, W, J), vectorised over sites.

    ``P_load`` is the site demand at the bus (W, consuming positive).  The grid
    moves by at most ``ramp_limit * dt`` from ``P_grid_previous`` unless the
    battery reaches a power or energy limit; then the grid takes the rest.
    """
    P_load = np.asarray(P_load, dtype=float)
    P_grid_target = grid_target(P_load + recentring_power(battery, controller.soc_set, controller.recentring_time, E),
                                P_grid_previous, controller.ramp_limit * dt)
    P_battery, E_next = battery_step(battery, E, P_load - P_grid_target, dt)
    return P_load - P_battery, P_battery, E_next


def recentring_power(battery: Battery, soc_set: float, recentring_time: float, E):
    """Power (W) that brings the stored energy ``E`` (J) back to ``soc_set * E_rated`` over ``recentring_time`` (s)."""
    return (soc_set * battery.E_rated - E) / recentring_time


def grid_target(P_wanted, P_grid_previous, step):
    """The grid's ramp-limited target (W): ``P_wanted`` moved at most ``step`` (W; None: no limit) from
    ``P_grid_previous``.  Floats in, float out (the network's per-step loop), or arrays."""
    if step is None:
        return P_wanted
    if isinstance(P_wanted, float) and isinstance(P_grid_previous, float):
        return P_grid_previous + min(max(P_wanted - P_grid_previous, -step), step)
    return np.asarray(P_grid_previous, dtype=float) + np.clip(P_wanted - P_grid_previous, -step, step)


def ramp_smoothing(battery: Battery, controller: RampSmoothing, P_load, dt: float, E_initial: float,
                   P_grid_initial: float | None = None):
    """Run :func:`ramp_smoothing_step` over a load series (W).

    Returns ``(P_grid, P_battery, E)``: per-step grid and battery power and the
    stored energy after each step.  The grid starts at ``P_grid_initial``
    (default: the first load).
    """
    P_load = np.asarray(P_load, dtype=float)
    P_grid, P_battery, E = np.empty_like(P_load), np.empty_like(P_load), np.empty_like(P_load)
    grid, energy = (P_load[0] if P_grid_initial is None else P_grid_initial), E_initial
    for i, load in enumerate(P_load):
        grid, P_battery[i], energy = ramp_smoothing_step(battery, controller, load, grid, energy, dt)
        P_grid[i], E[i] = grid, energy
    return P_grid, P_battery, E
