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
#: The quantity of a tag from its SI unit (the replay's ``units`` coordinate).
KIND_OF_UNITS = {"degC": "temperature", "1": "dimensionless", "W": "power", "kg/s": "mass_flow"}


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


#: A power or flow tag's spread grows with its reading (a meter's accuracy class is a share of the
#: reading, IEC 62053-22): its residual is scaled by at least this share of the twin's value, the
#: spread of the relative residual over the training steps where the equipment ran (at least the
#: floor above), so that equipment idle in training (trim chillers) does not alarm when it starts.
RUNNING_SHARE = 0.05  #: "ran": the twin's value above this share of its largest in training
#: Chillers stage on and off: the twin's staging has no hysteresis and near a stage boundary the
#: measured inputs' noise moves it by a whole stage from one step to the next.  A compressor power
#: step that changes (twin or measured) by more than this share of the larger value, and the
#: TRANSIENT_STEPS after it, carry no evidence on that tag.
STAGE_CHANGE = 0.2
STAGED = ("P_compressors",)


def _relative_spread(residual: np.ndarray, simulated: np.ndarray, units: str) -> float:
    """Robust spread of residual / |twin| over the steps where the tag's equipment ran (power and
    flow tags; 0 for the others)."""
    kind = KIND_OF_UNITS.get(units, "")
    if kind not in SIGMA_FLOOR_RELATIVE:
        return 0.0
    level = np.abs(simulated)
    top = np.nanmax(level) if np.isfinite(level).any() else 0.0
    ran = np.isfinite(residual) & (level > RUNNING_SHARE * top) & (level > 0)
    rel = residual[ran] / level[ran]
    mad = 1.4826 * np.median(np.abs(rel - np.median(rel))) if rel.size else 0.0
    return float(max(mad, SIGMA_FLOOR_RELATIVE[kind]))


def _sigma(residual: np.ndarray, measured: np.ndarray, units: str) -> float:
    kind = KIND_OF_UNITS.get(units, "")
    r = residual[~np.isnan(residual)]
    mad = 1.4826 * np.median(np.abs(r - np.median(r))) if r.size else 0.0
    floor = SIGMA_FLOOR.get(kind, 0.0) + SIGMA_FLOOR_RELATIVE.get(kind, 0.0) * float(np.nanmean(np.abs(measured)))
    return float(max(mad, floor, 1e-12))


#: A step is a transient when the site's IT power moved by more than this share since the last step.
TRANSIENT_STEP = 0.02
#: ...and this many steps after it (a few minutes: the mains' transport delay and the loop's mixing).
TRANSIENT_STEPS = 3


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
    and ``alarm`` (time, tag), ``transient`` (time: steps at or just after a load step, no evidence);
    returns the Dataset and the alerts (first alarm per tag and direction).
    With ``estimator="ekf"`` the tags the plant's ODE states predict (TCS supply and return, valves,
    facility supply and return, flow, pump power) are followed by the extended Kalman filter of
    :mod:`twin.telemetry.estimate` on the dynamic plant (``model``: the assembled model the replay
    used; default the site's), and their CUSUMs run on its normalised innovations; the other tags
    (compressor and site powers) keep the quasi-steady residual.  Adds ``innovation`` and
    ``innovation_sigma`` (time, tag; NaN on the other tags) and the fitted ``ekf_theta``; with
    ``estimator="ekf-params"`` also ``UA_cdu_multiplier`` (time, group) and ``P_fws_pumps_multiplier``
    (time, loop) with their standard deviations (``*_std``): each CDU bank's UA and each loop's pump
    power over the assembled model's, as the filter estimates them.

    This is :class:`Tracker` fed the whole Dataset at once; ``twin watch`` feeds it as data arrive.
    """
    tracker = Tracker(ds, train=train, k=k, h=h, q_ratio=q_ratio, estimator=estimator, model=model)
    piece, _ = tracker.update(ds.isel(time=slice(tracker.n_train, None)))
    parts = [tracker.head, piece]
    steps = {name: np.concatenate([p[name] for p in parts]) for name in piece}
    out = ds.assign(offset=(("time", "tag"), steps["offset"],
                            {"long_name": "Kalman estimate of the residual offset (SI)"}),
                    cusum_high=(("time", "tag"), steps["cusum_high"]), cusum_low=(("time", "tag"), steps["cusum_low"]),
                    alarm=(("time", "tag"), (steps["cusum_high"] > h) | (steps["cusum_low"] > h)),
                    transient=("time", steps["transient"], {"long_name": "at or just after a load step (no evidence)"}),
                    residual_sigma=("tag", tracker.sigma))
    if tracker.ekf is not None:
        n, T = out.sizes["time"], out.sizes["tag"]
        innovation, spread = np.full((n, T), np.nan), np.full((n, T), np.nan)
        innovation[:, tracker.cols], spread[:, tracker.cols] = steps["innovation"], steps["innovation_sigma"]
        out = out.assign(innovation=(("time", "tag"), innovation, {"long_name": "EKF innovation: measured minus "
                                                                   "the plant state's prediction (SI)"}),
                         innovation_sigma=(("time", "tag"), spread, {"long_name": "EKF innovation's predicted "
                                                                     "spread (SI)"}))
        if estimator == "ekf-params":
            out = out.assign(**_parameter_variables(tracker.ekf, steps["x"], steps["P_diag"]))
        out.attrs["ekf_theta"] = tracker.ekf.theta
    out.attrs.update(cusum_k=k, cusum_h=h, training_s=float(train), estimator=estimator)
    return out, sorted(tracker.alerts, key=lambda a: a.detected)


class Tracker:
    """The filter and CUSUMs of :func:`track` one piece of replay at a time (``twin watch``).

    Built from a replay Dataset whose first ``train`` seconds set the reference (each tag's residual
    median and spread; with the EKF its noise scale and its innovations' centre and spread); those
    steps are tracked at once (:attr:`head`).  :meth:`update` then takes the replay of the steps
    that follow, in order and in pieces of any length: fed the same steps, the pieces give what one
    :func:`track` over all of them gives (``tests/telemetry/test_online.py``).  It keeps only the
    filters' state (the CUSUMs, the offsets, the EKF's state and covariance, the last load), so a
    step costs the same after a week as after a day.
    """

    def __init__(self, ds: xr.Dataset, *, train: float = 24 * 3600, k: float = K_REF, h: float = H_ALARM,
                 q_ratio: float = 1e-3, estimator: str = "offset", model=None):
        if estimator not in ESTIMATORS:
            from twin.errors import InputError

            raise InputError.one("track", "estimator", repr(estimator), " or ".join(map(repr, ESTIMATORS)))
        self.k, self.h, self.estimator = k, h, estimator
        self.n_train, self.mu, self.sigma = _reference(ds, train)
        self.n_train = min(self.n_train, ds.sizes["time"])
        r, sim = ds["residual"].values[:self.n_train], ds["simulated"].values[:self.n_train]
        self.rho = np.array([_relative_spread(r[:, j], sim[:, j], str(u)) for j, u in enumerate(ds["units"].values)])
        head = ds.isel(time=slice(0, self.n_train))
        self.tags = [str(t) for t in ds["tag"].values]
        self.meta = [(str(v), str(c), str(u)) for v, c, u in zip(ds["variable"].values, ds["component"].values,
                                                                   ds["units"].values)]
        T = len(self.tags)
        self.s_hi, self.s_lo = [0.0] * T, [0.0] * T
        self.b, self.P = [float(m) for m in self.mu], [float(s) ** 2 for s in self.sigma]
        self.R, self.Q = list(self.P), [q_ratio * float(s) ** 2 for s in self.sigma]
        #: per tag and side: whether the CUSUM stood at zero at the last step, and the time it left zero
        self.zero = [[False, False] for _ in range(T)]
        self.left = [[None, None] for _ in range(T)]
        self.alerts: list[Alert] = []
        self.steps = 0
        # load steps: against the site's mean IT power over the training window
        P_site = head["P_it"].sum("group", skipna=False).values if "P_it" in head else None
        self.P_mean = float(np.nanmean(P_site)) if P_site is not None and np.isfinite(P_site).any() else np.nan
        self.P_last = np.nan  # the last known site IT power
        self.recent = [False] * TRANSIENT_STEPS  # load-step flags of the previous steps, newest first
        self.staged = np.flatnonzero([m[0] in STAGED for m in self.meta])  # the chiller plants' power tags
        self.last_values = np.full((2, self.staged.size), np.nan)  # their twin and measured value, last step
        self.stage_left = np.zeros(self.staged.size, dtype=int)  # steps each stays masked
        self.ekf, self.cols, self.carry = None, [], None
        run = None
        if estimator in ("ekf", "ekf-params"):
            run = self._start_ekf(head, model, parameters=estimator == "ekf-params")
        self.head, _ = self.update(head, run)

    # -- the EKF ------------------------------------------------------------------------------------
    def _ekf_inputs(self, ds: xr.Dataset):
        n = ds.sizes["time"]
        T_set = (ds["T_fws_supply_set"].values if "T_fws_supply_set" in ds
                 else np.broadcast_to(self.ekf.model.loops.T_set, (n, len(self.ekf.model.loops.names))))
        return (ds["P_it"].values, ds["T_dry_bulb"].values, ds["T_wet_bulb"].values, T_set,
                ds["measured"].values[:, self.cols])

    def _start_ekf(self, head: xr.Dataset, model, parameters: bool):
        """The EKF over the tags the plant's states predict, its noise scale fitted on the training
        window, run over that window; None when there is no such tag."""
        from twin.telemetry.estimate import PlantEKF, fit_q, state_tags
        from twin.telemetry.model import model_for

        if model is None:
            from twin.site import load_site

            model = model_for(load_site(head.attrs["site"]))
        cols, tags = state_tags(model, head["variable"].values, head["component"].values)
        if not cols:
            return None
        step = float(head.attrs["step_s"])
        self.cols = cols
        self.ekf = PlantEKF(model, tags, self.sigma[cols], step, phi_every=max(1, int(EKF_PHI_EVERY_S // step)),
                            ua=parameters, pumps=parameters)
        u = self._ekf_inputs(head)
        fit_q(self.ekf, *u, steps=min(self.n_train, int(EKF_FIT_HOURS * 3600 / self.ekf.dt)))
        run = self.ekf.run(*u, keep_P=parameters)
        e = run.innovation / run.sigma
        self.centre = np.nanmedian(e, axis=0)
        self.scale = 1.4826 * np.nanmedian(np.abs(e - self.centre), axis=0)
        return run

    # -- a piece of replay --------------------------------------------------------------------------
    def _transient(self, P_site: np.ndarray) -> np.ndarray:
        """Steps at and up to TRANSIENT_STEPS after a load step of more than TRANSIENT_STEP of the mean
        IT power; a step without the site's IT power is one, and the next step with it is compared
        with the last power known before the gap."""
        out = np.zeros(len(P_site), dtype=bool)
        for i, p in enumerate(P_site.tolist()):
            previous = p if self.steps + i == 0 else self.P_last
            jump = (p != p) or abs(p - previous) > TRANSIENT_STEP * self.P_mean
            out[i] = jump or any(self.recent)
            self.recent = [jump] + self.recent[:-1]
            if p == p:
                self.P_last = p
        return out

    def _staging(self, ds: xr.Dataset) -> np.ndarray:
        """(time, staged tag): steps at or up to TRANSIENT_STEPS after a stage change of a chiller plant."""
        values = np.stack([ds["simulated"].values[:, self.staged], ds["measured"].values[:, self.staged]])
        out = np.zeros(values.shape[1:], dtype=bool)
        for i in range(values.shape[1]):
            now, last = values[:, i], self.last_values
            larger = np.maximum(np.abs(now), np.abs(last))
            change = np.abs(np.nan_to_num(now - last)) > STAGE_CHANGE * larger
            self.stage_left = np.where(change.any(0), TRANSIENT_STEPS + 1, self.stage_left)
            out[i] = self.stage_left > 0
            self.stage_left = np.maximum(self.stage_left - 1, 0)
            self.last_values = np.where(np.isnan(now), last, now)
        return out

    def update(self, ds: xr.Dataset, run=None) -> tuple[dict, list[Alert]]:
        """Track the replay steps ``ds`` (the steps after the last one fed).  Returns each step's
        ``offset``, ``cusum_high``, ``cusum_low`` (time, tag), ``transient`` (time), with the EKF
        ``innovation``, ``innovation_sigma`` (time, EKF tag), ``x`` and ``P_diag`` (time, state), and
        the alerts raised in these steps."""
        n, T = ds.sizes["time"], len(self.tags)
        r = ds["residual"].values
        spread = np.maximum(self.sigma, self.rho * np.nan_to_num(np.abs(ds["simulated"].values)))
        z = np.clip((r - self.mu) / spread, -4.0, 4.0)  # one wild sample moves a CUSUM by at most 4 sigma
        out = {}
        if self.ekf is not None:
            if run is None:
                run = self.ekf.run(*self._ekf_inputs(ds), keep_P=self.estimator == "ekf-params", carry=self.carry)
            self.carry = run.carry
            # the filter's own predicted spread (R with the sensor floors, plus the state's) is the floor
            z[:, self.cols] = np.clip((run.innovation / run.sigma - self.centre) / np.maximum(self.scale, 1.0),
                                      -4.0, 4.0)
            out.update(innovation=run.innovation, innovation_sigma=run.sigma, x=run.x,
                       P_diag=run.P_diag if run.P_diag is not None else np.empty((n, 0)))
        # the replay is quasi-steady: the steps around a load step (restart, checkpoint) are transients
        P_site = ds["P_it"].sum("group", skipna=False).values if "P_it" in ds else np.full(n, np.nan)
        transient = self._transient(P_site) if self.P_mean == self.P_mean else np.zeros(n, dtype=bool)
        skip = transient | ds["input_held"].values if "input_held" in ds else transient
        z[skip] = np.nan  # an input carried over a gap may be stale: no evidence either way
        if self.staged.size:
            z[:, self.staged] = np.where(self._staging(ds), np.nan, z[:, self.staged])
        time = list(pd.DatetimeIndex(ds["time"].values))
        hi, lo, offset = np.empty((n, T)), np.empty((n, T)), np.empty((n, T))
        s_hi, s_lo, b, P, R, Q, k, h = self.s_hi, self.s_lo, self.b, self.P, self.R, self.Q, self.k, self.h
        zeros, left, alerts = self.zero, self.left, []
        seen = {(a.tag, a.direction) for a in self.alerts}
        for i, (zi, ri) in enumerate(zip(z.tolist(), r.tolist())):  # plain floats: ~10x faster than array steps
            t = time[i]
            for j in range(T):
                x = zi[j]
                if x == x:
                    s_hi[j] = max(0.0, s_hi[j] + x - k)
                    s_lo[j] = max(0.0, s_lo[j] - x - k)
                # Kalman filter, local level: measurement variance R = sigma^2, process noise Q = q_ratio * R
                P[j] += Q[j]
                y = ri[j]
                if y == y:
                    gain = P[j] / (P[j] + R[j])
                    b[j] += gain * (y - b[j])
                    P[j] *= 1 - gain
                for side, value in enumerate((s_hi[j], s_lo[j])):
                    if left[j][side] is None or zeros[j][side]:
                        left[j][side] = t  # the fault's start: the step after the CUSUM was last zero
                    zeros[j][side] = value == 0.0
                    if value > h and self.steps + i >= self.n_train:
                        direction = ("high", "low")[side]
                        if (self.tags[j], direction) not in seen:
                            seen.add((self.tags[j], direction))
                            variable, component, units = self.meta[j]
                            alerts.append(Alert(self.tags[j], variable, component, left[j][side], t, direction,
                                                b[j] - float(self.mu[j]), units))
            hi[i], lo[i], offset[i] = s_hi, s_lo, b
        self.steps += n
        self.alerts += alerts
        out.update(offset=offset, cusum_high=hi, cusum_low=lo, transient=transient)
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
    tracker = Tracker(ds, train=train, estimator="ekf", model=model)
    if tracker.ekf is None:
        from twin.errors import InputError

        raise InputError.one(ds.attrs.get("source", "telemetry"), "tags", "none the plant's ODE states predict",
                             "TCS supply or return, valve, facility supply or return, flow or pump power tags")
    piece, _ = tracker.update(ds.isel(time=slice(tracker.n_train, None)))
    x = np.concatenate([tracker.head["x"], piece.get("x", np.empty((0, tracker.ekf.size)))])
    return tracker.ekf.plant_state(x[at])


def _parameter_variables(ekf, x: np.ndarray, P_diag: np.ndarray) -> dict:
    """The banks' UA and the loops' pump power multipliers with their standard deviations, as (time,
    group) and (time, loop) variables (NaN on groups without a CDU)."""
    n, G = len(x), len(ekf.model.groups.names)
    out = {}
    for name, dim, where, part, what in (
            ("UA_cdu_multiplier", "group", ekf.liquid, slice(ekf.n, ekf.n + ekf.n_ua), "CDU bank UA"),
            ("P_fws_pumps_multiplier", "loop", slice(None), slice(ekf.n + ekf.n_ua, ekf.size), "facility pump power")):
        value = np.full((n, G if dim == "group" else ekf.L), np.nan)
        std = value.copy()
        value[:, where], std[:, where] = x[:, part], np.sqrt(P_diag[:, part])
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
        elif a.variable == "P_cooling" and a.direction == "high":
            what = ("cooling plant: drawing more than the twin for the same heat (chillers below their curve, "
                    "fans or pumps off theirs; read the plant's own tags)")
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
