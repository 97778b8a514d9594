"""The co-simulation master: ``simulate`` steps racks, plant and electrical network."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import xarray as xr
from threadpoolctl import threadpool_limits

from twin.electrical.network import ElectricalControl
from twin.errors import InputError
from twin.scenarios import EquipmentOutage, Scenario, availability, parse as parse_scenario
from twin.simulation.assembly import COOLING_TERMS, Model, build
from twin.simulation.dataset import _add_electrical, _dataset
from twin.simulation.plant import _Main, _storage
from twin.simulation.steady import steady_state
from twin.site import Site, load_site
from twin.thermal import cdu
from twin.thermal.network import AIR_FAN_FRACTION, CP_FACILITY, RHO_FACILITY, FacilityLoops, facility_pump_power
from twin.thermal.plant import LoopPlant, operate
from twin.thermal.rack_array import RackArray
from twin.weather import load_weather
from twin.workload import ConstantProfile, rack_power

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

    power_buffer = np.empty((racks.block_steps, rack_group.size)) if resolution == "rack" else None

    def power(t, k, dt):
        if resolution == "rack":  # factored for the compiled kernel, or into the reused buffer
            D = rack_power(workload, t0 + t, k, dt, P_peak_rack * ~tripped[rack_group], rng, out=power_buffer[:k])
            demanded.append(D.step_sums() if hasattr(D, "step_sums") else D.sum(axis=1))
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
    air_chunk = max(1, int(3600.0 // plant_step))
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

        if k % air_chunk == 0:  # the load curve of the air-cooled racks, an hour of plant steps at a time
            air_fractions = workload.site_fraction(t0 + t + it_step * np.arange(air_chunk * K + 1))[:-1]
        air_fraction = air_fractions[(k % air_chunk) * K:(k % air_chunk + 1) * K]
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
