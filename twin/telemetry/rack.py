"""Fault detection at the rack level: a GPU's measured die temperature against its calibrated model.

The real-data case is the bundled H200 trace (``twin/data/gpu_trace``): NVML
readings at ~10 Hz, die temperature in integer degC, fitted by
:func:`twin.calibrate.fit_accelerator` (two-node die / plate model, fit and
held-out phases).  The residual here is **measured minus model** (K): a die
hotter than the twin expects reads positive.

Why the plant's per-sample test does not carry over.  On the unfaulted trace
the residual has two parts:

* a fast part: 1 K quantisation, the ~100 ms power refresh timing a load step
  (several K for one reading at each step), 0.5-0.8 K spread within a phase;
  lag-1 autocorrelation ~0.55 at 0.1 s, gone within a second;
* a slow part, the model error: a bias that holds for a whole phase (phase
  means -0.96 to +0.62 K), e.g. the unmeasured coolant temperature drifting.

Standardised per reading by the within-phase spread, the slow part alone
drives a CUSUM over any threshold within seconds.  Whitening the per-reading
residual does not help: an AR(1) model fitted on the fit phases (phi 0.54)
keeps 1 - phi of a phase bias, and its CUSUM passes h = 5 on the fit phases
themselves.  A bias is also what a resistance fault or a sensor offset looks
like: a model that whitened it away (phi near 1) would reduce a fault's step
to a single spike.

What this module does instead (three choices, all fixed on the fit phases):

1. **Window means** of the residual over ``window_s`` = 5 s of clock time
   (at least two 2 s training steps, so a window is not decided by where one
   load step fell against the power refresh; fifty readings, so the 1 K
   quantisation averages out).  The plant tracker uses minute means for the
   same reason.
2. **A model-error term in the reference**: the window means are standardised
   by ``sigma = sqrt(sigma_phase**2 + sigma_window**2)``, with
   ``sigma_phase`` the spread of the per-phase mean residuals across the fit
   phases (between-phase, the model error) and ``sigma_window`` the spread of
   the window means about their own phase's mean (within-phase).
3. **The same two-sided CUSUM** as the plant tracker
   (:func:`twin.telemetry.track._cusum`), with the textbook ``k = 0.5``,
   ``h = 5`` (for independent unit-normal samples: in-control average run
   length ~465 samples, ~10 samples to a one-sigma shift; Montgomery,
   *Introduction to Statistical Quality Control*, CUSUM tables).  At 5 s
   windows, 465 windows is ~39 min; that figure assumes independent window
   means, which a phase bias lasting longer than a few windows breaks (a bias
   of one sigma held for ~50 s would alarm), so the false-alarm rate on long
   rack data is not known from 4.5 minutes of one GPU.

Alarm start: the window after the CUSUM was last zero before the alarm, as in
:func:`twin.telemetry.track.track`.

Faults with known truth are injected into the real readings by
:func:`inject`: a thermal resistance raised from a time on (the difference
between the model run with and without it, from the model state at that time,
fed the trace's own power readings, added to the measured integer and rounded
again to whole degC as NVML reports), a sensor offset, or a sensor drift.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from twin.calibrate import (FIT_PHASES, VALIDATE_PHASES, CalibrationResult, die_response, fit_accelerator,
                            load_trace, readings)
from twin.errors import InputError
from twin.telemetry.track import _cusum

#: Window of the residual means (s).
WINDOW_S = 5.0
#: CUSUM allowance and threshold, in units of the reference sigma.
K = 0.5
H = 5.0
#: A window counts if at least this share of its nominal readings fall in the scored phases.
MIN_COVERAGE = 0.5

#: Fault kinds: a multiplier on one of the fitted thermal resistances, or a sensor error.
FAULT_KINDS = {
    "R_die_plate": "die to plate (TIM) resistance, multiplier (-)",
    "R_plate_coolant": "plate to coolant (cold plate) resistance, multiplier (-)",
    "offset": "sensor offset (K)",
    "drift": "sensor drift (K/min)",
}


@dataclass(frozen=True)
class Fault:
    """A fault from ``start`` (s from the first sample of the trace) on."""

    kind: str  #: one of :data:`FAULT_KINDS`
    size: float  #: multiplier for a resistance, K for an offset, K/min for a drift
    start: float  #: s from the trace's first sample


@dataclass(frozen=True)
class Reference:
    """The residual's behaviour on the fit phases, against which the held-out phases are scored (K)."""

    mu: float  #: mean of the fit windows' mean residuals (K)
    sigma: float  #: sqrt(sigma_phase^2 + sigma_window^2) (K)
    sigma_phase: float  #: spread of the per-phase mean residuals across the fit phases (K)
    sigma_window: float  #: spread of the window means about their phase's mean (K)
    window_s: float
    n_windows: int
    phase_means: dict[str, float] = field(default_factory=dict)  #: per fit phase (K)


@dataclass(frozen=True)
class Detection:
    """The CUSUM over the scored windows and its alarms."""

    windows: pd.DataFrame  #: start_s, end_s (s from trace start), phase, n, mean_K, z, cusum_high, cusum_low
    alarms: list[tuple[str, float, float]]  #: (direction, estimated start s, detected s), s from trace start
    reference: Reference
    k: float
    h: float

    @property
    def first(self) -> tuple[str, float, float] | None:
        return self.alarms[0] if self.alarms else None


def residual(trace=None, phases=None, fit: CalibrationResult | None = None) -> pd.DataFrame:
    """Measured minus model die temperature at each new power reading.

    ``trace``/``phases`` as :func:`twin.calibrate.load_trace`; ``fit`` the
    calibration to score against (by default fitted to this trace, which is
    only right for an unfaulted one).  Columns: ``t_s`` (s from the first
    sample), ``P_W``, ``T_measured`` and ``T_model`` (degC), ``residual_K``,
    ``phase``.
    """
    data, table, _ = load_trace(trace, phases)
    fit = fit_accelerator(data, phases=table) if fit is None else fit
    r = readings(data)
    T_model = die_response(r, fit.params, fit.T_coolant)[0][r.at]
    t0 = float(data["t_unix_s"].iloc[0])
    phase = np.full(r.t.size, "", dtype=object)
    for row in table.itertuples(index=False):
        phase[(r.t >= row.start_unix_s) & (r.t < row.end_unix_s)] = row.phase
    return pd.DataFrame({"t_s": r.t - t0, "P_W": r.P, "T_measured": r.T, "T_model": T_model,
                         "residual_K": r.T - T_model, "phase": phase})


def window_means(frame: pd.DataFrame, phases, window_s: float = WINDOW_S) -> pd.DataFrame:
    """Means of ``residual_K`` over clock windows of ``window_s`` (s), readings of ``phases`` only.

    Windows are cut from the first sample; a window is kept if it holds at
    least :data:`MIN_COVERAGE` of the readings a full window holds at the
    trace's median reading interval.  Each window is labelled with the phase
    of most of its readings.
    """
    dt = float(np.median(np.diff(frame["t_s"].to_numpy())))
    use = frame[frame["phase"].isin(list(phases))]
    index = np.floor(use["t_s"].to_numpy() / window_s).astype(int)
    grouped = use.groupby(index)
    out = pd.DataFrame({"start_s": grouped.size().index * window_s, "n": grouped.size().to_numpy(),
                        "mean_K": grouped["residual_K"].mean().to_numpy(),
                        "phase": grouped["phase"].agg(lambda s: s.mode().iloc[0]).to_numpy()})
    out["end_s"] = out["start_s"] + window_s
    out = out[out["n"] >= MIN_COVERAGE * window_s / dt].reset_index(drop=True)
    return out[["start_s", "end_s", "phase", "n", "mean_K"]]


def reference(frame: pd.DataFrame, fit_phases=FIT_PHASES, window_s: float = WINDOW_S) -> Reference:
    """The reference from the fit phases' windows (see the module docstring)."""
    w = window_means(frame, fit_phases, window_s)
    if len(w) < 3 or w["phase"].nunique() < 2:
        raise InputError.one("fit phases", "windows", f"{len(w)} windows in {w['phase'].nunique()} phases",
                             f"at least 3 windows of {window_s:g} s in at least 2 phases")
    phase_means = w.groupby("phase")["mean_K"].mean()
    within = w["mean_K"] - w["phase"].map(phase_means)
    dof = max(len(w) - len(phase_means), 1)
    sigma_window = float(np.sqrt(np.sum(within**2) / dof))
    sigma_phase = float(phase_means.std(ddof=1))
    return Reference(mu=float(w["mean_K"].mean()), sigma=float(np.hypot(sigma_phase, sigma_window)),
                     sigma_phase=sigma_phase, sigma_window=sigma_window, window_s=window_s, n_windows=len(w),
                     phase_means={str(k): float(v) for k, v in phase_means.items()})


def detect(frame: pd.DataFrame, ref: Reference, phases=VALIDATE_PHASES, k: float = K, h: float = H) -> Detection:
    """Two-sided CUSUM of the standardised window means of ``phases``, in time order.

    Windows outside ``phases`` (or too sparse) are skipped: the CUSUM carries
    over them.  As in :func:`twin.telemetry.track.track`, each side reports its
    first crossing of ``h`` only, with the start estimated as the window after
    that side's CUSUM was last zero; ``alarms`` is sorted by detection time.
    """
    w = window_means(frame, phases, ref.window_s)
    z = ((w["mean_K"] - ref.mu) / ref.sigma).to_numpy()
    hi, lo = (np.asarray(s) for s in _cusum(z.tolist(), k))
    alarms = []
    for series, direction in ((hi, "high"), (lo, "low")):
        over = np.flatnonzero(series > h)
        if over.size == 0:
            continue
        d = int(over[0])
        zeros = np.flatnonzero(series[:d] == 0)
        s = int(zeros[-1]) + 1 if zeros.size else 0
        alarms.append((direction, float(w["start_s"].iloc[s]), float(w["end_s"].iloc[d])))
    alarms.sort(key=lambda a: a[2])
    return Detection(windows=w.assign(z=z, cusum_high=hi, cusum_low=lo), alarms=alarms, reference=ref, k=k, h=h)


def inject(trace=None, phases=None, fit: CalibrationResult | None = None, fault: Fault | None = None) -> pd.DataFrame:
    """The trace with ``fault`` added to its die temperature, rounded again to whole degC.

    A resistance fault adds ``T_die(faulted) - T_die(fitted)``: the fitted
    two-node model run through the trace's own power readings, from its state
    at ``fault.start`` on with the resistance multiplied by ``fault.size``.
    The readings are the measured integers plus that difference, rounded to the
    nearest integer (NVML reports whole degC); an offset or drift is added the
    same way.  Returns the trace as :func:`twin.calibrate.load_trace` reads it.
    """
    data, table, name = load_trace(trace, phases)
    if fault is None:
        return data
    if fault.kind not in FAULT_KINDS:
        raise InputError.one("fault", "kind", repr(fault.kind), f"one of {sorted(FAULT_KINDS)}")
    if fault.kind.startswith("R_") and fault.size <= 0:
        raise InputError.one("fault", "size", f"{fault.size:g}", "a positive multiplier")
    fit = fit_accelerator(data, phases=table) if fit is None else fit
    t = data["t_unix_s"].to_numpy() - float(data["t_unix_s"].iloc[0])
    after = t >= fault.start
    if fault.kind == "offset":
        delta = np.where(after, fault.size, 0.0)
    elif fault.kind == "drift":
        delta = np.where(after, fault.size * (t - fault.start) / 60.0, 0.0)
    else:
        r = readings(data)
        i0 = min(int(np.ceil(fault.start / r.grid_step)), r.grid.size - 1)
        T_die, T_plate = die_response(r, fit.params, fit.T_coolant)
        faulted = replace(fit.params, **{fault.kind: getattr(fit.params, fault.kind) * fault.size})
        T_die_f = die_response(r, faulted, fit.T_coolant, start=i0, state=(T_die[i0], T_plate[i0]))[0]
        diff = np.zeros(r.grid.size)
        diff[i0:] = T_die_f - T_die[i0:]
        delta = diff[np.minimum(np.rint(t / r.grid_step).astype(int), r.grid.size - 1)]
    out = data.copy()
    out["temp_gpu_C"] = np.rint(data["temp_gpu_C"].to_numpy() + delta)
    return out
