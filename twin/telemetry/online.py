"""The tracker online: the same filter and CUSUMs as :func:`twin.telemetry.track.track`, one batch at a time.

Each batch (one or more samples of every input and output tag, in SI) costs one vectorised
steady-state evaluation of the twin and a scalar filter/CUSUM step per tag and sample.  The
reference (residual centre and spread per tag, the site's mean IT power) comes from a tracked
replay of a fault-free training window; the steps around a load step and the steps with an input
held over a gap carry no evidence, as in :func:`~twin.telemetry.track.track`, so fed the same
data from the same start the tracker reproduces its CUSUMs, offsets and alarms
(``tests/telemetry/test_online.py``).  Used by ``benchmarks/bench_telemetry.py`` (B-TEL-2) to
measure whether tracking keeps up with 1 s data of a whole site.
"""

from __future__ import annotations

import numpy as np
import xarray as xr

from twin.telemetry.model import apply, evaluate


class OnlineTracker:
    """Incremental residual tracking from a reference set by :func:`twin.telemetry.track.track`."""

    def __init__(self, model, reference: xr.Dataset, outputs, parameters=None, *, k=None, h=None, q_ratio=1e-3):
        from twin.telemetry.replay import derive, simulated
        from twin.telemetry.track import H_ALARM, K_REF, TRANSIENT_STEPS

        self.model = apply(model, parameters or {})
        self.outputs = outputs
        self._simulated = simulated
        self._derive = derive
        r = reference["residual"].values
        n_train = max(int(reference.attrs["training_s"] / reference.attrs["step_s"]), 2)
        mu = np.nanmedian(r[:n_train], axis=0)
        self.mu = np.where(np.isnan(mu), 0.0, mu)
        self.sigma = reference["residual_sigma"].values
        self.k = K_REF if k is None else k
        self.h = H_ALARM if h is None else h
        self.s_hi = np.zeros(len(outputs))
        self.s_lo = np.zeros(len(outputs))
        self.b = self.mu.copy()
        self.P = self.sigma ** 2
        self.Q = q_ratio * self.sigma ** 2
        self.alarm = np.zeros(len(outputs), dtype=bool)
        # load-step detection as in track._transients: against the reference's mean site IT power
        self.P_mean = float(np.nanmean(reference["P_it"].sum("group").values)) if "P_it" in reference else np.nan
        self._last_P = None  # the last known site IT power
        self._recent = [False] * TRANSIENT_STEPS  # jump flags of the previous TRANSIENT_STEPS steps
        self.steps = 0

    def _transient(self, P_total: np.ndarray) -> np.ndarray:
        from twin.telemetry.track import TRANSIENT_STEP

        out = np.zeros(len(P_total), dtype=bool)
        if self.P_mean != self.P_mean:
            return out
        for i, p in enumerate(P_total.tolist()):
            previous = p if self._last_P is None else self._last_P
            jump = (p != p) or abs(p - previous) > TRANSIENT_STEP * self.P_mean
            out[i] = jump or any(self._recent)
            self._recent = [jump] + self._recent[:-1]
            if p == p or self._last_P is None:
                self._last_P = p  # the last known site power (a gap compares with the power before it)
        return out

    def update(self, P_it, T_dry_bulb, T_wet_bulb, T_set, measured, held=None) -> np.ndarray:
        """One batch: inputs (n, G), (n,), (n,), (n, L); measured outputs (n, tags) in SI.

        ``held`` (n,) marks steps whose inputs were carried over a gap (no CUSUM evidence).
        Returns the tags whose alarm is new in this batch (bool per output tag).
        """
        P_it = np.asarray(P_it, float)
        n = len(P_it)
        ok = ~(np.isnan(P_it).any(-1) | np.isnan(T_dry_bulb) | np.isnan(T_wet_bulb))
        sim = np.full((n, len(self.outputs)), np.nan)
        if ok.any():
            rows = np.flatnonzero(ok)
            state, failed = evaluate(self.model, P_it[rows], T_dry_bulb[rows], T_wet_bulb[rows], T_set[rows])
            if state:
                self._derive(state, P_it[rows], ~failed)
                part = np.stack([self._simulated(b, self.model, state, len(rows)) for b in self.outputs], axis=1)
                part[failed] = np.nan
                sim[rows] = part
        r = measured - sim
        z = np.clip((r - self.mu) / self.sigma, -4.0, 4.0)
        skip = self._transient(P_it.sum(-1))
        if held is not None:
            skip |= np.asarray(held, bool)
        z[skip] = np.nan
        before = self.alarm.copy()
        s_hi, s_lo, b, P = self.s_hi.tolist(), self.s_lo.tolist(), self.b.tolist(), self.P.tolist()
        R, Q, k = (self.sigma ** 2).tolist(), self.Q.tolist(), self.k
        for i in range(n):
            zi, ri = z[i].tolist(), r[i].tolist()
            for j in range(len(zi)):
                x = zi[j]
                if x == x:
                    s_hi[j] = max(0.0, s_hi[j] + x - k)
                    s_lo[j] = max(0.0, s_lo[j] - x - k)
                P[j] += Q[j]  # Kalman local level: predict every step, update when there is a residual
                y = ri[j]
                if y == y:
                    gain = P[j] / (P[j] + R[j])
                    b[j] += gain * (y - b[j])
                    P[j] *= 1 - gain
        self.s_hi, self.s_lo, self.b, self.P = map(np.asarray, (s_hi, s_lo, b, P))
        self.alarm |= (self.s_hi > self.h) | (self.s_lo > self.h)
        self.steps += n
        return self.alarm & ~before
