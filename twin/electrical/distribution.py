"""Distribution losses between the UPS and the IT, rack power supplies, and the walk along a power chain.

A *stage* converts power: ``input_power(P_out)`` is what it draws for an output
``P_out`` and ``output_power(P_in)`` is the exact inverse; ``loss(P_out)`` is
the difference.  All are vectorised and in W.  Stages here:
:class:`Distribution` (PDU, RPP, busway and cabling) and :class:`PowerSupply`
(the rack PSUs); :class:`twin.electrical.transformer.Transformer` and
:class:`twin.electrical.ups.UPS` are stages too.

References: N. Rasmussen, "Electrical Efficiency Modeling of Data Centers",
APC White Paper 113 (fixed, proportional and square-law losses; PDU and
cabling ~0.5-1.5 % of IT load).  80 PLUS Titanium levels for redundant
data-centre supplies at 230 V (internal redundant): 90/94/96/91 % at
10/20/50/100 % load (80 PLUS programme, CLEAResult; table reproduced by Tom's
Hardware, "80 PLUS PSU efficiency", 2020).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, Sequence

import numpy as np

from twin.errors import InputError


class Stage(Protocol):
    def loss(self, P_out): ...

    def input_power(self, P_out): ...

    def output_power(self, P_in): ...


def output_from_quadratic_input(P_in, c0: float, c1: float, c2: float):
    """Output ``P >= 0`` of a stage whose input is ``c0 + c1 P + c2 P**2`` (W; c1 > 0, c2 >= 0).

    Closed form, written without cancellation; inputs at or below the no-load
    loss ``c0`` give 0.
    """
    surplus = np.maximum(np.asarray(P_in, dtype=float) - c0, 0.0)
    return 2 * surplus / (c1 + np.sqrt(c1 * c1 + 4 * c2 * surplus))


@dataclass(frozen=True)
class Distribution:
    """PDU / RPP / busway / cabling between the UPS and the racks.

    ``loss = P_no_load + loss_fraction * P_out + P_loss_rated * (P_out / P_rated)**2``:
    a fixed part (PDU transformers' cores, metering), a share proportional to
    load, and the I^2 R loss of the conductors, ``P_loss_rated`` (W) at
    ``P_rated`` (W).
    """

    P_rated: float
    loss_fraction: float
    P_loss_rated: float
    P_no_load: float = 0.0

    def loss(self, P_out):
        P_out = np.asarray(P_out, dtype=float)
        return self.P_no_load + self.loss_fraction * P_out + self.P_loss_rated * (P_out / self.P_rated) ** 2

    def input_power(self, P_out):
        return np.asarray(P_out, dtype=float) + self.loss(P_out)

    def output_power(self, P_in):
        return output_from_quadratic_input(P_in, self.P_no_load, 1.0 + self.loss_fraction,
                                           self.P_loss_rated / self.P_rated**2)


@dataclass(frozen=True)
class PowerSupply:
    """Rack power supplies (AC in, DC out) as an efficiency curve.

    ``P_rated`` (W) is the installed capacity sharing the load (with N+N
    redundancy, twice what the rack draws at most).  Loss per unit of
    ``P_rated`` is interpolated linearly in output between the points
    (``load_fractions``, ``efficiencies``), held at its first value below the
    first point (fixed losses) and extrapolated along the last segment above the
    last.  Default curve: 80 PLUS Titanium, 230 V internal redundant.
    """

    P_rated: float
    load_fractions: tuple[float, ...] = (0.10, 0.20, 0.50, 1.00)
    efficiencies: tuple[float, ...] = (0.90, 0.94, 0.96, 0.91)

    def _curve(self) -> tuple[np.ndarray, np.ndarray]:
        x, eta = np.asarray(self.load_fractions, dtype=float), np.asarray(self.efficiencies, dtype=float)
        if x.size < 2 or x.size != eta.size or np.any(np.diff(x) <= 0) or x[0] <= 0 or np.any((eta <= 0) | (eta > 1)):
            raise InputError.one("power supply", "load_fractions/efficiencies",
                                 f"{self.load_fractions} / {self.efficiencies}",
                                 "two or more increasing positive load fractions with efficiencies in (0, 1]")
        loss = x * (1 / eta - 1)
        if np.any(np.diff(loss) / np.diff(x) <= -1):
            raise InputError.one("power supply", "efficiencies", self.efficiencies,
                                 "a curve whose input power rises with output power")
        return x, loss

    def loss(self, P_out):
        x, loss = self._curve()
        load = np.asarray(P_out, dtype=float) / self.P_rated
        slope = (loss[-1] - loss[-2]) / (x[-1] - x[-2])
        per_unit = np.interp(load, x, loss) + np.maximum(load - x[-1], 0.0) * slope
        return self.P_rated * per_unit

    def input_power(self, P_out):
        return np.asarray(P_out, dtype=float) + self.loss(P_out)

    def output_power(self, P_in):
        x, loss = self._curve()
        x = np.concatenate(([0.0], x))
        P_in_points = self.P_rated * (x + np.concatenate(([loss[0]], loss)))
        slope = (loss[-1] - loss[-2]) / (x[-1] - x[-2])
        P_in = np.asarray(P_in, dtype=float)
        beyond = np.maximum(P_in - P_in_points[-1], 0.0) / (1 + slope)
        return np.interp(P_in, P_in_points, self.P_rated * x) + beyond

    def efficiency(self, P_out):
        P_out = np.asarray(P_out, dtype=float)
        return P_out / self.input_power(P_out)


def power_chain(P_it, stages: Sequence[Stage]) -> tuple[np.ndarray, np.ndarray]:
    """Walk from the IT load up a chain of stages listed from the utility side down.

    ``stages`` e.g. ``[transformer, ups, pdu, psu]``.  Returns the power drawn
    at the top of the chain and the loss of each stage, shape
    ``(len(stages), *P_it.shape)`` in the order given (W);
    ``P_upstream - P_it == losses.sum(axis=0)`` to rounding.
    """
    P = np.asarray(P_it, dtype=float)
    losses = []
    for stage in reversed(stages):
        losses.append(stage.loss(P))
        P = P + losses[-1]
    return P, np.array(losses[::-1])


def power_chain_inverse(P_upstream, stages: Sequence[Stage]) -> np.ndarray:
    """IT power delivered when the top of the chain draws ``P_upstream`` (W); inverse of :func:`power_chain`."""
    P = np.asarray(P_upstream, dtype=float)
    for stage in stages:
        P = stage.output_power(P)
    return P
