"""Telemetry benchmarks B-TEL-1 (replay) and B-TEL-2 (online tracking at 1 s).

B-TEL-1: a week of 1-minute SYNTHETIC telemetry of colossus1 (its generated tag map: IT power
per rack group, weather, CDU, facility-loop and plant tags) read from Parquet and replayed
through the twin (steady state at every step, per-tag GL14 statistics), then tracked (Kalman
filter + CUSUM).  Target: < 60 s.  Same-run baseline: ``twin.simulate(colossus1,
mode="quasi_steady")`` over the same week at 60 s (the engine's own fast path, no data handling).

B-TEL-2: what ``twin watch`` runs (:class:`twin.telemetry.online.Follower`: replay of the new steps,
then the tracker) fed 1 s data of the whole site (every tag every second) after a 10 min training
window, in polls of 1 s (strict real time) and of 10 s, over ``--seconds`` of data.
Real-time margin = data seconds / compute seconds.

B-TEL-3: the extended Kalman filter on the plant's ODE states (:mod:`twin.telemetry.estimate`) fed
the same kind of 1 s data of demo and colossus1, one sample per step: an ODE step, the Jacobians by
forward differences and the covariance update per data second, with the transition matrix
``expm(A dt)`` recomputed every step and every 60 steps.  Same-run baseline: the offset tracker
(:class:`twin.telemetry.track.Tracker`) fed the same data one replayed step at a time.

B-TEL-4 (``--detection``): the cases of ``tests/telemetry/test_detection.py`` at full length (the
fault-free week, fouling, pumps +30 %, a drifting sensor; demo, 24 h training) through both trackers,
``track(..., estimator="offset")``, ``"ekf"`` and ``"ekf-params"``: false alarms, delays, start errors,
alerts after the fault, CPU time and, with ``ekf-params``, the UA and pump power estimates (the table
in docs/telemetry.md).  With ``--truth dynamic`` (B-TEL-5): the fault-free week again, its truth the
engine's dynamic co-simulation instead of the steady state (``synthesize(..., truth="dynamic")``),
and B-TEL-4's drift, fouling and pump cases on the dynamic truth (``--plant-faults-only``: the last two),
through the offset filter and the EKF: alerts, alarm episodes per day and how soon after a load step
they come, the truth's CPU time and energy residual; with the test set's clock skew, without it, and
with it corrected by clock alignment (``replay(..., align=True)``, :mod:`twin.telemetry.align`);
``--align-only`` runs the aligned cases alone.

B-TEL-6 (``--follow``): ``twin watch``'s loop (:class:`twin.telemetry.online.Follower`) on a week of
1-minute demo data in polls of 5 min: CPU per poll on day 2 and on day 7, for the offset filter and
the EKF.  Same-run baseline: one replay and track of the whole week.

    .venv/bin/python benchmarks/bench_telemetry.py [--seconds 600] [--ekf-seconds 600] [--only-ekf] [--detection]
    .venv/bin/python benchmarks/bench_telemetry.py --detection --truth dynamic [--align-only]
    .venv/bin/python benchmarks/bench_telemetry.py --follow
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from twin.simulation import simulate  # noqa: E402
from twin.site import load_site  # noqa: E402
from twin.telemetry.model import model_for  # noqa: E402
from twin.telemetry.online import Follower  # noqa: E402
from twin.telemetry.replay import grid, inputs, replay  # noqa: E402
from twin.telemetry.sources import read_telemetry  # noqa: E402
from twin.telemetry.synthetic import default_tagmap, synthesize, write  # noqa: E402
from twin.telemetry.tagmap import load_tagmap  # noqa: E402
from twin.telemetry.track import Tracker, track  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=600, help="seconds of 1 s data for B-TEL-2")
    parser.add_argument("--ekf-seconds", type=int, default=600, help="seconds of 1 s data for B-TEL-3")
    parser.add_argument("--only-ekf", action="store_true", help="run B-TEL-3 alone")
    parser.add_argument("--detection", action="store_true", help="run B-TEL-4 alone")
    parser.add_argument("--truth", choices=("quasi_steady", "dynamic"), default="quasi_steady",
                        help="with --detection: dynamic runs B-TEL-5 (the fault-free week on the dynamic truth)")
    parser.add_argument("--align-only", action="store_true",
                        help="with --detection --truth dynamic: only the cases with clock alignment")
    parser.add_argument("--plant-faults-only", action="store_true",
                        help="with --detection --truth dynamic: only the fouling and pump cases")
    parser.add_argument("--follow", action="store_true", help="run B-TEL-6 alone")
    args = parser.parse_args()
    if args.follow:
        follow()
        return
    if args.detection and args.truth == "dynamic":
        detection_dynamic()
        return
    if args.detection:
        detection()
        return
    if args.only_ekf:
        for name in ("demo", "colossus1"):
            bench_ekf(name, args.ekf_seconds)
        return
    site = load_site("colossus1")
    with tempfile.TemporaryDirectory() as folder:
        tags = Path(folder) / "tags.toml"
        tags.write_text(default_tagmap(site))
        tagmap = load_tagmap(tags, site)
        data, _ = synthesize(site, tagmap, days=7, step=60, seed=1)
        path = Path(folder) / "week.parquet"
        write(data, path)
        t, c = time.perf_counter(), time.process_time()
        week = read_telemetry(path)
        t_read = time.perf_counter() - t
        ds = replay(site, week, tagmap)
        t_replay = time.perf_counter() - t - t_read
        tracked, alerts = track(ds)
        t_total, c_total = time.perf_counter() - t, time.process_time() - c
    t, c = time.perf_counter(), time.process_time()
    simulate(site, start="2025-07-14 00:00", duration=7 * 86400, plant_step=60, mode="quasi_steady")
    t_base, c_base = time.perf_counter() - t, time.process_time() - c
    print(f"B-TEL-1 colossus1, 7 days at 60 s, {len(week.frame):,} samples of {len(tagmap.bindings)} tags: "
          f"read {t_read:.2f} s, replay {t_replay:.2f} s, total with tracking {t_total:.2f} s wall / {c_total:.2f} s CPU "
          f"(target < 60 s); {len(alerts)} alerts on fault-free data; "
          f"baseline twin.simulate quasi_steady same week {t_base:.2f} s wall / {c_base:.2f} s CPU "
          f"(ratio {t_total / t_base:.1f}x wall, {c_total / c_base:.1f}x CPU)")

    # B-TEL-2: 1 s data through what twin watch runs: a 10 min training window, then polls
    train = 600
    second, _ = synthesize(site, tagmap, start="2025-07-15 17:00", days=(train + args.seconds) / 86400, step=1,
                           seed=2)
    frame = second.frame.sort_values("time", kind="stable")
    t0 = frame["time"].min()
    for estimator, batch in (("offset", 1), ("offset", 10), ("ekf", 1), ("ekf", 10)):
        follower = Follower(site, tagmap, step=1.0, train=train, lag=1.0, estimator=estimator)
        follower.feed(frame[frame["time"] < t0 + pd.Timedelta(seconds=train + 60)])
        polls = pd.date_range(t0 + pd.Timedelta(seconds=train + 60), frame["time"].max(), freq=f"{batch}s")
        parts = [frame[(frame["time"] >= lo) & (frame["time"] < hi)] for lo, hi in zip(polls[:-1], polls[1:])]
        steps = follower.tracker.steps
        t, c = time.perf_counter(), time.process_time()
        for part in parts:
            follower.feed(part)
        spent, cpu = time.perf_counter() - t, time.process_time() - c
        n = follower.tracker.steps - steps
        print(f"B-TEL-2 colossus1, twin watch's loop (Follower, {estimator}) on 1 s data ({len(tagmap.of_role('output'))} output "
              f"tags, {train} s training), {n} s tracked in polls of {batch} s: {spent:.2f} s wall / {cpu:.2f} s CPU, "
              f"{1e3 * spent / n:.2f} ms wall per data second, real-time margin {n / spent:.0f}x wall, "
              f"{n / cpu:.0f}x CPU; {len(follower.tracker.alerts)} alerts")
    for name in ("demo", "colossus1"):
        bench_ekf(name, args.ekf_seconds)


def follow() -> None:
    """B-TEL-6: twin watch's cost per poll after a day and after a week (demo, 1-minute SYNTHETIC data,
    polls of 5 min, 24 h training); baseline: one replay and track of everything received so far
    (what a watch that re-reads its history would do at each poll)."""
    site = load_site("demo")
    with tempfile.TemporaryDirectory() as folder:
        tags = Path(folder) / "tags.toml"
        tags.write_text(default_tagmap(site))
        tagmap = load_tagmap(tags, site)
    data, _ = synthesize(site, tagmap, start="2025-07-14 05:00", days=7, seed=21)
    frame = data.frame.sort_values("time", kind="stable")
    polls = pd.date_range(frame["time"].min(), frame["time"].max() + pd.Timedelta(minutes=5), freq="5min")
    parts = [frame[(frame["time"] >= lo) & (frame["time"] < hi)] for lo, hi in zip(polls[:-1], polls[1:])]
    for estimator in ("offset", "ekf"):
        follower = Follower(site, tagmap, estimator=estimator)
        cpu = []
        for part in parts:
            c = time.process_time()
            follower.feed(part)
            cpu.append(time.process_time() - c)
        cpu = np.array(cpu)
        per_day = 24 * 12
        day2, day7 = cpu[per_day + 1:2 * per_day], cpu[6 * per_day:]  # after the poll that trains
        c = time.process_time()
        track(replay(site, data, tagmap), estimator=estimator)
        whole = time.process_time() - c
        print(f"B-TEL-6 demo, twin watch ({estimator}), 1-minute data in polls of 5 min: CPU per poll on day 2 "
              f"{1e3 * day2.mean():.1f} ms, on day 7 {1e3 * day7.mean():.1f} ms (ratio {day7.mean() / day2.mean():.2f}); "
              f"the training poll {cpu[per_day:per_day + 1].sum():.1f} s; baseline: replay and track of the whole "
              f"week at once {whole:.1f} s CPU ({whole / day7.mean():.0f}x a day-7 poll); "
              f"{len(follower.tracker.alerts)} alerts")


def bench_ekf(name: str, seconds: int) -> None:
    """B-TEL-3: the EKF on 1 s data of ``name``, one sample per step; the offset tracker as baseline."""
    from twin.telemetry.estimate import PlantEKF, state_tags
    from twin.telemetry.synthetic import NOISE

    site = load_site(name)
    with tempfile.TemporaryDirectory() as folder:
        tags = Path(folder) / "tags.toml"
        tags.write_text(default_tagmap(site))
        tagmap = load_tagmap(tags, site)
    second, _ = synthesize(site, tagmap, start="2025-07-15 17:00", days=seconds / 86400, step=1, seed=2)
    table = grid(second, tagmap, 1.0)
    model = model_for(site)
    u, _ = inputs(site, model, tagmap, table, 1.0)
    outputs = tagmap.of_role("output")
    measured = np.stack([table[b.tag].to_numpy() for b in outputs], axis=1)
    cols, ekf_tags = state_tags(model, [b.variable for b in outputs], [b.component for b in outputs])
    sigma = np.array([NOISE[outputs[j].spec.kind] * (1.0 if outputs[j].spec.kind in ("temperature", "dimensionless")
                                                     else max(float(np.nanmean(np.abs(measured[:, j]))), 1.0))
                      for j in cols])
    n = len(table)
    ds = replay(site, second, tagmap, step=1.0)
    tracker = Tracker(ds, train=60.0)  # the offset tracker, then one step at a time (replayed already)
    pieces = [ds.isel(time=slice(a, a + 1)) for a in range(tracker.n_train, n)]
    t, c = time.perf_counter(), time.process_time()
    for piece in pieces:
        tracker.update(piece)
    base, base_cpu = (time.perf_counter() - t) * n / len(pieces), (time.process_time() - c) * n / len(pieces)
    for every in (1, 60):
        ekf = PlantEKF(model, ekf_tags, sigma, 1.0, theta=1.0, phi_every=every)
        t, c = time.perf_counter(), time.process_time()
        result = ekf.run(u["P_it"], u["T_dry_bulb"], u["T_wet_bulb"], u["T_set"], measured[:, cols])
        spent, cpu = time.perf_counter() - t, time.process_time() - c
        print(f"B-TEL-3 {name}, EKF on {ekf.n} states, {len(cols)} of {len(outputs)} output tags, {n} s of 1 s data, "
              f"Phi every {every} step(s): {1e3 * spent / n:.2f} ms wall ({1e3 * cpu / n:.2f} ms CPU) per data second, "
              f"real-time margin {n / spent:.0f}x wall, {n / cpu:.0f}x CPU; mean NIS {np.nanmean(result.nis):.1f} "
              f"over {np.mean(result.dof):.1f} tags; baseline offset tracker {1e3 * base / n:.2f} ms wall "
              f"({1e3 * base_cpu / n:.2f} ms CPU) per data second (EKF/offset {spent / base:.1f}x wall, "
              f"{cpu / base_cpu:.1f}x CPU)")


def detection() -> None:
    """B-TEL-4: the test_detection.py cases at full length through the offset filter and the EKF."""
    import pandas as pd

    from twin.telemetry.synthetic import Fault

    site = load_site("demo")
    start = pd.Timestamp("2025-07-14 05:00")
    fault = start + pd.Timedelta(days=1, hours=7, minutes=13)
    cases = {"fault-free week": ([], 7, 21, None),
             "fouling": ([Fault("fouling", "gb200", fault, 0.6)], 2, 33, "GB200.CDU.VALVE"),
             "pumps +30 %": ([Fault("pump", "fws", fault, 1.3)], 2, 33, "FWS.FWS.PUMPS.KW"),
             "drift": ([Fault("drift", "FWS.FWS.RETURN_TEMP", fault, 0.5)], 2, 33, "FWS.FWS.RETURN_TEMP")}
    with tempfile.TemporaryDirectory() as folder:
        tags = Path(folder) / "tags.toml"
        tags.write_text(default_tagmap(site))
        tagmap = load_tagmap(tags, site)
    for name, (faults, days, seed, tag) in cases.items():
        data, _ = synthesize(site, tagmap, start=start, days=days, seed=seed, faults=faults)
        ds = replay(site, data, tagmap)
        for estimator in ("offset", "ekf", "ekf-params"):
            c = time.process_time()
            out, alerts = track(ds, estimator=estimator)
            cpu = time.process_time() - c
            head = f"B-TEL-4 {name}, {estimator}: CPU {cpu:.1f} s"
            if tag is None:
                print(f"{head}; {len(alerts)} false alarms: " + "; ".join(map(str, alerts)))
                continue
            before = [a for a in alerts if a.detected < fault]
            first = next((a for a in alerts if a.tag == tag and a.detected >= fault), None)
            found = (f"first on {tag} after {(first.detected - fault).total_seconds() / 60:.0f} min, start "
                     f"{(first.start - fault).total_seconds() / 60:+.0f} min" if first else f"nothing on {tag}")
            print(f"{head}; {len(before)} alarms before the fault; {found}; {len(alerts) - len(before)} alerts after")
            for variable in ("UA_cdu_multiplier", "P_fws_pumps_multiplier"):
                if variable in out:
                    est = out[variable]
                    hour = est.sel(time=slice(fault - pd.Timedelta(hours=1), fault - pd.Timedelta(minutes=1)))
                    after = est.sel(time=slice(fault + pd.Timedelta(minutes=15), None))
                    print(f"    {variable} ({', '.join(map(str, est[est.dims[1]].values))}): median the hour before "
                          f"the fault {hour.median('time').round(3).values}, from 15 min after it "
                          f"{after.median('time').round(3).values}, range after "
                          f"{after.min('time').round(3).values} .. {after.max('time').round(3).values}")


def detection_dynamic() -> None:
    """B-TEL-5: the fault-free week (seed 21, 24 h training) on the dynamic truth through both trackers,
    with the test set's clock skew (up to 20 s per tag) and without it."""
    import pandas as pd

    site = load_site("demo")
    with tempfile.TemporaryDirectory() as folder:
        tags = Path(folder) / "tags.toml"
        tags.write_text(default_tagmap(site))
        tagmap = load_tagmap(tags, site)
    import sys

    if "--plant-faults-only" in sys.argv:
        return plant_faults_dynamic(site, tagmap)
    from twin.telemetry.align import snap

    # aligned: False, "snap" (tags at the step put on their nearest step, no skew estimated) or True
    aligned_cases = ((20.0, "snap"), (20.0, True), (60.0, "snap"), (60.0, True))
    cases = aligned_cases if "--align-only" in sys.argv else ((20.0, False), (0.0, False)) + aligned_cases
    for skew, aligned in cases:
        c = time.process_time()
        data, truth = synthesize(site, tagmap, start=pd.Timestamp("2025-07-14 05:00"), days=7, seed=21,
                                 truth="dynamic", skew_max=skew)
        print(f"B-TEL-5 dynamic truth, demo, 7 days at 60 s (every rack, 1 s IT steps), clock skew up to {skew:g} s: "
              f"CPU {time.process_time() - c:.1f} s, energy residual {truth['energy_residual']:.1e}")
        c = time.process_time()
        ds = replay(site, snap(data, tagmap, 60.0) if aligned == "snap" else data, tagmap, align=aligned is True)
        if aligned is True:
            print(f"    clock alignment (24 h training): replay with it {time.process_time() - c:.1f} s CPU; estimated "
                  f"skews (s) {dict(zip(ds['tag'].values.tolist(), np.round(ds['clock_skew'].values, 1).tolist()))}")
        n_train = 24 * 60
        masked = track(ds)[0]["transient"].values  # the steps at and after a load step
        edges = np.flatnonzero(masked[1:] & ~masked[:-1]) + 1  # the first masked step of a load step
        edges = edges[edges >= n_train]
        print(f"    load steps after training: {edges.size}")
        for estimator in ("offset", "ekf"):
            c = time.process_time()
            out, alerts = track(ds, estimator=estimator)
            cpu = time.process_time() - c
            h = out.attrs["cusum_h"]
            rises, tags_hit = [], set()
            for name in ("cusum_high", "cusum_low"):
                above = out[name].values > h
                above[:n_train] = False
                for i, j in zip(*np.nonzero(above[1:] & ~above[:-1])):
                    rises.append(i + 1)
                    tags_hit.add(str(out["tag"].values[j]))
            rises = np.sort(np.array(rises, dtype=int))
            days = pd.Series(1, index=pd.DatetimeIndex(out["time"].values[rises])).resample("1D").sum() \
                if rises.size else pd.Series(dtype=int)
            since = np.array([i - edges[edges <= i].max() if (edges <= i).any() else 10 ** 6 for i in rises])
            when = (f"median {np.median(since):.0f} min after a load step, {100 * np.mean(since <= 30):.0f} % within "
                    "30 min of one") if rises.size else "none"
            print(f"B-TEL-5 fault-free week, dynamic truth, skew {skew:g} s{', aligned' if aligned is True else ', snapped only' if aligned else ''}, {estimator}: CPU {cpu:.1f} s; {len(alerts)} "
                  f"alerts (first per tag and direction); {rises.size} alarm episodes over 6 days "
                  f"({rises.size / 6:.1f} a day; by UTC day {list(days.astype(int))}); on {sorted(tags_hit)}; {when}")
    # a sensor fault on the dynamic truth: the return sensor drifting 0.5 degF/h (B-TEL-4's drift case)
    from twin.telemetry.synthetic import Fault

    start = pd.Timestamp("2025-07-14 05:00")
    fault, tag = start + pd.Timedelta(days=1, hours=7, minutes=13), "FWS.FWS.RETURN_TEMP"
    data, _ = synthesize(site, tagmap, start=start, days=2, seed=33, truth="dynamic",
                         faults=[Fault("drift", tag, fault, 0.5)])
    for estimator, aligned in (("offset", False), ("ekf", False), ("offset", True), ("ekf", True)):
        if "--align-only" in sys.argv and not aligned:
            continue
        ds = replay(site, data, tagmap, align=aligned)
        out, alerts = track(ds, estimator=estimator)
        before = [a for a in alerts if a.detected < fault]
        first = next((a for a in alerts if a.tag == tag and a.direction == "high" and a.detected >= fault), None)
        found = (f"first on {tag} after {(first.detected - fault).total_seconds() / 60:.0f} min, start "
                 f"{(first.start - fault).total_seconds() / 60:+.0f} min" if first else f"nothing on {tag}")
        print(f"B-TEL-5 drift 0.5 degF/h, dynamic truth (2 days, seed 33), {estimator}{', aligned' if aligned else ''}: {len(before)} alerts before the "
              f"fault; {found}")
    plant_faults_dynamic(site, tagmap)


def plant_faults_dynamic(site, tagmap) -> None:
    """B-TEL-5's plant faults: B-TEL-4's fouling and pump cases (2 days, seed 33, 24 h training) on the dynamic
    truth, the run split at the fault's start and the second segment continued from the first's final plant
    state with the fault's multiplier; both trackers, without and with clock alignment."""
    import sys

    import pandas as pd

    from twin.telemetry.synthetic import Fault

    start = pd.Timestamp("2025-07-14 05:00")
    at = start + pd.Timedelta(days=1, hours=7, minutes=13)
    for fault, tag in ((Fault("fouling", "gb200", at, 0.6), "GB200.CDU.VALVE"),
                       (Fault("pump", "fws", at, 1.3), "FWS.FWS.PUMPS.KW")):
        c = time.process_time()
        data, truth = synthesize(site, tagmap, start=start, days=2, seed=33, truth="dynamic", faults=[fault])
        synth_cpu = time.process_time() - c
        for aligned in (False, True):
            if "--align-only" in sys.argv and not aligned:
                continue
            ds = replay(site, data, tagmap, align=aligned)
            for estimator in ("offset", "ekf"):
                c = time.process_time()
                out, alerts = track(ds, estimator=estimator)
                cpu = time.process_time() - c
                before = [a for a in alerts if a.detected < at]
                first = next((a for a in alerts if a.tag == tag and a.detected >= at), None)
                found = (f"first on {tag} after {(first.detected - at).total_seconds() / 60:.0f} min, start "
                         f"{(first.start - at).total_seconds() / 60:+.0f} min ({first.direction})"
                         if first else f"nothing on {tag}")
                print(f"B-TEL-5 {fault.kind} {fault.target} x{fault.value:g}, dynamic truth (2 days, seed 33; truth "
                      f"{synth_cpu:.1f} s CPU, energy residual {truth['energy_residual']:.1e}), {estimator}"
                      f"{', aligned' if aligned else ''} (track {cpu:.1f} s CPU): {len(before)} alerts before the "
                      f"fault {[f'{a.tag} {a.direction}' for a in before]}; {found}; "
                      f"{len(alerts) - len(before)} alerts after", flush=True)

if __name__ == "__main__":
    main()
