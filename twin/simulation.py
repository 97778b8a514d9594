"""Co-simulation of a site's racks and cooling plant: ``twin.simulate(site, ...)``.

Two time scales.  Racks (die, cold plate and rack coolant of every rack, or of
one representative rack per group) advance at the IT step (1 s by default)
with exact zero-order-hold discretisation (:mod:`twin.thermal.rack_array`),
under IT power that changes every IT step.  The plant advances at the plant
step (10 s by default), with the TCS supply temperature of each CDU bank held
over it.  Within a plant step, in order:

1. facility-water valves and pumps act on last step's measurements (PI);
2. the supply and return mains deliver water that entered them earlier
   (plug-flow transport delays, :mod:`twin.thermal.pipe`);
3. each CDU bank exchanges heat between its TCS return header and the facility
   supply (ε-NTU, :mod:`twin.thermal.cdu`);
4. the racks advance over the plant step at that TCS supply temperature;
5. CDU, rear-door and CRAH heat, and pump and fan heat, warm the facility return;
6. the plant (:mod:`twin.thermal.plant`) cools the water leaving the return main.

Every heat flow is computed once and booked once, so the cooling-water system
(racks, TCS headers, facility mains) conserves energy to round-off: the
Dataset reports the residual (``ds.twin.energy_residual()``).  The TCS return
header holds one plant step of flow (the TCS piping's transit time, ~10-20 s
for in-row CDUs).

``steady_state`` solves the same equations with every storage term zero, the
controllers at their set-points; it is the check on the long-run state of a
simulation, and the fast path (``mode="quasi_steady"``) for a year of plant
operation at minute steps.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np
import pandas as pd
import xarray as xr
from threadpoolctl import threadpool_limits

from twin.electrical.network import (
    BLOCK_VARIABLES,
    ElectricalControl,
    ElectricalNetwork,
    concatenate_blocks,
    electrical_summary,
)
from twin.errors import InputError
from twin.media import coolant
from twin.results import make_dataset, variable
from twin.site import Site, load_site
from twin.thermal import cdu
from twin.thermal.accelerator import AcceleratorThermal
from twin.thermal.network import (
    AIR_FAN_FRACTION,
    CP_FACILITY,
    RHO_FACILITY,
    FacilityLoops,
    RackGroups,
    assemble,
    facility_pump_power,
)
from twin.thermal.pipe import Pipe, pipe_initial_state, plug_flow_step
from twin.scenarios import EquipmentOutage, Scenario, availability, parse as parse_scenario
from twin.thermal.plant import LoopPlant, operate
from twin.thermal.storage import StratifiedTank, TankState, tank_energy, tank_step
from twin.thermal.rack_array import RackArray, RackType, rack_steady_state
from twin.weather import load_weather
from twin.workload import ConstantProfile

#: Facility supply temperature above which no steady state is accepted (degC): the water would boil.
WATER_LIMIT = 95.0
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


def steady_state(model: Model, P_it, T_dry_bulb, T_wet_bulb, T_set=None, iterations: int = 60) -> dict[str, np.ndarray]:
    """Steady operation at IT power ``P_it`` (W per group, shape (..., G)) and weather (shape (...)).

    Controllers sit at their set-points where they can reach them; where the
    plant cannot hold a loop's set-point the supply floats to the fixed point
    of the loop (found by iteration on those points only).  ``T_set`` (degC,
    shape (..., L)) replaces the loops' facility supply set-points, with the
    CDU set-points following at their design approach.  Vectorised over the
    leading axes (time).  Returns arrays named as the simulation's variables.
    """
    lp = model.loops
    P_it = np.asarray(P_it, dtype=float)
    shape = P_it.shape[:-1]
    P = P_it.reshape(-1, P_it.shape[-1])
    L = len(lp.names)
    T_db = np.broadcast_to(np.asarray(T_dry_bulb, dtype=float), shape).reshape(-1)
    T_wb = np.broadcast_to(np.asarray(T_wet_bulb, dtype=float), shape).reshape(-1)
    T_set = np.broadcast_to(lp.T_set if T_set is None else np.asarray(T_set, float), shape + (L,)).reshape(-1, L)
    state = _loop_pass(model, P, T_set.copy(), T_db, T_wb, T_set)
    todo = np.flatnonzero((state["T_plant"] > T_set + 1e-9).any(axis=-1))
    for _ in range(iterations):
        if todo.size == 0:
            break
        T_next = np.maximum(state["T_plant"][todo], T_set[todo])
        part = _loop_pass(model, P[todo], T_next, T_db[todo], T_wb[todo], T_set[todo])
        moved = np.abs(part["T_plant"] - T_next).max(axis=-1) > 1e-7
        for name, value in part.items():
            state[name][todo] = value
        state["T_fws_supply"][todo] = T_next
        todo = todo[moved]
    diverged = todo.size > 0 or bool(np.any(state["T_fws_supply"] > WATER_LIMIT))
    if diverged:
        bad = todo[0] if todo.size else int(np.argmax(state["T_fws_supply"].max(axis=-1)))
        loop = int(np.argmax(state["T_fws_supply"][bad]))
        raise InputError.one(model.site.file, f"plants '{lp.plant_names[loop]}'",
                             f"no steady state: the units in service cannot reject the heat of loop "
                             f"'{lp.names[loop]}' (case {bad} of the run)",
                             "enough heat-rejection units in service for the load (or a dynamic run, which "
                             "shows the loop heating up)")
    state.pop("T_plant")
    return {name: value.reshape(shape + value.shape[1:]) for name, value in state.items()}


def _loop_pass(model: Model, P, T_supply, T_db, T_wb, T_set) -> dict[str, np.ndarray]:
    """Every steady flow given the facility supply temperatures ``T_supply`` and set-points (N, L); P is (N, G)."""
    g, lp = model.groups, model.loops
    liquid = g.liquid
    Q_liquid = np.where(liquid, g.liquid_fraction * P + g.P_tcs_pumps, 0.0)
    Q_air = np.where(liquid, (1 - g.liquid_fraction) * P, P)
    P_air_fans = AIR_FAN_FRACTION * Q_air
    C_tcs = np.where(liquid, g.C_tcs, 1.0)
    T_fws = T_supply[:, g.loop]
    T_set_tcs = T_set[:, g.loop] + g.approach
    # with the valve open the bank passes eps*C_min per K of (TCS return - facility supply)
    conductance, _, _ = cdu.exchange(1.0, 0.0, C_tcs, g.C_fws_max, g.UA_cdu, 1.0)
    T_return_open = T_fws + Q_liquid / np.where(conductance > 0, conductance, 1.0)
    hold = T_return_open - Q_liquid / C_tcs <= T_set_tcs
    T_return_tcs = np.where(hold, T_set_tcs + Q_liquid / C_tcs, T_return_open)
    u = np.where(hold, cdu.valve_for_setpoint(T_return_tcs, T_fws, C_tcs, g.C_fws_max, g.UA_cdu, T_set_tcs), 1.0)
    T_tcs_supply = T_return_tcs - Q_liquid / C_tcs
    members = np.eye(len(lp.names))[g.loop]
    C_loop = np.where(liquid, u * g.C_fws_max, 0.0) @ members + model.C_coils
    P_pumps = facility_pump_power(lp, C_loop)
    losses = model.hall_losses(P.sum(axis=-1))
    T_return = T_supply + ((Q_liquid + Q_air + P_air_fans) @ members + losses + P_pumps) / C_loop
    plant = [operate(lp.plants[i], T_return[:, i], C_loop[:, i], T_set[:, i], T_db, T_wb)
             for i in range(len(lp.names))]
    T_die = np.full(P.shape, np.nan)
    for i, rt in enumerate(model.rack_types):
        if rt is not None:
            T_die[:, i] = rack_steady_state(rt, P[:, i] / g.n_racks[i], T_tcs_supply[:, i])[0]
    stack = lambda name: np.stack([getattr(p, name) for p in plant], axis=-1)  # noqa: E731
    return dict(
        T_fws_supply=T_supply.copy(), T_fws_return=T_return, C_fws=C_loop, P_fws_pumps=P_pumps,
        T_tcs_supply=np.where(liquid, T_tcs_supply, np.nan), T_tcs_return=np.where(liquid, T_return_tcs, np.nan),
        T_die_max=T_die, valve=np.where(liquid, u, np.nan), P_compressors=stack("P_compressors"),
        P_plant_fans=stack("P_fans"), P_condenser_pumps=stack("P_condenser_pumps"),
        Q_flow_removed=stack("Q_flow_removed"), Q_flow_to_atmosphere=stack("Q_flow_rejected"),
        m_flow_water_use=stack("m_flow_water_use"), n_chillers_on=stack("n_chillers_on"),
        P_tcs_pumps=np.broadcast_to(g.P_tcs_pumps, P.shape).copy(),
        P_air_fans=P_air_fans, Q_flow_electrical_losses=losses, T_plant=stack("T_supply"))


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


def simulate(site: Site | str, *, start="2025-07-21 00:00", duration: float = 3600.0, weather=None,
             workload=None, plant_step: float = 10.0, it_step: float = 1.0, resolution: str = "group",
             mode: str = "dynamic", scenario: str | Scenario | None = None, events=(),
             out_of_service: dict[str, float] | None = None, setpoints: xr.DataArray | None = None,
             electrical: ElectricalControl | bool = True, electrical_resolution: str = "plant",
             seed: int = 0, progress=None) -> xr.Dataset:
    """Simulate ``site`` for ``duration`` seconds from ``start``; returns a result Dataset.

    weather: a spec for :func:`twin.weather.load_weather` (default: the site's own, or the
    scenario's), or a Dataset with ``T_dry_bulb`` and ``T_wet_bulb`` (degC), with or
    without a ``time`` dim; workload: a profile from :mod:`twin.workload` (default:
    constant 80 % of peak); resolution: "group" (one representative rack per rack group)
    or "rack" (every rack); mode: "dynamic" (co-simulation) or "quasi_steady" (plant
    steady state every plant step, for long runs); scenario: a name or spec from
    :mod:`twin.scenarios` (e.g. "chiller_trip:at=15:00,units=1"); events: more
    :class:`twin.scenarios.EquipmentOutage` events; out_of_service: plant name ->
    fraction of its units failed for the whole run; setpoints: facility supply set-points
    (degC) with dims ``(time, loop)`` (each value held until the next) or ``(loop,)``, e.g.
    a plan from :func:`twin.optimize.setpoints`; electrical: the electrical network's
    controls (:class:`twin.electrical.ElectricalControl`, True for the defaults, False for
    a thermal-only run); electrical_resolution: "plant" (electrical results averaged over
    plant steps) or "it" (also the grid, turbine and BESS series at every IT step, as
    ``*_it`` variables on a ``time_it`` axis); progress: a callable
    ``progress(done, total)`` called after each plant step.  A dynamic run starts from
    the healthy plant's steady state at the first step's load and weather.
    """
    site = load_site(site) if isinstance(site, str) else site
    _check_options(duration, plant_step, it_step, resolution, mode)
    if electrical_resolution not in ("plant", "it"):
        raise InputError.one("simulate", "electrical_resolution", repr(electrical_resolution), "'plant' or 'it'")
    try:
        first = pd.Timestamp(start)
    except (ValueError, TypeError):
        raise InputError.one("simulate", "start", repr(start), "a timestamp such as '2025-07-21 14:00'") from None
    # workload clocks and scenario times count seconds from local midnight of the start day
    t0 = float((first - first.normalize()).total_seconds())
    events = list(events)
    if scenario is not None:
        chosen = scenario if isinstance(scenario, Scenario) else parse_scenario(scenario, site, start_of_day=t0)
        events += chosen.events
        weather = weather if weather is not None else chosen.weather
    workload = workload or ConstantProfile(0.8)
    n_steps = int(round(duration / plant_step))
    wx = _weather(site.location.weather if weather is None else weather, start, n_steps, plant_step)
    if mode == "quasi_steady":
        if events:
            raise InputError.one("simulate", "mode", "'quasi_steady' with scenario events",
                                 "mode='dynamic' for failures that start and end within the run")
        model = build(site, out_of_service=out_of_service)
        return _quasi_steady(model, wx, workload, plant_step, t0, _schedule(setpoints, wx, model.loops))
    for plant, fraction in (out_of_service or {}).items():
        events += [EquipmentOutage(kind, 0.0, np.inf, fraction, plant) for kind in ("tower", "dry_cooler", "chiller")]
    # one BLAS thread: the rack kernel's small matrix products lose to thread hand-offs on shared cores
    with threadpool_limits(1, "blas"):
        model = build(site)
        control = ElectricalControl() if electrical is True else electrical or None
        network = None
        if control is not None:  # the model's network, with the run's controls
            control.check()
            network = dataclasses.replace(model.electrical, control=control)
        return _dynamic(model, wx, workload, plant_step, it_step, resolution, seed, progress, t0,
                        tuple(events), _schedule(setpoints, wx, model.loops), network, electrical_resolution)


def _schedule(setpoints, wx: xr.Dataset, loops: FacilityLoops) -> np.ndarray:
    """Facility supply set-points at every plant step, shape (steps, loops) (degC)."""
    n = wx.sizes["time"]
    if setpoints is None:
        return np.broadcast_to(loops.T_set, (n, len(loops.names))).copy()
    da = setpoints if isinstance(setpoints, xr.DataArray) else xr.DataArray(setpoints, dims=("loop",))
    if "loop" not in da.dims or set(da.dims) - {"time", "loop"}:
        raise InputError.one("simulate", "setpoints", f"dims {da.dims}", "dims (time, loop) or (loop,)")
    if "loop" in da.coords:
        da = da.sel(loop=list(loops.names))
    if "time" in da.dims:
        da = da.sel(time=wx["time"].values, method="ffill")
    values = np.broadcast_to(da.transpose(..., "loop").values, (n, len(loops.names))).astype(float)
    over = values > loops.liquid_class_limit
    if over.any():
        i = int(np.argmax(over.any(axis=0)))
        raise InputError.one("simulate", f"setpoints[loop={loops.names[i]}]", f"{values[:, i].max():g} degC",
                             f"at most {loops.liquid_class_limit[i]:g} degC (the loop's ASHRAE class)")
    return values


def _weather(spec, start, n_steps: int, plant_step: float) -> xr.Dataset:
    """Weather at the plant steps: a spec for load_weather, or a Dataset with T_dry_bulb and T_wet_bulb."""
    if not isinstance(spec, xr.Dataset):
        return load_weather(spec, start=start, duration=n_steps * plant_step, step=plant_step)
    missing = [v for v in ("T_dry_bulb", "T_wet_bulb") if v not in spec]
    if missing:
        raise InputError.one("weather", "Dataset", f"no {', '.join(missing)}", "T_dry_bulb and T_wet_bulb in degC")
    time = np.datetime64(np.datetime64(str(start).replace(" ", "T"))) + \
        (np.arange(n_steps) * plant_step * 1e3).astype("timedelta64[ms]")
    if "time" not in spec.dims:
        return spec[["T_dry_bulb", "T_wet_bulb"]].expand_dims(time=time)
    return spec[["T_dry_bulb", "T_wet_bulb"]].interp(time=time).assign_attrs(spec.attrs)


def _check_options(duration, plant_step, it_step, resolution, mode):
    checks = [
        (duration > 0, "duration", duration, "a positive number of seconds"),
        (plant_step > 0, "plant_step", plant_step, "a positive number of seconds"),
        (it_step > 0 and abs(plant_step / it_step - round(plant_step / it_step)) < 1e-9, "it_step", it_step,
         f"a positive divisor of plant_step ({plant_step:g} s)"),
        (resolution in ("group", "rack"), "resolution", resolution, "'group' or 'rack'"),
        (mode in ("dynamic", "quasi_steady"), "mode", mode, "'dynamic' or 'quasi_steady'"),
        (duration <= 0 or duration >= plant_step, "duration", duration, f"at least one plant step ({plant_step:g} s)"),
    ]
    problems = [InputError.one("simulate", field, repr(found), expected).problems[0]
                for ok, field, found, expected in checks if not ok]
    if problems:
        raise InputError(problems)


def _quasi_steady(model: Model, wx: xr.Dataset, workload, plant_step: float, t0: float, T_set) -> xr.Dataset:
    g = model.groups
    t = t0 + np.arange(wx.sizes["time"] + 1) * plant_step
    fraction = workload.site_fraction(t)[:-1]
    P_it = fraction[:, None] * g.P_peak * g.n_racks
    state = steady_state(model, P_it, wx["T_dry_bulb"].values, wx["T_wet_bulb"].values, T_set)
    zero = np.zeros(len(fraction))
    loops = np.zeros((len(fraction), len(model.loops.names)))
    state.update(n_shutdown=np.zeros(P_it.shape), n_tripped=np.zeros(P_it.shape), Q_flow_storage_gains=loops, storage_hours_left=loops + np.nan,
                 T_fws_supply_set=T_set)
    return _dataset(model, wx, plant_step, P_it, state, T_die_mean=state["T_die_max"],
                    n_throttled=np.zeros(P_it.shape), E_stored=zero, mode="quasi_steady")


def _dynamic(model: Model, wx, workload, plant_step, it_step, resolution, seed, progress, t0,
             events, T_set_steps, network=None, electrical_resolution="plant") -> xr.Dataset:
    site, g, lp = model.site, model.groups, model.loops
    n_steps, K = wx.sizes["time"], int(round(plant_step / it_step))
    rng = np.random.default_rng(seed)
    liquid = np.flatnonzero(g.liquid)
    air = np.flatnonzero(~g.liquid)
    G, L = len(g.names), len(lp.names)
    T_db, T_wb = wx["T_dry_bulb"].values, wx["T_wet_bulb"].values
    rho_cp = RHO_FACILITY * CP_FACILITY

    # racks: every rack, or one representative rack per group whose heat counts n_racks times
    if resolution == "rack":
        counts = g.n_racks[liquid].astype(int)
        rack_group = np.repeat(np.arange(liquid.size), counts)
        weight = np.ones(liquid.size)
    else:
        rack_group = np.arange(liquid.size)
        weight = g.n_racks[liquid]
    types = [model.rack_types[i] for i in liquid]
    racks = RackArray(types, np.arange(len(types))[rack_group] if len(types) else rack_group, rack_group,
                      T_initial=lp.T_set[0], n_groups=liquid.size)
    P_peak_rack = g.P_peak[liquid][rack_group]

    demanded = []  # IT power demanded by the liquid-cooled racks at each IT step of the plant step
    tripped = np.zeros(liquid.size, dtype=bool)  # groups whose racks protection has powered off (latched)

    def power(t, k, dt):
        if resolution == "rack":
            D = workload.block(t0 + t, k, dt, rack_group.size, rng) * (P_peak_rack * ~tripped[rack_group])
            demanded.append(D.sum(axis=1))
        else:
            D = workload.site_fraction(t0 + t + dt * np.arange(k + 1))[:k, None] * (P_peak_rack * ~tripped)
            demanded.append(D @ weight)
        return D

    # start from the steady state at the first step's load and weather
    f0 = float(np.mean(workload.site_fraction(t0 + np.arange(K + 1) * it_step)[:K]))
    init = steady_state(model, f0 * g.P_peak * g.n_racks, T_db[0], T_wb[0], T_set_steps[0])
    racks.set_steady_state(f0 * P_peak_rack, np.nan_to_num(init["T_tcs_supply"][liquid]))
    T_header = np.nan_to_num(init["T_tcs_return"][liquid])
    valve = np.nan_to_num(init["valve"][liquid], nan=1.0)
    volume = lp.M_main / rho_cp
    C_open = np.bincount(g.loop[liquid], g.C_fws_max[liquid], minlength=L) + model.C_coils
    if np.any(C_open / rho_cp * plant_step > volume):
        i = int(np.argmax(C_open / rho_cp * plant_step / volume))
        raise InputError.one(site.file, f"facility_loops[{i}].pipe_length",
                             f"a transport delay shorter than the plant step ({plant_step:g} s)",
                             "a longer main, or a shorter plant_step")
    supply = [_Main(volume[i], init["T_fws_supply"][i]) for i in range(L)]
    ret = [_Main(volume[i], init["T_fws_return"][i]) for i in range(L)]
    tanks = [_storage(site, lp, i) for i in range(L)]
    C_tcs = g.C_tcs[liquid]
    members = np.eye(L)[g.loop]
    E_room = 0.0  # air-side heat left in the halls while no coil water flows

    def stored() -> float:
        racks_heat = np.bincount(rack_group, racks.stored_energy(), minlength=liquid.size) * weight
        return float(racks_heat.sum() + (C_tcs * plant_step * T_header).sum() + E_room
                     + sum(m.stored() for m in supply + ret) + sum(t.energy() for t in tanks if t))

    E0 = stored()
    out = {name: np.zeros((n_steps, G)) for name in ("P_it", "T_die_max", "T_die_mean", "T_tcs_supply",
                                                     "T_tcs_return", "valve", "n_throttled", "n_shutdown",
                                                     "n_tripped")}
    out.update({name: np.zeros((n_steps, L)) for name in (
        "T_fws_supply", "T_fws_return", "C_fws", "P_fws_pumps", "P_compressors", "P_plant_fans",
        "P_condenser_pumps", "Q_flow_removed", "Q_flow_to_atmosphere", "m_flow_water_use",
        "Q_flow_storage_gains", "storage_hours_left", "Q_flow_electrical_losses")})
    out["E_stored"] = np.zeros(n_steps)
    out["P_tcs_pumps"] = np.broadcast_to(g.P_tcs_pumps, (n_steps, G))
    out["P_air_fans"] = np.zeros((n_steps, G))
    plants: dict[tuple, LoopPlant] = {}
    grid_events = tuple(e for e in events if not isinstance(e, EquipmentOutage))
    if network is not None:
        P_cooling_0 = sum(float(np.sum(init[name])) for name in COOLING_TERMS)
        grid_state = network.initial_state(f0 * float((g.P_peak * g.n_racks).sum()), P_cooling_0)
        blocks = []
    for k in range(n_steps):
        t = k * plant_step
        T_set = T_set_steps[k]
        T_set_tcs = T_set[g.loop[liquid]] + g.approach[liquid]
        # equipment in service this step
        cdu_share = np.array([availability(events, t, "cdu", name) for name in g.names])[liquid]
        pump_share = np.array([availability(events, t, "fws_pump", name) for name in lp.names])
        C_fws = valve * g.C_fws_max[liquid] * cdu_share
        C_coils = model.C_coils.copy()
        demand = np.bincount(g.loop[liquid], C_fws, minlength=L) + C_coils
        scale = np.minimum(1.0, pump_share * C_open / np.where(demand > 0, demand, 1.0))
        C_fws = C_fws * scale[g.loop[liquid]]
        C_coils = C_coils * scale
        C_loop = np.bincount(g.loop[liquid], C_fws, minlength=L) + C_coils
        flowing = C_loop > 0
        V = C_loop / rho_cp * plant_step
        T_fws = np.array([supply[i].outflow(V[i]) for i in range(L)])
        T_plant_in = np.array([ret[i].outflow(V[i]) for i in range(L)])

        Q_cdu, T_tcs_supply, _ = cdu.exchange(T_header, T_fws[g.loop[liquid]], C_tcs, g.C_fws_max[liquid] * cdu_share,
                                              g.UA_cdu[liquid] * cdu_share, valve * scale[g.loop[liquid]])
        demanded.clear()
        report = racks.advance(power, T_tcs_supply, K, it_step)
        Q_liquid = report.Q_flow_liquid * weight
        T_header = T_tcs_supply + (Q_liquid + g.P_tcs_pumps[liquid]) / C_tcs

        air_fraction = workload.site_fraction(t0 + t + it_step * np.arange(K + 1))[:K]
        P_air_racks = air_fraction.mean() * g.P_peak[air] * g.n_racks[air]
        Q_air = np.zeros(G)
        Q_air[liquid] = report.Q_flow_air * weight
        Q_air[air] = P_air_racks
        P_air_fans = AIR_FAN_FRACTION * Q_air
        P_pumps = np.where(flowing, facility_pump_power(lp, C_loop), 0.0)
        # UPS and distribution losses at this step's IT power warm the halls' air, picked up by the coils
        hall_losses = model.hall_losses(float(report.P @ weight + P_air_racks.sum()))
        coil_heat = (Q_air + P_air_fans) @ members + hall_losses
        out["Q_flow_electrical_losses"][k] = hall_losses
        E_room += float(np.where(C_coils > 0, 0.0, coil_heat).sum()) * plant_step
        heat_in = np.bincount(g.loop[liquid], Q_cdu, minlength=L) + np.where(C_coils > 0, coil_heat, 0.0) + P_pumps
        T_fws_return = T_fws + heat_in / np.where(flowing, C_loop, 1.0)
        for i in range(L):
            key = (i,) + tuple(availability(events, t, kind, lp.plant_names[i])
                               for kind in ("tower", "dry_cooler", "chiller"))
            if key not in plants:
                plants[key] = LoopPlant.share(site.plant(lp.plant_names[i]), lp.plant_share[i],
                                              dict(zip(("tower", "dry_cooler", "chiller"), key[1:])))
            op = operate(plants[key], T_plant_in[i], C_loop[i], T_set[i], T_db[k], T_wb[k]) if flowing[i] \
                else None
            T_out = float(op.T_supply) if op else T_plant_in[i]
            T_push, gains, hours = T_out, 0.0, np.nan
            if tanks[i] is not None:
                T_push, gains = tanks[i].serve(T_out, T_set[i], V[i], T_db[k], plant_step)
                hours = tanks[i].hours_left(lp.C_design[i] / rho_cp)
            ret[i].push(T_fws_return[i], V[i])
            supply[i].push(T_push, V[i])
            if op:
                out["P_compressors"][k, i], out["P_plant_fans"][k, i] = op.P_compressors, op.P_fans
                out["P_condenser_pumps"][k, i], out["Q_flow_to_atmosphere"][k, i] = op.P_condenser_pumps, \
                    op.Q_flow_rejected
                out["m_flow_water_use"][k, i] = op.m_flow_water_use
            out["Q_flow_removed"][k, i] = C_loop[i] * (T_plant_in[i] - T_out)
            out["Q_flow_storage_gains"][k, i] = gains
            out["storage_hours_left"][k, i] = hours

        # rack protection: coolant at the rack inlet above its trip temperature powers the racks off
        tripped |= T_tcs_supply > g.T_coolant_trip[liquid]
        valve = cdu.valve_update(cdu.ValveControl(), valve, T_tcs_supply - T_set_tcs, T_header,
                                 T_fws[g.loop[liquid]], C_tcs, g.C_fws_max[liquid], g.UA_cdu[liquid], plant_step)

        out["P_it"][k, liquid] = report.P * weight
        out["P_it"][k, air] = P_air_racks
        out["T_die_max"][k, liquid] = report.T_die_max
        out["T_die_mean"][k, liquid] = report.T_die_mean
        out["T_tcs_supply"][k, liquid] = T_tcs_supply
        out["T_tcs_return"][k, liquid] = T_header
        out["valve"][k, liquid] = C_fws / g.C_fws_max[liquid]
        scale_racks = weight if resolution == "group" else 1
        out["n_throttled"][k, liquid] = report.n_throttled * scale_racks
        out["n_shutdown"][k, liquid] = report.n_shutdown * scale_racks
        out["n_tripped"][k, liquid] = tripped * g.n_racks[liquid]
        out["P_air_fans"][k] = P_air_fans
        out["T_fws_supply"][k], out["T_fws_return"][k], out["C_fws"][k] = T_fws, T_fws_return, C_loop
        out["P_fws_pumps"][k] = P_pumps
        out["E_stored"][k] = stored() - E0
        if network is not None:
            # IT power at every IT step: the racks' demand, scaled to what throttled racks drew
            demand = np.concatenate(demanded)
            drawn = float(np.sum(report.P * weight))
            P_it_steps = demand * (drawn / demand.mean() if demand.mean() > 0 else 0.0) \
                + air_fraction * float(np.sum(g.P_peak[air] * g.n_racks[air]))
            P_cooling = sum(float(np.sum(out[name][k])) for name in COOLING_TERMS)
            grid_state, block = network.step_block(grid_state, P_it_steps, P_cooling, it_step, t, grid_events)
            blocks.append(block)
        if progress is not None:
            progress(k + 1, n_steps)
    for name in ("T_die_max", "T_die_mean", "T_tcs_supply", "T_tcs_return", "valve"):
        out[name][:, air] = np.nan
    state = {name: out[name] for name in out if name not in ("P_it", "T_die_mean", "n_throttled", "E_stored")}
    state["T_fws_supply_set"] = T_set_steps
    ds = _dataset(model, wx, plant_step, out["P_it"], state, T_die_mean=out["T_die_mean"],
                  n_throttled=out["n_throttled"], E_stored=out["E_stored"], mode="dynamic")
    if network is not None:
        ds = _add_electrical(ds, network, blocks, it_step, electrical_resolution)
        ds = ds.assign_coords(fleet=[f"{t.count}x{t.model}" for t in model.site.electrical.turbines])
    return ds


def _add_electrical(ds: xr.Dataset, network, blocks, it_step: float, resolution: str) -> xr.Dataset:
    """Electrical results: plant-step means, the power balance terms, the facility power with losses,
    headline metrics (from the IT-step series) in attrs, and the IT-step series when asked."""
    steps = [b.plant_step_values() for b in blocks]
    variables = {}
    for name, (per_fleet, units, long_name) in BLOCK_VARIABLES.items():
        values = np.array([step[name] for step in steps], dtype=float)
        variables[name] = variable(("time", "fleet") if per_fleet else "time", values, units, long_name)
    ds = ds.assign(variables)
    losses = ds.P_losses_transformers + ds.P_losses_ups + ds.P_losses_distribution
    balance = {
        "P_sources": (ds.P_poi + ds.P_turbines.sum("fleet"), "W", "grid import plus turbine output"),
        "P_storage": (ds.P_bess + ds.P_ups_battery, "W", "BESS and UPS battery power, positive discharging"),
        "P_loads": (ds.P_it_served + ds.P_cooling_served, "W", "IT and cooling power served"),
        "P_losses": (losses, "W", "transformer, UPS and distribution losses"),
    }
    for name, (value, units, long_name) in balance.items():
        ds[name] = value.assign_attrs(units=units, long_name=long_name)
    ds["P_facility"] = (ds.P_it_total + ds.P_cooling + losses).assign_attrs(
        units="W", long_name="facility power: IT, cooling and electrical losses")
    arrays = concatenate_blocks(blocks)
    for key, value in electrical_summary(arrays, it_step).items():
        ds.attrs[f"electrical_{key}"] = float(value)
    if resolution == "it":
        time_it = ds.time.values[0] + (arrays["t"] * 1e3).astype("timedelta64[ms]")
        for name in ("P_poi", "P_turbines", "P_bess", "soc", "P_demand", "P_unserved"):
            per_fleet, units, long_name = BLOCK_VARIABLES[name]
            ds[f"{name}_it"] = xr.Variable(("time_it", "fleet") if per_fleet else "time_it", arrays[name],
                                           attrs={"units": units, "long_name": long_name + " (every IT step)"})
        ds = ds.assign_coords(time_it=time_it)
        ds.attrs["step_it_s"] = float(it_step)
    return ds


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


_META = {
    # name: (dims, units, long_name)
    "P_it": ("group", "W", "IT electrical power drawn by the rack group (after throttling)"),
    "T_die_max": ("group", "degC", "highest accelerator die temperature in the group"),
    "T_die_mean": ("group", "degC", "mean accelerator die temperature in the group"),
    "T_tcs_supply": ("group", "degC", "TCS supply temperature (CDU outlet, rack inlet)"),
    "T_tcs_return": ("group", "degC", "TCS return temperature (CDU inlet)"),
    "valve": ("group", "1", "CDU facility-water valve opening"),
    "n_throttled": ("group", "1", "racks with throttled accelerators"),
    "P_tcs_pumps": ("group", "W", "CDU (TCS) pump power"),
    "P_air_fans": ("group", "W", "CRAH / fan-wall fan power for the group's air-side heat"),
    "T_fws_supply": ("loop", "degC", "facility water supply temperature at the CDUs"),
    "T_fws_return": ("loop", "degC", "facility water return temperature leaving the halls"),
    "C_fws": ("loop", "W/K", "facility water capacity flow (m_flow * cp)"),
    "P_fws_pumps": ("loop", "W", "facility water pump power"),
    "P_compressors": ("loop", "W", "chiller compressor power (air-cooled: with condenser fans)"),
    "P_plant_fans": ("loop", "W", "cooling tower, dry cooler and free-cooling fan power"),
    "P_condenser_pumps": ("loop", "W", "condenser water pump power"),
    "Q_flow_removed": ("loop", "W", "heat removed from the facility water by the plant"),
    "Q_flow_to_atmosphere": ("loop", "W", "heat given by the plant to the atmosphere"),
    "m_flow_water_use": ("loop", "kg/s", "make-up and spray water evaporated, drifted or blown down"),
    "n_shutdown": ("group", "1", "racks whose accelerators have shut down"),
    "n_tripped": ("group", "1", "racks powered off by their coolant over-temperature protection"),
    "T_fws_supply_set": ("loop", "degC", "facility water supply set-point"),
    "Q_flow_electrical_losses": ("loop", "W", "UPS and distribution losses in the halls, taken up by the coils"),
    "Q_flow_storage_gains": ("loop", "W", "heat gained by the cold-water storage from its surroundings"),
    "storage_hours_left": ("loop", "h", "hours the cold water left in storage could carry the loop at design flow"),
}


def _dataset(model: Model, wx, plant_step, P_it, state, *, T_die_mean, n_throttled, E_stored, mode) -> xr.Dataset:
    g, lp = model.groups, model.loops
    dims = {"group": ("time", "group"), "loop": ("time", "loop")}
    data = dict(state, P_it=P_it, T_die_mean=T_die_mean, n_throttled=n_throttled)
    variables = {name: variable(dims[d], np.asarray(data[name], dtype=float), units, long)
                 for name, (d, units, long) in _META.items()}
    P_cooling = (data["P_tcs_pumps"].sum(-1) + data["P_air_fans"].sum(-1) + data["P_fws_pumps"].sum(-1)
                 + data["P_compressors"].sum(-1) + data["P_plant_fans"].sum(-1) + data["P_condenser_pumps"].sum(-1))
    P_it_total = P_it.sum(-1)
    heat_in = (P_it_total + data["P_tcs_pumps"].sum(-1) + data["P_air_fans"].sum(-1) + data["P_fws_pumps"].sum(-1)
               + data["Q_flow_storage_gains"].sum(-1) + data["Q_flow_electrical_losses"].sum(-1))
    variables.update(
        P_it_total=variable("time", P_it_total, "W", "IT electrical power of the site"),
        P_cooling=variable("time", P_cooling, "W", "cooling power: pumps, fans and compressors"),
        P_facility=variable("time", P_it_total + P_cooling, "W",
                            "facility power: IT plus cooling (electrical losses not included)"),
        Q_flow_into_plant=variable("time", heat_in, "W",
                                   "heat into the cooling water system: IT, pump and fan heat, storage gains, "
                                   "hall electrical losses"),
        Q_flow_rejected=variable("time", data["Q_flow_removed"].sum(-1), "W",
                                 "heat leaving the cooling water system at the plant"),
        E_thermal_stored=variable("time", E_stored, "J",
                                  "heat stored in racks, TCS, facility mains, storage and hall air, relative to "
                                  "the start"),
        T_dry_bulb=variable("time", wx["T_dry_bulb"].values, "degC", "outdoor dry-bulb temperature"),
        T_wet_bulb=variable("time", wx["T_wet_bulb"].values, "degC", "outdoor wet-bulb temperature"),
        m_flow_fws=variable(("time", "loop"), data["C_fws"] / CP_FACILITY, "kg/s", "facility water mass flow"),
        m_flow_tcs=variable("group", _tcs_mass_flow(model), "kg/s",
                            "TCS coolant mass flow of the group's racks (constant-speed CDU pumps)"),
        T_die_limit=variable("group", g.T_throttle, "degC", "die throttle temperature of the group's racks"),
        liquid_class_limit=variable("loop", lp.liquid_class_limit, "degC",
                                    "upper bound of the loop's ASHRAE liquid-cooling class"),
    )
    ds = make_dataset(wx["time"].values, variables, step_s=plant_step,
                      coords={"group": list(g.names), "loop": list(lp.names)},
                      attrs={"site": model.site.name, "mode": mode, "weather": str(wx.attrs.get("location", "")),
                             "title": f"twin simulation of {model.site.name}"})
    return ds


def _tcs_mass_flow(model: Model) -> np.ndarray:
    """TCS mass flow of each rack group (kg/s), from its capacity flow and its coolant's cp at the TCS supply."""
    out = np.zeros(len(model.groups.names))
    for i, group in enumerate(model.site.rack_groups):
        if model.groups.C_tcs[i] > 0:
            T = model.loops.T_set[model.groups.loop[i]] + model.groups.approach[i]
            out[i] = model.groups.C_tcs[i] / coolant(group.cdu_model.tcs_coolant).cp(T)
    return out
