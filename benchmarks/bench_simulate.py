"""End-to-end simulation benchmarks B-SIM-1, B-SIM-2 and B-SIM-3 through ``twin.simulate``.

B-SIM-1: ``colossus2`` at full rack resolution (7,640 NVL72 racks, each with its
own die, cold-plate and coolant states; 2,600 rear-door racks at group level),
24 h, IT power changing every 1 s (training profile: 4 s iterations, per-rack
jitter, checkpoints, restarts), plant step 60 s.  Targets <= 15 s, <= 4 GB.
B-SIM-2: 1,000 GB200 NVL72 racks (the demo hall scaled up), 1 h at 1 s, <= 0.3 s.
B-SIM-3: ``cortex`` one year at 60 s steps, racks aggregated (quasi-steady
plant), <= 10 s.  B-SIM-1-coupled: B-SIM-1 with the electrical network stepped at
every 1 s IT step (grid, 60 turbines, 168 Megapacks), against B-SIM-1 thermal-only
in the same process: <= 1.5x.

Timings are warm: a one-step run first pays the imports (reported as
``warm_up_s``).  Same-run baselines: for B-SIM-1 and B-SIM-2 the unavoidable part, generating
the per-rack 1 s power of the same workload and summing it once (a memory
bandwidth floor); for B-SIM-3 the dynamic mode over one simulated day, scaled
to a year.  Each case runs in its own process so peak memory is its own.

    .venv/bin/python benchmarks/bench_simulate.py [--case B-SIM-1 ...]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time

CASES = ("B-SIM-1", "B-SIM-2", "B-SIM-3", "B-SIM-1-coupled")


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


def run_case(case: str) -> dict:
    import resource
    import tempfile

    import numpy as np

    import twin
    from twin.workload import TrainingProfile

    result = {"case": case}
    if case == "B-SIM-1-coupled":
        site = twin.load_site("colossus2")
        profile = TrainingProfile(n_gpus=550_000)
        kwargs = dict(duration=86400.0, plant_step=60.0, resolution="rack", workload=profile)
        twin.simulate(site, **dict(kwargs, duration=60.0))
        for label, electrical in (("thermal_only_s", False), ("coupled_s", True)):
            start = time.perf_counter()
            ds = twin.simulate(site, electrical=electrical, **kwargs)
            result[label] = time.perf_counter() - start
        result["ratio"] = result["coupled_s"] / result["thermal_only_s"]
        result["power_residual"] = ds.twin.power_residual()
        result["energy_residual"] = ds.twin.energy_residual()
    elif case in ("B-SIM-1", "B-SIM-2"):
        if case == "B-SIM-1":
            site, hours = twin.load_site("colossus2"), 24.0
        else:
            site, hours = twin.load_site(_bsim2_site(tempfile.mkdtemp())), 1.0
        gpus = sum(g.count * g.model.accelerator_count for g in site.rack_groups)
        profile = TrainingProfile(n_gpus=gpus)
        liquid = [g for g in site.rack_groups if g.model.cooling == "liquid"]
        n_racks = sum(g.count for g in liquid)
        start = time.perf_counter()  # first call: imports and cached tables, reported apart
        twin.simulate(site, duration=60.0, plant_step=60.0, resolution="rack", workload=profile, electrical=False)
        result["warm_up_s"] = time.perf_counter() - start
        start = time.perf_counter()
        ds = twin.simulate(site, duration=hours * 3600, plant_step=60.0, resolution="rack", workload=profile,
                           electrical=False)
        result["wall_s"] = time.perf_counter() - start
        result["energy_residual"] = ds.twin.energy_residual()
        result["max_die_degC"] = float(ds.T_die_max.max())
        result["racks_with_own_states"] = n_racks
        rng = np.random.default_rng(0)
        start = time.perf_counter()
        total = 0.0
        for block in range(int(hours * 60)):
            total += float(profile.block(60.0 * block, 60, 1.0, n_racks, rng).sum())
        result["baseline_power_generation_s"] = time.perf_counter() - start
    else:
        site = twin.load_site("cortex")
        profile = TrainingProfile(n_gpus=100_000)
        start = time.perf_counter()
        ds = twin.simulate(site, duration=365 * 86400.0, plant_step=60.0, mode="quasi_steady", workload=profile)
        result["wall_s"] = time.perf_counter() - start
        result["annual_pue_it_plus_cooling"] = ds.twin.pue()
        start = time.perf_counter()
        twin.simulate(site, duration=86400.0, plant_step=60.0, workload=profile, electrical=False)
        result["baseline_dynamic_day_x365_s"] = (time.perf_counter() - start) * 365
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
    for case in args.case or CASES:
        out = subprocess.run([sys.executable, __file__, "--child", case], capture_output=True, text=True, check=True)
        result = json.loads(out.stdout.strip().splitlines()[-1])
        print(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
