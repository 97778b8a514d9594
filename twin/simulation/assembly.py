"""Assembly of a site into the engine's arrays and rack types."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from twin.electrical.network import ElectricalNetwork
from twin.site import Site
from twin.thermal.accelerator import AcceleratorThermal
from twin.thermal.network import FacilityLoops, RackGroups, assemble
from twin.thermal.rack_array import RackType

#: Electrical power of the cooling system, by result variable.
COOLING_TERMS = ("P_tcs_pumps", "P_air_fans", "P_fws_pumps", "P_compressors", "P_plant_fans", "P_condenser_pumps")

#: H200 fit to the measured trace (twin.thermal.accelerator.H200_TRACE): die capacity per W of TDP
#: (J/K/W) and the split of die-to-coolant resistance, used to scale catalogue accelerators.
C_DIE_PER_W = 9.925 / 700.0
C_PLATE_PER_W = 500.0 / 1200.0
DIE_PLATE_SHARE = 0.6
#: Rack coolant and manifold heat capacity per W of rack peak (J/K/W): ~1.8e5 J/K for a 132 kW NVL72.
C_COOLANT_PER_W = 1.8e5 / 132e3


@dataclass(frozen=True)
class Model:
    """A site assembled for simulation."""

    site: Site
    groups: RackGroups
    loops: FacilityLoops
    rack_types: tuple[RackType | None, ...]  #: per group; None for rear-door (air) racks
    C_coils: np.ndarray  #: per loop: capacity flow through rear-door and CRAH coils (W/K)
    electrical: ElectricalNetwork  #: the power chain, for the losses that warm the halls
    it_share: np.ndarray  #: per loop: share of the site's IT peak

    def hall_losses(self, P_it) -> np.ndarray:
        """UPS and distribution losses (W) at total IT power ``P_it`` (W): heat in the halls, per loop."""
        chain = self.electrical.demand(np.asarray(P_it, dtype=float), 0.0)
        return np.multiply.outer(chain["P_losses_ups"] + chain["P_losses_distribution"], self.it_share)


def rack_type(model, C_flow: float) -> RackType:
    """Rack thermal parameters of a catalogue rack with TCS capacity flow ``C_flow`` (W/K) per rack.

    Die and plate capacities scale with the accelerator's TDP from the H200 fit
    and the B200 cold-plate estimate; the catalogue's die-to-coolant resistance
    is split 60/40 between die-to-plate and plate-to-coolant (estimates, see
    twin.thermal.accelerator).
    """
    P = model.P_accelerator
    accelerator = AcceleratorThermal(
        C_die=C_DIE_PER_W * P, C_plate=C_PLATE_PER_W * P,
        R_die_plate=DIE_PLATE_SHARE * model.R_die_coolant,
        R_plate_coolant=(1 - DIE_PLATE_SHARE) * model.R_die_coolant,
        T_throttle=model.T_throttle, T_shutdown=model.T_shutdown)
    return RackType(name=model.name, n_accelerators=model.accelerator_count, accelerator=accelerator,
                    accelerator_power_fraction=model.accelerator_count * P / model.P_peak,
                    liquid_fraction=model.liquid_fraction, C_flow=C_flow,
                    C_coolant=C_COOLANT_PER_W * model.P_peak, P_nominal=model.P_peak)


def build(site: Site, *, out_of_service: dict[str, float] | None = None) -> Model:
    """Assemble ``site`` into arrays and rack types."""
    groups, loops = assemble(site, out_of_service=out_of_service)
    types = []
    for i, g in enumerate(site.rack_groups):
        liquid = groups.C_tcs[i] > 0
        types.append(rack_type(g.model, groups.C_tcs[i] / groups.n_racks[i]) if liquid else None)
    air_heat = (1 - groups.liquid_fraction) * groups.P_peak * groups.n_racks
    C_coils = np.array([air_heat[groups.loop == i].sum() / site.facility_loops[i].delta_T_nominal
                        for i in range(len(loops.names))])
    peak = groups.P_peak * groups.n_racks
    it_share = np.array([peak[groups.loop == i].sum() for i in range(len(loops.names))]) / peak.sum()
    return Model(site, groups, loops, tuple(types), np.maximum(C_coils, 1.0), ElectricalNetwork.from_site(site),
                 it_share)
