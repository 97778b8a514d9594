"""Facility mains and cold-water storage of the dynamic plant."""

from __future__ import annotations

import numpy as np

from twin.site import Site
from twin.thermal.network import CP_FACILITY, RHO_FACILITY, FacilityLoops
from twin.thermal.pipe import Pipe, pipe_initial_state, plug_flow_step
from twin.thermal.storage import StratifiedTank, TankState, tank_energy, tank_step

class _Main:
    """A facility main: plug-flow transport delay (no wall capacity), exact energy bookkeeping."""

    def __init__(self, volume: float, T: float):
        self.volume = volume
        self.state = pipe_initial_state(Pipe(volume), T)

    def outflow(self, V_in: float) -> float:
        """Mean temperature leaving while ``V_in`` (m3) enters; needs V_in <= volume."""
        return plug_flow_step(self.state, self.volume, 0.0, V_in)[2]

    def push(self, T_in: float, V_in: float) -> None:
        W, G, _ = plug_flow_step(self.state, self.volume, T_in, V_in)
        self.state = type(self.state)(W, G, self.state.T_wall)

    def stored(self) -> float:
        """Heat of the water in the main relative to 0 degC (J)."""
        W, G = self.state.W, self.state.G
        return RHO_FACILITY * CP_FACILITY * float(G[-1] - np.interp(W[-1] - self.volume, W, G))



class _Storage:
    """A loop's share of its plant's cold-water tanks, discharged when the plant falls short.

    Charged at ``T_set - delta_T_nominal`` at the start (full); while the plant's
    supply is above the set-point, the share ``x`` of the loop flow that brings
    the mix back to the set-point passes through the tank (cold water out at
    the bottom, warm plant water in at the top).  Not recharged within a run.
    """

    def __init__(self, tank: StratifiedTank, T_cold: float):
        self.tank = tank
        self.state = TankState(tank.volume, T_cold, T_cold)

    def energy(self) -> float:
        return tank_energy(self.tank, self.state)

    def serve(self, T_plant: float, T_set: float, V: float, T_ambient: float, dt: float) -> tuple[float, float]:
        """Supply temperature after the tank, and the tank's mean ambient gain (W), for one step."""
        x = 0.0
        if T_plant > T_set + 1e-6 and self.state.V_cold > 0 and self.state.T_cold < T_set:
            x = min((T_plant - T_set) / (T_plant - self.state.T_cold), 1.0)
        step = tank_step(self.tank, self.state, -x * V / dt, T_plant, T_ambient, dt)
        self.state = step.state
        return (1 - x) * T_plant + x * step.T_out, step.Q_flow_ambient

    def hours_left(self, V_flow_design: float) -> float:
        """Hours the remaining cold water could carry the whole loop at design flow."""
        return self.state.V_cold / V_flow_design / 3600.0


def _storage(site: Site, loops: FacilityLoops, i: int) -> _Storage | None:
    plant = site.plant(loops.plant_names[i])
    model = plant.storage_model
    if model is None or plant.storage_count == 0:
        return None
    tank = StratifiedTank(volume=plant.storage_count * model.volume * loops.plant_share[i],
                          UA_ambient=plant.storage_count * model.UA_loss * loops.plant_share[i],
                          rho=RHO_FACILITY, cp=CP_FACILITY)
    return _Storage(tank, loops.T_set[i] - model.delta_T_nominal)
