"""End-to-end simulation benchmarks through ``twin.simulate``, each case a whole process.

B-SIM-1: ``colossus2`` at full rack resolution (7,640 NVL72 racks, each with its
own die, cold-plate and coolant states; 2,600 rear-door racks at group level),
24 h, IT power changing every 1 s (training profile: 4 s iterations, per-rack
jitter, checkpoints, restarts), plant step 60 s, the electrical network stepped
at every 1 s IT step, and 60 % of the GB300 CDUs out from 12:00 to 14:00 so the
3,820 GB300 racks throttle.  Targets <= 5 s, <= 1 GB.  Reported with where the
time goes (rack kernel incl. power generation, plant, electrical network, the
rest of the engine loop), timed by wrapping those calls in the same run.
B-SIM-1-numpy: the same run with the numpy reference rack kernel (the
same-run baseline of the compiled kernel).
B-SIM-2: 1,000 GB200 NVL72 racks (the demo hall scaled up), 1 h at 1 s, <= 0.2 s; same-run
baseline: the same hour with the plant on its numpy reference right-hand side through solve_ivp.
B-SIM-3: ``cortex`` one year at 60 s steps, quasi-steady plant, <= 10 s.
B-SIM-30d: ``colossus2`` as B-SIM-1 without the outage, 30 days at 1 s, against
one day in the same process: <= 31x.
B-SIM-die: die-temperature error of ``twin.simulate`` (``demo``, rack
resolution, 30 min at 1 s, 80 % of the GB200 CDU out for 15 min so its racks
throttle) against ``solve_ivp`` (DOP853, rtol 1e-10) restarted at every 1 s
input change and applying the same throttling law, fed the run's own TCS supply
temperatures and rack power; compared after 5 min (the initial state washes
out).  Target <= 0.05 K.

Each case runs in its own process with the default environment; ``process_s``
is that process's wall time from interpreter start to exit (imports and
compilation included), ``wall_s`` the timed call after a short warm-up run and
``cpu_s`` its CPU time (on a shared machine the steadier of the two); ``process_cpu_s`` the
whole process's CPU time (user + sys) and ``load_average_after`` the machine's load.
Same-run baselines: generating the per-rack power alone (a floor), the numpy
kernel, one simulated day (for 30 days), the dynamic mode (for B-SIM-3).

    .venv/bin/python benchmarks/bench_simulate.py [--case B-SIM-1 ...]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time

CASES = ("B-SIM-1", "B-SIM-1-numpy", "B-SIM-2", "B-SIM-3", "B-SIM-30d", "B-SIM-die")


def _bsim2_site(tmp):
    from twin.site import sites_dir

    text = (sites_dir() / "demo.toml").read_text()
    text = text.replace('name = "demo"', 'name = "demo_1000"', 1)
    text = text.replace("count = 8\ncdu = \"in_row_1350kw\"\nracks_per_cdu = 8",
                        "count = 1000\ncdu = \"in_row_1350kw\"\nracks_per_cdu = 8")
    text = text.replace("tower_count = 1\n", "tower_count = 20\n")
    text = text.replace('pipe_length = "400 m"', 'pipe_length = "1000 m"')
    text = text.replace('P_import_max = "3 MW"', 'P_import_max = "200 MW"')
    text = text.replace('model = "unit_substation_3mva"\ncount = 2\nspares = 1',
                        'model = "substation_138kv_100mva"\ncount = 3\nspares = 1')
    text = text.replace('model = "unit_substation_3mva"\ncount = 1', 'model = "unit_substation_3mva"\ncount = 60')
    text = text.replace("count = 3\nspares = 1\n[[electrical.bess]]", "count = 110\nspares = 1\n[[electrical.bess]]")
    path = f"{tmp}/demo_1000.toml"
    with open(path, "w") as f:
        f.write(text)
    return path


class _Timers:
    """Wall time spent in the rack kernel, the plant and the electrical network, by wrapping them."""

    def __init__(self):
        import twin.simulation.master as master
        from twin.electrical.network import ElectricalNetwork
        from twin.simulation.plant import PlantODE
        from twin.thermal.rack_array import RackArray

        self.seconds = {"racks": 0.0, "plant_equipment": 0.0, "plant_ode": 0.0, "electrical": 0.0}
        self._wrap(RackArray, "advance", "racks")
        self._wrap(master, "operate", "plant_equipment")
        self._wrap(PlantODE, "advance", "plant_ode")
        self._wrap(ElectricalNetwork, "step_block", "electrical")

    def _wrap(self, owner, name, label):
        inner = getattr(owner, name)
        seconds = self.seconds

        def timed(*args, **kwargs):
            start = time.perf_counter()
            try:
                return inner(*args, **kwargs)
            finally:
                seconds[label] += time.perf_counter() - start

        setattr(owner, name, timed)

    def reset(self):
        for key in self.seconds:
            self.seconds[key] = 0.0


def _power_floor(profile, n_racks: int, hours: float) -> float:
    """Seconds to generate every rack's 1 s power of the run into one reused buffer and sum it."""
    import numpy as np

    buffer = np.empty((60, n_racks))
    start = time.perf_counter()
    total = 0.0
    for block in range(int(hours * 60)):
        total += float(profile.block(60.0 * block, 60, 1.0, n_racks, None, out=buffer).sum())
    return time.perf_counter() - start


def _bsim1(result: dict, numpy_kernel: bool) -> None:
    import twin
    from twin.scenarios import EquipmentOutage
    from twin.workload import TrainingProfile

    if numpy_kernel:
        from twin.thermal import rack_array

        rack_array._compiled = lambda: None
    site = twin.load_site("colossus2")
    profile = TrainingProfile(n_gpus=sum(g.count * g.model.accelerator_count for g in site.rack_groups))
    outage = [EquipmentOutage("cdu", 12 * 3600.0, 2 * 3600.0, 0.6, "gb300")]
    timers = _Timers()
    start = time.perf_counter()
    twin.simulate(site, duration=60.0, plant_step=60.0, resolution="rack", workload=profile)
    result["warm_up_s"] = time.perf_counter() - start
    timers.reset()
    start, cpu = time.perf_counter(), time.process_time()
    ds = twin.simulate(site, duration=86400.0, plant_step=60.0, resolution="rack", workload=profile, events=outage)
    result["wall_s"] = wall = time.perf_counter() - start
    result["cpu_s"] = time.process_time() - cpu
    result["breakdown_s"] = dict(timers.seconds, rest=wall - sum(timers.seconds.values()))
    liquid = [i for i, g in enumerate(site.rack_groups) if g.model.cooling == "liquid"]
    result["racks_with_own_states"] = int(sum(site.rack_groups[i].count for i in liquid))
    result["max_racks_throttled"] = int(ds.n_throttled.sum("group").max())
    result["plant_steps_with_throttling"] = int((ds.n_throttled.sum("group") > 0).sum())
    result["max_die_degC"] = float(ds.T_die_max.max())
    result["energy_residual"] = ds.twin.energy_residual()
    result["power_residual"] = ds.twin.power_residual()
    if not numpy_kernel:
        result["baseline_power_generation_s"] = _power_floor(profile, result["racks_with_own_states"], 24.0)


def _die_error(result: dict) -> None:
    """B-SIM-die: see the module docstring."""
    import numpy as np
    from scipy.integrate import solve_ivp

    import twin
    from twin.scenarios import EquipmentOutage
    from twin.simulation import build
    from twin.thermal.rack_array import rack_state_matrices, rack_steady_state
    from twin.workload import TrainingProfile, rack_power

    site, plant_step, settle = twin.load_site("demo"), 10.0, 300.0
    profile = TrainingProfile(n_gpus=2000, seed=1)
    outage = [EquipmentOutage("cdu", 600.0, 900.0, 0.8, "gb200")]
    ds = twin.simulate(site, duration=1800.0, plant_step=plant_step, resolution="rack", workload=profile,
                       electrical=False, events=outage)
    model = build(site)
    g = model.groups
    liquid = np.flatnonzero(g.liquid)
    i = [group.name for group in site.rack_groups].index("gb200")
    K, n_steps = int(round(plant_step)), ds.sizes["time"]
    rack_group = np.repeat(liquid, g.n_racks[liquid].astype(int))  # the engine's rack order
    # the workload clock counts from standard-time midnight of the start (twin.clock), as the engine's does
    from twin.clock import parse_start, seconds_after_midnight, site_zone, standard_time

    t0 = seconds_after_midnight(standard_time(parse_start("2025-07-21 00:00", site_zone(site)), site))
    P = np.vstack([rack_power(profile, t0 + t, K, 1.0, g.P_peak[rack_group], None).dense()
                   for t in np.arange(n_steps) * plant_step])[:, rack_group == i]
    rack = model.rack_types[i]
    a = rack.accelerator
    A, B = rack_state_matrices(rack)
    f_acc, f_other = rack.accelerator_power_fraction, rack.liquid_fraction - rack.accelerator_power_fraction
    T_supply = ds.T_tcs_supply.values[:, i]
    if ds.n_tripped.values[:, i].max() > 0 or ds.n_shutdown.values[:, i].max() > 0:
        raise RuntimeError("the die-error case must throttle without tripping or shutting down")

    def end(x0, P_acc, P_other, T_in):
        u = np.array([P_acc, P_other, T_in])
        return solve_ivp(lambda _t, y: A @ y + B @ u, (0.0, 1.0), x0, method="DOP853",
                         rtol=1e-10, atol=1e-10).y[:, -1]

    x = np.array(rack_steady_state(rack, P[0], T_supply[0]))
    worst_max = worst_mean = 0.0
    for k in range(n_steps):
        peak, total = np.full(P.shape[1], -np.inf), 0.0
        for step in range(K):
            d = P[k * K + step]
            for r in range(P.shape[1]):
                full = end(x[:, r], f_acc * d[r], f_other * d[r], T_supply[k])
                if full[0] > a.T_throttle:  # the throttling law on the reference's own trajectory
                    zero = end(x[:, r], 0.0, f_other * d[r], T_supply[k])
                    s = np.clip((a.T_shutdown - zero[0]) / (a.T_shutdown - a.T_throttle + full[0] - zero[0]), 0, 1)
                    full = zero + s * (full - zero)
                x[:, r] = full
                peak[r] = max(peak[r], full[0])
                total += full[0]
        if k * plant_step >= settle:
            worst_max = max(worst_max, abs(peak.max() - float(ds.T_die_max.values[k, i])))
            worst_mean = max(worst_mean, abs(total / (K * P.shape[1]) - float(ds.T_die_mean.values[k, i])))
    result["die_error_max_K"] = worst_max
    result["die_mean_error_K"] = worst_mean
    result["plant_steps_compared"] = int(n_steps - settle / plant_step)
    result["plant_steps_throttled"] = int((ds.n_throttled.values[int(settle / plant_step):, i] > 0).sum())
    result["racks_compared"] = int(P.shape[1])


def run_case(case: str) -> dict:
    import resource
    import tempfile

    import twin
    from twin.workload import TrainingProfile

    result = {"case": case}
    if case in ("B-SIM-1", "B-SIM-1-numpy"):
        _bsim1(result, numpy_kernel=case.endswith("numpy"))
    elif case == "B-SIM-2":
        site = twin.load_site(_bsim2_site(tempfile.mkdtemp()))
        profile = TrainingProfile(n_gpus=sum(g.count * g.model.accelerator_count for g in site.rack_groups))
        n_racks = sum(g.count for g in site.rack_groups if g.model.cooling == "liquid")
        kwargs = dict(plant_step=60.0, resolution="rack", workload=profile, electrical=False)
        twin.simulate(site, duration=60.0, **kwargs)
        start, cpu = time.perf_counter(), time.process_time()
        ds = twin.simulate(site, duration=3600.0, **kwargs)
        result["wall_s"] = time.perf_counter() - start
        result["cpu_s"] = time.process_time() - cpu
        result["energy_residual"] = ds.twin.energy_residual()
        result["racks_with_own_states"] = n_racks
        result["baseline_power_generation_s"] = _power_floor(profile, n_racks, 1.0)
        from twin.simulation import plant  # same-run baseline: the plant on its numpy reference through solve_ivp

        plant._kernel = lambda: None
        start, cpu = time.perf_counter(), time.process_time()
        reference = twin.simulate(site, duration=3600.0, **kwargs)
        result["baseline_numpy_plant_wall_s"] = time.perf_counter() - start
        result["baseline_numpy_plant_cpu_s"] = time.process_time() - cpu
        result["max_difference_against_baseline_K"] = {
            name: float(abs(reference[name] - ds[name]).max()) for name in ("T_fws_supply", "T_tcs_supply", "T_die_max")}
    elif case == "B-SIM-30d":
        site = twin.load_site("colossus2")
        profile = TrainingProfile(n_gpus=sum(g.count * g.model.accelerator_count for g in site.rack_groups))
        kwargs = dict(plant_step=60.0, resolution="rack", workload=profile)
        twin.simulate(site, duration=60.0, **kwargs)
        start, cpu = time.perf_counter(), time.process_time()
        twin.simulate(site, duration=86400.0, **kwargs)
        result["one_day_s"], result["one_day_cpu_s"] = time.perf_counter() - start, time.process_time() - cpu
        start, cpu = time.perf_counter(), time.process_time()
        ds = twin.simulate(site, duration=30 * 86400.0, **kwargs)
        result["thirty_days_s"], result["thirty_days_cpu_s"] = time.perf_counter() - start, time.process_time() - cpu
        result["ratio"] = result["thirty_days_s"] / result["one_day_s"]
        result["ratio_cpu"] = result["thirty_days_cpu_s"] / result["one_day_cpu_s"]
        result["energy_residual"] = ds.twin.energy_residual()
    elif case == "B-SIM-3":
        site = twin.load_site("cortex")
        profile = TrainingProfile(n_gpus=100_000)
        start, cpu = time.perf_counter(), time.process_time()
        ds = twin.simulate(site, duration=365 * 86400.0, plant_step=60.0, mode="quasi_steady", workload=profile)
        result["wall_s"], result["cpu_s"] = time.perf_counter() - start, time.process_time() - cpu
        result["annual_pue_it_plus_cooling"] = ds.twin.pue()
        start = time.perf_counter()
        twin.simulate(site, duration=86400.0, plant_step=60.0, workload=profile, electrical=False)
        result["baseline_dynamic_day_x365_s"] = (time.perf_counter() - start) * 365
    else:
        _die_error(result)
    result["peak_rss_GB"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e6
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--case", action="append", choices=CASES)
    parser.add_argument("--child", choices=CASES, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(run_case(args.child)))
        return
    import os
    import resource

    for case in args.case or CASES:
        start, before = time.perf_counter(), resource.getrusage(resource.RUSAGE_CHILDREN)
        out = subprocess.run([sys.executable, __file__, "--child", case], capture_output=True, text=True, check=True)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        result = json.loads(out.stdout.strip().splitlines()[-1])
        result["process_s"] = time.perf_counter() - start
        result["process_cpu_s"] = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        result["load_average_after"] = os.getloadavg()
        print(json.dumps(result, indent=1), flush=True)


if __name__ == "__main__":
    main()
