"""Vectorised roots of monotone functions without per-element loops.

Plant controls (tower fan speed, dry-cooler fan speed, tower leaving water) solve one
monotone equation per unit and time.  A fixed-count bisection costs ~30 array passes; here
the function is evaluated once on a grid of ``n`` points across the bracket (one array pass
over a trailing axis), the sign change is located, and ``refine`` Illinois (modified
regula falsi) steps finish inside that cell.  Dowell & Jarratt, BIT 11 (1971) 168.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np


@lru_cache(maxsize=8)
def _grid(n: int) -> np.ndarray:
    return np.linspace(0.0, 1.0, n)


def monotone_root(f, lo, hi, n: int = 24, refine: int = 3):
    """Root in [lo, hi] of ``f`` (elementwise; increasing or decreasing in x), clipped to the bracket.

    ``f(x)`` must accept an array with one more trailing axis than ``lo``/``hi``.  Where ``f``
    keeps one sign over the bracket the nearer end is returned.
    """
    lo, hi = np.broadcast_arrays(np.asarray(lo, dtype=float), np.asarray(hi, dtype=float))
    x = lo[..., None] + (hi - lo)[..., None] * _grid(n)
    y = f(x)
    increasing = y[..., -1:] >= y[..., :1]
    y = np.where(increasing, y, -y)
    above = y > 0.0
    k = np.clip(np.argmax(above, axis=-1) - 1, 0, n - 2)  # cell [k, k+1] holding the sign change
    none_above, all_above = ~above.any(axis=-1), above[..., 0]
    take = lambda a, i: np.take_along_axis(a, i[..., None], axis=-1)[..., 0]  # noqa: E731
    a, b, fa, fb = take(x, k), take(x, k + 1), take(y, k), take(y, k + 1)
    sign = np.where(increasing[..., 0], 1.0, -1.0)
    for _ in range(refine):  # Illinois: b is the newest iterate, a keeps the other sign
        c = np.where(fb != fa, b - fb * (b - a) / np.where(fb != fa, fb - fa, 1.0), 0.5 * (a + b))
        fc = sign * f(c[..., None])[..., 0]
        same = np.sign(fc) == np.sign(fb)
        a, fa = np.where(same, a, b), np.where(same, 0.5 * fa, fb)
        b, fb = c, fc
    root = np.where(fb != fa, b - fb * (b - a) / np.where(fb != fa, fb - fa, 1.0), 0.5 * (a + b))
    return np.where(none_above, hi, np.where(all_above, lo, np.clip(root, np.minimum(lo, hi), np.maximum(lo, hi))))
