"""The online tracker is the batch tracker one batch at a time: same CUSUMs, offsets and alarms.

SYNTHETIC data (demo site, 1-minute steps, noise, gaps, clock skew) with facility pumps drawing
30 % more from a hidden start after the 24 h training window.  ``track`` runs over the whole replay;
``OnlineTracker`` is built from that reference and fed the same inputs and measured outputs from the
first step, in batches of 13 steps (not a divisor of the day, so batches straddle load steps).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from twin.telemetry.model import model_for
from twin.telemetry.online import OnlineTracker
from twin.telemetry.replay import grid, inputs, replay
from twin.telemetry.synthetic import Fault, synthesize
from twin.telemetry.track import track

START = pd.Timestamp("2025-07-14 05:00")
FAULT = START + pd.Timedelta(hours=27, minutes=41)


def test_online_tracker_reproduces_the_batch_tracker(demo, demo_map):
    data, _ = synthesize(demo, demo_map, start=START, days=1.25, seed=11, faults=[Fault("pump", "fws", FAULT, 1.3)])
    tracked, alerts = track(replay(demo, data, demo_map))
    assert any(a.tag == "FWS.FWS.PUMPS.KW" for a in alerts)
    model = model_for(demo)
    table = grid(data, demo_map, 60.0)
    u, _ = inputs(demo, model, demo_map, table, 60.0)
    outputs = demo_map.of_role("output")
    assert [b.tag for b in outputs] == list(tracked.tag.values)
    measured = np.stack([table[b.tag].to_numpy() for b in outputs], axis=1)
    tracker = OnlineTracker(model, tracked, outputs)
    n, batch = len(table), 13
    first_alarm = np.full(len(outputs), -1)
    for a in range(0, n, batch):
        sl = slice(a, min(a + batch, n))
        new = tracker.update(u["P_it"][sl], u["T_dry_bulb"][sl], u["T_wet_bulb"][sl], u["T_set"][sl],
                             measured[sl], held=u["held"][sl])
        first_alarm[new] = sl.stop - 1
        end = sl.stop - 1
        np.testing.assert_allclose(tracker.s_hi, tracked.cusum_high.values[end], rtol=1e-9, atol=1e-9)
        np.testing.assert_allclose(tracker.s_lo, tracked.cusum_low.values[end], rtol=1e-9, atol=1e-9)
        np.testing.assert_allclose(tracker.b, tracked.offset.values[end], rtol=1e-9, atol=1e-12)
    # the alarm goes up in the batch that holds the batch tracker's first alarm step
    alarm = tracked.alarm.values
    for j in range(len(outputs)):
        steps = np.flatnonzero(alarm[:, j])
        if steps.size == 0:
            assert first_alarm[j] == -1
        else:
            assert steps[0] <= first_alarm[j] < steps[0] + batch
    j = list(tracked.tag.values).index("FWS.FWS.PUMPS.KW")
    assert tracker.alarm[j] and pd.Timestamp(table.index[first_alarm[j]]) >= FAULT
