"""The co-simulation master: ``simulate`` steps racks, plant and electrical network."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import xarray as xr
from threadpoolctl import threadpool_limits

from twin.clock import parse_start, seconds_after_midnight, site_zone, standard_time
from twin.electrical.fleets import fleet_names
from twin.electrical.network import ElectricalControl
from twin.errors import InputError
from twin.results import finish, provenance
from twin.scenarios import EquipmentOutage, Scenario, availability, parse as parse_scenario
from twin.results import variable
from twin.simulation.assembly import COOLING_TERMS, FacilityLoops, Model, build
from twin.simulation.dataset import _add_electrical, _dataset
from twin.simulation.plant import Inputs, PlantODE, PlantState, Solver, _storage, loop_plant, mains_k, plant_point
from twin.simulation.steady import steady_state
from twin.site import Site, load_site
from twin.thermal.network import AIR_FAN_FRACTION, CP_FACILITY, RHO_FACILITY
from twin.thermal.plant import LoopPlant
from twin.thermal.rack_array import RackArray
from twin.weather import load_weather
from twin.workload import ConstantProfile, rack_power

def simulate(site: Site | str, *, start="2025-07-21 00:00", duration: float = 3600.0, weather=None,
             workload=None, plant_step: float = 10.0, it_step: float = 1.0, resolution: str = "group",
             mode: str = "dynamic", scenario: str | Scenario | None = None, events=(),
             out_of_service: dict[str, float] | None = None, setpoints: xr.DataArray | None = None,
             electrical: ElectricalControl | bool = True, electrical_resolution: str = "plant",
             seed: int = 0, progress=None, solver: Solver | None = None, overlay=None,
             initial_state: PlantState | None = None, return_state: bool = False):
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
    ``progress(done, total)`` called after each plant step; solver: how the plant ODEs are
    integrated between communication points (:class:`twin.simulation.plant.Solver`; the
    communication step is ``plant_step``); overlay: calibrated parameters, the path of an
    overlay TOML written by ``twin telemetry calibrate`` (or a dict ``{"UA_cdu[gb200]": 0.6}``),
    multipliers of the assembled model (:func:`twin.telemetry.model.apply`: CDU UA per group,
    chiller COP and facility pump power per loop), recorded in the result's attributes.  A dynamic run starts from
    the healthy plant's steady state at the first step's load and weather, or with ``initial_state``
    (a :class:`twin.simulation.plant.PlantState`, e.g. a state estimator's estimate; dynamic mode
    only) from that plant ODE state: TCS inventories, valve controllers and facility mains.  The
    racks then start at their steady state at the first step's load with the coolant the healthy
    plant supplies from that state (the TCS supply ``T_h`` and the mains give through the CDUs, as
    the steady-state start uses the steady TCS supply); the cold-storage tanks, the energy
    integrators and the electrical network start as they do from the steady state.
    ``return_state=True`` (dynamic mode only) returns ``(dataset, state)``, ``state`` the plant ODE
    state at the end of the run (a :class:`PlantState`), so a second run can continue from it
    with ``initial_state`` (e.g. with another overlay from a fault's start on).
    """
    site = load_site(site) if isinstance(site, str) else site
    _check_options(duration, plant_step, it_step, resolution, mode)
    solver = solver or Solver()
    solver.check()
    if electrical_resolution not in ("plant", "it"):
        raise InputError.one("simulate", "electrical_resolution", repr(electrical_resolution), "'plant' or 'it'")
    # the clock (twin.clock): start is local civil time unless it has an offset; weather is read in local
    # standard time; workload clocks count from standard-time midnight, scenario times are civil
    zone = site_zone(site)
    first = parse_start(start, zone)
    first_std = standard_time(first, site)
    t0 = seconds_after_midnight(first_std)
    events = list(events)
    if scenario is not None:
        chosen = scenario if isinstance(scenario, Scenario) else parse_scenario(
            scenario, site, start_of_day=seconds_after_midnight(first.tz_convert(zone)))
        events += chosen.events
        weather = weather if weather is not None else chosen.weather
    workload = workload or ConstantProfile(0.8)
    n_steps = int(round(duration / plant_step))
    weather = site.location.weather if weather is None else weather
    wx = _weather(weather, first_std, n_steps, plant_step)
    options = dict(duration=duration, plant_step=plant_step, it_step=it_step, resolution=resolution, mode=mode,
                   electrical=electrical if isinstance(electrical, bool) else repr(electrical),
                   electrical_resolution=electrical_resolution, seed=seed, out_of_service=out_of_service or {},
                   setpoints="given" if setpoints is not None else "site",
                   solver={k: v for k, v in dataclasses.asdict(solver).items()})
    attrs = provenance(site, start=first, zone=zone, weather=weather, scenario=scenario, workload=workload,
                       events=events, options=options)
    multipliers, overlay_attrs = _overlay(overlay, site)
    attrs.update(overlay_attrs)
    if initial_state is not None and not isinstance(initial_state, PlantState):
        raise InputError.one("simulate", "initial_state", type(initial_state).__name__,
                             "a twin.simulation.plant.PlantState (e.g. PlantEKF.plant_state)")
    if initial_state is not None and mode != "dynamic":
        raise InputError.one("simulate", "initial_state", "given with mode='quasi_steady'",
                             "mode='dynamic' (a quasi-steady run has no plant state to start from)")
    if return_state and mode != "dynamic":
        raise InputError.one("simulate", "return_state", "True with mode='quasi_steady'",
                             "mode='dynamic' (a quasi-steady run has no plant state to hand over)")
    if mode == "quasi_steady":
        if events:
            raise InputError.one("simulate", "mode", "'quasi_steady' with scenario events",
                                 "mode='dynamic' for failures that start and end within the run")
        model = _calibrated(build(site, out_of_service=out_of_service), multipliers)
        ds = _quasi_steady(model, wx, workload, plant_step, t0, _schedule(setpoints, wx, model.loops, first, plant_step, zone))
        return finish(ds, start=first, provenance_attrs=attrs)
    for plant, fraction in (out_of_service or {}).items():
        events += [EquipmentOutage(kind, 0.0, np.inf, fraction, plant) for kind in ("tower", "dry_cooler", "chiller")]
    # one BLAS thread: the rack kernel's small matrix products lose to thread hand-offs on shared cores
    with threadpool_limits(1, "blas"):
        model = _calibrated(build(site), multipliers)
        control = ElectricalControl() if electrical is True else electrical or None
        network = None
        if control is not None:  # the model's network, with the run's controls
            control.check()
            network = dataclasses.replace(model.electrical, control=control)
        ds, final = _dynamic(model, wx, workload, plant_step, it_step, resolution, seed, progress, t0,
                             tuple(events), _schedule(setpoints, wx, model.loops, first, plant_step, zone), network,
                             electrical_resolution, solver, initial_state)
    ds = finish(ds, start=first, provenance_attrs=attrs)
    return (ds, final) if return_state else ds


def _overlay(overlay, site: Site) -> tuple[dict[str, float], dict]:
    """Multipliers of an overlay (a path to its TOML, or a dict) and what records it in the result."""
    if overlay is None:
        return {}, {}
    # twin.telemetry builds on the engine: imported when an overlay is given
    from twin.results import file_hash
    from twin.telemetry.calibrate import read_overlay

    if isinstance(overlay, dict):
        multipliers, where, digest = {str(k): float(v) for k, v in overlay.items()}, "given by the caller", ""
    else:
        multipliers, where, digest = read_overlay(overlay, site), str(overlay), file_hash(overlay)
    return multipliers, {"overlay": where, "overlay_sha256": digest,
                         "overlay_parameters": ", ".join(f"{k}={v:.6g}" for k, v in multipliers.items())}


def _calibrated(model: Model, multipliers: dict[str, float]) -> Model:
    """``model`` with an overlay's multipliers (:func:`twin.telemetry.model.apply`, the one that replay uses)."""
    if not multipliers:
        return model
    from twin.telemetry.model import apply

    return apply(model, multipliers)


def _schedule(setpoints, wx: xr.Dataset, loops: FacilityLoops, first: pd.Timestamp, plant_step: float,
              zone: str) -> np.ndarray:
    """Facility supply set-points at every plant step, shape (steps, loops) (degC).

    A ``time`` axis holds instants: naive times are the site's local civil time (as ``start``),
    aware ones their own instant; each plant step takes the last set-point at or before it."""
    n = wx.sizes["time"]
    if setpoints is None:
        return np.broadcast_to(loops.T_set, (n, len(loops.names))).copy()
    da = setpoints if isinstance(setpoints, xr.DataArray) else xr.DataArray(setpoints, dims=("loop",))
    if "loop" not in da.dims or set(da.dims) - {"time", "loop"}:
        raise InputError.one("simulate", "setpoints", f"dims {da.dims}", "dims (time, loop) or (loop,)")
    if "loop" in da.coords:
        da = da.sel(loop=list(loops.names))
    if "time" in da.dims:
        given = pd.DatetimeIndex(da["time"].values)
        given = (given.tz_localize(zone, ambiguous=True, nonexistent="shift_forward") if given.tz is None
                 else given).tz_convert("UTC").tz_localize(None)
        steps = (first.tz_convert("UTC").tz_localize(None)
                 + pd.to_timedelta(np.arange(n) * plant_step, unit="s"))
        da = da.assign_coords(time=given).sel(time=steps.values, method="ffill")
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
    state = steady_state(model, P_it, wx["T_dry_bulb"].values, wx["T_wet_bulb"].values, T_set, validity=True)
    out_of_range = state.pop("out_of_range")
    zero = np.zeros(len(fraction))
    loops = np.zeros((len(fraction), len(model.loops.names)))
    state.update(n_shutdown=np.zeros(P_it.shape), n_tripped=np.zeros(P_it.shape), Q_flow_storage_gains=loops, storage_hours_left=loops + np.nan,
                 T_fws_supply_set=T_set)
    return _dataset(model, wx, plant_step, P_it, state, T_die_mean=state["T_die_max"],
                    n_throttled=np.zeros(P_it.shape), E_stored=zero, mode="quasi_steady",
                    out_of_range=out_of_range)


def _dynamic(model: Model, wx, workload, plant_step, it_step, resolution, seed, progress, t0,
             events, T_set_steps, network=None, electrical_resolution="plant", solver: Solver = Solver(),
             initial_state: PlantState | None = None) -> tuple[xr.Dataset, PlantState]:
    """The co-simulation master: racks (exact), plant (solve_ivp) and electrical network exchange at
    communication points ``plant_step`` apart; returns the result and the plant ODE state at its end."""
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

    demanded = []  # IT power the liquid-cooled racks ask for at each IT step of the plant step
    tripped = np.zeros(liquid.size, dtype=bool)  # groups whose racks protection has powered off (latched)
    powered = {"it": 1.0, "cooling": 1.0}  # shares of the demand the electrical network served (last exchange)

    power_buffer = np.empty((racks.block_steps, rack_group.size)) if resolution == "rack" else None

    def power(t, k, dt):
        share = powered["it"]  # racks without power draw nothing; the demand they would draw goes to the network
        if resolution == "rack":  # factored for the compiled kernel, or into the reused buffer
            D = rack_power(workload, t0 + t, k, dt, P_peak_rack * ~tripped[rack_group] * share, rng,
                           out=power_buffer[:k])
            drawn = D.step_sums() if hasattr(D, "step_sums") else D.sum(axis=1)
            if share > 0:
                demanded.append(drawn / share)
            else:  # the site's load curve over the racks still connected
                fraction = workload.site_fraction(t0 + t + dt * np.arange(k + 1))[:k]
                demanded.append(fraction * float(np.sum(P_peak_rack * ~tripped[rack_group])))
            return D
        D = workload.site_fraction(t0 + t + dt * np.arange(k + 1))[:k, None] * (P_peak_rack * ~tripped)
        demanded.append(D @ weight)
        return D * share

    # start from the steady state at the first step's load and weather
    f0 = float(np.mean(workload.site_fraction(t0 + np.arange(K + 1) * it_step)[:K]))
    init = steady_state(model, f0 * g.P_peak * g.n_racks, T_db[0], T_wb[0], T_set_steps[0])
    ode = PlantODE(g, lp, liquid, g.M_tcs[liquid], solver)
    C_open = np.bincount(g.loop[liquid], g.C_fws_max[liquid], minlength=L) + model.C_coils
    if initial_state is None:
        racks.set_steady_state(f0 * P_peak_rack, np.nan_to_num(init["T_tcs_supply"][liquid]))
        T_tcs_supply0 = np.nan_to_num(init["T_tcs_supply"][liquid])
        y = ode.pack(T_h=np.nan_to_num(init["T_tcs_return"][liquid]), T_meas=T_tcs_supply0,
                     u_I=np.nan_to_num(init["valve"][liquid], nan=1.0),
                     supply=np.repeat(init["T_fws_supply"], ode.N), ret=np.repeat(init["T_fws_return"], ode.N))
    else:  # the given state; the racks at the coolant the healthy plant supplies from it
        y = initial_state.vector(model, ode)
        T_set0 = np.asarray(T_set_steps[0], float)
        ode.inputs = Inputs(Q_racks=np.zeros(liquid.size), P_tcs_pumps=np.zeros(liquid.size),
                            cdu_share=np.ones(liquid.size), T_set_tcs=T_set0[g.loop[liquid]] + g.approach[liquid],
                            C_coils=model.C_coils, coil_heat=np.zeros(L), pumps_running=lp.n_pumps.astype(float),
                            k_mains=mains_k(model.graph, lp.names, C_open, C_open), T_set=T_set0,
                            Q_plant_max=np.full(L, np.inf), dQ_plant_dT=np.zeros(L), T_plant_in0=T_set0.copy(),
                            dQ_plant_dC=np.zeros(L), C_loop0=np.zeros(L), x_tank=np.zeros(L), T_tank=T_set0.copy())
        racks.set_steady_state(f0 * P_peak_rack, ode.algebraic(y)["T_tcs_supply"])
        ode.inputs = None  # the first step sets its own, as from the steady state

    def k_mains(C_flow):  # the mains' resistance at the loops' flows (Colebrook), held over the next step
        return mains_k(model.graph, lp.names, C_flow, C_open)
    tanks = [_storage(site, lp, i) for i in range(L)]
    T_set_tcs_offset = g.approach[liquid]
    E_room = 0.0  # air-side heat left in the halls while no coil water flows

    def stored() -> float:
        racks_heat = np.bincount(rack_group, racks.stored_energy(), minlength=liquid.size) * weight
        return float(racks_heat.sum() + ode.energy(y) + E_room + sum(t.energy() for t in tanks if t))

    E0 = stored()
    out = {name: np.zeros((n_steps, G)) for name in ("P_it", "T_die_max", "T_die_mean", "T_tcs_supply",
                                                     "T_tcs_return", "valve", "n_throttled", "n_shutdown",
                                                     "n_tripped", "P_tcs_pumps")}
    out.update({name: np.zeros((n_steps, L)) for name in (
        "T_fws_supply", "T_fws_return", "C_fws", "P_fws_pumps", "P_compressors", "P_plant_fans",
        "P_condenser_pumps", "Q_flow_removed", "Q_flow_to_atmosphere", "m_flow_water_use",
        "Q_flow_storage_gains", "storage_hours_left", "Q_flow_electrical_losses")})
    out["E_stored"] = np.zeros(n_steps)
    out["P_air_fans"] = np.zeros((n_steps, G))
    out["power_share_it"] = np.ones(n_steps)
    out["power_share_cooling"] = np.ones(n_steps)
    plants: dict[tuple, LoopPlant] = {}
    step_plants: list[LoopPlant | None] = [None] * L
    grid_events = tuple(e for e in events if not isinstance(e, EquipmentOutage))
    P_cooling_wanted = sum(float(np.sum(init[name])) for name in COOLING_TERMS)
    if network is not None:
        grid_state = network.initial_state(f0 * float((g.P_peak * g.n_racks).sum()), P_cooling_wanted)
        blocks = []
    air_chunk = max(1, int(3600.0 // plant_step))
    for k in range(n_steps):
        t = k * plant_step
        T_set = T_set_steps[k]
        cooling = powered["cooling"]  # pumps, fans, chillers and CDU pumps run on what the network served
        out["power_share_it"][k], out["power_share_cooling"][k] = powered["it"], cooling
        # equipment in service this step
        cdu_share = np.array([availability(events, t, "cdu", name) for name in g.names])[liquid]
        pump_share = np.array([availability(events, t, "fws_pump", name) for name in lp.names]) * cooling
        a = ode.algebraic(y) if ode.inputs is not None else None
        # communication point: the racks advance at the rack inlet of the plant's state
        if a is None:
            ode.inputs = Inputs(Q_racks=np.zeros(liquid.size), P_tcs_pumps=np.zeros(liquid.size),
                                cdu_share=cdu_share, T_set_tcs=T_set[g.loop[liquid]] + T_set_tcs_offset,
                                C_coils=model.C_coils, coil_heat=np.zeros(L),
                                pumps_running=pump_share * lp.n_pumps, k_mains=k_mains(C_open), T_set=T_set, Q_plant_max=np.full(L, np.inf),
                                dQ_plant_dT=np.zeros(L), T_plant_in0=T_set.copy(), dQ_plant_dC=np.zeros(L),
                                C_loop0=np.zeros(L), x_tank=np.zeros(L), T_tank=T_set.copy())
            a = ode.algebraic(y)
        ode.inputs.cdu_share, ode.inputs.pumps_running = cdu_share, pump_share * lp.n_pumps
        ode.inputs.C_coils = model.C_coils * (cooling > 0)
        a = ode.algebraic(y)
        T_tcs_in = a["T_tcs_supply"]
        demanded.clear()
        report = racks.advance(power, T_tcs_in, K, it_step)
        Q_liquid = report.Q_flow_liquid * weight
        P_tcs = g.P_tcs_pumps[liquid] * cooling

        if k % air_chunk == 0:  # the load curve of the air-cooled racks, an hour of plant steps at a time
            air_fractions = workload.site_fraction(t0 + t + it_step * np.arange(air_chunk * K + 1))[:-1]
        air_fraction = air_fractions[(k % air_chunk) * K:(k % air_chunk + 1) * K]
        P_air_racks = air_fraction.mean() * g.P_peak[air] * g.n_racks[air] * powered["it"]
        Q_air = np.zeros(G)
        Q_air[liquid] = report.Q_flow_air * weight
        Q_air[air] = P_air_racks
        P_air_fans = AIR_FAN_FRACTION * Q_air * cooling
        C_loop0 = a["C_loop"]
        flowing = C_loop0 > 0
        # UPS and distribution losses at this step's IT power warm the halls' air, picked up by the coils
        hall_losses = model.hall_losses(float(report.P @ weight + P_air_racks.sum()))
        coil_heat = (Q_air + P_air_fans) @ np.eye(L)[g.loop] + hall_losses
        out["Q_flow_electrical_losses"][k] = hall_losses
        coils_on = flowing & (model.C_coils * (cooling > 0) > 0)
        E_room += float(np.where(coils_on, 0.0, coil_heat).sum()) * plant_step

        # the plant's equipment at the communication point
        T_in = a["T_plant_in"]
        for i in range(L):
            key = (i,) + tuple(availability(events, t, kind, lp.plant_names[i]) * cooling
                               for kind in ("tower", "dry_cooler", "chiller"))
            if key not in plants:
                plants[key] = loop_plant(site, lp, i, key[1:])
            step_plants[i] = plants[key]
        point = plant_point(step_plants, T_in, C_loop0, T_set, T_db[k], T_wb[k], tanks, lp.C_design)
        Q_plant_max, dQ_plant_dT, dQ_plant_dC = point.Q_plant_max, point.dQ_plant_dT, point.dQ_plant_dC
        x_tank, T_tank, hours, equipment = point.x_tank, point.T_tank, point.hours_left, point.equipment
        out["Q_flow_to_atmosphere"][k], out["m_flow_water_use"][k] = point.Q_flow_to_atmosphere, point.m_flow_water_use
        ode.inputs = Inputs(Q_racks=Q_liquid, P_tcs_pumps=P_tcs, cdu_share=cdu_share,
                            T_set_tcs=T_set[g.loop[liquid]] + T_set_tcs_offset, C_coils=model.C_coils * (cooling > 0),
                            coil_heat=np.where(coils_on, coil_heat, 0.0),
                            pumps_running=pump_share * lp.n_pumps, k_mains=k_mains(C_loop0), T_set=T_set, Q_plant_max=Q_plant_max,
                            dQ_plant_dT=dQ_plant_dT, T_plant_in0=T_in.copy(), dQ_plant_dC=dQ_plant_dC,
                            C_loop0=C_loop0.copy(), x_tank=x_tank, T_tank=T_tank)
        y0 = y
        y, _ = ode.advance(y0, plant_step)
        out["P_compressors"][k], out["P_plant_fans"][k], out["P_condenser_pumps"][k] = equipment.T
        S_removed = ode.part(y, "S_removed") * ode.C_ref
        S_cdu = ode.part(y, "S_cdu") * ode.C_ref_bank
        gains = np.zeros(L)
        for i in range(L):
            if tanks[i] is not None:
                V = ode.part(y, "S_tank_V")[i] * ode.C_ref[i] / rho_cp
                H = ode.part(y, "S_tank_H")[i] * ode.C_ref[i] / rho_cp
                Q_amb, dH = tanks[i].exchange(V, H, T_db[k], plant_step)
                gains[i] = Q_amb
                ode.part(y, "supply")[i, 0] += dH / ode.C_cell[i]  # the water drawn was not at T_tank
        P_pumps = ode.part(y, "S_pumps") * ode.C_ref / plant_step
        for name in ("S_removed", "S_cdu", "S_tank_V", "S_tank_H", "S_pumps"):
            y[ode.slices[name]] = 0.0

        # rack protection: coolant at the rack inlet above its trip temperature powers the racks off
        tripped |= T_tcs_in > g.T_coolant_trip[liquid]

        out["P_it"][k, liquid] = report.P * weight
        out["P_it"][k, air] = P_air_racks
        out["T_die_max"][k, liquid] = report.T_die_max
        out["T_die_mean"][k, liquid] = report.T_die_mean
        out["T_tcs_supply"][k, liquid] = T_tcs_in
        out["T_tcs_return"][k, liquid] = ode.part(y0, "T_h")
        out["valve"][k, liquid] = a["ub"]
        out["P_tcs_pumps"][k, liquid] = P_tcs
        scale_racks = weight if resolution == "group" else 1
        out["n_throttled"][k, liquid] = report.n_throttled * scale_racks
        out["n_shutdown"][k, liquid] = report.n_shutdown * scale_racks
        out["n_tripped"][k, liquid] = tripped * g.n_racks[liquid]
        out["P_air_fans"][k] = P_air_fans
        out["T_fws_supply"][k], out["T_fws_return"][k], out["C_fws"][k] = a["T_fws"], a["T_return"], C_loop0
        out["P_fws_pumps"][k] = P_pumps
        out["Q_flow_removed"][k] = S_removed / plant_step
        out["Q_flow_storage_gains"][k] = gains
        out["storage_hours_left"][k] = hours
        out["E_stored"][k] = stored() - E0
        del S_cdu
        if network is not None:
            # IT power at every IT step: what the racks ask for, scaled to what throttled racks drew
            demand = np.concatenate(demanded)
            asked = float(demand.mean()) * powered["it"]
            drawn = float(np.sum(report.P * weight))
            P_it_steps = demand * (drawn / asked if asked > 0 else 1.0) \
                + air_fraction * float(np.sum(g.P_peak[air] * g.n_racks[air]))
            P_cooling = sum(float(np.sum(out[name][k])) for name in COOLING_TERMS)
            if cooling >= 1.0:
                P_cooling_wanted = P_cooling
            grid_state, block = network.step_block(grid_state, P_it_steps, P_cooling_wanted, it_step, t, grid_events)
            blocks.append(block)
            # what was served at the end of the block powers the next step (exchange at communication points)
            powered["it"] = _served(block.P_it_served[-1], P_it_steps[-1])
            powered["cooling"] = _served(block.P_cooling_served[-1], P_cooling_wanted)
        if progress is not None:
            progress(k + 1, n_steps)
    for name in ("T_die_max", "T_die_mean", "T_tcs_supply", "T_tcs_return", "valve"):
        out[name][:, air] = np.nan
    extra = ("P_it", "T_die_mean", "n_throttled", "E_stored", "power_share_it", "power_share_cooling")
    state = {name: out[name] for name in out if name not in extra}
    state["T_fws_supply_set"] = T_set_steps
    ds = _dataset(model, wx, plant_step, out["P_it"], state, T_die_mean=out["T_die_mean"],
                  n_throttled=out["n_throttled"], E_stored=out["E_stored"], mode="dynamic")
    ds.attrs.update(solver_method=solver.method, solver_rtol=solver.rtol, solver_atol=solver.atol,
                    solver_main_cells=solver.main_cells, communication_step_s=float(plant_step))
    if network is not None:
        ds = _add_electrical(ds, network, blocks, it_step, electrical_resolution)
        ds = ds.assign_coords(fleet=fleet_names(model.site.electrical.turbines))
        ds = _add_power_shares(ds, out["power_share_it"], out["power_share_cooling"])
    final = PlantState(site=site.name, groups=tuple(g.names[i] for i in liquid), loops=tuple(lp.names),
                       T_h=ode.part(y, "T_h").copy(), T_meas=ode.part(y, "T_meas").copy(),
                       u_I=ode.part(y, "u_I").copy(), supply=ode.part(y, "supply").copy(),
                       ret=ode.part(y, "ret").copy())
    return ds, final


def _served(served: float, wanted: float) -> float:
    """Share of ``wanted`` (W) that was ``served`` (W), in [0, 1]; 1 when nothing was wanted."""
    return 1.0 if wanted <= 0 else float(min(max(served / wanted, 0.0), 1.0))


def _add_power_shares(ds: xr.Dataset, share_it, share_cooling) -> xr.Dataset:
    """The shares of demand the network served, and when racks and plant lost power (attrs, ISO times or '')."""
    ds["power_share_it"] = variable("time", share_it, "1", "share of the racks' IT demand with power "
                                    "(racks without power stop)")
    ds["power_share_cooling"] = variable("time", share_cooling, "1", "share of the cooling plant's demand with "
                                         "power (pumps, fans, chillers and CDU pumps without power stop)")
    for key, share in (("racks", share_it), ("cooling", share_cooling)):
        lost = np.flatnonzero(np.asarray(share) < 1.0 - 1e-9)
        ds.attrs[f"{key}_unpowered_from"] = str(ds.time.values[lost[0]])[:19] if lost.size else ""
        ds.attrs[f"{key}_unpowered_steps"] = int(lost.size)
    return ds
