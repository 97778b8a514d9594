"""IT power profiles of AI workloads, as fractions of rack peak power (0-1).

Every profile offers the same three calls:

``profile.block(t0, n_steps, dt, n_racks, rng, out=None)``
    an ``(n_steps, n_racks)`` array: each rack's mean power fraction over the
    steps ``[t0 + i*dt, t0 + (i+1)*dt)``.  A long run is generated block by block
    (an hour of 7,640 racks at 1 s is 27.5 M values), never all at once, into
    one reused ``out`` array; its cost per step does not grow with ``t0``.
``profile.site_fraction(times_s)``
    the same quantity for all racks together (per-rack jitter averaged out
    analytically), over the intervals ``[t_i, t_{i+1})``; cheap enough for a year
    hourly or a day at 1 s.  Interval means keep energy right at any step size: an
    hourly series is not an alias of the 4 s iteration cycle.
``profile.mean_fraction()``
    the long-run expectation, from the parameters alone.

Times are seconds from the start of the simulation (t = 0 is also local midnight
for daily patterns).  Rack fraction ``f`` and GPU fraction ``g`` (GPU power over
TDP) are related by the non-GPU baseline ``b`` (CPUs, NICs, switches, fans, all
assumed constant): ``f = b + (1 - b) g`` (:func:`rack_fraction`,
:func:`gpu_fraction`).

Training profile recipe: research/sites.md section 6 (synthetic trace table).
Iteration swings: Choukse et al., "Power Stabilization for AI Training
Datacenters", arXiv 2508.14318 (2025).  Interruptions (one every ~3 h on 16k
GPUs): Meta, "The Llama 3 Herd of Models" (2024).  Power floor and ramp limits:
NVIDIA, "How New GB300 NVL72 Features Provide Steady Power for AI" (2025).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache
from typing import Protocol

import numpy as np

from twin.compiled import kernel as compiled_kernel
from twin.errors import InputError, Problem

_SOURCE = "workload profile"
#: Per-rack jitter is drawn from equally likely values at most this far apart (s).
_JITTER_RESOLUTION = 1e-3
#: Iterations whose per-rack jitter is drawn together (one generator per chunk).
_JITTER_CHUNK = 64
#: Restart events drawn per generator call.
_RESTART_CHUNK = 256
_DAY = 86400.0


class Profile(Protocol):
    """What the simulation needs from a workload profile."""

    def block(self, t0: float, n_steps: int, dt: float, n_racks: int, rng: np.random.Generator,
              out: np.ndarray | None = None) -> np.ndarray: ...

    def site_fraction(self, times_s: np.ndarray) -> np.ndarray: ...

    def mean_fraction(self) -> float: ...


def rack_fraction(gpu_fraction, baseline_fraction: float):
    """Rack power over rack peak from GPU power over TDP: ``b + (1 - b) g``."""
    return baseline_fraction + (1.0 - baseline_fraction) * np.asarray(gpu_fraction, dtype=float)


def gpu_fraction(rack_fraction, baseline_fraction: float):
    """GPU power over TDP from rack power over rack peak (inverse of :func:`rack_fraction`)."""
    return (np.asarray(rack_fraction, dtype=float) - baseline_fraction) / (1.0 - baseline_fraction)


def _raise_problems(checks: list[tuple[bool, str, object, str]]) -> None:
    problems = [Problem(_SOURCE, field, str(found), expected) for ok, field, found, expected in checks if not ok]
    if problems:
        raise InputError(problems)


def _intervals(times_s) -> tuple[np.ndarray, np.ndarray]:
    """Start times and lengths of the intervals ``[t_i, t_{i+1})``; the last repeats the previous length."""
    t = np.asarray(times_s, dtype=float)
    if t.ndim != 1 or t.size < 2 or not np.all(np.diff(t) > 0):
        raise InputError.one(_SOURCE, "times_s", f"{t.size} times" if t.ndim == 1 else f"shape {t.shape}",
                             "at least two strictly increasing times in s")
    step = np.diff(t)
    return t, np.append(step, step[-1])


def _interval_means(x: np.ndarray, y: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Mean over ``[a, b]`` of the piecewise-linear function through ``(x, y)`` (constant outside)."""
    cumulative = np.concatenate(([0.0], np.cumsum(np.diff(x) * (y[1:] + y[:-1]) / 2)))

    def integral(t):
        j = np.clip(np.searchsorted(x, t, side="right") - 1, 0, x.size - 2)
        return cumulative[j] + (t - x[j]) * (y[j] + np.interp(t, x, y)) / 2

    return (integral(b) - integral(a)) / (b - a)


def _ramp(phi, e):
    """Integral of a unit ramp of width ``e`` centred on 0 (0 before, 1 after), from -e/2 to phi."""
    u = np.maximum(phi + e / 2, 0.0)
    v = np.maximum(phi - e / 2, 0.0)
    return (u * u - v * v) / (2 * e)


def _ramp_integral(phi, e):
    """Integral of :func:`_ramp` from -e/2 to phi."""
    u = np.maximum(phi + e / 2, 0.0)
    v = np.maximum(phi - e / 2, 0.0)
    return (u**3 - v**3) / (6 * e)


class _RestartSequence:
    """Restart failures and idle times drawn so far, and the generator to draw more."""

    def __init__(self, rng: np.random.Generator, origin: float):
        self.rng, self.start = rng, origin
        self.failure, self.idle = np.empty(0), np.empty(0)


#: Steps of the envelope windows a block's levels are sliced from (an hour at 1 s).
_LEVEL_WINDOW = 3600
#: Envelope windows (level, swing) by profile, step and window number (a few kept).
_LEVEL_WINDOWS: dict[tuple, tuple[np.ndarray, np.ndarray]] = {}

#: Restart sequences by parameter set (a few kept; a year of 550k GPUs is ~100k restarts).
_RESTART_SEQUENCES: dict[tuple, _RestartSequence] = {}


@lru_cache(maxsize=4)
def _jitter_chunk(seed: int, chunk: int, n_lags: int, n_racks: int) -> np.ndarray:
    """Lag index of every rack for ``_JITTER_CHUNK`` iterations, keyed to the seed and chunk number.

    Cached: consecutive blocks of a simulation fall in the same chunk.
    """
    rng = np.random.default_rng([seed, 2, chunk % 2**64])
    kernel = _kernel()
    if kernel is not None and isinstance(rng.bit_generator, np.random.PCG64):
        return kernel.bounded_bytes(rng, n_lags, (_JITTER_CHUNK, n_racks))  # the same draws, 3x faster
    return rng.integers(0, n_lags, (_JITTER_CHUNK, n_racks), dtype=np.uint8)


def _kernel():
    """The compiled helpers (:mod:`twin._workload_kernel`), or None when numba is not importable."""
    return compiled_kernel("twin._workload_kernel")


@lru_cache(maxsize=2)
def _jitter_pair(seed: int, chunk: int, n_lags: int, n_racks: int) -> np.ndarray:
    """Lag indices of chunks ``chunk`` and ``chunk + 1`` in one array (cached: a long run walks through them)."""
    return np.concatenate([_jitter_chunk(seed, chunk, n_lags, n_racks), _jitter_chunk(seed, chunk + 1, n_lags, n_racks)])


@dataclass(frozen=True, eq=False)
class BlockFactors:
    """Rack fractions of a block in factored form: ``block[i, r] = table[i, lag[row[i], r]]``.

    ``table`` (steps x lags) holds the fraction of each step for each jitter
    lag, ``lag`` (iterations x racks, uint8) each rack's lag index in each
    iteration, ``row`` (steps) the iteration row of each step.  The rack
    kernel generates the power of each rack and step from these as it goes.
    """

    table: np.ndarray
    lag: np.ndarray
    row: np.ndarray

    @property
    def shape(self) -> tuple[int, int]:
        return self.row.size, self.lag.shape[1]

    def dense(self, out: np.ndarray | None = None) -> np.ndarray:
        """The ``(steps, racks)`` array (written into ``out`` when given)."""
        if out is None:
            out = np.empty(self.shape)
        bounds = np.concatenate(([0], np.flatnonzero(np.diff(self.row)) + 1, [self.row.size]))
        for i0, i1 in zip(bounds[:-1], bounds[1:]):
            np.take(self.table[i0:i1], self.lag[self.row[i0]], axis=1, out=out[i0:i1], mode="clip")
        return out

    def step_sums(self, scale: np.ndarray) -> np.ndarray:
        """``(block * scale).sum(axis=1)`` without forming the block: per step, the sum over racks."""
        n_lags = self.table.shape[1]
        rows = np.unique(self.row)
        weights = np.zeros((rows.max() + 1, n_lags))
        kernel = _kernel()
        if kernel is not None:
            kernel.lag_weights(self.lag, rows, np.asarray(scale, dtype=float), weights)
        else:
            for r in rows:
                weights[r] = np.bincount(self.lag[r], scale, minlength=n_lags)[:n_lags]
        return np.einsum("ij,ij->i", self.table, weights[self.row])


@dataclass(frozen=True, eq=False)
class BlockPower:
    """Demanded IT power of a block in factored form, for the rack kernel to generate as it steps.

    ``power[i, r] = scale[r] * factors.table[i, factors.lag[factors.row[i], r]]``
    (W): ``factors`` the :class:`BlockFactors` of the rack fractions, ``scale``
    each rack's peak power (W; 0 for a rack switched off).
    """

    factors: BlockFactors
    scale: np.ndarray

    @property
    def shape(self) -> tuple[int, int]:
        return self.factors.shape

    def dense(self, out: np.ndarray | None = None) -> np.ndarray:
        """The ``(steps, racks)`` power array (written into ``out`` when given)."""
        out = self.factors.dense(out=out)
        out *= self.scale
        return out

    def step_sums(self) -> np.ndarray:
        """Total demanded power of all racks at each step (W)."""
        return self.factors.step_sums(self.scale)


def rack_power(profile: Profile, t0: float, n_steps: int, dt: float, P_peak: np.ndarray, rng: np.random.Generator,
               out: np.ndarray | None = None) -> np.ndarray | BlockPower:
    """Demanded IT power (W) of each rack over a block: ``P_peak`` (per rack, W) times the profile's fractions.

    A :class:`BlockPower` when the profile has a factored form (the rack
    kernel then generates the power as it steps), else the ``(n_steps,
    racks)`` array, written into ``out`` when given.
    """
    if hasattr(profile, "block_factors"):
        return BlockPower(profile.block_factors(t0, n_steps, dt, P_peak.size), P_peak)
    block = profile.block(t0, n_steps, dt, P_peak.size, rng, out=out)
    block *= P_peak
    return block


@dataclass(frozen=True)
class TrainingProfile:
    """Synchronous data-parallel training: compute phases near TDP, communication near idle.

    GPU power follows a trapezoid wave (edges of ``edge_time``, centred on the
    nominal switching instants, so the mean is exact) between
    ``communication_fraction`` and ``compute_fraction`` of TDP, with period
    ``period`` and compute share ``duty``.  Each rack lags each iteration by its
    own jitter, uniform in ``[jitter_min, jitter_max]``.  On top:

    - checkpoint dips to the communication level for ``checkpoint_duration``,
      starting every ``checkpoint_interval`` after the job start;
    - unplanned restarts: after an exponentially distributed uptime of mean
      ``restart_interval_reference * restart_reference_gpus / n_gpus`` the job
      fails, GPUs drop to ``idle_fraction`` for a time uniform in
      ``[restart_idle_min, restart_idle_max]``, then ramp back up;
    - job start and stop at ``job_start`` / ``job_end`` with ramps of
      ``job_ramp_time`` (before the start and after the end: idle);
    - GB200/GB300 power smoothing: while the job runs, GPU power never drops
      below ``power_floor_fraction`` of TDP, and job start, stop and restart
      transitions take at least ``(compute - idle) / ramp_rate_limit``
      (``ramp_rate_limit`` in fraction of TDP per second).  The limit applies to
      the iteration-averaged power; iteration edges keep ``edge_time`` (the
      floor is what shrinks them).

    Restart times and per-rack jitter are functions of ``seed`` and absolute
    time only, so blocks tile seamlessly and ``site_fraction`` sees the same
    restarts as ``block``.  Checkpoints and restarts count from the job start,
    or from t = 0 for a job already running (``job_start = -inf``).

    Fields are fractions (of TDP, or of rack peak for ``baseline_fraction``),
    seconds, counts and 1/s.  Defaults: research/sites.md section 6 [E].
    """

    period: float = 4.0
    duty: float = 0.75
    compute_fraction: float = 0.95
    communication_fraction: float = 0.25
    idle_fraction: float = 0.15
    baseline_fraction: float = 0.20
    edge_time: float = 0.1
    jitter_min: float = 0.010
    jitter_max: float = 0.050
    checkpoint_interval: float = 1800.0
    checkpoint_duration: float = 30.0
    restart_interval_reference: float = 3 * 3600.0
    restart_reference_gpus: float = 16384.0
    n_gpus: float = 16384.0
    restart_idle_min: float = 300.0
    restart_idle_max: float = 1200.0
    job_ramp_time: float = 5.0
    job_start: float = -math.inf
    job_end: float = math.inf
    power_floor_fraction: float = 0.0
    ramp_rate_limit: float = math.inf
    seed: int = 0

    # --- derived quantities -------------------------------------------------

    def _low(self) -> float:
        """GPU fraction in the communication phase and checkpoints, power floor applied."""
        return max(self.communication_fraction, self.power_floor_fraction)

    def _rise_time(self) -> float:
        """Duration of job start, stop and restart-recovery ramps (s)."""
        return max(self.job_ramp_time, (self.compute_fraction - self.idle_fraction) / self.ramp_rate_limit)

    def _drop_time(self) -> float:
        """Duration of the fall to idle when the job fails (s)."""
        return max(self.edge_time, (self.compute_fraction - self.idle_fraction) / self.ramp_rate_limit)

    def _checkpoint_edge(self) -> float:
        return max(self.edge_time, (self.compute_fraction - self._low()) / self.ramp_rate_limit)

    def _origin(self) -> float:
        """Job start, or t = 0 for a job already running (s)."""
        return self.job_start if math.isfinite(self.job_start) else 0.0

    def _mean_uptime(self) -> float:
        return self.restart_interval_reference * self.restart_reference_gpus / self.n_gpus

    def _check(self) -> None:
        fractions = ("duty", "compute_fraction", "communication_fraction", "idle_fraction", "power_floor_fraction")
        checks = [(0.0 <= getattr(self, name) <= 1.0, name, getattr(self, name), "a fraction between 0 and 1")
                  for name in fractions]
        checks += [
            (self.period > 0, "period", self.period, "a positive time in s"),
            (0.0 <= self.baseline_fraction < 1.0, "baseline_fraction", self.baseline_fraction, "a fraction in [0, 1)"),
            (max(self.idle_fraction, self.communication_fraction, self.power_floor_fraction) <= self.compute_fraction,
             "compute_fraction", self.compute_fraction,
             "at least idle_fraction, communication_fraction and power_floor_fraction"),
            (self.edge_time > 0, "edge_time", self.edge_time, "a positive time in s"),
            (0.0 <= self.jitter_min <= self.jitter_max, "jitter_max", self.jitter_max, "at least jitter_min >= 0"),
            (self.edge_time <= self.duty * self.period, "edge_time", self.edge_time,
             f"at most the compute phase, duty * period = {self.duty * self.period} s"),
            (self.edge_time + self.jitter_max <= (1 - self.duty) * self.period, "jitter_max", self.jitter_max,
             f"edge_time + jitter_max at most the communication phase, {(1 - self.duty) * self.period} s"),
            (self.checkpoint_interval > 0, "checkpoint_interval", self.checkpoint_interval, "a positive time in s"),
            (self.checkpoint_duration == 0 or self._checkpoint_edge() <= self.checkpoint_duration
             <= self.checkpoint_interval - self._checkpoint_edge(), "checkpoint_duration", self.checkpoint_duration,
             f"0, or between the checkpoint edge {self._checkpoint_edge()} s and the interval minus that edge"),
            (self.restart_interval_reference > 0, "restart_interval_reference", self.restart_interval_reference,
             "a positive time in s (inf for no restarts)"),
            (self.restart_reference_gpus > 0 and self.n_gpus > 0, "n_gpus", self.n_gpus, "a positive GPU count"),
            (self._drop_time() <= self.restart_idle_min <= self.restart_idle_max, "restart_idle_min",
             self.restart_idle_min, f"between the failure ramp {self._drop_time()} s and restart_idle_max"),
            (self.job_ramp_time > 0, "job_ramp_time", self.job_ramp_time, "a positive time in s"),
            (self.job_start < self.job_end, "job_end", self.job_end, "later than job_start"),
            (self.ramp_rate_limit > 0, "ramp_rate_limit", self.ramp_rate_limit, "a positive rate in 1/s"),
        ]
        _raise_problems(checks)

    # --- iteration wave -----------------------------------------------------

    def _wave_periodic(self, x):
        """Integral of the unit iteration wave minus ``duty * x``: periodic, no large numbers."""
        e, d_t = self.edge_time, self.duty * self.period
        phi = x - np.floor((x + e / 2) / self.period) * self.period
        return _ramp(phi, e) - _ramp(phi - d_t, e) - self.duty * phi

    def _wave_periodic_integral(self, x):
        """Antiderivative of :meth:`_wave_periodic`: (number of whole periods, integral over one, remainder)."""
        e, d_t, T = self.edge_time, self.duty * self.period, self.period
        k = np.floor((x + e / 2) / T)

        def within(p):
            return _ramp_integral(p, e) - _ramp_integral(p - d_t, e) - self.duty * (p * p - e * e / 4) / 2

        return k, within(T - e / 2), within(x - k * T)

    def _wave_mean(self, a, dt, lag):
        """Mean of the unit iteration wave (0 communication, 1 compute) over [a - lag, a - lag + dt)."""
        return self.duty + (self._wave_periodic(a + dt - lag) - self._wave_periodic(a - lag)) / dt

    def _wave_mean_jitter_averaged(self, a, dt):
        """:meth:`_wave_mean` averaged over a lag uniform in [jitter_min, jitter_max]."""
        width = self.jitter_max - self.jitter_min
        if width == 0:
            return self._wave_mean(a, dt, self.jitter_min)

        def averaged(x):
            k0, per_period, q0 = self._wave_periodic_integral(x - self.jitter_min)
            k1, _, q1 = self._wave_periodic_integral(x - self.jitter_max)
            return ((k0 - k1) * per_period + q0 - q1) / width

        return self.duty + (averaged(a + dt) - averaged(a)) / dt

    # --- job envelopes ------------------------------------------------------

    def _restarts(self, t_start: float, t_end: float) -> tuple[np.ndarray, np.ndarray]:
        """Failure times and idle durations of the restarts that shape [t_start, t_end] (s).

        The last failure at or before ``t_start`` and every later one up to
        ``t_end``: earlier cycles end before that failure.  The sequence is drawn
        once per parameter set and extended on demand, so the cost of a window
        does not grow with how far into the run it lies.
        """
        origin = self.job_start + self._rise_time() if math.isfinite(self.job_start) else 0.0
        uptime = self._mean_uptime()
        if not math.isfinite(uptime) or t_end < origin:
            return np.empty(0), np.empty(0)
        key = (self.seed, origin, uptime, self.restart_idle_min, self.restart_idle_max, self._rise_time())
        sequence = _RESTART_SEQUENCES.get(key)
        if sequence is None:
            if len(_RESTART_SEQUENCES) >= 8:
                _RESTART_SEQUENCES.pop(next(iter(_RESTART_SEQUENCES)))
            sequence = _RESTART_SEQUENCES[key] = _RestartSequence(np.random.default_rng([self.seed, 1]), origin)
        while sequence.start <= t_end:
            rng = sequence.rng
            up = rng.exponential(uptime, _RESTART_CHUNK)
            idle = rng.uniform(self.restart_idle_min, self.restart_idle_max, _RESTART_CHUNK)
            cycle_end = sequence.start + np.cumsum(up + idle + self._rise_time())
            sequence.failure = np.concatenate((sequence.failure, np.concatenate(([sequence.start], cycle_end[:-1])) + up))
            sequence.idle = np.concatenate((sequence.idle, idle))
            sequence.start = float(cycle_end[-1])
        first = max(int(np.searchsorted(sequence.failure, t_start, side="right")) - 1, 0)
        last = int(np.searchsorted(sequence.failure, t_end, side="right"))
        return sequence.failure[first:last], sequence.idle[first:last]

    def _envelopes(self, t_start: float, t_end: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Breakpoints x and the piecewise-linear envelopes on them over [t_start, t_end].

        ``running`` (0-1): the job holds its GPUs (above idle, at least at the
        communication level).  ``iterating`` (0-1): the job runs iterations (not
        failed, starting, stopped or checkpointing).
        """
        rise, drop = self._rise_time(), self._drop_time()
        failure, idle = self._restarts(t_start, t_end)
        corners = [[t_start, t_end], [self.job_start, self.job_start + rise, self.job_end, self.job_end + rise],
                   failure, failure + drop, failure + idle, failure + idle + rise]
        e, interval, length = self._checkpoint_edge(), self.checkpoint_interval, self.checkpoint_duration
        origin = self._origin()
        if length > 0 and math.isfinite(interval):
            k = origin + interval * np.arange(max(1, math.floor((t_start - origin) / interval) - 1),
                                              max(1, math.ceil((t_end - origin) / interval) + 1))
            corners += [k - e / 2, k + e / 2, k + length - e / 2, k + length + e / 2]
        x = np.unique(np.concatenate([np.asarray(c, dtype=float) for c in corners]))
        x = x[(x >= t_start) & (x <= t_end)]

        job = np.minimum(np.clip((x - self.job_start) / rise, 0, 1), np.clip(1 - (x - self.job_end) / rise, 0, 1))
        running = job
        if failure.size:
            j = np.maximum(np.searchsorted(failure, x, side="right") - 1, 0)
            since = np.where(x >= failure[j], x - failure[j], np.inf)
            restart = 1 - np.clip(since / drop, 0, 1) + np.clip((since - idle[j]) / rise, 0, 1)
            running = np.minimum(job, restart)
        iterating = running
        if length > 0 and math.isfinite(interval):
            psi = np.mod(x - origin + e / 2, interval) - e / 2
            dip = 1 - np.clip((psi + e / 2) / e, 0, 1) + np.clip((psi - length + e / 2) / e, 0, 1)
            checkpoint = np.where(x - origin >= interval - e / 2, dip, 1.0)
            iterating = np.minimum(running, checkpoint)
        return x, running, iterating

    def _levels(self, a: np.ndarray, dt: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Per-interval rack fraction ``level + swing * w`` where w is the unit iteration wave mean."""
        x, running, iterating = self._envelopes(float(a[0]), float(a[-1] + dt[-1]))
        running_mean = _interval_means(x, running, a, a + dt)
        iterating_mean = _interval_means(x, iterating, a, a + dt)
        low, idle, b = self._low(), self.idle_fraction, self.baseline_fraction
        level = b + (1 - b) * (idle + running_mean * (low - idle))
        swing = (1 - b) * iterating_mean * (self.compute_fraction - low)
        return level, swing

    def _block_levels(self, t0: float, n_steps: int, dt: float) -> tuple[np.ndarray, np.ndarray]:
        """:meth:`_levels` of the steps of a block, sliced from windows of ``_LEVEL_WINDOW`` steps.

        Windows start at whole multiples of ``_LEVEL_WINDOW * dt`` and are computed once, so
        a block's values depend on its times only; blocks off the ``dt`` grid or long ones
        are computed directly.
        """
        j = round(t0 / dt)
        if n_steps > _LEVEL_WINDOW // 4 or abs(j * dt - t0) > 1e-9 * max(1.0, abs(t0)):
            return self._levels(t0 + dt * np.arange(n_steps), np.full(n_steps, float(dt)))
        parts = []
        for w in range(j // _LEVEL_WINDOW, (j + n_steps - 1) // _LEVEL_WINDOW + 1):
            key = (self, float(dt), w)
            if key not in _LEVEL_WINDOWS:
                if len(_LEVEL_WINDOWS) >= 8:
                    _LEVEL_WINDOWS.pop(next(iter(_LEVEL_WINDOWS)))
                steps = w * _LEVEL_WINDOW + np.arange(_LEVEL_WINDOW)
                _LEVEL_WINDOWS[key] = self._levels(dt * steps, np.full(_LEVEL_WINDOW, float(dt)))
            level, swing = _LEVEL_WINDOWS[key]
            lo = max(j - w * _LEVEL_WINDOW, 0)
            hi = min(j + n_steps - w * _LEVEL_WINDOW, _LEVEL_WINDOW)
            parts.append((level[lo:hi], swing[lo:hi]))
        if len(parts) == 1:
            return parts[0]
        return np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts])

    # --- public API ---------------------------------------------------------

    def block(self, t0: float, n_steps: int, dt: float, n_racks: int, rng: np.random.Generator,
              out: np.ndarray | None = None) -> np.ndarray:
        """Rack fractions, shape ``(n_steps, n_racks)``, each the mean over ``[t0 + i dt, t0 + (i+1) dt)``.

        ``rng`` is not drawn from: this profile's randomness is keyed to ``seed``
        and absolute time.  Each rack keeps its jitter for a whole iteration (the
        one in which the step starts).  ``out``: an array to write into.
        """
        return self.block_factors(t0, n_steps, dt, n_racks).dense(out=out)

    def block_factors(self, t0: float, n_steps: int, dt: float, n_racks: int) -> BlockFactors:
        """:meth:`block` in factored form (a small table and one byte per rack and iteration)."""
        self._check()
        a = t0 + dt * np.arange(n_steps)
        level, swing = self._block_levels(t0, n_steps, dt)
        width = self.jitter_max - self.jitter_min
        n_lags = max(1, min(256, math.ceil(width / _JITTER_RESOLUTION)))
        lags = self.jitter_min + width * (np.arange(n_lags) + 0.5) / n_lags
        kernel = _kernel()
        if kernel is not None:  # the same operations compiled (bit-equal, tests/test_workload.py)
            table = kernel.wave_table(level, swing, a, float(dt), lags, float(self.edge_time),
                                      float(self.duty * self.period), float(self.period), float(self.duty))
        else:
            table = level[:, None] + swing[:, None] * self._wave_mean(a[:, None], dt, lags[None, :])

        iteration = np.floor((a + self.edge_time / 2) / self.period).astype(np.int64)
        first, last = int(iteration[0]) // _JITTER_CHUNK, int(iteration[-1]) // _JITTER_CHUNK
        if last - first <= 1:  # the usual case: a block within two consecutive chunks (cached)
            lag = _jitter_pair(self.seed, first, n_lags, n_racks)
        else:
            lag = np.concatenate([_jitter_chunk(self.seed, c, n_lags, n_racks) for c in range(first, last + 1)])
        return BlockFactors(table, lag, (iteration - first * _JITTER_CHUNK).astype(np.intp))

    def site_fraction(self, times_s: np.ndarray) -> np.ndarray:
        """Mean rack fraction of all racks over each ``[t_i, t_{i+1})`` (jitter averaged)."""
        self._check()
        a, dt = _intervals(times_s)
        level, swing = self._levels(a, dt)
        return level + swing * self._wave_mean_jitter_averaged(a, dt)

    def mean_fraction(self) -> float:
        """Long-run mean rack fraction while the job is scheduled (checkpoints and restarts in expectation).

        Restarts form an alternating renewal process (uptime, idle, recovery
        ramp); the running share is its renewal-reward mean.
        """
        self._check()
        low, idle, b = self._low(), self.idle_fraction, self.baseline_fraction
        running = 1.0
        if math.isfinite(self._mean_uptime()):
            rise, uptime = self._rise_time(), self._mean_uptime()
            idle_mean = (self.restart_idle_min + self.restart_idle_max) / 2
            running = (uptime + self._drop_time() / 2 + rise / 2) / (uptime + idle_mean + rise)
        checkpointing = self.checkpoint_duration / self.checkpoint_interval
        iterating = running * (1 - checkpointing)
        g = idle + running * (low - idle) + iterating * self.duty * (self.compute_fraction - low)
        return b + (1 - b) * g


@dataclass(frozen=True)
class InferenceProfile:
    """Serving load with a daily cycle.

    GPU fraction ``mean_gpu_fraction + daily_amplitude * cos(2 pi (t - peak_time) / 1 day)``;
    each rack adds independent white noise of standard deviation
    ``noise_fraction`` (of rack peak) per step, from ``rng``; results are clipped
    to [0, 1].  ``peak_time`` in s after local midnight.  Defaults are [E].
    """

    mean_gpu_fraction: float = 0.5
    daily_amplitude: float = 0.2
    peak_time: float = 15 * 3600.0
    baseline_fraction: float = 0.20
    noise_fraction: float = 0.03

    def _check(self) -> None:
        low, high = self.mean_gpu_fraction - self.daily_amplitude, self.mean_gpu_fraction + self.daily_amplitude
        _raise_problems([
            (self.daily_amplitude >= 0 and 0 <= low and high <= 1, "daily_amplitude", self.daily_amplitude,
             "mean_gpu_fraction +/- daily_amplitude within [0, 1]"),
            (0.0 <= self.baseline_fraction < 1.0, "baseline_fraction", self.baseline_fraction, "a fraction in [0, 1)"),
            (self.noise_fraction >= 0, "noise_fraction", self.noise_fraction, "a non-negative fraction"),
        ])

    def _mean(self, a, dt):
        omega = 2 * np.pi / _DAY
        phase = omega * (a - self.peak_time)
        cycle = (np.sin(phase + omega * dt) - np.sin(phase)) / (omega * dt)
        return rack_fraction(self.mean_gpu_fraction + self.daily_amplitude * cycle, self.baseline_fraction)

    def block(self, t0: float, n_steps: int, dt: float, n_racks: int, rng: np.random.Generator,
              out: np.ndarray | None = None) -> np.ndarray:
        """Rack fractions, shape ``(n_steps, n_racks)``: step means plus per-rack noise from ``rng``."""
        self._check()
        out = rng.standard_normal((n_steps, n_racks), out=out)
        out *= self.noise_fraction
        out += self._mean(t0 + dt * np.arange(n_steps), dt)[:, None]
        return np.clip(out, 0.0, 1.0, out=out)

    def site_fraction(self, times_s: np.ndarray) -> np.ndarray:
        """Mean rack fraction of all racks over each ``[t_i, t_{i+1})`` (noise averages out)."""
        self._check()
        a, dt = _intervals(times_s)
        return self._mean(a, dt)

    def mean_fraction(self) -> float:
        """Daily mean rack fraction (ignoring the small bias of clipping the noise)."""
        self._check()
        return float(rack_fraction(self.mean_gpu_fraction, self.baseline_fraction))


@dataclass(frozen=True)
class ConstantProfile:
    """The same fraction of rack peak for every rack at all times."""

    fraction: float = 1.0

    def _check(self) -> None:
        _raise_problems([(0.0 <= self.fraction <= 1.0, "fraction", self.fraction, "a fraction between 0 and 1")])

    def block(self, t0: float, n_steps: int, dt: float, n_racks: int, rng: np.random.Generator,
              out: np.ndarray | None = None) -> np.ndarray:
        """``fraction`` everywhere, shape ``(n_steps, n_racks)``; ``rng`` is not drawn from."""
        self._check()
        if out is None:
            return np.full((n_steps, n_racks), self.fraction)
        out.fill(self.fraction)
        return out

    def site_fraction(self, times_s: np.ndarray) -> np.ndarray:
        self._check()
        a, _ = _intervals(times_s)
        return np.full(a.shape, self.fraction)

    def mean_fraction(self) -> float:
        self._check()
        return self.fraction


@dataclass(frozen=True)
class MaintenanceProfile:
    """Periodic maintenance windows on top of another profile.

    Windows of ``duration`` start at ``start + k * interval`` (every integer k).
    During a window the first ``round(rack_share * n_racks)`` racks run at
    ``level`` (fraction of rack peak; 0 = switched off) instead of the base
    profile.  Times in s.
    """

    base: Profile
    start: float
    duration: float
    interval: float
    rack_share: float
    level: float = 0.0

    def _check(self) -> None:
        _raise_problems([
            (0 < self.duration <= self.interval, "duration", self.duration, "a positive time up to the interval"),
            (0.0 <= self.rack_share <= 1.0, "rack_share", self.rack_share, "a fraction between 0 and 1"),
            (0.0 <= self.level <= 1.0, "level", self.level, "a fraction between 0 and 1"),
        ])

    def _window_share(self, a, dt):
        """Share of each interval [a, a + dt) inside a window."""
        def covered(x):
            k = np.floor((x - self.start) / self.interval)
            return k * self.duration + np.clip(x - self.start - k * self.interval, 0, self.duration)

        return (covered(a + dt) - covered(a)) / dt

    def block(self, t0: float, n_steps: int, dt: float, n_racks: int, rng: np.random.Generator,
              out: np.ndarray | None = None) -> np.ndarray:
        """Base profile's block with the affected racks moved towards ``level`` by the window share."""
        self._check()
        out = self.base.block(t0, n_steps, dt, n_racks, rng, out=out)
        share = self._window_share(t0 + dt * np.arange(n_steps), dt)[:, None]
        affected = round(self.rack_share * n_racks)
        out[:, :affected] = (1 - share) * out[:, :affected] + share * self.level
        return out

    def site_fraction(self, times_s: np.ndarray) -> np.ndarray:
        self._check()
        a, dt = _intervals(times_s)
        share = self.rack_share * self._window_share(a, dt)
        return (1 - share) * self.base.site_fraction(times_s) + share * self.level

    def mean_fraction(self) -> float:
        """Long-run mean, taking the windows as independent of the base profile's events."""
        self._check()
        share = self.rack_share * self.duration / self.interval
        return (1 - share) * self.base.mean_fraction() + share * self.level


@dataclass(frozen=True, eq=False)
class ScheduleProfile:
    """A planned IT load: one fraction of rack peak per step, the same for every rack.

    ``fractions[i]`` holds over ``[start_s + i * step_s, start_s + (i + 1) * step_s)``
    (seconds on the simulation clock: from local midnight of the first day);
    before the schedule the first value holds, after it the last.  Interval
    means are exact (integrals of the step function), so energy is kept at any
    simulation step.  Used to run a dispatch plan's IT schedule through
    :func:`twin.simulate`.
    """

    fractions: np.ndarray
    step_s: float
    start_s: float = 0.0

    def _check(self) -> None:
        f = np.asarray(self.fractions, dtype=float)
        ok = f.ndim == 1 and f.size >= 1 and bool(np.all(np.isfinite(f)))
        _raise_problems([
            (ok, "fractions", f"shape {f.shape}", "a non-empty 1-D array of finite fractions"),
            (not ok or bool(np.all((f >= 0) & (f <= 1 + 1e-9))), "fractions",
             f"values {f.min() if ok else 0:g}..{f.max() if ok else 0:g}", "fractions of rack peak between 0 and 1"),
            (self.step_s > 0, "step_s", self.step_s, "a positive time in s"),
            (math.isfinite(self.start_s), "start_s", self.start_s, "a finite time in s"),
        ])

    def _cumulative(self) -> tuple[np.ndarray, np.ndarray]:
        """The fractions (checked) and their running integral at the step boundaries."""
        self._check()
        f = np.minimum(np.asarray(self.fractions, dtype=float), 1.0)
        return f, np.concatenate(([0.0], np.cumsum(f) * self.step_s))

    def _integral(self, t: np.ndarray) -> np.ndarray:
        """Integral of the schedule from ``start_s`` to ``t`` (negative before the start)."""
        f, cumulative = self._cumulative()
        x = (np.asarray(t, dtype=float) - self.start_s) / self.step_s
        k = np.clip(np.floor(x).astype(np.int64), 0, f.size - 1)
        return cumulative[k] + f[k] * (x - k) * self.step_s

    def block(self, t0: float, n_steps: int, dt: float, n_racks: int, rng: np.random.Generator,
              out: np.ndarray | None = None) -> np.ndarray:
        """Every rack at the schedule's mean over each ``[t0 + i dt, t0 + (i+1) dt)``; ``rng`` is not drawn from."""
        a = t0 + dt * np.arange(n_steps + 1)
        means = np.diff(self._integral(a)) / dt
        if out is None:
            return np.repeat(means[:, None], n_racks, axis=1)
        out[...] = means[:, None]
        return out

    def site_fraction(self, times_s: np.ndarray) -> np.ndarray:
        """Mean fraction over each ``[t_i, t_{i+1})`` (the last interval repeats the previous length)."""
        a, dt = _intervals(times_s)
        return (self._integral(a + dt) - self._integral(a)) / dt

    def mean_fraction(self) -> float:
        """Mean of the schedule over its steps."""
        return float(self._cumulative()[0].mean())


@dataclass(frozen=True, eq=False)
class GroupScheduleProfile:
    """A planned IT load per rack group: one :class:`ScheduleProfile` per column of ``fractions``.

    ``fractions`` has shape ``(steps, groups)``; ``racks[j]`` racks belong to
    column ``j``, listed group after group as a ``resolution="rack"`` simulation
    lists the liquid-cooled racks, so :meth:`block` gives each rack its group's
    schedule.  :meth:`site_fraction` (what a ``resolution="group"`` run and the
    air-cooled racks see) is the mean of the columns weighted by ``weights``
    (e.g. each group's peak power; equal when not given).  Used to drive a
    dynamic run with the per-group load of synthetic telemetry.
    """

    fractions: np.ndarray
    racks: tuple[int, ...]
    step_s: float
    start_s: float = 0.0
    weights: tuple[float, ...] | None = None

    def _columns(self) -> list[ScheduleProfile]:
        f = np.asarray(self.fractions, dtype=float)
        w = np.ones(f.shape[-1]) if self.weights is None else np.asarray(self.weights, dtype=float)
        _raise_problems([
            (f.ndim == 2, "fractions", f"shape {f.shape}", "a 2-D array (steps, groups)"),
            (f.ndim == 2 and len(self.racks) == f.shape[1], "racks", len(self.racks),
             f"one rack count per column of fractions ({f.shape[-1]})"),
            (all(int(r) == r and r >= 0 for r in self.racks), "racks", self.racks, "non-negative whole numbers"),
            (w.shape == (f.shape[-1],) and bool(np.all(w >= 0)) and w.sum() > 0, "weights", self.weights,
             "one non-negative weight per column, not all zero"),
        ])
        return [ScheduleProfile(f[:, j], self.step_s, self.start_s) for j in range(f.shape[1])]

    def block(self, t0: float, n_steps: int, dt: float, n_racks: int, rng: np.random.Generator,
              out: np.ndarray | None = None) -> np.ndarray:
        """Each rack at its group's schedule mean over ``[t0 + i dt, t0 + (i+1) dt)``; ``rng`` is not drawn from."""
        columns = self._columns()
        _raise_problems([(n_racks == sum(self.racks), "racks", f"{sum(self.racks)} in all",
                          f"the {n_racks} racks of the run (resolution='rack')")])
        out = np.empty((n_steps, n_racks)) if out is None else out
        edges = np.concatenate(([0], np.cumsum(np.asarray(self.racks, dtype=int))))
        for j, column in enumerate(columns):
            column.block(t0, n_steps, dt, int(edges[j + 1] - edges[j]), rng, out=out[:, edges[j]:edges[j + 1]])
        return out

    def site_fraction(self, times_s: np.ndarray) -> np.ndarray:
        """The columns' interval means, weighted by ``weights``."""
        columns = self._columns()
        w = np.ones(len(columns)) if self.weights is None else np.asarray(self.weights, dtype=float)
        return sum(wj * c.site_fraction(times_s) for wj, c in zip(w, columns)) / w.sum()

    def mean_fraction(self) -> float:
        columns = self._columns()
        w = np.ones(len(columns)) if self.weights is None else np.asarray(self.weights, dtype=float)
        return float(sum(wj * c.mean_fraction() for wj, c in zip(w, columns)) / w.sum())
