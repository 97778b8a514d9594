"""A site's turbine fleets and BESS sets as the simulator and the dispatch both see them.

One place for three conventions that the electrical network
(:meth:`twin.electrical.network.ElectricalNetwork.from_site`, hence the
simulator) and the dispatch inputs (:mod:`twin.optimize.from_site`) share:

- **fleet label**: ``count x model`` (written ``f"{count}x{model}"``), made unique
  with ``#2``, ``#3``... when a site lists the same fleet twice; it is the
  ``fleet`` coordinate of simulation results and plans.
- **turbine fuel curve**: one unit of a fleet as a
  :class:`~twin.electrical.turbine.GasTurbine` on the Willans line through the
  catalogue's full- and half-load heat rates (LHV, times
  :data:`~twin.electrical.turbine.HHV_PER_LHV`); fuel at any output is
  :func:`~twin.electrical.turbine.fuel_power` of that unit.
- **battery pooling**: several BESS sets act as one
  :class:`~twin.electrical.bess.Battery`: power ``sum(count * P_rated)``;
  stored capacity ``sum(count * E_rated / sqrt(round_trip_efficiency))`` (the
  datasheet energy is what a full discharge delivers); round-trip efficiency,
  SoC window and degradation cost weighted by stored capacity.
"""

from __future__ import annotations

import math

from twin.electrical.bess import Battery
from twin.electrical.turbine import HHV_PER_LHV, GasTurbine, willans_intercept


def fleet_names(turbines) -> list[str]:
    """One label per turbine fleet (``site.electrical.turbines``): ``count x model``, made unique."""
    names, seen = [], {}
    for t in turbines:
        name = f"{t.count}x{t.model}"
        seen[name] = seen.get(name, 0) + 1
        names.append(name if seen[name] == 1 else f"{name}#{seen[name]}")
    return names


def gas_turbine(entry) -> GasTurbine:
    """One unit of a fleet (its catalogue ``entry``) with its fuel curve, as the electrical network runs it."""
    return GasTurbine(P_rated=entry.P_rated, heat_rate_rated=entry.heat_rate_full * HHV_PER_LHV,
                      ramp_rate=entry.ramp_rate, start_time=entry.start_time,
                      min_load_fraction=entry.P_min_fraction,
                      fuel_no_load_fraction=willans_intercept(entry.heat_rate_full, entry.heat_rate_half),
                      NOx_ppm=entry.NOx_ppm)


def _stored(sets) -> list[float]:
    return [b.count * b.entry.E_rated / math.sqrt(b.entry.round_trip_efficiency) for b in sets]


def pooled_battery(sets) -> Battery | None:
    """The BESS sets (``site.electrical.bess``) pooled as one :class:`Battery`; None without any."""
    if not sets:
        return None
    E = _stored(sets)
    E_total = sum(E)

    def weighted(attribute: str) -> float:
        return sum(w * getattr(b.entry, attribute) for w, b in zip(E, sets)) / E_total

    return Battery(P_rated=sum(b.count * b.entry.P_rated for b in sets), E_rated=E_total,
                   round_trip_efficiency=weighted("round_trip_efficiency"),
                   soc_min=weighted("soc_min"), soc_max=weighted("soc_max"))


def pooled_degradation_cost(sets) -> float:
    """Degradation cost (USD per J of throughput) of the pooled sets, weighted by stored capacity; 0 without any."""
    if not sets:
        return 0.0
    E = _stored(sets)
    return sum(w * b.entry.cost_degradation for w, b in zip(E, sets)) / sum(E)
