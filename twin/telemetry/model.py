"""The twin evaluated on measured inputs: the engine's steady state with calibratable parameters.

Replay, calibration, synthetic data and the tracker all evaluate the plant here,
through the engine's own :func:`twin.simulation.steady_state` (no copy of its
physics).  Uncertain parameters are multipliers on the assembled model:

- ``UA_cdu``: CDU bank UA (fouling lowers it), one per rack group with a CDU;
- ``COP_chiller``: chiller COP (a chiller below its curve has < 1), per plant;
- ``P_fws_pumps``: facility pump power scaling (pump curve and wear), per loop.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from twin.errors import InputError
from twin.simulation import build, steady_state

#: Parameter families: multiplier of the assembled model's field, and the dim it is per.
PARAMETERS = {"UA_cdu": "group", "COP_chiller": "loop", "P_fws_pumps": "loop"}


def parameter_names(model) -> list[str]:
    """Names ``family[index]`` of every parameter of ``model`` that can be calibrated."""
    names = [f"UA_cdu[{n}]" for n, liquid in zip(model.groups.names, model.groups.liquid) if liquid]
    names += [f"COP_chiller[{n}]" for n, p in zip(model.loops.names, model.loops.plants)
              if p.chiller is not None and p.n_chillers > 0]
    names += [f"P_fws_pumps[{n}]" for n in model.loops.names]
    return names


def apply(model, multipliers: dict[str, float]):
    """A copy of ``model`` with its parameters multiplied (``{"UA_cdu[gb200]": 0.8, ...}``)."""
    if not multipliers:
        return model
    g, lp = model.groups, model.loops
    UA = g.UA_cdu.copy()
    pumps = lp.P_pump_design.copy()
    curves = list(lp.pumps)
    plants = list(lp.plants)
    for name, value in multipliers.items():
        family, _, index = name.partition("[")
        index = index.rstrip("]")
        if family == "UA_cdu" and index in g.names:
            UA[g.names.index(index)] *= value
        elif family == "P_fws_pumps" and index in lp.names:
            i = lp.names.index(index)
            pumps[i] *= value
            if curves:  # power = V dp / (eta eta_motor): the multiplier acts on the drive efficiency
                curves[i] = dataclasses.replace(curves[i], eta_motor=curves[i].eta_motor / value)
        elif family == "COP_chiller" and index in lp.names and plants[lp.names.index(index)].chiller is not None:
            i = lp.names.index(index)
            chiller = plants[i].chiller
            plants[i] = dataclasses.replace(plants[i], chiller=dataclasses.replace(
                chiller, COP_nominal=chiller.COP_nominal * value))
        else:
            raise InputError.one("calibration", name, "an unknown parameter",
                                 "one of " + ", ".join(parameter_names(model)))
    return dataclasses.replace(model, groups=dataclasses.replace(g, UA_cdu=UA),
                               loops=dataclasses.replace(lp, P_pump_design=pumps, pumps=tuple(curves),
                                                         plants=tuple(plants)))


def evaluate(model, P_it, T_dry_bulb, T_wet_bulb, T_set) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """Steady state at every step; steps the plant cannot carry come back NaN (and flagged).

    Returns the state arrays (time first) and a boolean array of the steps that have no
    steady state (the plant short of capacity: a dynamic run would show the loop heating).
    """
    try:
        return steady_state(model, P_it, T_dry_bulb, T_wet_bulb, T_set), np.zeros(len(P_it), dtype=bool)
    except InputError:
        pass
    n = len(P_it)
    parts, failed = [], np.zeros(n, dtype=bool)
    size = max(n // 16, 1)
    for a in range(0, n, size):
        sl = slice(a, min(a + size, n))
        try:
            parts.append((sl, steady_state(model, P_it[sl], T_dry_bulb[sl], T_wet_bulb[sl], T_set[sl])))
        except InputError:
            if sl.stop - sl.start == 1:
                failed[sl] = True
                continue
            sub, bad = evaluate(model, P_it[sl], T_dry_bulb[sl], T_wet_bulb[sl], T_set[sl])
            failed[sl] = bad
            parts.append((sl, sub))
    template = next((s for _, s in parts if s), None)
    if template is None:
        return {}, failed
    out = {k: np.full((n,) + v.shape[1:], np.nan) for k, v in template.items()}
    for sl, state in parts:
        for k, v in state.items():
            out[k][sl] = v
    for k in out:
        out[k][failed] = np.nan
    return out, failed


def model_for(site, fraction_available: dict[str, float] | None = None):
    """The engine's assembled model of ``site``; ``fraction_available`` per plant -> units out of service."""
    out = {plant: 1.0 - f for plant, f in (fraction_available or {}).items() if f < 1.0}
    return build(site, out_of_service=out or None)
