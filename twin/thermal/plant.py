"""Heat-rejection plant of one facility-water loop: towers, dry coolers, chillers.

The plant is quasi-steady at the plant step (its own time constants, seconds to
a minute, are shorter than the facility loop's): given the return water
temperature and capacity flow, the weather and the supply set-point, it returns
the supply temperature it reaches, the power of its compressors, fans and
condenser pumps, the heat it rejects to the atmosphere and the water it uses.
Every function is vectorised over time (arrays of equal shape).  Units are
staged as needed; spares run only when units are out of service.

Arrangements (``arrangement`` in the site file):
- ``towers``: evaporative towers only; fan speed solved for the set-point.
- ``towers_with_chillers``: towers first (integrated waterside economiser),
  chillers trim the rest and reject their condenser heat to the same towers.
- ``dry_coolers_with_trim``: dry coolers with adiabatic pads first, chillers trim.
- ``air_cooled_chillers``: air-cooled chillers with free-cooling coils.

References: research/physics.md sections 1-2 (EnergyPlus chiller and tower
models, economiser logic); the component modules cite their sources.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, NamedTuple

import numpy as np

from twin import validity
from twin.thermal import chiller as chillers
from twin.thermal import cooling_tower as towers
from twin.thermal import dry_cooler as dry_coolers
from twin.thermal.heat_exchanger import UA_counterflow_for_design

if TYPE_CHECKING:  # catalogue entries are read by attribute: thermal/ imports no catalogue at run time
    from twin.catalog import ChillerModel, CoolingTowerModel, DryCoolerModel

#: Specific heat of condenser/tower water (J/(kg K)), water near 30 degC (CoolProp: 4179.6).
CP_WATER = 4180.0
#: Specific heat of air (J/(kg K)) and the dry-cooler air rise at its rating point (K) [estimate].
CP_AIR = 1006.0
AIR_RISE_NOMINAL = 10.0
#: Water-flow ratio range per tower cell: the validity limits of the EnergyPlus approach
#: correlations (Engineering Reference Table 64); cells are staged to stay inside it and more
#: water than all cells take at the top bypasses them.
TOWER_FR_WATER_MIN = 0.75
TOWER_FR_WATER_MAX = 1.25
#: Condenser-water pump power per W of chiller condenser heat [estimate, ~1 %].
CONDENSER_PUMP_FRACTION = 0.01


def eir_chiller(model: ChillerModel) -> chillers.ElectricEIRChiller:
    """The EIR chiller parameters of a catalogue entry."""
    return chillers.ElectricEIRChiller(
        Q_flow_nominal=model.Q_flow_nominal, COP_nominal=model.COP_nominal,
        CAPFT=chillers.Biquadratic(model.capft, *model.T_leaving_limits, *model.T_condenser_limits),
        EIRFT=chillers.Biquadratic(model.eirft, *model.T_leaving_limits, *model.T_condenser_limits),
        EIRFPLR=chillers.Quadratic(model.eirfplr, 0.0, model.plr_max),
        PLR_min=model.plr_min, PLR_max=model.plr_max, min_unloading_ratio=model.min_unloading_ratio)


def carnot_chiller(model: ChillerModel) -> chillers.CarnotChiller:
    """The Carnot-fraction parameters of a catalogue entry, calibrated at its rating."""
    return chillers.CarnotChiller(
        Q_flow_nominal=model.Q_flow_nominal, COP_nominal=model.COP_nominal,
        T_leaving_nominal=model.T_leaving_reference, T_condenser_nominal=model.T_condenser_reference,
        EIRFPLR=chillers.Quadratic(model.eirfplr, 0.0, model.plr_max), PLR_min=model.plr_min,
        PLR_max=model.plr_max, min_unloading_ratio=model.min_unloading_ratio, T_condenser_max=model.T_condenser_max,
        dT_condenser=chillers.DT_CONDENSER[model.condenser], fixed_loss_share=model.fixed_loss_share,
        lift_design=model.lift_design or chillers.LIFT_DESIGN[model.condenser])


def compressor(model: ChillerModel):
    """The compressor model a catalogue entry names in ``performance`` ('carnot' or 'eir')."""
    return carnot_chiller(model) if model.performance == "carnot" else eir_chiller(model)


def free_cooling_coil(model: ChillerModel) -> dry_coolers.DryCooler | None:
    """The free-cooling coil of an air-cooled catalogue entry (None without one)."""
    if not model.UA_free_cooling_nominal:
        return None
    m_air = model.m_flow_air_free_cooling_nominal
    return dry_coolers.DryCooler(UA_nominal=model.UA_free_cooling_nominal, m_flow_air_nominal=m_air,
                                 m_flow_water_nominal=m_air * CP_AIR / CP_WATER,
                                 P_fan_nominal=model.P_free_cooling_fan_nominal, FR_air_min=0.1)


def tower_cell(model: CoolingTowerModel) -> towers.CoolingTower:
    """The tower parameters of a catalogue cell (design water flow from duty and range)."""
    return towers.CoolingTower(
        m_flow_water_nominal=model.Q_flow_nominal / (CP_WATER * model.range_nominal),
        P_fan_nominal=model.P_fan_nominal, correlation=model.correlation, FR_air_min=model.fan_speed_min,
        free_convection_fraction=model.free_convection_fraction, drift_fraction=model.drift_fraction,
        cycles_of_concentration=model.cycles_of_concentration)


@dataclass(frozen=True)
class LoopPlant:
    """The units of a site plant that serve one facility loop (allocated by design load).

    ``n_towers`` cells have working fans; ``n_towers_no_fan`` more have lost theirs and still
    take water, rejecting heat by free convection.
    """

    arrangement: str
    n_towers: int
    n_dry_coolers: int
    n_chillers: int
    tower: CoolingTowerModel | None
    dry_cooler: DryCoolerModel | None
    chiller: ChillerModel | None
    n_towers_no_fan: int = 0

    @classmethod
    def share(cls, plant, fraction: float, available: dict[str, float] | None = None) -> "LoopPlant":
        """Units of ``plant`` serving a loop that carries ``fraction`` of its design load.

        ``available`` maps "tower", "dry_cooler", "chiller" to the fraction of those
        units in service (default all); for towers it is the fraction whose fans run (a
        tower fan failure leaves the cell in free convection).
        """
        available = available or {}

        def part(n, kind):
            n_loop = max(1, math.ceil(n * fraction - 1e-9)) if n else 0
            return int(math.floor(n_loop * available.get(kind, 1.0) + 1e-9))
        n_towers = part(plant.tower_count, "")
        n_fan = part(plant.tower_count, "tower")
        return cls(plant.arrangement, n_fan, part(plant.dry_cooler_count, "dry_cooler"),
                   part(plant.chiller_count, "chiller"), plant.tower_model, plant.dry_cooler_model,
                   plant.chiller_model, n_towers - n_fan)


class PlantOperation(NamedTuple):
    """Operation of a loop plant; arrays over time (W, degC, kg/s)."""

    T_supply: np.ndarray  #: water leaving the plant (degC)
    P_compressors: np.ndarray  #: chiller compressors (air-cooled: with condenser fans) (W)
    P_fans: np.ndarray  #: tower / dry-cooler / free-cooling fans (W)
    P_condenser_pumps: np.ndarray  #: condenser-water pumps (W)
    Q_flow_removed: np.ndarray  #: heat taken from the facility water (W)
    Q_flow_rejected: np.ndarray  #: heat given to the atmosphere (W)
    m_flow_water_use: np.ndarray  #: make-up / spray water (kg/s)
    n_chillers_on: np.ndarray  #: chillers running (-)
    Q_flow_unmet: np.ndarray | float = 0.0  #: heat the plant could not remove to reach T_set (W)
    #: validity range -> where the running equipment was outside it (bool arrays; see twin.validity)
    out_of_range: dict | None = None


def operate(plant: LoopPlant, T_return, C_flow, T_set, T_dry_bulb, T_wet_bulb) -> PlantOperation:
    """Cool ``C_flow`` (W/K) of facility water from ``T_return`` toward ``T_set`` (degC).

    Nothing is held beyond what the equipment can do: chillers above their condenser limit
    or out of capacity leave the water warm, and ``Q_flow_unmet`` says by how much.
    """
    T_return, C_flow, T_set, T_dry_bulb, T_wet_bulb = np.broadcast_arrays(
        *(np.asarray(a, dtype=float) for a in (T_return, C_flow, T_set, T_dry_bulb, T_wet_bulb)))
    flags: dict = {}
    if plant.arrangement == "air_cooled_chillers":
        op = _air_cooled(plant, T_return, C_flow, T_set, T_dry_bulb, flags)
    else:
        op = _heat_rejection_first(plant, T_return, C_flow, T_set, T_dry_bulb, T_wet_bulb, flags)
    unmet = C_flow * np.maximum(op.T_supply - T_set, 0.0)
    return op._replace(Q_flow_unmet=unmet, out_of_range=flags)


def _heat_rejection_first(plant, T_return, C_flow, T_set, T_dry_bulb, T_wet_bulb, flags) -> PlantOperation:
    """Towers or dry coolers pre-cool the water (economiser); chillers, if any, trim the rest."""
    zero = np.zeros_like(T_return)
    if plant.arrangement in ("towers", "towers_with_chillers"):
        T_pre, P_fans, water = _towers(plant, T_return, C_flow, T_set, T_dry_bulb, T_wet_bulb, flags)
        T_condenser = T_wet_bulb + plant.tower.approach_nominal
    else:
        T_pre, P_fans, water = _dry_coolers(plant, T_return, C_flow, T_set, T_dry_bulb, T_wet_bulb)
        T_condenser = T_dry_bulb + plant.dry_cooler.approach_nominal
    Q_pre = C_flow * (T_return - T_pre)
    # water-cooled chillers reject their condenser heat through the towers: none without them
    no_condenser = plant.arrangement == "towers_with_chillers" and plant.n_towers + plant.n_towers_no_fan == 0
    if plant.chiller is None or plant.n_chillers == 0 or no_condenser:
        return PlantOperation(T_pre, zero, P_fans, zero, Q_pre, Q_pre, water, zero)
    trim = C_flow * np.maximum(T_pre - T_set, 0.0)
    op, n_on = _run_chillers(plant.chiller, plant.n_chillers, trim, T_set, T_condenser, flags)
    removed = op.Q_flow_evaporator * n_on
    condenser = op.Q_flow_condenser * n_on
    T_supply = T_pre - removed / np.where(C_flow > 0, C_flow, 1.0)
    if plant.arrangement != "dry_coolers_with_trim" and np.any(condenser > 0):  # evaporated in the towers
        # chillers run only once the tower fans are at full speed: their condenser heat leaves with
        # the cells' full air flow (air-side balance), blowdown and drift on top by the cycles
        cell = tower_cell(plant.tower)
        m_air = (plant.n_towers + cell.free_convection_fraction * plant.n_towers_no_fan) * cell.m_flow_air_nominal
        evaporated = (towers.evaporation(m_air, Q_pre + condenser, T_dry_bulb, T_wet_bulb)
                      - towers.evaporation(m_air, Q_pre, T_dry_bulb, T_wet_bulb))
        water = water + evaporated * cell.cycles_of_concentration / (cell.cycles_of_concentration - 1.0)
    return PlantOperation(T_supply, op.P * n_on, P_fans, CONDENSER_PUMP_FRACTION * condenser,
                          Q_pre + removed, Q_pre + condenser, water, n_on)


def _run_chillers(model: ChillerModel, n_units: int, load, T_leaving, T_condenser, flags):
    """Stage identical chillers for ``load`` (W) and share it equally among those running;
    add the validity flags of the chiller model to ``flags``."""
    unit = compressor(model)
    capacity = np.maximum(chillers.capacity(unit, T_leaving, T_condenser), 1e-9)
    n_on = chillers.stage_chillers(load, capacity, n_units, PLR_max=model.plr_max, n_redundant=0).n_on
    n_on = np.where(capacity > 1e-9, n_on, 0)
    share = load / np.maximum(n_on, 1)
    op = chillers.operation(unit, np.where(n_on > 0, share, 0.0), T_leaving, T_condenser)
    if isinstance(unit, chillers.CarnotChiller):
        checks = {k: validity.RANGES[k] for k in ("carnot_T_leaving", "carnot_lift")}
        values = {"carnot_T_leaving": T_leaving, "carnot_lift": unit.lift(T_leaving, T_condenser)}
    else:
        checks = validity.eir_ranges(model.name, model.T_leaving_limits, model.T_condenser_limits)
        values = dict(zip(checks, (T_leaving, T_condenser)))
    flags.update(validity.flags(checks, values, n_on > 0))
    return op, n_on


def _air_cooled(plant, T_return, C_flow, T_set, T_dry_bulb, flags) -> PlantOperation:
    """Free-cooling coils of every available unit pre-cool the water; compressors are staged for the rest."""
    model = plant.chiller
    n = plant.n_chillers
    zero = np.zeros_like(T_return)
    if n == 0:
        return PlantOperation(T_return, zero, zero, zero, zero, zero, zero, zero)
    T_pre, P_fan = chillers.free_cooling(free_cooling_coil(model), C_flow / (n * CP_WATER), CP_WATER, T_return,
                                         T_set, T_dry_bulb)
    free = C_flow * (T_return - T_pre)
    P_fans = P_fan * n
    trim = C_flow * np.maximum(T_pre - T_set, 0.0)
    op, n_on = _run_chillers(model, n, trim, T_set, T_dry_bulb, flags)
    removed = free + op.Q_flow_evaporator * n_on
    T_supply = T_return - removed / np.where(C_flow > 0, C_flow, 1.0)
    return PlantOperation(T_supply, op.P * n_on, P_fans, zero, removed, free + P_fans + op.Q_flow_condenser * n_on,
                          zero, n_on)


def _towers(plant, T_return, C_flow, T_set, T_dry_bulb, T_wet_bulb, flags):
    """Leaving temperature, fan power and make-up water of the loop's tower cells.

    Cells are staged so each takes 0.75-1.25 of its design water flow, the range where the
    approach correlations hold (EnergyPlus Engineering Reference, Table 64): as many cells
    with working fans as keep at least 0.75 each.  Water those cells cannot take at 1.25 goes
    to cells whose fans have failed (free convection), and the fan cells make up for them so
    the mixed water reaches the set-point where they can; what no cell takes bypasses them.
    """
    n_fan, n_no_fan = plant.n_towers, plant.n_towers_no_fan
    zero = np.zeros_like(T_return)
    if n_fan + n_no_fan == 0:
        return T_return, zero, zero
    cell = tower_cell(plant.tower)
    m_max = TOWER_FR_WATER_MAX * cell.m_flow_water_nominal
    m_flow = C_flow / CP_WATER
    n_run_fan = np.clip(np.floor(m_flow / (TOWER_FR_WATER_MIN * cell.m_flow_water_nominal) + 1e-9), 1, n_fan) \
        if n_fan else zero
    m_fan = np.minimum(m_flow, n_run_fan * m_max)
    m_rest = np.minimum(m_flow - m_fan, n_no_fan * m_max)
    if n_fan:
        n_run_no_fan = np.clip(np.ceil(m_rest / m_max - 1e-9), 0, n_no_fan)
    else:
        n_run_no_fan = np.clip(np.floor(m_flow / (TOWER_FR_WATER_MIN * cell.m_flow_water_nominal) + 1e-9), 1, n_no_fan)
    if n_no_fan:
        still = towers.tower_operation(cell, T_return, m_rest / np.maximum(n_run_no_fan, 1), T_wet_bulb, T_set,
                                       CP_WATER, T_dry_bulb, fan=False)
        T_target = np.where(m_fan > 0, ((m_fan + m_rest) * T_set - m_rest * still.T_leaving)
                            / np.where(m_fan > 0, m_fan, 1), T_set)
    else:  # every cell has its fan
        still = towers.TowerOperation(*([zero] * 9))
        T_target = T_set
    fans = towers.tower_operation(cell, T_return, m_fan / np.maximum(n_run_fan, 1), T_wet_bulb, T_target, CP_WATER,
                                  T_dry_bulb)
    m_bypass = m_flow - m_fan - m_rest
    T_mixed = (m_fan * fans.T_leaving + m_rest * still.T_leaving + m_bypass * T_return) / np.where(m_flow > 0, m_flow, 1)
    water = n_run_fan * fans.m_flow_makeup + n_run_no_fan * still.m_flow_makeup
    name = cell.correlation
    checks = {f"{name}_{q}": validity.RANGES[f"{name}_{q}"] for q in ("T_wet_bulb", "range", "FR_water", "approach")}
    FR_fan = m_fan / np.maximum(n_run_fan, 1) / cell.m_flow_water_nominal
    FR_still = m_rest / np.maximum(n_run_no_fan, 1) / cell.m_flow_water_nominal
    values = {f"{name}_T_wet_bulb": T_wet_bulb, f"{name}_range": T_return - fans.T_leaving,
              f"{name}_FR_water": np.where(m_fan > 0, FR_fan, FR_still),
              f"{name}_approach": fans.T_leaving - T_wet_bulb}
    running = (m_fan > 0) | (m_rest > 0)
    flags.update(validity.flags(checks, values, running))
    if n_no_fan:  # a partly used free-convection bank below the flow range
        low = (m_rest > 0) & validity.RANGES[f"{name}_FR_water"].outside(FR_still)
        key = checks[f"{name}_FR_water"]
        flags[key] = flags[key] | low
    return T_mixed, fans.P_fan * n_run_fan, water


def dry_cooler_unit(model: DryCoolerModel) -> dry_coolers.DryCooler:
    """Dry-cooler parameters of a catalogue unit: UA from its rated duty at its rated approach.

    The air-side temperature rise at the rating point is taken as 10 K [estimate].
    """
    C_water = model.Q_flow_nominal / model.range_nominal
    C_air = model.Q_flow_nominal / AIR_RISE_NOMINAL
    UA = UA_counterflow_for_design(model.Q_flow_nominal,
                                   model.T_dry_bulb_nominal + model.approach_nominal + model.range_nominal,
                                   model.T_dry_bulb_nominal, C_water, C_air)
    return dry_coolers.DryCooler(UA_nominal=float(UA), m_flow_air_nominal=C_air / CP_AIR,
                                 m_flow_water_nominal=C_water / CP_WATER, P_fan_nominal=model.P_fan_nominal,
                                 FR_air_min=model.fan_speed_min, pad_effectiveness=model.pad_effectiveness)


def _dry_coolers(plant, T_return, C_flow, T_set, T_dry_bulb, T_wet_bulb):
    """Dry coolers wet their pads when dry air alone cannot reach the set-point at full fan."""
    model = plant.dry_cooler
    n = plant.n_dry_coolers
    if n == 0:
        return T_return, np.zeros_like(T_return), np.zeros_like(T_return)
    unit = dry_cooler_unit(model)
    m_flow = C_flow / (CP_WATER * n)
    dry = dry_coolers.dry_cooler_operation(unit, T_return, m_flow, CP_WATER, T_dry_bulb, T_wet_bulb, T_set)
    wet_needed = (dry.T_water_leaving > T_set + 1e-6) & (model.pad_effectiveness > 0)
    if not np.any(wet_needed):
        return dry.T_water_leaving, dry.P_fan * n, np.zeros_like(T_return)
    wet = dry_coolers.dry_cooler_operation(unit, T_return, m_flow, CP_WATER, T_dry_bulb, T_wet_bulb, T_set,
                                           adiabatic=True)
    pick = lambda a, b: np.where(wet_needed, b, a)  # noqa: E731
    return (pick(dry.T_water_leaving, wet.T_water_leaving), pick(dry.P_fan, wet.P_fan) * n,
            pick(0.0, wet.m_flow_evaporation) * n)
