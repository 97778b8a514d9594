"""Tracking and fault detection on replay residuals.

For every output tag the residual r = measured - twin is followed by a Kalman
filter on a local-level model (the tag's slowly varying offset b:
b[k] = b[k-1] + w, r[k] = b[k] + v), which keeps the twin's estimate of that
output on the measured value as data arrives, and by a two-sided CUSUM
(Page 1954; Montgomery, *Introduction to Statistical Quality Control*, 9.1) on the
residual standardised with its mean and spread over a fault-free training
window.  An alarm is raised when a CUSUM passes ``h``; the fault's start is
estimated as the last step at which that CUSUM was zero.

The filter's states are the residual offsets of the measured outputs, not the
plant's ODE states (the replay is quasi-steady): a drift, fouling or a pump or
chiller off its curve shows as a persistent offset on the tags it touches,
and the pattern of tags names the likely fault (:func:`diagnose`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import xarray as xr

#: CUSUM reference (in standard deviations) and decision interval.  With k = 0.5, h = 15 the
#: in-control average run length of a white Gaussian residual is ~2e7 steps per side
#: (Siegmund's approximation), so false alarms come from what is not white noise
#: (transients, quantisation, skew); the tests measure the rate on fault-free weeks.
K_REF = 0.5
H_ALARM = 15.0
#: Spread floors (SI) by quantity: sensor class and historian quantisation.
SIGMA_FLOOR = {"temperature": 0.05, "dimensionless": 0.005}
SIGMA_FLOOR_RELATIVE = {"power": 0.005, "mass_flow": 0.005}


@dataclass(frozen=True)
class Alert:
    tag: str
    variable: str
    component: str
    start: pd.Timestamp  #: estimated start of the fault (UTC)
    detected: pd.Timestamp  #: when the CUSUM passed its threshold (UTC)
    direction: str  #: "high" (measured above the twin) or "low"
    offset: float  #: filter's offset estimate at detection (SI)
    units: str

    def __str__(self) -> str:
        return (f"{self.detected:%Y-%m-%d %H:%M} UTC: {self.tag} ({self.component}.{self.variable}) reads "
                f"{self.direction} by {abs(self.offset):.3g} {self.units} since about {self.start:%Y-%m-%d %H:%M} UTC")


def _sigma(residual: np.ndarray, measured: np.ndarray, units: str) -> float:
    kind = {"degC": "temperature", "1": "dimensionless", "W": "power", "kg/s": "mass_flow"}.get(units, "")
    r = residual[~np.isnan(residual)]
    mad = 1.4826 * np.median(np.abs(r - np.median(r))) if r.size else 0.0
    floor = SIGMA_FLOOR.get(kind, 0.0) + SIGMA_FLOOR_RELATIVE.get(kind, 0.0) * float(np.nanmean(np.abs(measured)))
    return float(max(mad, floor, 1e-12))


#: A step is a transient when the site's IT power moved by more than this share since the last step.
TRANSIENT_STEP = 0.02
#: ...and this many steps after it (a few minutes: the mains' transport delay and the loop's mixing).
TRANSIENT_STEPS = 3


def _transients(ds: xr.Dataset) -> np.ndarray:
    """Steps (time,) at and just after a load step larger than TRANSIENT_STEP of the mean IT power.

    A step without the site's IT power is a transient, and the next step with it is compared
    with the last power known before the gap.
    """
    if "P_it" not in ds:
        return np.zeros(ds.sizes["time"], dtype=bool)
    P = ds["P_it"].sum("group", skipna=False).values  # a group without power is no site power
    previous = pd.Series(P).ffill().shift(1).to_numpy(copy=True)  # the last known site power before each step
    previous[0] = P[0]
    jump = np.isnan(P) | (np.abs(P - previous) > TRANSIENT_STEP * np.nanmean(P))
    out = jump.copy()
    for lag in range(1, TRANSIENT_STEPS + 1):
        out[lag:] |= jump[:-lag]
    return out


#: Trackers: "offset" (a local-level filter per tag on the quasi-steady replay's residual), "ekf"
#: (the extended Kalman filter on the plant's ODE states, :mod:`twin.telemetry.estimate`) and
#: "ekf-params" (the same with each CDU bank's UA and each loop's pump power multipliers as states:
#: fouling shows as a UA falling, a worn pump as its multiplier rising).
ESTIMATORS = ("offset", "ekf", "ekf-params")
#: Hours of the training window over which the EKF's process-noise scale is fitted.
EKF_FIT_HOURS = 1.0
#: The EKF's transition matrix is recomputed every this many seconds of data (at least every step).
EKF_PHI_EVERY_S = 300.0


def track(ds: xr.Dataset, *, train: float = 24 * 3600, k: float = K_REF, h: float = H_ALARM,
          q_ratio: float = 1e-3, estimator: str = "offset", model=None) -> tuple[xr.Dataset, list[Alert]]:
    """Run the filter and the CUSUMs over a replay Dataset; the first ``train`` seconds set the reference.

    Adds ``offset`` (Kalman estimate of each tag's residual offset), ``cusum_high``/``cusum_low``
    and ``alarm`` (time, tag); returns the Dataset and the alerts (first alarm per tag and direction).
    With ``estimator="ekf"`` the tags the plant's ODE states predict (TCS supply and return, valves,
    facility supply and return, flow, pump power) are followed by the extended Kalman filter of
    :mod:`twin.telemetry.estimate` on the dynamic plant (``model``: the assembled model the replay
    used; default the site's), and their CUSUMs run on its normalised innovations; the other tags
    (compressor and site powers) keep the quasi-steady residual.  Adds ``innovation`` and
    ``innovation_sigma`` (time, tag; NaN on the other tags) and the fitted ``ekf_theta``; with
    ``estimator="ekf-params"`` also ``UA_cdu_multiplier`` (time, group) and ``P_fws_pumps_multiplier``
    (time, loop) with their standard deviations (``*_std``): each CDU bank's UA and each loop's pump
    power over the assembled model's, as the filter estimates them.
    """
    if estimator not in ESTIMATORS:
        from twin.errors import InputError

        raise InputError.one("track", "estimator", repr(estimator), " or ".join(map(repr, ESTIMATORS)))
    r = ds["residual"].values
    time = pd.DatetimeIndex(ds["time"].values)
    n, T = r.shape
    n_train, mu, sigma = _reference(ds, train)
    z = np.clip((r - mu) / sigma, -4.0, 4.0)  # one wild sample moves a CUSUM by at most 4 sigma
    extra = {}
    if estimator in ("ekf", "ekf-params"):
        z, extra = _ekf_scores(ds, model, sigma, n_train, z, parameters=estimator == "ekf-params")
    # the replay is quasi-steady: the steps around a load step (restart, checkpoint) are transients
    transient = _transients(ds)
    if "input_held" in ds:  # an input carried over a gap may be stale: no evidence either way
        transient |= ds["input_held"].values
    z[transient] = np.nan
    hi, lo, offset = np.zeros((n, T)), np.zeros((n, T)), np.full((n, T), np.nan)
    for j in range(T):  # scalar recursions per tag (plain floats: ~10x faster than array steps)
        hi[:, j], lo[:, j] = _cusum(z[:, j].tolist(), k)
        # Kalman filter, local level: measurement variance R = sigma^2, process noise Q = q_ratio * R
        offset[:, j] = _local_level(r[:, j].tolist(), float(mu[j]), float(sigma[j]) ** 2, q_ratio)
    alarm = (hi > h) | (lo > h)
    alerts = []
    for j, tag in enumerate(ds["tag"].values):
        for series, direction in ((hi[:, j], "high"), (lo[:, j], "low")):
            over = np.flatnonzero(series[n_train:] > h)
            if over.size == 0:
                continue
            d = n_train + int(over[0])
            zeros = np.flatnonzero(series[:d] == 0)
            s = int(zeros[-1]) + 1 if zeros.size else 0
            alerts.append(Alert(str(tag), str(ds["variable"].values[j]), str(ds["component"].values[j]),
                                time[min(s, n - 1)], time[d], direction, float(offset[d, j] - mu[j]),
                                str(ds["units"].values[j])))
    alerts.sort(key=lambda a: a.detected)
    out = ds.assign(offset=(("time", "tag"), offset, {"long_name": "Kalman estimate of the residual offset (SI)"}),
                    cusum_high=(("time", "tag"), hi), cusum_low=(("time", "tag"), lo),
                    alarm=(("time", "tag"), alarm), residual_sigma=("tag", sigma))
    theta = extra.pop("theta", None)
    out = out.assign(**extra)
    out.attrs.update(cusum_k=k, cusum_h=h, training_s=float(train), estimator=estimator)
    if theta is not None:
        out.attrs["ekf_theta"] = theta
    return out, alerts


def _reference(ds: xr.Dataset, train: float) -> tuple[int, np.ndarray, np.ndarray]:
    """Steps of the training window, and each tag's residual median and spread over it."""
    r, m = ds["residual"].values, ds["measured"].values
    n_train = max(int(train / ds.attrs["step_s"]), 2)
    mu = np.nanmedian(r[:n_train], axis=0)
    mu = np.where(np.isnan(mu), 0.0, mu)
    sigma = np.array([_sigma(r[:n_train, j], m[:n_train, j], str(u)) for j, u in enumerate(ds["units"].values)])
    return n_train, mu, sigma


def estimated_state(ds: xr.Dataset, *, train: float = 24 * 3600, model=None, at: int = -1):
    """The plant's ODE state as the EKF of ``track(ds, estimator="ekf", train=train)`` estimates it at
    step ``at`` of the replay Dataset ``ds`` (default its last): a
    :class:`twin.simulation.plant.PlantState` for ``twin.simulate(..., initial_state=...)``.  One
    InputError line when no tag of ``ds`` is one the plant's states predict."""
    n_train, _, sigma = _reference(ds, train)
    filtered = _ekf_filter(ds, model, sigma, n_train)
    if filtered is None:
        from twin.errors import InputError

        raise InputError.one(ds.attrs.get("source", "telemetry"), "tags", "none the plant's ODE states predict",
                             "TCS supply or return, valve, facility supply or return, flow or pump power tags")
    ekf, run, _ = filtered
    return ekf.plant_state(run.x[at])


def _ekf_filter(ds: xr.Dataset, model, sigma: np.ndarray, n_train: int, parameters: bool = False):
    """The EKF over the replay's tags the plant's states predict, its noise scale fitted on the training
    window: (filter, its run, the tags' columns), or None when there is no such tag."""
    from twin.telemetry.estimate import PlantEKF, fit_q, state_tags
    from twin.telemetry.model import model_for

    if model is None:
        from twin.site import load_site

        model = model_for(load_site(ds.attrs["site"]))
    cols, tags = state_tags(model, ds["variable"].values, ds["component"].values)
    if not cols:
        return None
    n = ds.sizes["time"]
    P_it = ds["P_it"].values
    T_db, T_wb = ds["T_dry_bulb"].values, ds["T_wet_bulb"].values
    T_set = (ds["T_fws_supply_set"].values if "T_fws_supply_set" in ds
             else np.broadcast_to(model.loops.T_set, (n, len(model.loops.names))))
    measured = ds["measured"].values[:, cols]
    step = float(ds.attrs["step_s"])
    ekf = PlantEKF(model, tags, sigma[cols], step, phi_every=max(1, int(EKF_PHI_EVERY_S // step)),
                   ua=parameters, pumps=parameters)
    fit_q(ekf, P_it, T_db, T_wb, T_set, measured, steps=min(n_train, n, int(EKF_FIT_HOURS * 3600 / ekf.dt)))
    run = ekf.run(P_it, T_db, T_wb, T_set, measured, keep_P=parameters)
    return ekf, run, cols


def _ekf_scores(ds: xr.Dataset, model, sigma: np.ndarray, n_train: int, z: np.ndarray,
                parameters: bool = False) -> tuple[np.ndarray, dict]:
    """CUSUM scores of the tags the EKF follows: its innovations over their predicted spread, centred
    by their median over the training window and scaled by their spread there (at least 1, the
    filter's own prediction); other tags keep ``z``."""
    filtered = _ekf_filter(ds, model, sigma, n_train, parameters)
    if filtered is None:
        return z, {}
    ekf, run, cols = filtered
    model = ekf.model
    n, T = z.shape
    innovation, spread = np.full((n, T), np.nan), np.full((n, T), np.nan)
    e = run.innovation / run.sigma
    centre = np.nanmedian(e[:n_train], axis=0)
    scale = 1.4826 * np.nanmedian(np.abs(e[:n_train] - centre), axis=0)
    z = z.copy()
    # the filter's own predicted spread (R with the sensor floors, plus the state's) is the floor
    z[:, cols] = np.clip((e - centre) / np.maximum(scale, 1.0), -4.0, 4.0)
    innovation[:, cols], spread[:, cols] = run.innovation, run.sigma
    return z, {"innovation": (("time", "tag"), innovation, {"long_name": "EKF innovation: measured minus the "
                                                            "plant state's prediction (SI)"}),
               "innovation_sigma": (("time", "tag"), spread, {"long_name": "EKF innovation's predicted spread (SI)"}),
               "theta": ekf.theta, **(_parameter_variables(model, ekf, run) if parameters else {})}


def _parameter_variables(model, ekf, run) -> dict:
    """The banks' UA and the loops' pump power multipliers with their standard deviations, as (time,
    group) and (time, loop) variables (NaN on groups without a CDU)."""
    n, G = len(run.x), len(model.groups.names)
    out = {}
    for name, dim, where, part, what in (
            ("UA_cdu_multiplier", "group", ekf.liquid, slice(ekf.n, ekf.n + ekf.n_ua), "CDU bank UA"),
            ("P_fws_pumps_multiplier", "loop", slice(None), slice(ekf.n + ekf.n_ua, ekf.size), "facility pump power")):
        value = np.full((n, G if dim == "group" else ekf.L), np.nan)
        std = value.copy()
        value[:, where], std[:, where] = run.x[:, part], np.sqrt(run.P_diag[:, part])
        out[name] = ((("time", dim)), value, {"units": "1", "long_name": f"{what} over the assembled model's, "
                                                                        "as the EKF estimates it"})
        out[name + "_std"] = (("time", dim), std, {"units": "1", "long_name": "its standard deviation"})
    return out


def _cusum(z: list[float], k: float) -> tuple[list[float], list[float]]:
    s_hi = s_lo = 0.0
    hi, lo = [], []
    for x in z:
        if x == x:
            s_hi = max(0.0, s_hi + x - k)
            s_lo = max(0.0, s_lo - x - k)
        hi.append(s_hi)
        lo.append(s_lo)
    return hi, lo


def _local_level(r: list[float], b: float, R: float, q_ratio: float) -> list[float]:
    P, Q, out = R, q_ratio * R, []
    for x in r:
        P += Q
        if x == x:
            gain = P / (P + R)
            b += gain * (x - b)
            P *= 1 - gain
        out.append(b)
    return out


def diagnose(alerts: list[Alert]) -> list[str]:
    """The likely fault behind each group of alerts, one line each (a hint for the engineer, not a verdict)."""
    lines = []
    for a in alerts:
        if a.variable in ("valve", "T_tcs_supply", "T_tcs_return") and a.direction == "high":
            what = f"CDU bank of {a.component}: fouled heat exchanger or a valve stuck/hunting"
        elif a.variable == "valve" and a.direction == "low":
            what = f"CDU valve of {a.component}: stuck partly closed"
        elif a.variable == "P_compressors" and a.direction == "high":
            what = f"chillers of {a.component}: running below their curve (more power for the heat)"
        elif a.variable == "P_fws_pumps":
            what = f"facility pumps of {a.component}: off their curve (a tripped duty pump, wear, a closed valve)"
        elif a.variable == "T_fws_supply" and a.direction == "high":
            what = f"plant of {a.component}: short of capacity (tripped units?)"
        elif a.variable == "m_flow_fws":
            what = f"facility flow of {a.component}: valves or pumps away from the twin's"
        else:
            what = f"sensor {a.tag}: drift or offset (no other tag confirms a plant change)"
        lines.append(f"{a} -> {what}")
    return lines
