"""Steady operation of racks, CDUs and plant: every storage term zero, controllers at set-point."""

from __future__ import annotations

import numpy as np

from twin.errors import InputError
from twin.simulation.assembly import Model
from twin.thermal import cdu
from twin.thermal.network import AIR_FAN_FRACTION, facility_pump_power
from twin.thermal.plant import operate
from twin.thermal.rack_array import rack_steady_state

#: Facility supply temperature above which no steady state is accepted (degC): the water would boil.
WATER_LIMIT = 95.0

#: Operating points evaluated at once: every point is independent, and blocks of this size keep the
#: plant correlations' temporaries (24-point root grids) small on year-long runs.
BLOCK = 16384

def steady_state(model: Model, P_it, T_dry_bulb, T_wet_bulb, T_set=None, iterations: int = 60,
                 validity: bool = False) -> dict:
    """Steady operation at IT power ``P_it`` (W per group, shape (..., G)) and weather (shape (...)).

    Controllers sit at their set-points where they can reach them; where the
    plant cannot hold a loop's set-point the supply floats to the fixed point
    of the loop (found by iteration on those points only).  ``T_set`` (degC,
    shape (..., L)) replaces the loops' facility supply set-points, with the
    CDU set-points following at their design approach.  Vectorised over the
    leading axes (time).  Returns arrays named as the simulation's variables; with
    ``validity`` also ``"out_of_range"``: per loop, the plant's ``out_of_range`` flags at the
    operating points returned (the one plant evaluation, not a second).
    """
    lp = model.loops
    P_it = np.asarray(P_it, dtype=float)
    shape = P_it.shape[:-1]
    P = P_it.reshape(-1, P_it.shape[-1])
    L = len(lp.names)
    T_db = np.broadcast_to(np.asarray(T_dry_bulb, dtype=float), shape).reshape(-1)
    T_wb = np.broadcast_to(np.asarray(T_wet_bulb, dtype=float), shape).reshape(-1)
    T_set = np.broadcast_to(lp.T_set if T_set is None else np.asarray(T_set, float), shape + (L,)).reshape(-1, L)
    state = _blocked_pass(model, P, T_set.copy(), T_db, T_wb, T_set)
    flags = state.pop("out_of_range")
    todo = np.flatnonzero((state["T_plant"] > T_set + 1e-9).any(axis=-1))
    for _ in range(iterations):
        if todo.size == 0:
            break
        T_next = np.maximum(state["T_plant"][todo], T_set[todo])
        part = _blocked_pass(model, P[todo], T_next, T_db[todo], T_wb[todo], T_set[todo])
        moved = np.abs(part["T_plant"] - T_next).max(axis=-1) > 1e-7
        for loop_flags, part_flags in zip(flags, part.pop("out_of_range")):
            for check in loop_flags.keys() - part_flags.keys():
                loop_flags[check][todo] = False
            for check, mask in part_flags.items():
                loop_flags.setdefault(check, np.zeros(len(P), dtype=bool))[todo] = mask
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
    out = {name: value.reshape(shape + value.shape[1:]) for name, value in state.items()}
    if validity:
        out["out_of_range"] = [{check: mask.reshape(shape) for check, mask in loop_flags.items()}
                               for loop_flags in flags]
    return out


def _blocked_pass(model: Model, P, T_supply, T_db, T_wb, T_set) -> dict:
    """:func:`_loop_pass` over blocks of at most :data:`BLOCK` points, joined."""
    if len(P) <= BLOCK:
        return _loop_pass(model, P, T_supply, T_db, T_wb, T_set)
    parts = [_loop_pass(model, *(a[lo:lo + BLOCK] for a in (P, T_supply, T_db, T_wb, T_set)))
             for lo in range(0, len(P), BLOCK)]
    flag_parts = [part.pop("out_of_range") for part in parts]
    joined = {name: np.concatenate([part[name] for part in parts]) for name in parts[0]}
    joined["out_of_range"] = []
    for i in range(len(flag_parts[0])):
        checks = dict.fromkeys(check for flags in flag_parts for check in flags[i])
        joined["out_of_range"].append({
            check: np.concatenate([flags[i].get(check, np.zeros(len(part["C_fws"]), dtype=bool))
                                   for flags, part in zip(flag_parts, parts)]) for check in checks})
    return joined


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
        P_air_fans=P_air_fans, Q_flow_electrical_losses=losses, T_plant=stack("T_supply"),
        out_of_range=[dict(p.out_of_range) for p in plant])
