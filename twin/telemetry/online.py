"""The tracker online: the same filter and CUSUMs as :func:`twin.telemetry.track.track`, one batch at a time.

Used by benchmarks/bench_telemetry.py to measure whether tracking keeps up with 1 s data of a
whole site: each batch (one or more samples of every input and output tag, in SI) costs one
vectorised steady-state evaluation of the twin and a scalar filter/CUSUM step per tag and sample.
"""

from __future__ import annotations

import numpy as np
import xarray as xr

from twin.telemetry.model import apply, evaluate


class OnlineTracker:
    """Incremental residual tracking from a reference set by :func:`twin.telemetry.track.track`."""

    def __init__(self, model, reference: xr.Dataset, outputs, parameters=None, *, k=None, h=None, q_ratio=1e-3):
        from twin.telemetry.replay import simulated
        from twin.telemetry.track import H_ALARM, K_REF

        self.model = apply(model, parameters or {})
        self.outputs = outputs
        self._simulated = simulated
        r = reference["residual"].values
        n_train = max(int(reference.attrs["training_s"] / reference.attrs["step_s"]), 2)
        mu = np.nanmedian(r[:n_train], axis=0)
        self.mu = np.where(np.isnan(mu), 0.0, mu)
        self.sigma = reference["residual_sigma"].values
        self.k, self.h = (k or K_REF), (h or H_ALARM)
        self.s_hi = np.zeros(len(outputs))
        self.s_lo = np.zeros(len(outputs))
        self.b = self.mu.copy()
        self.P = self.sigma ** 2
        self.Q = q_ratio * self.sigma ** 2
        self.alarm = np.zeros(len(outputs), dtype=bool)

    def update(self, P_it, T_dry_bulb, T_wet_bulb, T_set, measured) -> np.ndarray:
        """One batch: inputs (n, G), (n,), (n,), (n, L); measured outputs (n, tags) in SI.  Returns new alarms."""
        state, failed = evaluate(self.model, P_it, T_dry_bulb, T_wet_bulb, T_set)
        n = len(P_it)
        if state:
            from twin.thermal.network import CP_FACILITY

            state["m_flow_fws"] = state["C_fws"] / CP_FACILITY
        sim = np.stack([self._simulated(b, self.model, state, n) for b in self.outputs], axis=1)
        z = np.clip((measured - sim - self.mu) / self.sigma, -4.0, 4.0)
        before = self.alarm.copy()
        s_hi, s_lo, b, P = self.s_hi.tolist(), self.s_lo.tolist(), self.b.tolist(), self.P.tolist()
        R, Q, k = (self.sigma ** 2).tolist(), self.Q.tolist(), self.k
        for i in range(n):
            zi, ri = z[i].tolist(), (measured[i] - sim[i]).tolist()
            for j in range(len(zi)):
                x = zi[j]
                if x == x:
                    s_hi[j] = max(0.0, s_hi[j] + x - k)
                    s_lo[j] = max(0.0, s_lo[j] - x - k)
                    Pj = P[j] + Q[j]
                    gain = Pj / (Pj + R[j])
                    b[j] += gain * (ri[j] - b[j])
                    P[j] = Pj * (1 - gain)
        self.s_hi, self.s_lo, self.b, self.P = map(np.asarray, (s_hi, s_lo, b, P))
        self.alarm |= (self.s_hi > self.h) | (self.s_lo > self.h)
        return self.alarm & ~before
