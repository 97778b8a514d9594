"""Calibrate the accelerator thermal model to measured telemetry; summarise its power.

The telemetry is a CSV like the bundled NVIDIA H200 trace
(``twin/data/gpu_trace``, see its README): ``t_unix_s`` (s), ``power_instant_mW``
(NVML instantaneous power, refreshed every ~100 ms), ``power_avg_mW`` (NVML
1 s moving average) and ``temp_gpu_C`` (integer degC), with a phase table
(``phase``, ``start_unix_s``, ``end_unix_s``).

Which power the model sees: the instantaneous reading.  The die answers a load
step within one 100 ms refresh (27 -> 41 degC on the first loaded reading),
while the 1 s average is still ramping; fed the average, the measured
temperature leads the model's input and the fit collapses the die capacity to
nothing (validation RMS 3.8 K against 1.3 K).  Each instantaneous reading is
applied over the refresh interval that ends at it (the reading taken as that
interval's mean), which makes the first load step causal and fits better than
holding it forward (fit RMS 0.59 against 0.78 K).  Phases whose load changes
faster than the refresh (the 100 ms duty cycles, the 300 ms training step)
alias in that reading, so they are left out of the default fit and validation.

The coolant (here the host's air or water) temperature is not measured: it is
fitted as a fifth parameter, identifiable because the power swings between
~113 and ~700 W.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.optimize import least_squares

from twin.errors import InputError
from twin.thermal.accelerator import AcceleratorThermal, linear_response, steady_state, time_constants

#: Required trace columns and what each holds.
TRACE_COLUMNS = {
    "t_unix_s": "time (s, Unix epoch)",
    "power_instant_mW": "instantaneous power (mW)",
    "power_avg_mW": "1 s moving-average power (mW)",
    "temp_gpu_C": "GPU temperature (degC)",
}
PHASE_COLUMNS = {"phase": "phase name", "start_unix_s": "start (s, Unix)", "end_unix_s": "end (s, Unix)"}

FIT_PHASES = ("idle0", "sustained", "cooldown", "idle_end")
VALIDATE_PHASES = ("sync_train_2s_70pct", "ckpt_compute1", "ckpt_pause", "ckpt_compute2")
#: Warm idle phases (after the first load), the full-load phase, duty-cycle phases.
IDLE_PHASES = ("cooldown", "ckpt_pause", "idle_end")
SUSTAINED_PHASE = "sustained"
DUTY_PHASES = {0.25: "duty25_100ms", 0.5: "duty50_100ms", 0.75: "duty75_100ms", 1.0: "sustained"}
SYNC_PHASES = ("sync_train_2s_70pct", "sync_train_300ms_67pct")
#: Window of NVML's moving-average power (s).
AVERAGE_WINDOW = 1.0

_PARAMETER_NAMES = ("C_die", "C_plate", "R_die_plate", "R_plate_coolant", "T_coolant")


def _read_csv(source, name: str, columns: dict[str, str], text_columns=()) -> pd.DataFrame:
    if isinstance(source, pd.DataFrame):
        frame = source
    else:
        try:
            frame = pd.read_csv(source, keep_default_na=False)
        except (OSError, pd.errors.ParserError, pd.errors.EmptyDataError) as error:
            raise InputError.one(name, "", f"an unreadable file ({error})", "a CSV file") from None
    converted = []
    for column, meaning in columns.items():
        if column not in frame.columns:
            raise InputError.one(name, column, "no such column", f"a column {column!r} with the {meaning}")
        if column in text_columns:
            continue
        values = pd.to_numeric(frame[column], errors="coerce")
        bad = values.isna().to_numpy()
        if bad.any():
            row = int(np.flatnonzero(bad)[0])
            raise InputError.one(name, column, f"{str(frame[column].iloc[row])!r} in data row {row + 1}",
                                 f"numbers ({meaning})")
        converted.append((column, values))
    if len(frame) == 0:
        raise InputError.one(name, "", "no rows", "at least one data row")
    out = frame[list(columns)].copy()
    for column, values in converted:
        out[column] = values.astype(float)
    return out


def load_trace(trace=None, phases=None) -> tuple[pd.DataFrame, pd.DataFrame, str]:
    """Read and check a telemetry trace and its phase table.

    ``trace`` is a DataFrame, a CSV path, or None for the bundled H200 trace.
    ``phases`` is a DataFrame or path; by default ``phases.csv`` beside the
    trace file (required when ``trace`` is a DataFrame).  Returns
    ``(trace, phases, name)``, the trace sorted by time.
    """
    if trace is None:
        folder = resources.files("twin").joinpath("data/gpu_trace")
        with resources.as_file(folder.joinpath("trace.csv")) as trace_path, \
                resources.as_file(folder.joinpath("phases.csv")) as phase_path:
            return load_trace(trace_path, phase_path if phases is None else phases)
    if isinstance(trace, pd.DataFrame):
        name = "<trace DataFrame>"
        if phases is None:
            raise InputError.one(name, "phases", "no phase table", "a phases DataFrame or CSV path")
    else:
        name = str(trace)
        phases = Path(trace).with_name("phases.csv") if phases is None else phases
    data = _read_csv(trace, name, TRACE_COLUMNS)
    phase_name = "<phases DataFrame>" if isinstance(phases, pd.DataFrame) else str(phases)
    table = _read_csv(phases, phase_name, PHASE_COLUMNS, text_columns=("phase",))
    return data.sort_values("t_unix_s", kind="stable").reset_index(drop=True), table, name


def _phase_mask(t: np.ndarray, table: pd.DataFrame, names, where: str, settle: float = 0.0) -> np.ndarray:
    known = list(table["phase"])
    mask = np.zeros(t.shape, dtype=bool)
    for phase in names:
        if phase not in known:
            raise InputError.one(where, "phase", repr(phase), f"one of {known}")
        row = table.loc[table["phase"] == phase].iloc[0]
        mask |= (t >= row["start_unix_s"] + settle) & (t < row["end_unix_s"])
    return mask


@dataclass(frozen=True)
class Readings:
    """The power readings of a trace and the uniform grid the model is integrated on."""

    rows: np.ndarray  #: boolean, per trace row: a new instantaneous power reading
    t: np.ndarray  #: time of each reading (s, Unix)
    P: np.ndarray  #: instantaneous power of each reading (W)
    T: np.ndarray  #: measured die temperature at each reading (degC, integer)
    grid: np.ndarray  #: uniform integration grid (s, Unix)
    P_grid: np.ndarray  #: power held over each grid step (W): the reading that ends the refresh interval
    at: np.ndarray  #: grid index of each reading
    grid_step: float  #: (s)


def readings(data: pd.DataFrame, grid_step: float = 0.01) -> Readings:
    """The new power readings of a trace (as :func:`load_trace` returns it) on a ``grid_step`` (s) grid.

    Each instantaneous reading is applied over the refresh interval that ends
    at it (see the module docstring).
    """
    t = data["t_unix_s"].to_numpy()
    P_inst = data["power_instant_mW"].to_numpy() / 1e3
    new = np.r_[True, np.diff(P_inst) != 0.0]
    t_read, P_read = t[new], P_inst[new]
    n_grid = int(np.floor((t[-1] - t[0]) / grid_step)) + 1
    grid = t[0] + grid_step * np.arange(n_grid)
    P_grid = P_read[np.minimum(np.searchsorted(t_read, grid, side="right"), t_read.size - 1)]
    at = np.minimum(np.rint((t_read - t[0]) / grid_step).astype(int), n_grid - 1)
    return Readings(new, t_read, P_read, data["temp_gpu_C"].to_numpy()[new], grid, P_grid, at, grid_step)


def die_response(r: Readings, params: AcceleratorThermal, T_coolant: float,
                 start: int = 0, state=None) -> tuple[np.ndarray, np.ndarray]:
    """Die and plate temperature (degC) on the grid of ``r``, from grid index ``start``.

    From the steady state at the first reading unless ``state`` gives
    ``(T_die, T_plate)`` at ``start``; the returned arrays hold that state first.
    """
    P = r.P_grid[start:]
    T_die0, T_plate0 = steady_state(params, P[0], T_coolant) if state is None else state
    T_die, T_plate = linear_response(params, P[:-1], T_coolant, r.grid_step, T_die0, T_plate0)
    return np.r_[T_die0, T_die], np.r_[T_plate0, T_plate]


@dataclass(frozen=True)
class CalibrationResult:
    """Fitted two-node parameters and how well they reproduce the trace."""

    params: AcceleratorThermal  #: fitted capacities and resistances (limits left at defaults)
    T_coolant: float  #: fitted coolant / ambient temperature of the host (degC)
    rms_error_K: float  #: RMS die-temperature error on the validation phases (K)
    max_error_K: float  #: largest absolute error on the validation phases (K)
    fit_rms_error_K: float  #: RMS error on the fit phases (K)
    stderr: dict[str, float]  #: standard errors: C in J/K, R in K/W, T_coolant in K
    tau_fast: float  #: fast time constant (s)
    tau_slow: float  #: slow time constant (s)
    rise_per_W: float  #: steady die rise over the coolant per watt (K/W)
    phase_rms_K: dict[str, float]  #: RMS error per phase of the whole trace (K)
    fit_phases: tuple[str, ...]
    validate_phases: tuple[str, ...]
    n_fit: int  #: readings in the fit
    n_validate: int  #: readings in the validation
    source: str  #: the trace fitted

    def summary(self) -> str:
        """A short human-readable report."""
        p = self.params
        lines = [
            f"Two-node fit of {self.source}",
            f"  fit phases:      {', '.join(self.fit_phases)} ({self.n_fit} readings)",
            f"  validate phases: {', '.join(self.validate_phases)} ({self.n_validate} readings)",
            f"  C_die           = {p.C_die:.4g} J/K   +- {self.stderr['C_die']:.2g}",
            f"  C_plate         = {p.C_plate:.4g} J/K   +- {self.stderr['C_plate']:.2g}",
            f"  R_die_plate     = {p.R_die_plate:.4g} K/W  +- {self.stderr['R_die_plate']:.2g}",
            f"  R_plate_coolant = {p.R_plate_coolant:.4g} K/W  +- {self.stderr['R_plate_coolant']:.2g}",
            f"  T_coolant       = {self.T_coolant:.2f} degC   +- {self.stderr['T_coolant']:.2g} (fitted)",
            f"  time constants  = {self.tau_fast:.3f} s, {self.tau_slow:.2f} s",
            f"  steady rise     = {self.rise_per_W:.4f} K/W ({590 * self.rise_per_W:.1f} K at 590 W)",
            f"  error, fit:        RMS {self.fit_rms_error_K:.2f} K",
            f"  error, validation: RMS {self.rms_error_K:.2f} K, max {self.max_error_K:.2f} K",
            "  RMS by phase (K): " + ", ".join(f"{k} {v:.2f}" for k, v in self.phase_rms_K.items()),
            "  (standard errors assume independent residuals; readings are 1 K integers)",
        ]
        return "\n".join(lines)


def _params(theta: np.ndarray) -> AcceleratorThermal:
    C_die, C_plate, R_dp, R_pc = np.exp(theta[:4])
    return AcceleratorThermal(C_die=float(C_die), C_plate=float(C_plate),
                              R_die_plate=float(R_dp), R_plate_coolant=float(R_pc))


def fit_accelerator(trace=None, *, phases=None, fit_phases=FIT_PHASES, validate_phases=VALIDATE_PHASES,
                    grid_step: float = 0.01) -> CalibrationResult:
    """Fit ``C_die, C_plate, R_die_plate, R_plate_coolant`` and the coolant temperature.

    ``trace``/``phases`` as :func:`load_trace`.  The model is integrated exactly
    over a uniform grid of ``grid_step`` (s) through the whole trace, starting
    from the steady state at the first reading; residuals are taken at each new
    power reading inside the named phases.  Least squares in log parameters
    (``scipy.optimize.least_squares``); standard errors from the Jacobian,
    ``s^2 (J^T J)^-1`` with ``s^2`` the residual variance.
    """
    data, table, name = load_trace(trace, phases)
    r = readings(data, grid_step)
    t, new, P_read, T_read, at = data["t_unix_s"].to_numpy(), r.rows, r.P, r.T, r.at
    fit_mask = _phase_mask(t, table, fit_phases, name)[new]
    val_mask = _phase_mask(t, table, validate_phases, name)[new]
    if not fit_mask.any():
        raise InputError.one(name, "fit_phases", "no readings inside them", "phases that hold readings")

    def model(theta):
        return die_response(r, _params(theta), theta[4])[0][at]

    def residual(theta):
        return model(theta)[fit_mask] - T_read[fit_mask]

    low, high = np.percentile(P_read, [5, 95])
    T_low = np.median(T_read[P_read <= low]) if np.any(P_read <= low) else T_read.min()
    T_high = np.median(T_read[P_read >= high])
    R_total = max((T_high - T_low) / max(high - low, 1.0), 1e-3)
    R_dp0, R_pc0 = 0.75 * R_total, 0.25 * R_total
    theta0 = np.array([np.log(0.3 / R_dp0), np.log(5.0 / R_pc0), np.log(R_dp0), np.log(R_pc0),
                       T_low - low * R_total])
    result = least_squares(residual, theta0, x_scale="jac")
    theta = result.x
    params = _params(theta)

    n, p = result.fun.size, theta.size
    variance = float(result.fun @ result.fun) / max(n - p, 1)
    cov = variance * np.linalg.pinv(result.jac.T @ result.jac)
    se_theta = np.sqrt(np.diag(cov))
    values = np.r_[np.exp(theta[:4]), theta[4]]
    stderr = dict(zip(_PARAMETER_NAMES, np.r_[values[:4] * se_theta[:4], se_theta[4]].tolist()))

    error = model(theta) - T_read
    phase_rms = {}
    for phase in table["phase"]:
        m = _phase_mask(t, table, [phase], name)[new]
        if m.any():
            phase_rms[str(phase)] = float(np.sqrt(np.mean(error[m] ** 2)))
    val_error = error[val_mask] if val_mask.any() else np.array([np.nan])
    tau_fast, tau_slow = time_constants(params)
    return CalibrationResult(
        params=params,
        T_coolant=float(theta[4]),
        rms_error_K=float(np.sqrt(np.mean(val_error**2))),
        max_error_K=float(np.max(np.abs(val_error))),
        fit_rms_error_K=float(np.sqrt(np.mean(error[fit_mask] ** 2))),
        stderr=stderr,
        tau_fast=float(tau_fast),
        tau_slow=float(tau_slow),
        rise_per_W=params.R_die_plate + params.R_plate_coolant,
        phase_rms_K=phase_rms,
        fit_phases=tuple(fit_phases),
        validate_phases=tuple(validate_phases),
        n_fit=int(fit_mask.sum()),
        n_validate=int(val_mask.sum()),
        source=name,
    )


@dataclass(frozen=True)
class PowerStatistics:
    """Power figures read off a trace, for checking workload models (W, s)."""

    P_idle: float  #: mean idle power once warm (W)
    P_sustained: float  #: mean power under sustained full load (W)
    P_duty: dict[float, float]  #: mean power by compute duty cycle (W)
    P_instant_max: float  #: highest instantaneous reading (W)
    sync_period: dict[str, float]  #: training-step period of each sync phase (s)
    sync_compute_fraction: dict[str, float]  #: share of time above mid power in each sync phase (-)
    P_sync: dict[str, float]  #: mean power of each sync phase (W)


def _mean_power(t, P_avg, table, phases, where, settle) -> float:
    return float(P_avg[_phase_mask(t, table, phases, where, settle)].mean())


def trace_power_statistics(trace=None, *, phases=None, settle: float = AVERAGE_WINDOW) -> PowerStatistics:
    """Idle, sustained, per-duty-cycle and training-step figures of a trace.

    Phase means use ``power_avg_mW`` from ``settle`` (s) after each phase start:
    with the default, the 1 s averaging window, every averaged window lies
    inside the phase.  ``settle=0`` keeps the tail of the previous phase (the
    trace README's figures).  Training-step periods come from rising edges of
    the instantaneous power through the mid point between idle and sustained
    power: the span between the first and last edge over the whole number of
    cycles nearest to span / median edge spacing (robust to edges missed at the
    ~100 ms refresh).
    """
    data, table, name = load_trace(trace, phases)
    t = data["t_unix_s"].to_numpy()
    P_avg = data["power_avg_mW"].to_numpy() / 1e3
    P_inst = data["power_instant_mW"].to_numpy() / 1e3
    P_idle = _mean_power(t, P_avg, table, IDLE_PHASES, name, settle)
    P_sustained = _mean_power(t, P_avg, table, [SUSTAINED_PHASE], name, settle)
    P_duty = {duty: _mean_power(t, P_avg, table, [phase], name, settle) for duty, phase in DUTY_PHASES.items()}
    middle = 0.5 * (P_idle + P_sustained)
    period, fraction, P_sync = {}, {}, {}
    for phase in SYNC_PHASES:
        m = _phase_mask(t, table, [phase], name)
        high = P_inst[m] > middle
        edges = t[m][1:][high[1:] & ~high[:-1]]
        if edges.size < 2:
            raise InputError.one(name, f"phase {phase}", f"{edges.size} rising power edges",
                                 "a training phase with at least two steps")
        span = edges[-1] - edges[0]
        cycles = max(int(round(span / np.median(np.diff(edges)))), 1)
        period[phase] = float(span / cycles)
        fraction[phase] = float(high.mean())
        P_sync[phase] = _mean_power(t, P_avg, table, [phase], name, settle)
    return PowerStatistics(P_idle=P_idle, P_sustained=P_sustained, P_duty=P_duty,
                           P_instant_max=float(P_inst.max()), sync_period=period,
                           sync_compute_fraction=fraction, P_sync=P_sync)
