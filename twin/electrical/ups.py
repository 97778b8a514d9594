"""UPS losses and battery ride-through.

Loss model (N. Rasmussen, "Electrical Efficiency Modeling of Data Centers", APC
White Paper 113): ``P_loss = P_rated * (k0 + k1 x + k2 x**2)`` with ``x`` the
load fraction: a no-load term, a proportional term and a square-law (I^2 R)
term; efficiency ``x / (x + k0 + k1 x + k2 x**2)``.  A double-conversion UPS
always passes power through rectifier and inverter; in eco mode power flows
through the bypass and the inverter idles, so the loss is smaller.  On battery
the UPS runs through its inverter whatever the mode.  Reference curve for tests
(research/physics.md section 5.1): double conversion 93.5/95.5/96.5/96.8 % at
25/50/75/100 % load, eco mode 98.5-99 %.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from twin.electrical.distribution import output_from_quadratic_input
from twin.errors import InputError

MODES = ("double_conversion", "eco")


def ups_loss(load_fraction, P_rated: float, k0: float, k1: float, k2: float):
    """Loss (W) at ``load_fraction`` of ``P_rated`` (W)."""
    x = np.asarray(load_fraction, dtype=float)
    return P_rated * (k0 + k1 * x + k2 * x * x)


def ups_efficiency(load_fraction, k0: float, k1: float, k2: float):
    """Output over input power at ``load_fraction``."""
    x = np.asarray(load_fraction, dtype=float)
    return x / (x + k0 + k1 * x + k2 * x * x)


def fit_ups_loss_coefficients(load_fractions, efficiencies) -> tuple[float, float, float]:
    """``(k0, k1, k2)`` fitted by least squares to the per-unit losses ``x (1/eta - 1)`` of a curve.

    Each coefficient is a physical loss, so the fit is constrained to
    non-negative values (scipy.optimize.nnls).  Needs at least three points.
    """
    x, eta = np.asarray(load_fractions, dtype=float), np.asarray(efficiencies, dtype=float)
    if x.ndim != 1 or x.size < 3 or x.size != eta.size or np.any(x <= 0) or np.any((eta <= 0) | (eta > 1)):
        raise InputError.one("UPS efficiency curve", "load_fractions/efficiencies", f"{x.tolist()} / {eta.tolist()}",
                             "three or more positive load fractions with efficiencies in (0, 1]")
    design = np.stack([np.ones_like(x), x, x * x], axis=1)
    from scipy.optimize import nnls  # here: importing scipy.optimize costs ~0.3 s

    k, _ = nnls(design, x * (1 / eta - 1))
    return float(k[0]), float(k[1]), float(k[2])


@dataclass(frozen=True)
class UPS:
    """UPS stage.

    ``P_rated`` (W); per-unit loss coefficients for double conversion
    (``k0``, ``k1``, ``k2``) and eco mode (``k0_eco``, ``k1_eco``, ``k2_eco``);
    ``E_battery`` (J) usable battery energy delivered to the inverter; ``mode``
    one of :data:`MODES`.
    """

    P_rated: float
    k0: float
    k1: float
    k2: float
    k0_eco: float
    k1_eco: float
    k2_eco: float
    E_battery: float
    mode: str = "double_conversion"

    def coefficients(self) -> tuple[float, float, float]:
        """Loss coefficients of the present mode."""
        if self.mode not in MODES:
            raise InputError.one("UPS", "mode", repr(self.mode), " or ".join(repr(m) for m in MODES))
        if self.mode == "double_conversion":
            return self.k0, self.k1, self.k2
        return self.k0_eco, self.k1_eco, self.k2_eco

    def loss(self, P_out):
        return ups_loss(np.asarray(P_out, dtype=float) / self.P_rated, self.P_rated, *self.coefficients())

    def input_power(self, P_out):
        return np.asarray(P_out, dtype=float) + self.loss(P_out)

    def output_power(self, P_in):
        k0, k1, k2 = self.coefficients()
        return output_from_quadratic_input(P_in, self.P_rated * k0, 1.0 + k1, k2 / self.P_rated)

    def efficiency(self, P_out):
        return ups_efficiency(np.asarray(P_out, dtype=float) / self.P_rated, *self.coefficients())


def ride_through_time(ups: UPS, P_out):
    """Seconds the battery carries an output ``P_out`` (W): ``E_battery / (P_out + double-conversion loss)``."""
    P_out = np.asarray(P_out, dtype=float)
    return ups.E_battery / (P_out + ups_loss(P_out / ups.P_rated, ups.P_rated, ups.k0, ups.k1, ups.k2))
