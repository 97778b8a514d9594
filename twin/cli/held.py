"""What did not hold in a run, stated as prominently as what did.

:func:`did_not_hold` reads a result Dataset and returns one line per promise that was
broken: the loops' ASHRAE liquid class exceeded, racks throttled, shut down or tripped
by their protection, energy the electrical network could not serve, an energy balance
that does not close, and any ``out_of_range_*`` attribute a model reports when a run
leaves its validity range.  The CLI prints these lines above the headline table.
"""

from __future__ import annotations

#: Energy-balance residual (fraction of IT energy) above which the run is flagged.
RESIDUAL_MAX = 1e-6
#: How an ``out_of_range`` attribute says that every range held (:func:`twin.validity.summary_text`).
IN_RANGE = "none"


def _hours(steps: int, step_s: float) -> str:
    return f"{steps * step_s / 3600:,.2f} h"


def did_not_hold(ds) -> list[str]:
    """One line per broken promise of the run ``ds``; empty when everything held."""
    step = float(ds.attrs.get("step_s", 0.0))
    lines = []
    if "T_fws_supply" in ds and "liquid_class_limit" in ds:
        over = (ds.T_fws_supply > ds.liquid_class_limit)
        for loop in ds.loop.values if "loop" in ds.dims else []:
            n = int(over.sel(loop=loop).sum())
            if n:
                peak = float(ds.T_fws_supply.sel(loop=loop).max())
                limit = float(ds.liquid_class_limit.sel(loop=loop))
                lines.append(f"ASHRAE class exceeded on loop {loop}: {_hours(n, step)} above {limit:g} degC "
                             f"(peak {peak:.1f} degC)")
    for name, what in (("n_throttled", "throttled"), ("n_shutdown", "with accelerators shut down"),
                       ("n_tripped", "powered off by their coolant protection")):
        if name in ds:
            total = ds[name].sum([d for d in ds[name].dims if d != "time"])
            steps = int((total > 0).sum())
            if steps:
                lines.append(f"racks {what}: up to {float(total.max()):,.0f} at once, for {_hours(steps, step)}")
    unserved = float(ds.attrs.get("electrical_E_unserved", 0.0) or 0.0)
    if unserved > 0:
        lines.append(f"unserved energy: {unserved / 3.6e9:,.3f} MWh the electrical network could not supply")
    try:
        residual = float(ds.twin.energy_residual())
    except Exception:  # noqa: BLE001 - a result without the balance terms has nothing to check
        residual = 0.0
    if abs(residual) > RESIDUAL_MAX:
        lines.append(f"energy balance not closed: residual {residual:.2e} of IT energy")
    for key, value in ds.attrs.items():
        if key.startswith("out_of_range") and value not in ("", 0, None) and not str(value).startswith(IN_RANGE):
            what = key.removeprefix("out_of_range").strip("_")
            lines += [f"outside its validity range: {what + ': ' if what else ''}{part}"
                      for part in str(value).split("; ")]
    return lines
