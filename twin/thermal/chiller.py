"""Electric chillers: a Carnot-fraction model valid at warm leaving water, the EnergyPlus
``Chiller:Electric:EIR`` (DOE-2) model, and chiller staging.

Carnot-fraction model (the form of Modelica Buildings ``Buildings.Fluid.Chillers.Carnot_TEva``:
COP = eta_Carnot * COP_Carnot * eta_PL, with a fixed-loss term below the design lift),
temperatures in K for the Carnot terms::

    T_evaporating = T_chilled_water_leaving - dT_evaporator
    T_condensing  = T_condenser_entering + dT_condenser          (water or outdoor air)
    lift          = max(T_condensing - T_evaporating, lift_min)
    x             = lift / lift_design
    fraction      = eta_design * (x / (x (1 - s) + s)  if x < 1  else 1)
    COP_full      = fraction * T_evaporating / lift
    eta_design    such that COP_full = COP_nominal at the unit's rating point
    Q_flow_available = Q_flow_nominal * min(1, COP_full / COP_nominal)   (motor sized at the rating)
                       and 0 where T_condenser_entering > T_condenser_max (high-pressure limit)
    P = Q_flow_available / COP_full * EIRFPLR(PLR_power) * cycling   (part load as in the EIR model)

Below the design lift, 1/COP = (lift / eta + dT_loss) / T_evaporating: losses that do not shrink
with the lift (motor, mechanics, pressure drops, over-compression of a compressor built for a
larger pressure ratio), the fixed-loss term of the universal chiller model of Gordon, Ng & Chua
(Int. J. Refrig. 18 (1995)); s is their share of the losses at the design lift
(:data:`FIXED_LOSS_SHARE`, fitted to two manufacturers' tables below their rating lifts).  The
design lift is the rating's for a water-cooled chiller and, for an air-cooled one rated at 35
degC air, the lift at which an air-cooled table's Carnot fraction peaks (:data:`LIFT_DESIGN`).
Above it the fraction stays at the rating's (the tables' fractions fall again towards the
largest lifts: optimistic there, as stated below).

The refrigerant approaches are those a chiller manufacturer's engineer states for selection
(condensing 25 F above ambient air or 20 F above entering condenser water, evaporating 10 F
below leaving chilled water: G. Oswalt, Advantage Engineering).  Calibrated at the unit's own
rating, the model follows the published EnergyPlus curve sets inside their limits (tested; at
17-23 K lift, held out, within -3.2/+9.8 %, where a constant fraction was up to +17 %) and
a manufacturer's table to 18 degC leaving water (Carrier 30XW-P, EN 14511: within 7.5 % up to
10 degC / 35 degC condenser water, optimistic by 7-18 % at 15-18 degC, +25 % at 45 degC
condenser water), a warm-source heat pump's table to 37 degC leaving water (WAMAK TWW220: within
-5.5/+1.9 % at 25-37 degC and 26-41 K lift, optimistic by up to 22 % towards 56 K) and an
air-to-water unit's cooling table down to 21.4 K lift (Viessmann Vitocal 251-A08: the fall
below its peak within 1.1 %; calibrated at its A35/W7 rating as the catalogue's air-cooled unit
is, 12.5-13.1 % pessimistic at 21-28 K, since that machine's fraction rises by 14 % from its
rating to its peak and the model credits none of it), and it is not clamped where the curves
are.  Below the smallest lift of those tables (21.44 K) and above 37 degC leaving water only the
Carnot limit is checked (COP stays below the Carnot COP between the same water temperatures),
and a run reports the hours there (:mod:`twin.validity`).

Model (x = leaving chilled-water temperature, y = entering condenser temperature, degC)::

    Q_flow_available = Q_flow_nominal * CAPFT(x, y)
    PLR        = min(Q_flow_load / Q_flow_available, PLR_max)
    cycling    = min(PLR / PLR_min, 1)              (on/off cycling below PLR_min)
    PLR_power  = max(PLR, min_unloading_ratio)      (false loading, hot-gas bypass)
    P          = Q_flow_available / COP_nominal * EIRFT(x, y) * EIRFPLR(PLR_power) * cycling
    Q_flow_false_load = Q_flow_available * PLR_power * cycling - Q_flow_evaporator
    Q_flow_condenser  = P * compressor_heat_to_condenser + Q_flow_evaporator + Q_flow_false_load

Curve inputs are clamped to the curve limits; CAPFT, EIRFT and EIRFPLR are
floored at zero, as EnergyPlus does.

References:
- EnergyPlus Engineering Reference, "Electric Chiller Model Based on
  Condenser Entering Temperature"; EnergyPlus source ``ChillerElectricEIR``
  (cycling below the minimum part-load ratio, false loading below the
  minimum unloading ratio).
- Hydeman et al., "Development and testing of a reformulated regression-based
  electric chiller model", ASHRAE Transactions 108(2) (2002); coefficient
  sets: EnergyPlus ``datasets/Chillers.idf`` (CoolTools data, 1991-2001).
- Air-cooled reference rating point 6.67 degC (44 F) leaving chilled water /
  35 degC (95 F) entering air: AHRI Standard 550/590.
- Wetter et al., Modelica Buildings library, ``Buildings.Fluid.Chillers.Carnot_TEva``
  (Carnot-efficiency chiller with approach temperatures and a part-load polynomial).
- J. M. Gordon, K. C. Ng, H. T. Chua, "Centrifugal chillers: thermodynamic modelling and a
  diagnostic case study", Int. J. Refrig. 18 (1995) 253-257 (the universal chiller model).
- Viessmann, Planungshandbuch Vitocal 250-A/251-A, as tabulated in Modelica Buildings
  ``Buildings.Fluid.Chillers.ModularReversible.Data.TableData2D.EN14511.Vitocal251A08``
  (tests/data/chiller_viessmann_vitocal251_a08.csv).
- WAMAK, product sheet 2023/24 of the TWW220 water-to-water heat pump (R513A), as tabulated in
  Modelica Buildings ``Buildings.Fluid.HeatPumps.ModularReversible.Data.TableData2D.EN14511.
  WAMAK_WaterToWater_220kW`` (tests/data/heat_pump_wamak_twd220.csv).
- G. Oswalt, Advantage Engineering (chiller manufacturer), engineering notes: condensing
  temperature 25 F above ambient air / 20 F above condenser water, evaporating 10 F below the
  leaving water; EER 11.3 at 95 F air and 17.1 at 70 F air for 50 F water
  (http://wiki.greengaragedetroit.com/index.php?title=Glenn_Oswalt_-_Engineer_Advantage_Engineering).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

#: Refrigerant approaches (K): evaporating below leaving chilled water; condensing above entering
#: condenser water or outdoor air (Oswalt, Advantage Engineering: 10 F, 20 F, 25 F).
DT_EVAPORATOR = 10.0 / 1.8
DT_CONDENSER = {"water": 20.0 / 1.8, "air": 25.0 / 1.8}
#: Smallest refrigerant lift a compressor is credited with (K) [estimate: centrifugal and screw
#: compressors need some head for oil return and stable flow].
LIFT_MIN = 10.0
#: Share of a chiller's losses at its rating lift that do not shrink with the lift (-): motor,
#: mechanical and pressure-drop losses, over-compression of a compressor built for the rating's
#: pressure ratio (the fixed-loss term of Gordon & Ng's universal chiller model).  Fitted (least
#: squares on log COP) to the points below the rating lift of the Carrier 30XW-P and WAMAK TWW220
#: tables (tests/thermal/test_chiller.py::test_fixed_loss_share_is_fitted_to_the_two_manufacturers_tables).
FIXED_LOSS_SHARE = 0.155
#: Design lift (K) by condenser, below which the Carnot fraction falls: a water-cooled chiller's
#: rating lift (None); for an air-cooled unit rated at 35 degC air, the lift of the highest Carnot
#: fraction of the air-cooled table the model is checked against (Viessmann Vitocal 251-A08 in
#: cooling, A30/W18 with these approaches; its fraction rises from its A35/W7 rating down to there,
#: as Oswalt's EER ratio says too): air-cooled units are built for the part-load ambient.
LIFT_DESIGN = {"water": None, "air": 31.44}


@dataclass(frozen=True)
class Biquadratic:
    """a + b*x + c*x^2 + d*y + e*y^2 + f*x*y with x, y clamped to their limits."""

    coefficients: tuple[float, float, float, float, float, float]
    x_min: float
    x_max: float
    y_min: float
    y_max: float

    def __call__(self, x, y):
        a, b, c, d, e, f = self.coefficients
        x = np.clip(x, self.x_min, self.x_max)
        y = np.clip(y, self.y_min, self.y_max)
        return a + b * x + c * x * x + d * y + e * y * y + f * x * y


@dataclass(frozen=True)
class Quadratic:
    """a + b*x + c*x^2 with x clamped to its limits."""

    coefficients: tuple[float, float, float]
    x_min: float
    x_max: float

    def __call__(self, x):
        a, b, c = self.coefficients
        x = np.clip(x, self.x_min, self.x_max)
        return a + b * x + c * x * x


@dataclass(frozen=True)
class ElectricEIRChiller:
    """Parameters of a ``Chiller:Electric:EIR`` chiller.

    Q_flow_nominal: reference capacity (W); COP_nominal: reference COP (-);
    CAPFT/EIRFT: functions of (leaving chilled water, entering condenser) in
    degC; EIRFPLR: function of part-load ratio; PLR_min/PLR_max and
    min_unloading_ratio as in EnergyPlus; compressor_heat_to_condenser: the
    fraction of compressor power rejected by the condenser (-).
    """

    Q_flow_nominal: float
    COP_nominal: float
    CAPFT: Biquadratic
    EIRFT: Biquadratic
    EIRFPLR: Quadratic
    PLR_min: float
    PLR_max: float
    min_unloading_ratio: float
    compressor_heat_to_condenser: float = 1.0


class ChillerOperation(NamedTuple):
    """Steady operation of a chiller; heat flows in W, all >= 0."""

    P: np.ndarray  #: electrical power (W)
    Q_flow_evaporator: np.ndarray  #: heat taken from the chilled water (W)
    Q_flow_condenser: np.ndarray  #: heat given to the condenser water or air (W)
    Q_flow_available: np.ndarray  #: capacity at these temperatures (W)
    Q_flow_false_load: np.ndarray  #: hot-gas-bypass load above the water-side load (W)
    Q_flow_unmet: np.ndarray  #: load above PLR_max * capacity (W)
    PLR: np.ndarray  #: part-load ratio, before false loading (-)
    cycling_ratio: np.ndarray  #: fraction of time on (-)


def chiller_operation(chiller: ElectricEIRChiller, Q_flow_load, T_chilled_water_leaving,
                      T_condenser_entering) -> ChillerOperation:
    """Power and heat flows of one chiller serving ``Q_flow_load`` (W) at the given temperatures (degC)."""
    Q_flow_load = np.maximum(np.asarray(Q_flow_load, dtype=float), 0.0)
    Q_flow_available = chiller.Q_flow_nominal * np.maximum(
        chiller.CAPFT(T_chilled_water_leaving, T_condenser_entering), 0.0)
    EIRFT = np.maximum(chiller.EIRFT(T_chilled_water_leaving, T_condenser_entering), 0.0)
    return _part_load(chiller, Q_flow_load, Q_flow_available, Q_flow_available / chiller.COP_nominal * EIRFT)


def carnot_cop(T_cold, T_hot):
    """Carnot COP of a refrigerator between ``T_cold`` and ``T_hot`` (degC); inf where T_hot <= T_cold."""
    T_cold, T_hot = np.asarray(T_cold, dtype=float), np.asarray(T_hot, dtype=float)
    lift = T_hot - T_cold
    return np.where(lift > 0, (T_cold + 273.15) / np.where(lift > 0, lift, 1.0), np.inf)


@dataclass(frozen=True)
class CarnotChiller:
    """Parameters of a Carnot-fraction chiller (see the module docstring).

    Q_flow_nominal (W) and COP_nominal (-) at the rating T_leaving_nominal /
    T_condenser_nominal (degC); dT_evaporator, dT_condenser: refrigerant approaches (K);
    EIRFPLR, PLR_min, PLR_max, min_unloading_ratio as in :class:`ElectricEIRChiller`;
    T_condenser_max: highest entering condenser water or air (degC) at which it runs;
    fixed_loss_share: share of the losses at the design lift that do not shrink with the lift (-);
    lift_design: refrigerant lift (K) below which the Carnot fraction falls (None: the rating's).
    """

    Q_flow_nominal: float
    COP_nominal: float
    T_leaving_nominal: float
    T_condenser_nominal: float
    EIRFPLR: "Quadratic"
    PLR_min: float
    PLR_max: float
    min_unloading_ratio: float
    T_condenser_max: float
    dT_evaporator: float = DT_EVAPORATOR
    dT_condenser: float = DT_CONDENSER["water"]
    lift_min: float = LIFT_MIN
    compressor_heat_to_condenser: float = 1.0
    fixed_loss_share: float = FIXED_LOSS_SHARE
    lift_design: float | None = None

    def lift(self, T_leaving, T_condenser_entering):
        """Refrigerant lift (K): condensing minus evaporating temperature, with the approaches."""
        return (np.asarray(T_condenser_entering, dtype=float) + self.dT_condenser
                - (np.asarray(T_leaving, dtype=float) - self.dT_evaporator))

    @property
    def lift_nominal(self) -> float:
        """Refrigerant lift at the rating (K)."""
        return float(self.lift(self.T_leaving_nominal, self.T_condenser_nominal))

    def _carnot(self, T_leaving, T_condenser_entering):
        T_evaporating = np.asarray(T_leaving, dtype=float) - self.dT_evaporator
        lift = np.maximum(self.lift(T_leaving, T_condenser_entering), self.lift_min)
        return (T_evaporating + 273.15) / lift

    @property
    def eta_carnot(self) -> float:
        """Carnot fraction (-) at the rating: the one that reproduces COP_nominal there."""
        return float(self.COP_nominal / self._carnot(self.T_leaving_nominal, self.T_condenser_nominal))

    def carnot_fraction(self, T_leaving, T_condenser_entering):
        """Carnot fraction (-): eta_carnot at and above the design lift; below it
        ``x / (x (1 - s) + s)`` times that, x = lift / design lift, s = fixed_loss_share."""
        return self._eta_design * self._fall(self.lift(T_leaving, T_condenser_entering))

    def _fall(self, lift):
        x = np.maximum(lift, self.lift_min) / (self.lift_nominal if self.lift_design is None else self.lift_design)
        s = self.fixed_loss_share
        return np.where(x < 1.0, x / (x * (1.0 - s) + s), 1.0)

    @property
    def _eta_design(self) -> float:
        return self.eta_carnot / float(self._fall(self.lift_nominal))

    def COP_full_load(self, T_leaving, T_condenser_entering):
        """COP at full load (-) at leaving chilled water and entering condenser temperatures (degC)."""
        return self.carnot_fraction(T_leaving, T_condenser_entering) * self._carnot(T_leaving, T_condenser_entering)

    def capacity(self, T_leaving, T_condenser_entering):
        """Available capacity (W): motor-limited above the rating lift, nothing above T_condenser_max."""
        ratio = np.minimum(self.COP_full_load(T_leaving, T_condenser_entering) / self.COP_nominal, 1.0)
        return np.where(np.asarray(T_condenser_entering) <= self.T_condenser_max, self.Q_flow_nominal * ratio, 0.0)


def carnot_chiller_operation(chiller: CarnotChiller, Q_flow_load, T_chilled_water_leaving,
                             T_condenser_entering) -> ChillerOperation:
    """Power and heat flows of one Carnot-fraction chiller serving ``Q_flow_load`` (W)."""
    Q_flow_load = np.maximum(np.asarray(Q_flow_load, dtype=float), 0.0)
    Q_flow_available = chiller.capacity(T_chilled_water_leaving, T_condenser_entering)
    COP = chiller.COP_full_load(T_chilled_water_leaving, T_condenser_entering)
    return _part_load(chiller, Q_flow_load, Q_flow_available, Q_flow_available / COP)


def _part_load(chiller, Q_flow_load, Q_flow_available, P_full) -> ChillerOperation:
    """Part-load operation shared by both models: PLR, cycling, false loading, power, heat flows."""
    running = Q_flow_available > 0.0
    PLR = np.where(running, np.minimum(Q_flow_load / np.where(running, Q_flow_available, 1.0),
                                       chiller.PLR_max), 0.0)
    Q_flow_evaporator = PLR * Q_flow_available
    cycling_ratio = np.minimum(PLR / chiller.PLR_min, 1.0)
    PLR_power = np.where(running, np.maximum(PLR, chiller.min_unloading_ratio), 0.0)
    Q_flow_false_load = np.maximum(Q_flow_available * PLR_power * cycling_ratio - Q_flow_evaporator, 0.0)
    P = P_full * np.maximum(chiller.EIRFPLR(PLR_power), 0.0) * cycling_ratio
    Q_flow_condenser = P * chiller.compressor_heat_to_condenser + Q_flow_evaporator + Q_flow_false_load
    return ChillerOperation(P, Q_flow_evaporator, Q_flow_condenser, Q_flow_available,
                            Q_flow_false_load, Q_flow_load - Q_flow_evaporator, PLR, cycling_ratio)


def operation(chiller, Q_flow_load, T_chilled_water_leaving, T_condenser_entering) -> ChillerOperation:
    """:func:`carnot_chiller_operation` or :func:`chiller_operation`, by the type of ``chiller``."""
    run = carnot_chiller_operation if isinstance(chiller, CarnotChiller) else chiller_operation
    return run(chiller, Q_flow_load, T_chilled_water_leaving, T_condenser_entering)


def capacity(chiller, T_chilled_water_leaving, T_condenser_entering):
    """Available capacity (W) of either model at the given temperatures (degC)."""
    if isinstance(chiller, CarnotChiller):
        return chiller.capacity(T_chilled_water_leaving, T_condenser_entering)
    return chiller.Q_flow_nominal * np.maximum(chiller.CAPFT(T_chilled_water_leaving, T_condenser_entering), 0.0)


@dataclass(frozen=True)
class AirCooledChiller:
    """Air-cooled chiller (compressor circuit ``chiller``, its COP with condenser fans, as
    AHRI 550/590 rates air-cooled units) with an optional free-cooling coil ``coil``.

    The coil is an air-water exchanger upstream of the evaporator, modelled as a dry cooler
    (:class:`twin.thermal.dry_cooler.DryCooler`: effectiveness-NTU with film-scaled UA, fan
    power by the cube law) whose fans modulate so the water leaves no colder than the
    set-point; it runs only where the outdoor air is colder than the returning water.  The
    compressor trims what the coil leaves.  ``coil = None``: no coil.
    """

    chiller: "CarnotChiller | ElectricEIRChiller"
    coil: "DryCooler | None" = None


class AirCooledOperation(NamedTuple):
    """Steady operation of an air-cooled chiller with free cooling; W and degC."""

    P: np.ndarray  #: compressor (with condenser fans) plus free-cooling fans (W)
    P_free_cooling_fan: np.ndarray  #: free-cooling coil fans (W)
    Q_flow_free_cooling: np.ndarray  #: heat removed by the free-cooling coil (W)
    Q_flow_evaporator: np.ndarray  #: heat removed by the compressor circuit (W)
    Q_flow_unmet: np.ndarray  #: load neither could remove (W)
    Q_flow_rejected: np.ndarray  #: heat given to outdoor air (W)
    T_precooled: np.ndarray  #: water temperature after the free-cooling coil (degC)


def free_cooling(coil, m_flow, cp, T_return, T_supply_set, T_dry_bulb):
    """``(T_precooled, P_fan)`` of a free-cooling coil (degC, W): off where the air is not colder than the water."""
    from twin.thermal.dry_cooler import dry_cooler_operation

    m_flow, T_return, T_supply_set, T_dry_bulb = np.broadcast_arrays(*(np.asarray(a, dtype=float) for a in (
        m_flow, T_return, T_supply_set, T_dry_bulb)))
    if coil is None:
        return T_return.copy(), np.zeros_like(T_return)
    active = (T_dry_bulb < T_return) & (T_return > T_supply_set) & (m_flow > 0)
    op = dry_cooler_operation(coil, T_return, m_flow, cp, T_dry_bulb, T_dry_bulb, T_supply_set)
    return np.where(active, op.T_water_leaving, T_return), np.where(active, op.P_fan, 0.0)


def air_cooled_chiller_operation(unit: AirCooledChiller, m_flow, cp, T_return, T_supply_set,
                                 T_dry_bulb) -> AirCooledOperation:
    """Operation of an air-cooled chiller cooling ``m_flow`` (kg/s) from T_return to T_supply_set."""
    T_precooled, P_fan = free_cooling(unit.coil, m_flow, cp, T_return, T_supply_set, T_dry_bulb)
    Q_flow_free_cooling = np.asarray(m_flow) * cp * (np.asarray(T_return) - T_precooled)
    load = np.asarray(m_flow) * cp * np.maximum(T_precooled - T_supply_set, 0.0)
    op = operation(unit.chiller, load, T_supply_set, T_dry_bulb)
    return AirCooledOperation(op.P + P_fan, P_fan, Q_flow_free_cooling, op.Q_flow_evaporator,
                              op.Q_flow_unmet, Q_flow_free_cooling + op.Q_flow_condenser + P_fan,
                              T_precooled)


class Staging(NamedTuple):
    """Chillers to run for a load."""

    n_on: np.ndarray  #: chillers running
    n_required: np.ndarray  #: chillers needed to carry the load at PLR_max
    redundancy_met: np.ndarray  #: True where n_required + n_redundant <= n_installed


def stage_chillers(Q_flow_load, Q_flow_capacity, n_installed: int, PLR_max: float = 1.0,
                   n_redundant: int = 1, run_redundant: bool = False) -> Staging:
    """Number of identical chillers to run for a load (W), each loaded to at most PLR_max.

    ``Q_flow_capacity`` is one chiller's available capacity (W); with
    ``run_redundant`` the redundant units run too (lower part load each).
    """
    load = np.maximum(np.asarray(Q_flow_load, dtype=float), 0.0)
    n_required = np.ceil(load / (PLR_max * np.asarray(Q_flow_capacity, dtype=float)) - 1e-9)
    n_required = np.maximum(n_required, 0).astype(int)
    wanted = np.where(run_redundant & (n_required > 0), n_required + n_redundant, n_required)
    return Staging(np.minimum(wanted, n_installed), n_required, n_required + n_redundant <= n_installed)
