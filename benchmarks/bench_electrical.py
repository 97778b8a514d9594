"""Electrical-network benchmark B-EL-1: Colossus 2 for a day at 1 s IT steps.

IT power: ``site_fraction`` of the default ``TrainingProfile`` (4 s
iterations, checkpoints, restarts) times the site IT peak, at 1 s; cooling a
constant 15 % of IT.  The network (:mod:`twin.electrical.network`) is stepped
in blocks of 60 IT steps, as the simulator does once per 60 s plant step, with
and without POI ramp smoothing.  Target: well under 5 s for the 86,400 steps
(the thermal run it rides on takes ~14 s).  Baseline in the same run: the cost
of generating the IT power series, and of one vectorised pass of the loss
chain over the whole day (what the stepping adds on top is the controller
loop).

    .venv/bin/python benchmarks/bench_electrical.py [--hours 24] [--block 60] [--dt 1]
"""

from __future__ import annotations

import argparse
import time

import numpy as np

import twin
from twin.electrical.network import ElectricalControl, ElectricalNetwork, concatenate_blocks, electrical_summary
from twin.workload import TrainingProfile


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hours", type=float, default=24.0)
    parser.add_argument("--block", type=int, default=60, help="IT steps per block (plant step / IT step)")
    parser.add_argument("--dt", type=float, default=1.0, help="IT step (s)")
    parser.add_argument("--site", default="colossus2")
    args = parser.parse_args()

    site = twin.load_site(args.site)
    n = int(round(args.hours * 3600 / args.dt))
    n -= n % args.block

    start = time.perf_counter()
    fraction = TrainingProfile().site_fraction(np.arange(n + 1) * args.dt)[:n]
    P_it = site.P_it_peak * fraction
    P_cooling = 0.15 * P_it
    t_series = time.perf_counter() - start

    network = ElectricalNetwork.from_site(site)
    start = time.perf_counter()
    network.demand(P_it, P_cooling)
    t_chain = time.perf_counter() - start

    print(f"B-EL-1  {site.name}: {n:,} IT steps of {args.dt:g} s in blocks of {args.block}")
    print(f"  baseline: IT power series {t_series:6.3f} s; one vectorised loss-chain pass {t_chain:6.3f} s")
    for label, control in (("no POI smoothing", ElectricalControl()),
                           ("POI ramp limit 1 MW/s", ElectricalControl(poi_ramp_limit=1e6))):
        network = ElectricalNetwork.from_site(site, control)
        start = time.perf_counter()
        state = network.initial_state(P_it[:args.block], P_cooling[:args.block])
        blocks = []
        for k in range(0, n, args.block):
            state, block = network.step_block(state, P_it[k:k + args.block], P_cooling[k:k + args.block],
                                              args.dt, k * args.dt)
            blocks.append(block)
        t_step = time.perf_counter() - start
        arrays = concatenate_blocks(blocks)
        summary = electrical_summary(arrays, args.dt)
        t_total = time.perf_counter() - start
        print(f"  {label:22s} step_block {t_step:6.3f} s ({t_step / n * 1e6:5.2f} us/step), with summary "
              f"{t_total:6.3f} s | POI ramp {summary['P_poi_ramp_max_1s'] / 1e6:6.2f} MW/s, "
              f"unserved {summary['E_unserved'] / 3.6e9:.3f} MWh, turbines online <= "
              f"{summary['turbines_online_max']:.0f}, residual {summary['residual_max_relative']:.1e}")


if __name__ == "__main__":
    main()
