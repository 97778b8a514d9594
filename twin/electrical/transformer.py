"""Transformer losses: no-load (core) plus load (copper) losses.

``P_loss = P_no_load + P_load_rated * x**2`` with ``x`` the load as a share of
the apparent-power rating; efficiency peaks where the two are equal, at
``x = sqrt(P_no_load / P_load_rated)``.  The US minimum efficiencies of
distribution transformers (10 CFR 431.196) are stated at one load point: 35 %
for low-voltage dry-type, 50 % for liquid-immersed and medium-voltage dry-type
(research/physics.md section 5.2).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from twin.electrical.distribution import output_from_quadratic_input


def transformer_loss(load_fraction, P_no_load: float, P_load_rated: float):
    """Total loss (W) at ``load_fraction`` of rated apparent power."""
    x = np.asarray(load_fraction, dtype=float)
    return P_no_load + P_load_rated * x * x


def transformer_efficiency(load_fraction, S_rated: float, P_no_load: float, P_load_rated: float,
                           power_factor: float = 1.0):
    """Output over input power at ``load_fraction`` of ``S_rated`` (VA) and ``power_factor``."""
    P_out = np.asarray(load_fraction, dtype=float) * S_rated * power_factor
    return P_out / (P_out + transformer_loss(load_fraction, P_no_load, P_load_rated))


def max_efficiency_load_fraction(P_no_load: float, P_load_rated: float) -> float:
    """Load fraction of peak efficiency, where load loss equals no-load loss."""
    return float(np.sqrt(P_no_load / P_load_rated))


@dataclass(frozen=True)
class Transformer:
    """Transformer stage: ``S_rated`` (VA), ``P_no_load`` and ``P_load_rated`` (W), constant power factor."""

    S_rated: float
    P_no_load: float
    P_load_rated: float
    power_factor: float = 1.0

    def load_fraction(self, P_out):
        return np.asarray(P_out, dtype=float) / (self.S_rated * self.power_factor)

    def loss(self, P_out):
        return transformer_loss(self.load_fraction(P_out), self.P_no_load, self.P_load_rated)

    def input_power(self, P_out):
        return np.asarray(P_out, dtype=float) + self.loss(P_out)

    def output_power(self, P_in):
        return output_from_quadratic_input(P_in, self.P_no_load, 1.0,
                                           self.P_load_rated / (self.S_rated * self.power_factor) ** 2)

    def efficiency(self, P_out):
        return transformer_efficiency(self.load_fraction(P_out), self.S_rated, self.P_no_load,
                                      self.P_load_rated, self.power_factor)


def transformer_for_efficiency(S_rated: float, efficiency: float, load_fraction: float,
                               peak_load_fraction: float | None = None, power_factor: float = 1.0) -> Transformer:
    """A transformer with ``efficiency`` at ``load_fraction`` whose efficiency peaks at ``peak_load_fraction``.

    The loss at the test point, ``x S pf (1/efficiency - 1)``, is split so that
    ``P_no_load = P_load_rated * peak**2``; by default the peak is at the test
    point, the usual design target for a rating stated at one load.
    """
    peak = load_fraction if peak_load_fraction is None else peak_load_fraction
    loss = load_fraction * S_rated * power_factor * (1 / efficiency - 1)
    P_load_rated = loss / (peak**2 + load_fraction**2)
    return Transformer(S_rated, P_load_rated * peak**2, P_load_rated, power_factor)
