"""The site's electrical network from the point of interconnection (POI) to the racks, stepped at the IT step.

Topology (one aggregated path per stage; equal units share their load)::

    utility ─POI─┐                             ┌─ unit substations ─ UPS ─ distribution ─ racks (IT)
    turbines ────┼─ HV bus ─ substations ─ MV bus
    BESS ────────┘                             └─ unit substations ─ cooling (pumps, fans, chillers)

- Sources inject on the HV bus at the POI: the utility import ``P_poi`` (no
  export: ``0 <= P_poi <= P_import_max``), the gas-turbine fleets (at their
  generator terminals; step-up transformer losses are inside the heat rate) and
  the Megapacks (AC side; their transformers are inside the round-trip
  efficiency).  So the substation transformers carry the whole facility demand,
  as ``twin.site.check_plausibility`` sizes them.
- Substation transformers (HV/MV) share the facility load over the units in
  service; unit substations (MV/LV) share the hall load: the UPS input plus
  the cooling.  **Cooling loads (pumps, fans, chillers) are fed from the MV bus
  through the unit substations but not through the UPS**; they have no
  battery behind them other than the site BESS.
- UPS modules share the IT load (output = distribution input).  Sites without
  a UPS feed the distribution straight from the unit substations.
- Distribution (busway, rack PDUs, cabling) is rated at the site IT peak.
- Rack power supplies are not a stage: the catalogue ``P_peak`` is the rack
  *input* power, so PSU losses are already inside ``P_it``.
- Units in service: ``count - spares`` (spares cold, neither loaded nor
  energised), unless ``spares_in_service=True`` (redundant units energised and
  sharing load, e.g. distributed-redundant UPS: more no-load loss).
- Power factor 1 by default (``power_factor`` scales transformer ratings).

Catalogue mappings (:meth:`ElectricalNetwork.from_site`):

- transformer: ``P_load_loss_rated`` -> ``Transformer.P_load_rated``;
- UPS: ``fit_ups_loss_coefficients(load_points, efficiency_points)`` for the
  entry's own mode; the other mode's curve from the reference curves of
  research/physics.md 5.1 (:data:`DOUBLE_CONVERSION_REFERENCE`,
  :data:`ECO_REFERENCE`).  Battery energy per module ``E_battery`` (delivered
  to the inverter);
- distribution: ``P_no_load = no_load_fraction * P_rated``; the rest of the
  loss at rated load, ``(loss_fraction_nominal - no_load_fraction) * P_rated``,
  is split into a proportional part and an I^2 R part, by default half and half
  (:data:`DISTRIBUTION_SQUARE_LAW_SHARE`, an estimate [E]: busway and cable
  conductors are I^2 R, rack PDU breakers, contacts and metering mostly
  proportional or fixed; Rasmussen, APC White Paper 113).  The total loss at
  rated load is exactly ``loss_fraction_nominal * P_rated``;
- BESS: the datasheet energy is what a full discharge delivers, so the stored
  capacity is ``E_rated = count * E_datasheet / sqrt(round_trip_efficiency)``
  (as in tests/electrical/test_bess.py); the catalogue SoC window
  (5-95 %) then applies on top.  Several BESS sets are pooled (power and
  energy summed, efficiency and SoC window energy-weighted; the rule of
  :func:`twin.electrical.fleets.pooled_battery`, which the dispatch uses too);
- turbine: ``heat_rate_rated = heat_rate_full * HHV_PER_LHV`` (catalogue heat
  rates are LHV), ``fuel_no_load_fraction = willans_intercept(full, half)``,
  ``min_load_fraction = P_min_fraction``, ``NOx_ppm`` for NOx by the F-factor
  method of :mod:`twin.electrical.turbine` (:func:`twin.electrical.fleets.gas_turbine`,
  which the dispatch uses too).

Dispatch, each IT step (all sources on the HV bus, demand ``D`` = IT + cooling
+ losses, normal operation):

1. Slow target ``S = D + (soc_set E_rated - E) / recentring_time`` (the second
   term recharges or discharges the BESS towards its set-point).
2. Turbines carry what the grid cannot: ``max(S - grid capacity, 0)``, shared
   by the running units in proportion to rating, held within
   ``[min load, rating]`` of the running units and moved at most
   ``n_running * ramp_rate * dt`` per step (the *schedule*,
   :func:`twin.electrical.turbine.fleet_ramp_step`).
3. Grid: ``S - turbines`` within ``[0, P_import_max]`` (0 during an outage),
   and, with ``poi_ramp_limit``, moved at most ``poi_ramp_limit * dt`` from the
   previous step (:func:`twin.electrical.bess.grid_target`, the ramp-smoothing controller's target).
4. BESS: the rest, ``D - turbines - grid``, within its power and SoC limits
   (:func:`twin.electrical.bess.battery_step`).
5. If the BESS hits a limit: a shortfall is taken by the turbines' ramp
   headroom, then by the grid up to its capacity (breaking the ramp limit); a
   surplus is shed by the turbine governors below their schedule (the schedule
   keeps its ramp state), then by the grid down to zero.
6. What is still short is a shortfall at the bus: the load served is the
   largest the sources can feed through the transformers; cooling is served
   first (it has no other backup), the UPS takes what is left and its
   batteries carry the rest of the IT (a share of modules on battery, each on
   the double-conversion path) until they are empty; beyond that IT load is
   unserved (``P_unserved_it``), as is any cooling not served.

Turbine commitment, at each block start and at every event: units are started
in merit order (lowest rated heat rate first) until running plus starting
capacity covers ``max(D) - grid capacity`` over the rest of the block plus a
spinning reserve (default: the largest unit); none when the grid covers the
demand.  The controller thus knows the demand of the current plant step (a
perfect forecast of at most one block).  A start synchronises after
``start_time`` and ramps from zero: the network keeps each start's command time
and asks the tested :func:`twin.electrical.turbine.turbine_step` whether the
unit has synchronised within the IT step.  At block starts, units are stopped in
reverse merit order when the rest still cover the largest need of the last
``decommit_delay`` s, the unit has run ``min_up_time``, and the other running
units of its fleet can take its output; when no turbine is needed at all, the
last units stop at minimum load and the grid and BESS take their output at
once (a real unit unloads over a minute or two).  ``min_down_time`` is not
enforced.  Running units whose share of the load is below their minimum load
run below it (an island must balance); the schedule stays at the minimum.

Events (times in s from the simulation start, as ``t0``): a
:class:`UtilityOutage` sets the grid capacity to 0 over ``[start, start +
duration)``; the BESS and running turbines hold the island at once (grid-forming
inverters, no transfer gap), the UPS batteries carry the IT share the bus
cannot, turbines start; a :class:`TurbineTrip` removes running units (their
output lost at once) for the rest of the run.  UPS batteries recharge at
``ups_recharge_fraction`` of the UPS rating whenever the bus can feed it
(lowest priority load, ``P_ups_battery < 0``).

Performance: the chain losses are vectorised over the block; the controller is
a loop of Python floats over the IT steps, ~5-10 us per step with three
turbine fleets: a Colossus 2 day at 1 s (86,400 steps in blocks of 60) takes
~0.5-0.9 s on the 2-core reference machine (benchmarks/bench_electrical.py).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import Iterable, Sequence

import numpy as np

from twin.electrical import metrics
from twin.electrical.bess import Battery, battery_step, grid_target, recentring_power
from twin.electrical.distribution import Distribution
from twin.electrical.fleets import gas_turbine, pooled_battery
from twin.electrical.transformer import Transformer
from twin.electrical.turbine import (
    CO2_PER_FUEL,
    GasTurbine,
    fleet_ramp_step,
    fuel_power,
    turbine_step,
    nox_emission_factor,
)
from twin.electrical.ups import UPS, fit_ups_loss_coefficients
from twin.compiled import kernel as compiled_kernel
from twin.errors import InputError, Problem

_SOURCE = "electrical network"

#: UPS reference curves (research/physics.md 5.1) [E]: load fractions and efficiencies.
UPS_REFERENCE_LOADS = (0.25, 0.50, 0.75, 1.00)
DOUBLE_CONVERSION_REFERENCE = (0.935, 0.955, 0.965, 0.968)
ECO_REFERENCE = (0.985, 0.990, 0.990, 0.990)
#: Share of the distribution's variable loss at rated load that is I^2 R (the rest proportional) [E].
DISTRIBUTION_SQUARE_LAW_SHARE = 0.5


# --- events and options ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class UtilityOutage:
    """The utility supplies nothing over ``[start, start + duration)`` (s from the simulation start)."""

    start: float
    duration: float


@dataclass(frozen=True)
class TurbineTrip:
    """``units`` turbines of ``fleet`` (index, or catalogue model name) trip at ``start`` (s) and stay out."""

    start: float
    fleet: int | str
    units: int = 1


@dataclass(frozen=True)
class ElectricalControl:
    """Controller options.

    ``poi_ramp_limit`` (W/s): the POI import moves at most this fast while the
    BESS has power and energy room (None: no smoothing, the grid follows the
    load).  ``soc_set`` and ``recentring_time`` (s): the BESS drifts back to
    ``soc_set`` of its capacity over about ``recentring_time``.
    ``spinning_reserve`` (W): turbine capacity committed beyond the turbine
    load (None: the largest unit rating).  ``ups_recharge_fraction``: UPS
    battery recharge power as a share of the UPS rating [E 0.1];
    ``ups_charge_efficiency``: share of recharge power stored [E 0.95].
    ``soc_initial``: BESS state of charge at :meth:`ElectricalNetwork.initial_state`
    (None: ``soc_set``).  ``decommit_delay`` (s): turbines are stopped only
    when the need has stayed below the remaining capacity for this long (a
    training job restarts within 5-20 min and returns to full power in
    seconds, faster than a turbine start).
    """

    poi_ramp_limit: float | None = None
    soc_set: float = 0.5
    recentring_time: float = 900.0
    spinning_reserve: float | None = None
    ups_recharge_fraction: float = 0.1
    ups_charge_efficiency: float = 0.95
    soc_initial: float | None = None
    decommit_delay: float = 3600.0

    def check(self) -> None:
        checks = [
            (self.poi_ramp_limit is None or self.poi_ramp_limit > 0, "poi_ramp_limit", self.poi_ramp_limit,
             "None or a positive ramp rate in W/s"),
            (0.0 <= self.soc_set <= 1.0, "soc_set", self.soc_set, "a state of charge between 0 and 1"),
            (self.recentring_time > 0, "recentring_time", self.recentring_time, "a positive time in s"),
            (self.spinning_reserve is None or self.spinning_reserve >= 0, "spinning_reserve",
             self.spinning_reserve, "None or a power of zero or more (W)"),
            (self.ups_recharge_fraction >= 0, "ups_recharge_fraction", self.ups_recharge_fraction,
             "a share of the UPS rating of zero or more"),
            (0.0 < self.ups_charge_efficiency <= 1.0, "ups_charge_efficiency", self.ups_charge_efficiency,
             "an efficiency in (0, 1]"),
            (self.soc_initial is None or 0.0 <= self.soc_initial <= 1.0, "soc_initial", self.soc_initial,
             "None or a state of charge between 0 and 1"),
            (self.decommit_delay >= 0, "decommit_delay", self.decommit_delay, "a time of zero or more (s)"),
        ]
        problems = [Problem("electrical control", name, str(found), expected)
                    for ok, name, found, expected in checks if not ok]
        if problems:
            raise InputError(problems)


# --- state and results -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ElectricalState:
    """Network state between blocks.

    ``E_bess`` and ``E_ups`` stored energy (J); ``P_poi`` grid import of the
    last step (W); per fleet: ``P_turbines_scheduled`` (W, the ramp-limited
    schedule), ``n_running``, ``running_since`` (synchronisation times, s),
    ``starting`` (start command times of units starting, s), ``n_tripped``
    and ``n_starts`` (starts so far); ``need_history`` (end time s, turbine
    power needed W) of recent blocks, for ``decommit_delay``.
    """

    E_bess: float
    E_ups: float
    P_poi: float
    P_turbines_scheduled: tuple[float, ...]
    n_running: tuple[int, ...]
    running_since: tuple[tuple[float, ...], ...]
    starting: tuple[tuple[float, ...], ...]
    n_tripped: tuple[int, ...]
    n_starts: tuple[int, ...]
    need_history: tuple[tuple[float, float], ...] = ()


#: Per-IT-step results of :meth:`ElectricalNetwork.step_block`: name -> (per fleet?, units, long name).
BLOCK_VARIABLES: dict[str, tuple[bool, str, str]] = {
    "P_poi": (False, "W", "grid import at the point of interconnection"),
    "P_turbines": (True, "W", "gas-turbine output per fleet"),
    "n_turbines_online": (True, "1", "synchronised turbines per fleet"),
    "P_bess": (False, "W", "BESS power at the bus, positive discharging"),
    "E_bess": (False, "J", "BESS stored energy at the end of the step"),
    "soc": (False, "1", "BESS state of charge at the end of the step (0 without a BESS)"),
    "P_ups_battery": (False, "W", "UPS battery power, positive discharging (outage), negative recharging"),
    "E_ups": (False, "J", "UPS battery energy at the end of the step"),
    "P_losses_transformers": (False, "W", "substation and unit-substation transformer losses"),
    "P_losses_ups": (False, "W", "UPS losses"),
    "P_losses_distribution": (False, "W", "busway, PDU and cabling losses"),
    "P_it_served": (False, "W", "IT power delivered to the racks"),
    "P_cooling_served": (False, "W", "cooling power delivered"),
    "P_unserved_it": (False, "W", "IT load that could not be served"),
    "P_unserved_cooling": (False, "W", "cooling load that could not be served"),
    "P_unserved": (False, "W", "load that could not be served (IT plus cooling)"),
    "P_demand": (False, "W", "site demand served: IT and cooling served plus all losses"),
    "fuel": (True, "W", "turbine fuel input per fleet (HHV)"),
    "NOx": (True, "kg/s", "turbine NOx emission rate per fleet (as NO2)"),
    "CO2": (True, "kg/s", "turbine CO2 emission rate per fleet"),
    "P_residual": (False, "W", "power balance: sources + storage discharge - loads - losses"),
}


@dataclass(frozen=True)
class ElectricalBlock:
    """Results of one block of ``K`` IT steps: arrays of shape ``(K,)`` or ``(K, n_fleets)``.

    Names, units and meanings: :data:`BLOCK_VARIABLES`.
    """

    t: np.ndarray  #: start time of each step (s)
    P_poi: np.ndarray
    P_turbines: np.ndarray
    n_turbines_online: np.ndarray
    P_bess: np.ndarray
    E_bess: np.ndarray
    soc: np.ndarray
    P_ups_battery: np.ndarray
    E_ups: np.ndarray
    P_losses_transformers: np.ndarray
    P_losses_ups: np.ndarray
    P_losses_distribution: np.ndarray
    P_it_served: np.ndarray
    P_cooling_served: np.ndarray
    P_unserved_it: np.ndarray
    P_unserved_cooling: np.ndarray
    P_unserved: np.ndarray
    P_demand: np.ndarray
    fuel: np.ndarray
    NOx: np.ndarray
    CO2: np.ndarray
    P_residual: np.ndarray

    def arrays(self) -> dict[str, np.ndarray]:
        """The per-step arrays by name (including ``t``)."""
        return {name: getattr(self, name) for name in ("t", *BLOCK_VARIABLES)}

    def plant_step_values(self) -> dict[str, np.ndarray | float]:
        """One value per variable for the whole block (a plant step): the mean over the IT steps, so that
        ``mean * plant_step`` is the block's energy, except the stored energies and SoC (``E_bess``, ``soc``,
        ``E_ups``: the value at the end of the block).  Per-fleet variables give one value per fleet."""
        end = ("E_bess", "soc", "E_ups")
        return {name: (getattr(self, name)[-1] if name in end else getattr(self, name).mean(axis=0))
                for name in BLOCK_VARIABLES}


def concatenate_blocks(blocks: Iterable[ElectricalBlock]) -> dict[str, np.ndarray]:
    """Join consecutive blocks along time: name -> array of all steps."""
    blocks = list(blocks)
    return {name: np.concatenate([getattr(b, name) for b in blocks]) for name in ("t", *BLOCK_VARIABLES)}


# --- the network -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ElectricalNetwork:
    """The chain from the POI to the racks, with its sources and storage.

    Per-unit stages and the number of units in service: ``substation`` x
    ``n_substation``, ``unit_substation`` x ``n_unit_substation``, ``ups`` x
    ``n_ups`` (``ups`` None for sites without one); ``distribution`` rated at
    the site IT peak; ``battery`` the pooled BESS (None without one);
    ``turbines`` one :class:`GasTurbine` per fleet with ``turbine_counts``
    units; ``P_import_max`` (W) the grid import limit.
    """

    name: str
    P_import_max: float
    substation: Transformer
    n_substation: int
    unit_substation: Transformer
    n_unit_substation: int
    ups: UPS | None
    n_ups: int
    distribution: Distribution
    battery: Battery | None
    turbines: tuple[GasTurbine, ...]
    turbine_counts: tuple[int, ...]
    turbine_names: tuple[str, ...]
    turbine_min_up_time: tuple[float, ...]
    control: ElectricalControl = field(default_factory=ElectricalControl)
    islanded: bool = False

    # --- construction --------------------------------------------------------------------------------

    @classmethod
    def from_site(cls, site, control: ElectricalControl | None = None, *, power_factor: float = 1.0,
                  spares_in_service: bool = False,
                  distribution_square_share: float = DISTRIBUTION_SQUARE_LAW_SHARE) -> "ElectricalNetwork":
        """Build the network of ``site`` (a :class:`twin.site.Site`) from its catalogue entries."""
        control = control or ElectricalControl()
        control.check()
        el, file = site.electrical, site.file
        if not 0.0 < power_factor <= 1.0:
            raise InputError.one(_SOURCE, "power_factor", power_factor, "a power factor in (0, 1]")
        if not 0.0 <= distribution_square_share <= 1.0:
            raise InputError.one(_SOURCE, "distribution_square_share", distribution_square_share,
                                 "a share between 0 and 1")

        def in_service(equipment, where: str) -> int:
            n = equipment.count if spares_in_service else equipment.count - equipment.spares
            if n < 1:
                raise InputError.one(file, f"{where}.spares", equipment.spares,
                                     f"fewer spares than units ({equipment.count})")
            return n

        def transformer(entry) -> Transformer:
            return Transformer(S_rated=entry.S_rated, P_no_load=entry.P_no_load,
                               P_load_rated=entry.P_load_loss_rated, power_factor=power_factor)

        ups, n_ups = None, 0
        if el.ups is not None:
            entry = el.ups.entry
            own = fit_ups_loss_coefficients(entry.load_points, entry.efficiency_points)
            if entry.mode == "double_conversion":
                dc, eco = own, fit_ups_loss_coefficients(UPS_REFERENCE_LOADS, ECO_REFERENCE)
            else:
                dc, eco = fit_ups_loss_coefficients(UPS_REFERENCE_LOADS, DOUBLE_CONVERSION_REFERENCE), own
            ups = UPS(entry.P_rated, *dc, *eco, E_battery=entry.E_battery, mode=entry.mode)
            n_ups = in_service(el.ups, "electrical.ups")

        model = el.distribution_model
        if model is None:
            raise InputError.one(file, "electrical.distribution", repr(el.distribution),
                                 "a distribution model in the catalogue")
        variable = model.loss_fraction_nominal - model.no_load_fraction
        if variable < 0:
            raise InputError.one(f"distribution '{model.name}'", "no_load_fraction", model.no_load_fraction,
                                 f"at most loss_fraction_nominal ({model.loss_fraction_nominal:g})")
        P_rated = site.P_it_peak
        distribution = Distribution(P_rated=P_rated, loss_fraction=(1 - distribution_square_share) * variable,
                                    P_loss_rated=distribution_square_share * variable * P_rated,
                                    P_no_load=model.no_load_fraction * P_rated)

        battery = pooled_battery(el.bess)
        if battery is not None:
            if not battery.soc_min <= control.soc_set <= battery.soc_max:
                raise InputError.one("electrical control", "soc_set", control.soc_set,
                                     f"a state of charge within the BESS window "
                                     f"[{battery.soc_min:g}, {battery.soc_max:g}]")

        turbines = tuple(gas_turbine(t.entry) for t in el.turbines)
        return cls(name=site.name, P_import_max=el.utility.P_import_max,
                   substation=transformer(el.substation.entry),
                   n_substation=in_service(el.substation, "electrical.substation"),
                   unit_substation=transformer(el.unit_substation.entry),
                   n_unit_substation=in_service(el.unit_substation, "electrical.unit_substation"),
                   ups=ups, n_ups=n_ups, distribution=distribution, battery=battery, turbines=turbines,
                   turbine_counts=tuple(t.count for t in el.turbines),
                   turbine_names=tuple(t.model for t in el.turbines),
                   turbine_min_up_time=tuple(t.entry.min_up_time for t in el.turbines),
                   control=control, islanded=el.islanded)

    # --- steady chain --------------------------------------------------------------------------------

    def _transformer_coefficients(self) -> tuple[float, float, float, float]:
        """Input = L + a + b L^2 for the unit substations (a_u, b_u) and the substation (a_s, b_s)."""
        u, s = self.unit_substation, self.substation
        nu, ns = self.n_unit_substation, self.n_substation
        return (nu * u.P_no_load, u.P_load_rated / (nu * (u.S_rated * u.power_factor) ** 2),
                ns * s.P_no_load, s.P_load_rated / (ns * (s.S_rated * s.power_factor) ** 2))

    def transformer_losses(self, P_low_voltage):
        """Losses of both transformer stages (W) when the unit substations deliver ``P_low_voltage`` (W)."""
        L = np.asarray(P_low_voltage, dtype=float)
        Lu = L + self.n_unit_substation * self.unit_substation.loss(L / self.n_unit_substation)
        return Lu - L + self.n_substation * self.substation.loss(Lu / self.n_substation)

    def ups_loss(self, P_out, mode: str | None = None):
        """UPS loss (W) at total output ``P_out`` (W), in its own mode or ``mode``; 0 without a UPS."""
        P_out = np.asarray(P_out, dtype=float)
        if self.ups is None:
            return np.zeros_like(P_out)
        ups = self.ups if mode is None or mode == self.ups.mode else self._ups_double_conversion
        return self.n_ups * ups.loss(P_out / self.n_ups)

    @cached_property
    def _ups_double_conversion(self) -> UPS:
        """The UPS on its double-conversion path (how it runs on battery)."""
        return replace(self.ups, mode="double_conversion")

    def demand(self, P_it, P_cooling) -> dict[str, np.ndarray]:
        """Normal operation (all load served, UPS on mains, no recharge): the HV-bus demand and the losses (W)."""
        P_it = np.asarray(P_it, dtype=float)
        P_cooling = np.broadcast_to(np.asarray(P_cooling, dtype=float), P_it.shape)
        P_dist = self.distribution.input_power(P_it)
        P_ups_in = P_dist + self.ups_loss(P_dist)
        P_lv = P_ups_in + P_cooling
        losses_t = self.transformer_losses(P_lv)
        return {"P_demand": P_lv + losses_t, "P_losses_transformers": losses_t,
                "P_losses_ups": P_ups_in - P_dist, "P_losses_distribution": P_dist - P_it}

    # --- turbine commitment --------------------------------------------------------------------------

    def _merit_order(self) -> list[int]:
        return sorted(range(len(self.turbines)), key=lambda f: (self.turbines[f].heat_rate_rated, f))

    def _reserve(self) -> float:
        if self.control.spinning_reserve is not None:
            return self.control.spinning_reserve
        return max((t.P_rated for t in self.turbines), default=0.0)

    def _commit(self, fleets: dict, required: float, t: float, stop_required: float | None = None) -> None:
        """Start units so running + starting capacity covers ``required`` + reserve (W); with
        ``stop_required``, stop units while the rest cover ``max(required, stop_required)`` + reserve."""
        if not self.turbines:
            return
        reserve = self._reserve()
        need = required + reserve if required > 0 else 0.0
        run, starting, since, sched = fleets["n_running"], fleets["starting"], fleets["running_since"], fleets["sched"]
        capacity = sum((run[f] + len(starting[f])) * tb.P_rated for f, tb in enumerate(self.turbines))
        for f in self._merit_order():
            tb = self.turbines[f]
            while capacity < need and (self.turbine_counts[f] - run[f] - len(starting[f])
                                       - fleets["n_tripped"][f]) > 0:
                starting[f].append(t)  # the start command
                fleets["n_starts"][f] += 1
                capacity += tb.P_rated
        if stop_required is None:
            return
        if stop_required > 0:
            need = max(need, stop_required + reserve)
        for f in reversed(self._merit_order()):
            tb = self.turbines[f]
            while starting[f] and capacity - tb.P_rated >= need:
                starting[f].pop()
                capacity -= tb.P_rated
            while (run[f] > 0 and capacity - tb.P_rated >= need and t - since[f][0] >= self.turbine_min_up_time[f]
                   and (sched[f] <= (run[f] - 1) * tb.P_rated or need == 0.0)):
                since[f].pop(0)
                sched[f] *= (run[f] - 1) / run[f] if sched[f] > (run[f] - 1) * tb.P_rated else 1.0
                run[f] -= 1
                capacity -= tb.P_rated

    # --- stepping ------------------------------------------------------------------------------------

    def initial_state(self, P_it, P_cooling) -> ElectricalState:
        """Steady operation at the mean of ``P_it`` and ``P_cooling`` (W): turbines committed and running,
        BESS at ``soc_initial`` (default ``soc_set``), UPS batteries full."""
        P_it = np.atleast_1d(np.asarray(P_it, dtype=float))
        P_cooling = np.broadcast_to(np.asarray(P_cooling, dtype=float), P_it.shape)
        self._check_power(P_it, P_cooling)
        D = self.demand(P_it, P_cooling)["P_demand"]
        nf = len(self.turbines)
        fleets = {"n_running": [0] * nf, "starting": [[] for _ in range(nf)], "running_since": [[] for _ in range(nf)],
                  "sched": [0.0] * nf, "n_tripped": [0] * nf, "n_starts": [0] * nf}
        self._commit(fleets, float(D.max()) - self.P_import_max, 0.0)
        # units committed at the start are already running (synchronised long ago)
        for f in range(nf):
            fleets["n_running"][f] = len(fleets["starting"][f])
            fleets["running_since"][f] = [-math.inf] * fleets["n_running"][f]
            fleets["starting"][f] = []
            fleets["n_starts"][f] = 0
        target = max(float(D.mean()) - self.P_import_max, 0.0)
        capacity = sum(fleets["n_running"][f] * tb.P_rated for f, tb in enumerate(self.turbines))
        F = 0.0
        for f, tb in enumerate(self.turbines):
            n = fleets["n_running"][f]
            if n:
                share = target * n * tb.P_rated / capacity
                fleets["sched"][f] = min(max(share, n * tb.min_load_fraction * tb.P_rated), n * tb.P_rated)
                F += fleets["sched"][f]
        P_poi = min(max(float(D.mean()) - F, 0.0), self.P_import_max)
        soc = self.control.soc_set if self.control.soc_initial is None else self.control.soc_initial
        E_bess = 0.0
        if self.battery is not None:
            E_bess = min(max(soc * self.battery.E_rated, self.battery.E_min), self.battery.E_max)
        return ElectricalState(E_bess=E_bess, E_ups=self._E_ups_max(), P_poi=P_poi,
                               P_turbines_scheduled=tuple(fleets["sched"]),
                               n_running=tuple(fleets["n_running"]),
                               running_since=tuple(tuple(s) for s in fleets["running_since"]),
                               starting=tuple(() for _ in range(nf)), n_tripped=(0,) * nf, n_starts=(0,) * nf)

    def _E_ups_max(self) -> float:
        return 0.0 if self.ups is None else self.n_ups * self.ups.E_battery

    def _check_power(self, P_it, P_cooling) -> None:
        problems = []
        if P_it.ndim != 1 or P_it.size == 0 or not np.all(np.isfinite(P_it)) or np.any(P_it < 0):
            problems.append(Problem(_SOURCE, "P_it", f"shape {P_it.shape}", "a 1-D array of finite IT powers >= 0 (W)"))
        if not np.all(np.isfinite(P_cooling)) or np.any(P_cooling < 0):
            problems.append(Problem(_SOURCE, "P_cooling", "negative or non-finite values", "finite powers >= 0 (W)"))
        if problems:
            raise InputError(problems)

    def _fleet_index(self, fleet) -> int:
        if isinstance(fleet, str) and fleet in self.turbine_names:
            return self.turbine_names.index(fleet)
        if isinstance(fleet, (int, np.integer)) and not isinstance(fleet, bool) and 0 <= fleet < len(self.turbines):
            return int(fleet)
        raise InputError.one("TurbineTrip", "fleet", repr(fleet),
                             f"a fleet index below {len(self.turbines)} or one of {list(self.turbine_names)}")

    def step_block(self, state: ElectricalState, P_it, P_cooling, dt: float, t0: float,
                   events: Sequence[UtilityOutage | TurbineTrip] = ()) -> tuple[ElectricalState, ElectricalBlock]:
        """Advance ``K = len(P_it)`` IT steps of ``dt`` (s) starting at ``t0`` (s from the simulation start).

        ``P_it`` (K,) total IT power at the rack inputs (W); ``P_cooling`` scalar
        or (K,) (W).  Step ``i`` covers ``[t0 + i dt, t0 + (i+1) dt)``; powers are
        held over each step.  ``events`` (:class:`UtilityOutage`,
        :class:`TurbineTrip`) may be the whole run's list, passed to every
        block: each acts on the steps of this block it covers.  Returns the new
        state and the block's per-step arrays (:class:`ElectricalBlock`).
        """
        P_it = np.asarray(P_it, dtype=float)
        if P_it.ndim == 0:
            P_it = P_it[None]
        K = P_it.size
        P_cooling = np.array(np.broadcast_to(np.asarray(P_cooling, dtype=float), P_it.shape))
        self._check_power(P_it, P_cooling)
        if not dt > 0:
            raise InputError.one(_SOURCE, "dt", dt, "a positive IT step in s")
        c = self.control
        t = t0 + dt * np.arange(K)

        # --- events: grid capacity per step, trips per step, steps where commitment is re-evaluated
        grid_cap = np.full(K, float(self.P_import_max))
        trips: dict[int, list[tuple[int, int]]] = {}
        tol = 1e-9 * dt
        for event in events:
            if isinstance(event, UtilityOutage):
                if not event.duration > 0:
                    raise InputError.one("UtilityOutage", "duration", event.duration, "a positive time in s")
                grid_cap[(t >= event.start - tol) & (t < event.start + event.duration - tol)] = 0.0
            elif isinstance(event, TurbineTrip):
                f = self._fleet_index(event.fleet)
                if isinstance(event.units, bool) or not isinstance(event.units, (int, np.integer)) or event.units < 1:
                    raise InputError.one("TurbineTrip", "units", event.units, "a whole number of units >= 1")
                i = int(math.ceil((event.start - t0) / dt - 1e-9))
                if 0 <= i < K:
                    trips.setdefault(i, []).append((f, int(event.units)))
            else:
                raise InputError.one(_SOURCE, "events", type(event).__name__, "UtilityOutage or TurbineTrip events")
        recommit = np.zeros(K, dtype=bool)
        recommit[0] = True
        recommit[1:] = grid_cap[1:] != grid_cap[:-1]
        for i in trips:
            recommit[i] = True

        # --- vectorised chain below the unit substations (normal operation)
        P_dist = self.distribution.input_power(P_it)
        P_ups_in = P_dist + self.ups_loss(P_dist)
        normal = self.demand(P_it, P_cooling)
        D_rest_max = np.maximum.accumulate(normal["P_demand"][::-1])[::-1]  # max demand over the rest of the block

        au, bu, as_, bs = self._transformer_coefficients()
        battery = self.battery
        if battery is not None:  # the compiled form of the tested battery_step (bit-equal), the numpy one without numba
            compiled = compiled_kernel("twin.electrical._bess_kernel")
            if compiled is not None:
                battery_step_scalar = compiled.battery_step_scalar
            else:  # pragma: no cover - numba is a dependency
                def battery_step_scalar(P_rated, E_min, E_max, eta, E, P_request, dt):
                    P, E_next = battery_step(battery, E, P_request, dt)
                    return float(P), float(E_next)
            bess_args = (float(battery.P_rated), float(battery.E_min), float(battery.E_max), battery.efficiency)
        ramp_step = None if c.poi_ramp_limit is None else c.poi_ramp_limit * dt
        E_ups_max = self._E_ups_max()
        P_recharge_max = 0.0 if self.ups is None else c.ups_recharge_fraction * self.n_ups * self.ups.P_rated
        eta_u = c.ups_charge_efficiency

        nf = len(self.turbines)
        fl = {"n_running": list(state.n_running), "starting": [list(s) for s in state.starting],
              "running_since": [list(s) for s in state.running_since], "sched": list(state.P_turbines_scheduled),
              "n_tripped": list(state.n_tripped), "n_starts": list(state.n_starts)}
        run, starting, since, sched = fl["n_running"], fl["starting"], fl["running_since"], fl["sched"]
        Pr = [tb.P_rated for tb in self.turbines]
        fleets = range(nf)
        start_time = [tb.start_time for tb in self.turbines]
        # earliest step a start can synchronise in (a cheap gate; turbine_step decides)
        next_sync = [s[0] + start_time[f] - dt if s else math.inf for f, s in enumerate(starting)]

        U_list, C_list, cap_list = P_ups_in.tolist(), P_cooling.tolist(), grid_cap.tolist()
        recommit_list, t_list = recommit.tolist(), t.tolist()
        E, E_u, G_prev = state.E_bess, state.E_ups, state.P_poi
        out_G, out_B, out_E, out_Eu, out_Pu, out_lt = ([0.0] * K for _ in range(6))
        out_F = [[0.0] * nf for _ in range(K)]
        out_n = [[0] * nf for _ in range(K)]
        short: dict[int, tuple[float, ...]] = {}  # steps the bus was short: losses and loads served

        for i in range(K):
            ti = t_list[i]
            if i in trips:
                for f, units in trips[i]:
                    # running units first, then units starting, then idle ones
                    k = min(units, run[f])
                    if k:
                        sched[f] *= (run[f] - k) / run[f]
                        del since[f][len(since[f]) - k:]
                        run[f] -= k
                    k_start = min(units - k, len(starting[f]))
                    del starting[f][len(starting[f]) - k_start:]
                    idle = self.turbine_counts[f] - run[f] - len(starting[f]) - fl["n_tripped"][f]
                    fl["n_tripped"][f] += k + k_start + min(units - k - k_start, idle)
                    next_sync[f] = starting[f][0] + start_time[f] - dt if starting[f] else math.inf
            gcap = cap_list[i]
            if recommit_list[i]:
                required = float(D_rest_max[i]) - gcap
                if i == 0:
                    history = [(tn, need) for tn, need in state.need_history if tn > ti - c.decommit_delay]
                    history.append((t0 + K * dt, required))  # needed until the end of this block
                    self._commit(fl, required, ti, max(need for _, need in history))
                else:
                    self._commit(fl, required, ti)
                next_sync = [s[0] + start_time[f] - dt if s else math.inf for f, s in enumerate(starting)]
            for f in fleets:
                if next_sync[f] <= ti + tol:
                    # the tested unit step: units at zero output with a set-point, started at their command times
                    tb = self.turbines[f]
                    P_next, _ = turbine_step(tb, tb.P_rated, 0.0, ti - np.array(starting[f]) - tol, dt)
                    synced = int(np.count_nonzero(P_next > 0))  # commands are in time order: the first ones
                    for t_cmd in starting[f][:synced]:
                        since[f].append(t_cmd + tb.start_time)
                    del starting[f][:synced]
                    run[f] += synced
                    next_sync[f] = starting[f][0] + start_time[f] - dt if starting[f] else math.inf

            R = 0.0
            if E_u < E_ups_max:
                R = min(P_recharge_max, (E_ups_max - E_u) / (eta_u * dt))
            L = U_list[i] + C_list[i] + R
            Lu = L + au + bu * L * L
            D = Lu + as_ + bs * Lu * Lu
            S = D + recentring_power(battery, c.soc_set, c.recentring_time, E) if battery is not None else D

            # turbines: schedule towards their share of what the grid cannot carry
            F = 0.0
            Fi = out_F[i]
            up = [0.0] * nf
            if nf:
                need = S - gcap
                if need < 0.0:
                    need = 0.0
                cap_run = 0.0
                for f in fleets:
                    cap_run += run[f] * Pr[f]
                for f in fleets:
                    n = run[f]
                    # the tested fleet step: the share of need in proportion to rating, within load limits and ramp
                    sched[f], up[f] = fleet_ramp_step(self.turbines[f], n, sched[f],
                                                      need * n * Pr[f] / cap_run if n else 0.0, dt)
                    Fi[f] = sched[f]
                    F += sched[f]
                    out_n[i][f] = n

            # grid, ramp-limited (the BESS ramp-smoothing controller's target), within its capacity
            G = grid_target(S - F, G_prev, ramp_step)
            G = 0.0 if G < 0.0 else (gcap if G > gcap else G)

            # BESS within power and energy limits
            B = D - F - G
            if battery is not None:  # the tested battery step: power and energy limits, stored energy after
                B, E_next = battery_step_scalar(*bess_args, float(E), float(B), float(dt))
            else:
                B = 0.0
            r = D - F - G - B
            if r > 0.0:  # short: turbine ramp headroom, then the grid up to its capacity
                for f in fleets:
                    if r <= 0.0:
                        break
                    room = up[f] - Fi[f]
                    if room > 0.0:
                        take = room if room < r else r
                        Fi[f] += take
                        F += take
                        r -= take
                if r > 0.0:
                    take = gcap - G
                    take = r if r < take else take
                    if take > 0.0:
                        G += take
                        r -= take
            elif r < 0.0:  # surplus: turbine governors below schedule, then the grid down to zero
                excess = -r
                if F > 0.0:
                    shed = excess if excess < F else F
                    scale = (F - shed) / F
                    for f in fleets:
                        Fi[f] *= scale
                    F -= shed
                    excess -= shed
                if excess > 0.0:
                    G -= excess

            if r > 0.0:
                # the bus is short: serve what the sources deliver, cooling first; UPS batteries carry IT
                Pu, E_u, short[i] = self._short_step(D - r, float(P_it[i]), float(P_dist[i]), C_list[i], E_u, dt)
            else:
                Pu = -R
                E_u += eta_u * R * dt
                if E_u > E_ups_max:
                    E_u = E_ups_max
                out_lt[i] = D - L
            if battery is not None:
                E = E_next
            G_prev = G
            out_G[i], out_B[i], out_E[i], out_Eu[i], out_Pu[i] = G, B, E, E_u, Pu

        # --- assemble: normal-operation losses, overridden where the bus was short
        P_poi = np.array(out_G)
        P_turb = np.array(out_F, dtype=float).reshape(K, nf)
        n_online = np.array(out_n, dtype=int).reshape(K, nf)
        losses_t = np.array(out_lt)
        losses_ups = P_ups_in - P_dist
        losses_dist = P_dist - P_it
        it_served, cooling_served = P_it.copy(), P_cooling.copy()
        for i, booked in short.items():
            losses_t[i], losses_ups[i], losses_dist[i], it_served[i], cooling_served[i] = booked
        fuel = np.zeros((K, nf))
        for f, tb in enumerate(self.turbines):
            n = n_online[:, f]
            per_unit = np.divide(P_turb[:, f], n, out=np.zeros(K), where=n > 0)
            fuel[:, f] = n * fuel_power(tb, per_unit)
        nox = fuel * np.array([nox_emission_factor(tb.NOx_ppm) for tb in self.turbines])
        P_bess, P_ups_battery = np.array(out_B), np.array(out_Pu)
        sources = P_poi + P_turb.sum(axis=1) + P_bess + P_ups_battery
        P_demand = it_served + cooling_served + (losses_t + losses_ups + losses_dist)
        E_bess = np.array(out_E)
        block = ElectricalBlock(
            t=t, P_poi=P_poi, P_turbines=P_turb, n_turbines_online=n_online, P_bess=P_bess, E_bess=E_bess,
            soc=E_bess / battery.E_rated if battery is not None else np.zeros(K),
            P_ups_battery=P_ups_battery, E_ups=np.array(out_Eu), P_losses_transformers=losses_t,
            P_losses_ups=losses_ups, P_losses_distribution=losses_dist, P_it_served=it_served,
            P_cooling_served=cooling_served, P_unserved_it=P_it - it_served,
            P_unserved_cooling=P_cooling - cooling_served,
            P_unserved=(P_it - it_served) + (P_cooling - cooling_served),
            P_demand=P_demand, fuel=fuel, NOx=nox, CO2=CO2_PER_FUEL * fuel,
            P_residual=sources - P_demand)
        new_state = ElectricalState(
            E_bess=E, E_ups=E_u, P_poi=G_prev, P_turbines_scheduled=tuple(sched), n_running=tuple(run),
            running_since=tuple(tuple(s) for s in since), starting=tuple(tuple(s) for s in starting),
            n_tripped=tuple(fl["n_tripped"]), n_starts=tuple(fl["n_starts"]), need_history=tuple(history))
        return new_state, block

    def _short_step(self, supply: float, it_full: float, P_out: float, C: float, E_u: float, dt: float):
        """One step with the bus short: the sources deliver ``supply`` (W at the HV bus) for IT ``it_full``
        (W, needing ``P_out`` W at the distribution input) and cooling ``C`` (W), with ``E_u`` (J) in the UPS
        batteries.  Returns ``(P_ups_battery, E_ups after the step, (transformer, UPS and distribution
        losses, IT served, cooling served))``, all W except the energy."""
        au, bu, as_, bs = self._transformer_coefficients()
        L = _quadratic_output(_quadratic_output(supply, as_, bs), au, bu)
        losses_t = supply - L
        C_served = min(C, L)
        A = L - C_served  # what reaches the UPS (or the distribution)
        dist = self.distribution
        if self.ups is None:
            it_served = it_full if A >= P_out else float(dist.output_power(A))
            return 0.0, E_u, (losses_t, 0.0, A - it_served, it_served, C_served)
        loss_mode = float(self.ups_loss(P_out))
        loss_dc = float(self.ups_loss(P_out, "double_conversion"))
        U = P_out + loss_mode
        if A >= U:  # the UPS input is fed in full; what is left recharges its batteries
            recharge = A - U
            E_u = min(E_u + self.control.ups_charge_efficiency * recharge * dt, self._E_ups_max())
            return -recharge, E_u, (losses_t, loss_mode, P_out - it_full, it_full, C_served)
        s = 1.0 - A / U  # share of modules on battery
        need = s * (P_out + loss_dc)
        available = E_u / dt
        if need <= available:
            Pu = need
            P_served = P_out
        else:
            Pu = available

            def balance(P):
                return A / (P + float(self.ups_loss(P))) + Pu / (P + float(self.ups_loss(P, "double_conversion"))) - 1

            if balance(0.0) <= 0.0:
                P_served, Pu = 0.0, 0.0  # the UPS cannot even cover its no-load loss: it drops the load
            else:
                from scipy.optimize import brentq  # here: scipy.optimize is slow to import

                P_served = brentq(balance, 0.0, P_out, xtol=1e-9, rtol=1e-14)
        it_served = float(dist.output_power(P_served)) if P_served < P_out else it_full
        losses_ups = A + Pu - P_served
        return Pu, max(E_u - Pu * dt, 0.0), (losses_t, losses_ups, P_served - it_served, it_served, C_served)


def _quadratic_output(P_in: float, a: float, b: float) -> float:
    """Output ``P >= 0`` of a stage whose input is ``a + P + b P**2`` (W); inputs at or below ``a`` give 0."""
    surplus = P_in - a
    if surplus <= 0.0:
        return 0.0
    return 2 * surplus / (1 + math.sqrt(1 + 4 * b * surplus))


# --- metrics ---------------------------------------------------------------------------------------------


def unserved_events(arrays: dict[str, np.ndarray], dt: float) -> list[tuple[float, float, float]]:
    """Runs of steps with unserved load: ``(start s, end s, unserved energy J)`` each."""
    short = np.asarray(arrays["P_unserved"]) > 0
    edges = np.diff(np.concatenate(([0], short.astype(np.int8), [0])))
    starts, ends = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)
    t = np.asarray(arrays["t"], dtype=float)
    return [(float(t[a]), float(t[b - 1] + dt), float(arrays["P_unserved"][a:b].sum() * dt))
            for a, b in zip(starts, ends)]


def electrical_summary(block_arrays: dict[str, np.ndarray], dt: float) -> dict[str, float]:
    """Headline figures of a run (SI units, W/min for the 60 s ramp; see :data:`SUMMARY_UNITS`).

    POI metrics by :mod:`twin.electrical.metrics`: peak, 15-min peak demand,
    largest ramp over 1 s (W/s) and 60 s (W/min), swing over the run and within
    60 s, RMS oscillation in 0.1-20 Hz (NaN when the step or the run is too
    coarse or short for the band); the same ramp and swing for the site demand
    (what the grid would see without storage and turbines); energies by
    component; fuel, NOx and CO2; UPS ride-through and unserved energy.
    """
    a = block_arrays
    P_poi, P_demand = np.asarray(a["P_poi"], dtype=float), np.asarray(a["P_demand"], dtype=float)
    n = P_poi.size
    duration = n * dt
    out: dict[str, float] = {"duration": duration}

    def series(prefix: str, P: np.ndarray) -> None:
        out[f"{prefix}_peak"] = metrics.peak_demand(P, dt)
        out[f"{prefix}_peak_15min"] = (metrics.peak_demand(P, dt, 900.0)
                                       if duration >= 900.0 and _whole(900.0, dt) else math.nan)
        out[f"{prefix}_ramp_max_1s"] = metrics.max_ramp_rate(P, dt, 1.0) if _whole(1.0, dt) else math.nan
        out[f"{prefix}_ramp_max_60s"] = 60 * metrics.max_ramp_rate(P, dt, 60.0) if _whole(60.0, dt) else math.nan
        out[f"{prefix}_swing"] = metrics.swing_amplitude(P, dt)
        out[f"{prefix}_swing_60s"] = metrics.swing_amplitude(P, dt, 60.0) if _whole(60.0, dt) else math.nan
        band_ok = dt < 0.5 / 0.1 and duration >= 2 / 0.1
        out[f"{prefix}_oscillation_rms"] = (math.sqrt(metrics.band_oscillation_energy(P, dt, 0.1, 20.0))
                                            if band_ok else math.nan)

    series("P_poi", P_poi)
    series("P_demand", P_demand)
    energy = lambda x: float(np.sum(x) * dt)  # noqa: E731
    P_bess = np.asarray(a["P_bess"], dtype=float)
    P_ups = np.asarray(a["P_ups_battery"], dtype=float)
    out.update(
        E_poi=energy(P_poi), E_turbines=energy(a["P_turbines"]), E_demand=energy(P_demand),
        E_bess_discharged=energy(np.maximum(P_bess, 0)), E_bess_charged=energy(np.maximum(-P_bess, 0)),
        E_it=energy(a["P_it_served"]), E_cooling=energy(a["P_cooling_served"]),
        E_losses_transformers=energy(a["P_losses_transformers"]), E_losses_ups=energy(a["P_losses_ups"]),
        E_losses_distribution=energy(a["P_losses_distribution"]),
        E_ups_battery_discharged=energy(np.maximum(P_ups, 0)),
        ups_ride_through_time=float(np.count_nonzero(P_ups > 0) * dt),
        E_unserved=energy(a["P_unserved"]), E_unserved_it=energy(a["P_unserved_it"]),
        E_unserved_cooling=energy(a["P_unserved_cooling"]), P_unserved_max=float(np.max(a["P_unserved"])),
        unserved_events=float(len(unserved_events(a, dt))),
        fuel=energy(a["fuel"]), NOx=energy(a["NOx"]), CO2=energy(a["CO2"]),
        soc_min=float(np.min(a["soc"])), soc_max=float(np.max(a["soc"])),
        turbines_online_max=float(np.max(np.sum(a["n_turbines_online"], axis=1), initial=0)),
        residual_max_relative=float(np.max(np.abs(a["P_residual"]) / np.maximum(P_demand, 1.0))),
    )
    return out


def _whole(interval: float, dt: float) -> bool:
    n = round(interval / dt)
    return n >= 1 and abs(n * dt - interval) <= 1e-9 * interval


#: Display unit and scale of :func:`electrical_summary` figures: exact keys, then suffixes, then the ``E_`` prefix.
SUMMARY_UNITS: dict[str, tuple[str, float]] = {
    "duration": ("h", 1 / 3600), "ups_ride_through_time": ("s", 1.0), "P_unserved_max": ("MW", 1e-6),
    "unserved_events": ("", 1.0), "fuel": ("MMBtu", 1 / 1.05505585262e9), "NOx": ("kg", 1.0), "CO2": ("t", 1e-3),
    "soc_min": ("", 1.0), "soc_max": ("", 1.0), "turbines_online_max": ("", 1.0),
    "residual_max_relative": ("", 1.0),
    "_peak": ("MW", 1e-6), "_peak_15min": ("MW", 1e-6), "_ramp_max_1s": ("MW/s", 1e-6),
    "_ramp_max_60s": ("MW/min", 1e-6), "_swing": ("MW", 1e-6), "_swing_60s": ("MW", 1e-6),
    "_oscillation_rms": ("MW", 1e-6), "E_": ("MWh", 1 / 3.6e9),
}


def summary_unit(key: str) -> tuple[str, float]:
    """Display unit and scale of a :func:`electrical_summary` key."""
    if key in SUMMARY_UNITS:
        return SUMMARY_UNITS[key]
    for suffix, unit in SUMMARY_UNITS.items():
        if suffix.startswith("_") and key.endswith(suffix):
            return unit
    return SUMMARY_UNITS["E_"] if key.startswith("E_") else ("", 1.0)


def format_summary(summary: dict[str, float]) -> list[str]:
    """One line per figure of :func:`electrical_summary`, in display units (MW, MWh, MMBtu, kg, t)."""
    lines = []
    for key, value in summary.items():
        unit, scale = summary_unit(key)
        lines.append(f"{key:28s} {value * scale:>14,.4g} {unit}".rstrip())
    return lines
