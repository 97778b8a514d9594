"""Piecewise-linear cooling-power curves derived from the twin's own steady-state plant model.

For each weather period and each IT-load breakpoint, :func:`twin.simulation.steady_state`
solves the whole cooling system (CDU valves at set-point, pumps, towers, chillers,
fans); the curve of cooling power against IT load is then made convex (its lower
convex envelope), which is what a linear dispatch model can use.  The envelope's
largest shortfall against the plant model is reported, so a user sees how much the
linear form gives away.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

#: IT-load breakpoints as fractions of the site's IT peak.  A training site's IT load stays
#: above its idle level (~20-30 % of peak), and the curves are not convex down to zero load
#: (compressors start as soon as there is load to carry), so the curves start at 30 %.
FRACTIONS = (0.3, 0.45, 0.6, 0.7, 0.8, 0.9, 1.0)



@dataclass(frozen=True)
class CoolingCurves:
    """Cooling power (W) at IT-load breakpoints (W) per period.

    ``P_model`` is the plant model's value at each breakpoint; ``P_convex`` its
    lower convex envelope (equal wherever the model is already convex).
    """

    P_it: np.ndarray  #: (K,)
    P_model: np.ndarray  #: (T, K)
    P_convex: np.ndarray  #: (T, K)

    @property
    def max_shortfall(self) -> float:
        """Largest model-minus-envelope gap as a fraction of the IT peak (-)."""
        return float((self.P_model - self.P_convex).max() / self.P_it[-1])


def cooling_curves(site, T_dry_bulb, T_wet_bulb, fractions=FRACTIONS) -> CoolingCurves:
    """Curves for each period of the weather arrays (degC, shape (T,)) at ``fractions`` of IT peak."""
    from twin.simulation import COOLING_TERMS, build, steady_state

    model = build(site)
    g = model.groups
    fractions = np.asarray(fractions, dtype=float)
    T_db = np.asarray(T_dry_bulb, dtype=float)[:, None] + 0 * fractions
    T_wb = np.asarray(T_wet_bulb, dtype=float)[:, None] + 0 * fractions
    P_group = fractions[None, :, None] * (g.P_peak * g.n_racks)[None, None, :] + 0 * T_db[..., None]
    state = steady_state(model, P_group, T_db, T_wb)
    P_model = sum(state[name].sum(-1) for name in COOLING_TERMS)
    P_it = fractions * float((g.P_peak * g.n_racks).sum())
    return CoolingCurves(P_it, P_model, lower_convex_envelope(P_it, P_model))


def lower_convex_envelope(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Lower convex envelope of the points ``(x, y[..., k])`` evaluated at ``x`` (vectorised over rows)."""
    y = np.atleast_2d(np.asarray(y, dtype=float))
    out = y.copy()
    for row in out:
        hull = [0]
        for k in range(1, len(x)):
            while len(hull) >= 2:
                i, j = hull[-2], hull[-1]
                if (row[j] - row[i]) * (x[k] - x[i]) >= (row[k] - row[i]) * (x[j] - x[i]):
                    hull.pop()  # j lies on or above the chord i-k
                else:
                    break
            hull.append(k)
        row[:] = np.interp(x, x[hull], row[hull])
    return out.reshape(np.shape(y))
