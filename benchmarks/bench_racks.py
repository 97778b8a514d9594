"""Rack-array kernel benchmarks B-SIM-1 and B-SIM-2, the kernel alone.

B-SIM-1: 7,640 racks (half GB200 NVL72, half GB300 NVL72), 24 h at 1 s steps,
advanced in 60 s plant steps; die-temperature error against a tight reference
on 5 racks over the first 10 min (<= 0.05 K).  B-SIM-2: 1,000 racks, 1 h at 1 s.

Load: a 4 s training step (75 % compute at 95 % of rack peak, communication
at 35 %) with a random phase offset per rack, its 1 s means; a 30 s
checkpoint dip to the communication level every 30 min; CDU groups of 8 racks
at 35 degC supply (+-1 K between groups), and one hour with 5 groups at 48 degC
(a CDU fault) so that some racks throttle.  Same-run baseline: the numpy
reference kernel (block products, throttled racks stepped) on the same racks;
the default is the compiled kernel where numba imports.

    .venv/bin/python benchmarks/bench_racks.py [--hours 24] [--plant-step 60]
"""

from __future__ import annotations

import argparse
import os
import resource
import time

# The numpy kernel's matrix products are skinny (~66 x 64 by 64 x 3,820): BLAS
# threads gain nothing on 2 cores (twin.simulate limits BLAS to one thread too).
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np  # noqa: E402
from scipy.integrate import solve_ivp  # noqa: E402

from twin.thermal.rack_array import GB200_NVL72, GB300_NVL72, RackArray, rack_state_matrices  # noqa: E402

PERIOD = 4  # training step (s)
DUTY = 0.75
HIGH, LOW = 0.95, 0.35  # of rack peak power
CHECKPOINT_EVERY, CHECKPOINT_LENGTH = 1800, 30  # s
RACKS_PER_GROUP = 8


class TrainingLoad:
    """Demanded IT power (W) per rack and second, built block by block."""

    def __init__(self, P_peak: np.ndarray, seed: int = 0):
        rng = np.random.default_rng(seed)
        phase = rng.uniform(0.0, PERIOD, P_peak.size)
        sub = (np.arange(100) + 0.5) / 100  # sub-steps within a second
        t = (np.arange(PERIOD)[:, None, None] + sub[None, :, None] + phase[None, None, :]) % PERIOD
        share = np.where(t < DUTY * PERIOD, HIGH, LOW).mean(axis=1)  # (PERIOD, n) 1 s means
        self.pattern = share * P_peak
        self.low = LOW * P_peak

    def __call__(self, t0: float, n_steps: int, dt: float) -> np.ndarray:
        seconds = int(round(t0)) + np.arange(n_steps)
        out = self.pattern[seconds % PERIOD]
        dip = (seconds % CHECKPOINT_EVERY) < CHECKPOINT_LENGTH
        if dip.any():
            out[dip] = self.low
        return out


def build(n_racks: int, block_steps: int = 60, kernel: str | None = None):
    types = [GB200_NVL72, GB300_NVL72]
    rack_type = (np.arange(n_racks) >= n_racks // 2).astype(int)
    rack_group = np.arange(n_racks) // RACKS_PER_GROUP
    P_peak = np.array([t.P_nominal for t in types])[rack_type]
    array = RackArray(types, rack_type, rack_group, T_initial=35.0, block_steps=block_steps, kernel=kernel)
    return array, TrainingLoad(P_peak), P_peak


def supply_temperature(array: RackArray, t: float) -> np.ndarray:
    T = 35.0 + np.linspace(-1.0, 1.0, array.n_groups)
    if 12 * 3600 <= t < 13 * 3600:
        T[:5] = 48.0
    return T


def run(n_racks: int, hours: float, plant_step: int, block_steps: int = 60, kernel: str | None = None):
    array, load, P_peak = build(n_racks, block_steps, kernel)
    array.set_steady_state(load(0.0, 1, 1.0)[0], supply_temperature(array, 0.0))
    n_plant = int(round(hours * 3600 / plant_step))
    worst_residual, throttled, shut = 0.0, 0, 0
    start = time.perf_counter()
    for _ in range(n_plant):
        report = array.advance(load, supply_temperature(array, array.t), plant_step, 1.0)
        worst_residual = max(worst_residual, report.energy_residual)
        throttled = max(throttled, int(report.n_throttled.sum()))
        shut = max(shut, int(report.n_shutdown.sum()))
    wall = time.perf_counter() - start
    return wall, worst_residual, throttled, shut


def reference_error(n_racks: int, plant_step: int, minutes: float = 10.0, racks=(0, 1, 2, 3813, 7639)):
    """Largest |die temperature error| (K) of the kernel against solve_ivp restarted every second.

    Compares, per plant step, the end-of-step state and the max and mean of
    the die temperature over the step's 1 s samples.
    """
    array, load, _ = build(n_racks)
    racks = [r for r in racks if r < n_racks]
    T_supply = supply_temperature(array, 0.0)
    array.set_steady_state(load(0.0, 1, 1.0)[0], T_supply)
    x = {r: np.array([array.T_die[r], array.T_plate[r], array.T_coolant[r]]) for r in racks}
    worst = 0.0
    for _ in range(int(minutes * 60 / plant_step)):
        t0 = array.t
        report = array.advance(load, T_supply, plant_step, 1.0, per_rack=True)
        D = load(t0, plant_step, 1.0)
        for r in racks:
            rack = array.types[array.rack_type[r]]
            A, B = rack_state_matrices(rack)
            f_acc, f_other = rack.accelerator_power_fraction, rack.liquid_fraction - rack.accelerator_power_fraction
            T_in = T_supply[array.rack_group[r]]
            samples = []
            for k in range(plant_step):
                u = np.array([f_acc * D[k, r], f_other * D[k, r], T_in])
                sol = solve_ivp(lambda _t, y: A @ y + B @ u, (0.0, 1.0), x[r], method="DOP853",
                                rtol=1e-11, atol=1e-11)
                x[r] = sol.y[:, -1]
                samples.append(x[r][0])
            worst = max(worst, abs(max(samples) - report.T_die_max_rack[r]),
                        abs(np.mean(samples) - report.T_die_mean_rack[r]), abs(x[r][0] - array.T_die[r]))
    return worst


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hours", type=float, default=24.0)
    parser.add_argument("--plant-step", type=int, default=60)
    args = parser.parse_args()

    kernel = build(8)[0].kernel
    run(7640, 0.1, args.plant_step)  # compile (or load the cached compilation) outside the timing
    wall, residual, throttled, shut = run(7640, args.hours, args.plant_step)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e6
    reference, _, _, _ = run(7640, args.hours / 4, args.plant_step, kernel="numpy")
    reference *= 4
    print(f"B-SIM-1   7,640 racks, {args.hours:g} h at 1 s, plant step {args.plant_step} s, {kernel} kernel: "
          f"{wall:.2f} s wall; numpy reference kernel {reference:.2f} s (timed over a quarter, scaled): "
          f"{reference / wall:.1f}x; peak RSS {rss:.2f} GB; worst energy residual {residual:.1e}; "
          f"up to {throttled} racks throttled, {shut} shut down")

    error = reference_error(7640, args.plant_step)
    print(f"B-SIM-1   die-temperature error vs solve_ivp (rtol 1e-11, restarted each second), "
          f"5 racks, 10 min: {error:.2e} K (target 0.05 K)")

    wall2, _, _, _ = run(1000, 1.0, args.plant_step)
    reference2, _, _, _ = run(1000, 1.0, args.plant_step, kernel="numpy")
    print(f"B-SIM-2   1,000 racks, 1 h at 1 s: {wall2:.3f} s wall; numpy reference kernel {reference2:.3f} s")


if __name__ == "__main__":
    main()
