"""Calibration of the plant's uncertain parameters to telemetry (``scipy.optimize.least_squares``).

The parameters are multipliers of the assembled model (:mod:`twin.telemetry.model`): CDU UA
(fouling), chiller COP (a chiller below its curve), facility pump power (pump curve scaling).
The cost is the replay residual of every output tag, each divided by its noise spread, on a
training window (steps around load changes and held inputs left out, as the replay is
quasi-steady).  Uncertainty: the covariance s^2 (J^T J)^-1 at the optimum (J the Jacobian of
the scaled residuals, s^2 their variance); a parameter the data do not move (a chiller that
never ran) is reported as not identifiable and left at 1.  Residuals of minute data are
correlated, so these standard deviations are lower bounds; the held-out window is the check.

The result is written as an overlay file (TOML) that ``twin replay --overlay`` and
:func:`read_overlay` accept.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.optimize import least_squares

from twin.errors import InputError
from twin.telemetry.model import model_for, parameter_names
from twin.telemetry.replay import grid, inputs, replay, run, simulated
from twin.telemetry.sources import Telemetry
from twin.telemetry.tagmap import TagMap
from twin.telemetry.track import _sigma

#: Bounds of every multiplier.
BOUNDS = (0.2, 5.0)


@dataclass
class Calibration:
    site: str
    names: list[str]
    value: np.ndarray
    std: np.ndarray
    identifiable: np.ndarray
    train: tuple[pd.Timestamp, pd.Timestamp]
    validate: tuple[pd.Timestamp, pd.Timestamp] | None
    cost_before: float
    cost_after: float
    validation: dict = field(default_factory=dict)  #: tag -> (rmse before, rmse after) on the held-out window

    @property
    def parameters(self) -> dict[str, float]:
        return {n: float(v) for n, v, ok in zip(self.names, self.value, self.identifiable) if ok}


def calibrate(site, data: Telemetry, tagmap: TagMap, *, names: list[str] | None = None, step: float = 60.0,
              train_fraction: float = 0.7, thin: int = 3) -> Calibration:
    """Fit multipliers ``names`` (default: every parameter of the site) on the first ``train_fraction`` of
    the data, every ``thin``-th step; validate on the rest."""
    model = model_for(site)
    names = names or parameter_names(model)
    table = grid(data, tagmap, step)
    n = len(table)
    cut = max(int(n * train_fraction), 2)
    u_all, _ = inputs(site, model, tagmap, table, step)
    outputs = tagmap.of_role("output")
    if not outputs:
        raise InputError.one(tagmap.file, "tags", "no output tags", "measured outputs to calibrate against")
    measured = np.stack([table[b.tag].to_numpy() for b in outputs], axis=1)
    P = np.nansum(u_all["P_it"], axis=-1)
    jump = np.abs(np.diff(P, prepend=P[0])) > 0.02 * np.nanmean(P)
    quiet = ~(jump | np.roll(jump, 1) | np.roll(jump, 2) | np.roll(jump, 3) | u_all["held"])
    rows = np.flatnonzero(quiet[:cut])[::thin]
    u = {k: v[rows] for k, v in u_all.items()}
    m = measured[rows]
    base, _, _ = run(site, model, u, {})
    sim0 = np.stack([simulated(b, model, base, len(rows)) for b in outputs], axis=1)
    sigma = np.array([_sigma(m[:, j] - sim0[:, j], m[:, j], "degC" if b.spec.kind == "temperature" else
                             {"power": "W", "mass_flow": "kg/s", "dimensionless": "1"}.get(b.spec.kind, ""))
                      for j, b in enumerate(outputs)])

    def residuals(theta):
        state, _, _ = run(site, model, u, dict(zip(names, theta)))
        sim = np.stack([simulated(b, model, state, len(rows)) for b in outputs], axis=1)
        r = (m - sim) / sigma
        return np.nan_to_num(r[~np.isnan(m).any(axis=1)].ravel(), nan=0.0)

    x0 = np.ones(len(names))
    r0 = residuals(x0)
    fit = least_squares(residuals, x0, bounds=BOUNDS, x_scale=0.1, diff_step=1e-3, xtol=1e-8)
    J = fit.jac
    identifiable = np.linalg.norm(J, axis=0) > 1e-6 * max(np.linalg.norm(J), 1e-300)
    dof = max(fit.fun.size - int(identifiable.sum()), 1)
    s2 = 2 * fit.cost / dof
    std = np.full(len(names), np.nan)
    if identifiable.any():
        Ji = J[:, identifiable]
        cov = s2 * np.linalg.pinv(Ji.T @ Ji)
        std[identifiable] = np.sqrt(np.diag(cov))
    value = np.where(identifiable, fit.x, 1.0)
    time = table.index
    result = Calibration(site.name, list(names), value, std, identifiable, (time[0], time[cut - 1]),
                         (time[cut], time[-1]) if cut < n else None, float(0.5 * r0 @ r0), float(fit.cost))
    if cut < n:
        start, end = time[cut], time[-1] + pd.Timedelta(seconds=step)
        before = replay(site, data, tagmap, step=step, start=start, end=end, model=model)
        after = replay(site, data, tagmap, step=step, start=start, end=end, model=model,
                       parameters=result.parameters)
        result.validation = {str(t): (float(before.rmse.sel(tag=t)), float(after.rmse.sel(tag=t)),
                                      str(after.gl14.sel(tag=t).values)) for t in after.tag.values}
    return result


def write_overlay(result: Calibration, path: str | Path, source: str = "") -> None:
    """The calibrated multipliers as a TOML overlay (written atomically)."""
    lines = [f"# Calibrated parameters of site {result.site} (multipliers of the site's design values)",
             f"# fitted on {result.train[0]:%Y-%m-%d %H:%M} - {result.train[1]:%Y-%m-%d %H:%M} UTC"
             + (f", validated on {result.validate[0]:%Y-%m-%d %H:%M} - {result.validate[1]:%Y-%m-%d %H:%M} UTC"
                if result.validate else ""),
             "[calibration]", f'site = "{result.site}"', f'source = "{source}"', "", "[calibration.parameters]"]
    for name, value, std, ok in zip(result.names, result.value, result.std, result.identifiable):
        if ok:
            lines.append(f'"{name}" = {{ value = {value:.6g}, std = {std:.3g} }}')
        else:
            lines.append(f'# "{name}": not identifiable from this data (left at 1)')
    path = Path(path)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text("\n".join(lines) + "\n")
    tmp.replace(path)


def read_overlay(path: str | Path, site) -> dict[str, float]:
    """Multipliers from an overlay file, checked against ``site``."""
    file = str(path)
    try:
        raw = tomllib.loads(Path(path).read_text())
    except FileNotFoundError:
        raise InputError.one(file, "", "no such file", "a calibration overlay TOML") from None
    except tomllib.TOMLDecodeError as err:
        raise InputError.one(file, "", f"invalid TOML ({err})", "a calibration overlay TOML") from None
    section = raw.get("calibration", {})
    if section.get("site") != site.name:
        raise InputError.one(file, "calibration.site", repr(section.get("site")), f"'{site.name}'")
    known = parameter_names(model_for(site))
    out = {}
    for name, entry in section.get("parameters", {}).items():
        value = entry.get("value") if isinstance(entry, dict) else None
        if name not in known or not isinstance(value, (int, float)) or not BOUNDS[0] <= value <= BOUNDS[1]:
            raise InputError.one(file, f"calibration.parameters.{name!r}", repr(entry),
                                 f"one of {', '.join(known)} = {{ value = {BOUNDS[0]:g}..{BOUNDS[1]:g} }}")
        out[name] = float(value)
    return out
