"""Heat exchangers by the effectiveness-NTU method, and a plate heat exchanger.

C = m_flow*cp (W/K), Cr = C_min/C_max, NTU = UA/C_min,
Q_flow = eps*C_min*(T_hot_in - T_cold_in), heat flowing from the hot to the cold stream.

References:
- Incropera, DeWitt, Bergman, Lavine, *Fundamentals of Heat and Mass Transfer*,
  6th ed., Table 11.3 (counterflow, parallel flow, Cr = 0, and the cross-flow
  both-unmixed approximation, eq. 11.32) and Table 11.4 (counterflow NTU(eps)).
- Film-coefficient scaling h ~ Re^0.8 on each side: Dittus-Boelter, as
  used for heat exchangers in the Modelica Buildings library
  (``Buildings.Fluid.HeatExchangers``, exponent n = 0.8).  Plate heat
  exchanger correlations give Re^0.65-0.8 (e.g. Muley & Manglik, J. Heat
  Transfer 121 (1999) 110); 0.8 is the default here.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

ARRANGEMENTS = ("counterflow", "parallel", "crossflow_unmixed")


def effectiveness_counterflow(NTU, Cr):
    """Counterflow effectiveness (-) for NTU (-) and capacity ratio Cr in [0, 1], Cr = 1 included."""
    NTU, Cr = np.asarray(NTU, dtype=float), np.asarray(Cr, dtype=float)
    x = NTU * (1.0 - Cr)
    with np.errstate(invalid="ignore", divide="ignore"):
        general = -np.expm1(-x) / ((1.0 - Cr) - Cr * np.expm1(-x))
    return np.where(Cr >= 1.0, NTU / (1.0 + NTU), general)


def effectiveness_parallel(NTU, Cr):
    """Parallel-flow effectiveness (-)."""
    NTU, Cr = np.asarray(NTU, dtype=float), np.asarray(Cr, dtype=float)
    return -np.expm1(-NTU * (1.0 + Cr)) / (1.0 + Cr)


def effectiveness_crossflow_unmixed(NTU, Cr):
    """Cross-flow, both fluids unmixed (-): the approximation of Incropera eq. 11.32."""
    NTU, Cr = np.asarray(NTU, dtype=float), np.asarray(Cr, dtype=float)
    safe_Cr = np.where(Cr > 0.0, Cr, 1.0)
    with np.errstate(invalid="ignore"):
        eps = -np.expm1(NTU**0.22 / safe_Cr * np.expm1(-safe_Cr * NTU**0.78))
    return np.where(Cr > 0.0, eps, -np.expm1(-NTU))


def effectiveness(NTU, Cr, arrangement: str = "counterflow"):
    """Effectiveness (-) for the named flow arrangement (one of ``ARRANGEMENTS``)."""
    if arrangement == "counterflow":
        return effectiveness_counterflow(NTU, Cr)
    if arrangement == "parallel":
        return effectiveness_parallel(NTU, Cr)
    if arrangement == "crossflow_unmixed":
        return effectiveness_crossflow_unmixed(NTU, Cr)
    raise ValueError(f"arrangement {arrangement!r} is not one of {ARRANGEMENTS}")


def ntu_counterflow(eps, Cr):
    """NTU (-) a counterflow exchanger needs for effectiveness ``eps`` < 1 at ratio Cr."""
    eps, Cr = np.asarray(eps, dtype=float), np.asarray(Cr, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        general = np.log((1.0 - Cr * eps) / (1.0 - eps)) / (1.0 - Cr)
    return np.where(Cr >= 1.0, eps / (1.0 - eps), general)


def heat_exchange(T_hot_in, T_cold_in, C_hot, C_cold, UA, arrangement: str = "counterflow"):
    """Heat flow and outlet temperatures of a two-stream exchanger.

    Temperatures in degC, capacity rates C = m_flow*cp and UA in W/K.
    Returns ``(Q_flow, T_hot_out, T_cold_out)``; Q_flow (W) is the heat
    passed from the hot to the cold stream (negative if "hot" is colder).
    A stream with zero capacity rate leaves no heat exchanged.
    """
    C_hot, C_cold = np.asarray(C_hot, dtype=float), np.asarray(C_cold, dtype=float)
    C_min, C_max = np.minimum(C_hot, C_cold), np.maximum(C_hot, C_cold)
    flowing = C_min > 0.0
    safe_min = np.where(flowing, C_min, 1.0)
    NTU = np.asarray(UA, dtype=float) / safe_min
    Cr = np.where(flowing, C_min / np.where(flowing, C_max, 1.0), 0.0)
    eps = np.where(flowing, effectiveness(NTU, Cr, arrangement), 0.0)
    Q_flow = eps * C_min * (np.asarray(T_hot_in, dtype=float) - T_cold_in)
    T_hot_out = T_hot_in - np.where(C_hot > 0.0, Q_flow / np.where(C_hot > 0.0, C_hot, 1.0), 0.0)
    T_cold_out = T_cold_in + np.where(C_cold > 0.0, Q_flow / np.where(C_cold > 0.0, C_cold, 1.0), 0.0)
    return Q_flow, T_hot_out, T_cold_out


def UA_counterflow_for_design(Q_flow, T_hot_in, T_cold_in, C_hot, C_cold):
    """UA (W/K) a counterflow exchanger needs to pass Q_flow (W) at the given inlets."""
    C_min, C_max = np.minimum(C_hot, C_cold), np.maximum(C_hot, C_cold)
    eps = Q_flow / (C_min * (np.asarray(T_hot_in, dtype=float) - T_cold_in))
    return ntu_counterflow(eps, C_min / C_max) * C_min


def UA_film_scaled(UA_nominal, flow_ratio_1, flow_ratio_2, resistance_fraction_1=0.5,
                   exponent_1=0.8, exponent_2=0.8):
    """UA (W/K) at part flow: two film resistances in series, each h ~ m_flow^n.

    ``flow_ratio_i`` = m_flow_i/m_flow_i_nominal; ``resistance_fraction_1`` is
    the share of 1/UA_nominal on side 1 at the nominal flows (wall neglected).
    A side without flow gives UA = 0.
    """
    x1 = np.asarray(flow_ratio_1, dtype=float)
    x2 = np.asarray(flow_ratio_2, dtype=float)
    flowing = (x1 > 0.0) & (x2 > 0.0)
    x1s, x2s = np.where(flowing, x1, 1.0), np.where(flowing, x2, 1.0)
    resistance = resistance_fraction_1 * x1s**-exponent_1 + (1.0 - resistance_fraction_1) * x2s**-exponent_2
    return np.where(flowing, UA_nominal / resistance, 0.0)


@dataclass(frozen=True)
class PlateHeatExchanger:
    """Liquid-liquid plate heat exchanger (counterflow), e.g. the CDU's FWS/TCS exchanger.

    UA_nominal (W/K) at m_flow_hot_nominal / m_flow_cold_nominal (kg/s);
    ``hot_side_resistance_fraction`` of the thermal resistance sits on the hot
    side at the nominal point; film coefficients scale as m_flow^exponent.
    """

    UA_nominal: float
    m_flow_hot_nominal: float
    m_flow_cold_nominal: float
    hot_side_resistance_fraction: float = 0.5
    exponent: float = 0.8

    def UA(self, m_flow_hot, m_flow_cold):
        """UA (W/K) at the given mass flows (kg/s)."""
        return UA_film_scaled(self.UA_nominal, np.asarray(m_flow_hot) / self.m_flow_hot_nominal,
                              np.asarray(m_flow_cold) / self.m_flow_cold_nominal,
                              self.hot_side_resistance_fraction, self.exponent, self.exponent)

    def heat_exchange(self, T_hot_in, T_cold_in, m_flow_hot, m_flow_cold, cp_hot, cp_cold):
        """``(Q_flow, T_hot_out, T_cold_out)`` at the given inlets, flows and cp (J/(kg K))."""
        return heat_exchange(T_hot_in, T_cold_in, np.asarray(m_flow_hot) * cp_hot,
                             np.asarray(m_flow_cold) * cp_cold, self.UA(m_flow_hot, m_flow_cold))
