"""Clock alignment: estimate and correct each output tag's clock skew against the twin.

Historian exports from different controllers carry clock offsets of seconds to minutes.  At
a replay step of a minute a tag whose clock is 20 s early lands in the previous step, and
every load step then leaves a residual transient that a detector reads as a fault.

Two corrections, both on the raw timestamps before the replay grids them:

1. Tags sampled at the replay step or more slowly (point samples, one per step) are placed at
   the nearest step (:func:`snap`) rather than in the step their timestamp falls into: a sample
   stamped 5 s before a step belongs to that step, not to the one before.  Tags sampled faster
   keep their timestamps (the step's mean of many samples is what the replay uses).
2. For each output tag, the skew ``s`` (the tag's timestamps minus the true times, within
   +-:data:`MAX_SKEW` s) is the lag that best lines the measured series up with the twin's
   over a training window: the measured series, linearly interpolated between its raw samples,
   is read at ``t + s`` and compared with the twin at ``t``; ``s`` minimises the variance of the
   difference of the two series' step-to-step changes (a scan every :data:`SCAN` s, then
   ``scipy.optimize.minimize_scalar`` bounded around the best).  The twin is the dynamic
   plant's open-loop prediction (:class:`twin.telemetry.estimate.PlantEKF` with no
   measurement update, driven by the measured inputs) for the tags its states predict, and the
   quasi-steady replay for the others (compressor and site powers; their estimate carries the
   plant's lag behind a steady state).  The tag's timestamps are then moved by ``-s``.

The input tags (IT power, weather, set-points) drive the twin and are its clock: an input's
own skew is not estimated (only snapped), and an output's skew is relative to its inputs'.

Validity: the lag is only seen where the series move, i.e. load steps in the training window.
A tag is *not identifiable* when the best lag lowers the objective by less than
:data:`MIN_CONTRAST` of its lowest value at the lags one and two sample intervals (at least a
step) either side, or the best lag sits on the range's bound; it then keeps its timestamps and
the report says so.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from twin.telemetry.sources import Telemetry
from twin.telemetry.tagmap import TagMap

#: Largest skew searched (s).
MAX_SKEW = 120.0
#: Resolution of the first scan (s); the minimiser then refines within +-SCAN of its best.
SCAN = 5.0
#: A lag is identified when it lowers the objective by at least this share of its value a sample interval away.
MIN_CONTRAST = 0.3
#: ``twin telemetry check`` reports a skew at or above this size (s).
REPORT_SKEW = 10.0
#: Training window (s) over which the skews are estimated, by default.
TRAIN = 24 * 3600.0


@dataclass(frozen=True)
class Skew:
    tag: str
    seconds: float  #: estimated skew: the tag's timestamps minus the true times (NaN if not identifiable)
    identifiable: bool
    contrast: float  #: 1 - best objective / lowest objective one or two sample intervals away
    reference: str  #: "dynamic" (the plant's open-loop prediction) or "quasi-steady" (the replay)

    def __str__(self) -> str:
        if not self.identifiable:
            return (f"{self.tag}: clock skew not identifiable (the series and the twin's do not move enough "
                    f"in the training window: contrast {self.contrast:.2f} < {MIN_CONTRAST:g})")
        return (f"{self.tag}: clock {abs(self.seconds):.0f} s {'late' if self.seconds > 0 else 'early'} against "
                f"the twin ({self.reference} reference; timestamps moved by {-self.seconds:+.0f} s)")


def _interval(times: np.ndarray) -> float:
    dt = np.diff(times)
    dt = dt[dt > 0]
    return float(np.median(dt)) if dt.size else float("inf")


def snap(data: Telemetry, tagmap: TagMap, step: float, shifts: dict[str, float] | None = None) -> Telemetry:
    """``data`` with each tag's timestamps moved by ``-shifts[tag]`` s and, for tags sampled at
    ``step`` or more slowly, put on the nearest multiple of ``step``."""
    shifts = shifts or {}
    frame = data.frame.copy()
    times = frame["time"].to_numpy().astype("datetime64[ns]")
    for tag in frame["tag"].unique():
        rows = (frame["tag"] == tag).to_numpy()
        t = times[rows]
        s = shifts.get(tag, 0.0)
        if s == s and s:
            t = t - np.timedelta64(int(round(s * 1e9)), "ns")
        seconds = t.astype(np.int64) / 1e9
        if tag in tagmap.bindings and _interval(np.sort(seconds)) >= step - 1e-9:
            # half a step rounds up for every sample alike (np.round would send halves to even steps,
            # two samples into one step and none into the next)
            t = (np.floor(seconds / step + 0.5) * step * 1e9).astype(np.int64).astype("datetime64[ns]")
        times[rows] = t
    frame["time"] = times
    frame = frame.sort_values("time", kind="stable").reset_index(drop=True)
    return Telemetry(frame, data.source, list(data.notes))


def _references(site, data: Telemetry, tagmap: TagMap, step: float, train: float, model):
    """The twin's series of every output tag over the training window: (time index, {tag: (series, kind)})."""
    from twin.telemetry.estimate import PlantEKF, state_tags
    from twin.telemetry.replay import replay

    t0 = data.frame["time"].min().floor(f"{int(step)}s")
    ds = replay(site, data, tagmap, step=step, start=t0, end=t0 + pd.Timedelta(seconds=train), model=model)
    time = pd.DatetimeIndex(ds["time"].values)
    out = {str(tag): (ds["simulated"].values[:, j], "quasi-steady") for j, tag in enumerate(ds["tag"].values)}
    cols, tags = state_tags(model, ds["variable"].values, ds["component"].values)
    if cols:
        n = len(time)
        ekf = PlantEKF(model, tags, np.ones(len(cols)), step, phi_every=10 ** 9)
        P_it, T_db, T_wb = ds["P_it"].values, ds["T_dry_bulb"].values, ds["T_wet_bulb"].values
        T_set = ds["T_fws_supply_set"].values
        # open loop (no update) against zero "measurements": the innovations are minus the prediction of
        # each row, the state at the end of its step; a sample stamped at a step's start is the state at
        # the end of the step before
        run = ekf.run(P_it, T_db, T_wb, T_set, np.zeros((n, len(cols))), update=False)
        predicted = np.full((n, len(cols)), np.nan)
        predicted[1:] = -run.innovation[:-1]
        for i, j in enumerate(cols):
            out[str(ds["tag"].values[j])] = (predicted[:, i], "dynamic")
    return time, out


def _objective(t_raw: np.ndarray, v_raw: np.ndarray, t_grid: np.ndarray, ref: np.ndarray, gap: float):
    """J(s): variance of the difference between the changes of the measured series read at t + s and the twin's."""
    dref = np.diff(ref)

    def J(s: float) -> float:
        t = t_grid + s
        m = np.interp(t, t_raw, v_raw, left=np.nan, right=np.nan)
        k = np.searchsorted(t_raw, t)  # the raw samples either side must be close (no bridged gap)
        lo, hi = np.clip(k - 1, 0, len(t_raw) - 1), np.clip(k, 0, len(t_raw) - 1)
        m[(t_raw[hi] - t_raw[lo]) > gap] = np.nan
        d = np.diff(m) - dref
        d = d[~np.isnan(d)]
        return float(np.mean((d - d.mean()) ** 2)) if d.size > 10 else np.nan

    return J


def estimate_skews(site, data: Telemetry, tagmap: TagMap, *, step: float = 60.0, train: float = TRAIN,
                   max_skew: float = MAX_SKEW, model=None) -> list[Skew]:
    """Each output tag's clock skew (s) over the first ``train`` seconds of ``data`` (see the module)."""
    from scipy.optimize import minimize_scalar

    from twin.telemetry.model import model_for

    model = model or model_for(site)
    snapped = snap(data, tagmap, step)  # the inputs on their nearest steps: the twin's clock
    time, refs = _references(site, snapped, tagmap, step, train, model)
    t_grid = (time.to_numpy().astype("datetime64[ns]").astype(np.int64) / 1e9)
    end = time[-1] + pd.Timedelta(seconds=step + max_skew)
    out = []
    for b in tagmap.of_role("output"):
        series = data.series(b.tag)
        series = series[~np.isnan(series.to_numpy(dtype=float)) & (series.index <= end)]
        ref, kind = refs.get(b.tag, (None, ""))
        if ref is None or len(series) < 10 or np.all(np.isnan(ref)):
            out.append(Skew(b.tag, np.nan, False, 0.0, kind or "none"))
            continue
        t_raw = series.index.to_numpy().astype("datetime64[ns]").astype(np.int64) / 1e9
        order = np.argsort(t_raw, kind="stable")
        t_raw, v_raw = t_raw[order], b.to_si(series.to_numpy(dtype=float))[order]
        J = _objective(t_raw, v_raw, t_grid, ref, gap=2.5 * max(_interval(t_raw), step))
        lags = np.arange(-max_skew, max_skew + SCAN / 2, SCAN)
        values = np.array([J(s) for s in lags])
        if np.all(np.isnan(values)):
            out.append(Skew(b.tag, np.nan, False, 0.0, kind))
            continue
        i = int(np.nanargmin(values))
        best = minimize_scalar(J, bounds=(max(lags[i] - SCAN, -max_skew), min(lags[i] + SCAN, max_skew)),
                               method="bounded", options={"xatol": 0.1})
        s, j_best = (float(best.x), float(best.fun)) if best.fun <= values[i] else (float(lags[i]), float(values[i]))
        # against the same lag a whole sample interval or two away (the same phase between samples:
        # reading noisy samples between two of them averages their noise, at any lag)
        period = max(_interval(t_raw), step)
        others = np.array([J(s + k * period) for k in (-2, -1, 1, 2)])
        worst = float(np.nanmin(others)) if not np.all(np.isnan(others)) else np.nan
        contrast = 1.0 - j_best / worst if worst > 0 else 0.0
        ok = contrast >= MIN_CONTRAST and abs(s) < max_skew - SCAN
        out.append(Skew(b.tag, s if ok else np.nan, ok, contrast, kind))
    return out


def align(site, data: Telemetry, tagmap: TagMap, *, step: float = 60.0, train: float = TRAIN,
          max_skew: float = MAX_SKEW, model=None) -> tuple[Telemetry, list[Skew]]:
    """``data`` with every identified output tag's timestamps moved by minus its skew and the tags
    sampled at ``step`` or more slowly snapped to the nearest step; and the skews."""
    skews = estimate_skews(site, data, tagmap, step=step, train=train, max_skew=max_skew, model=model)
    shifts = {s.tag: s.seconds for s in skews if s.identifiable}
    return snap(data, tagmap, step, shifts), skews
