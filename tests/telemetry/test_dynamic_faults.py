"""Plant faults on the dynamic truth: CDU fouling and facility pumps on SYNTHETIC telemetry whose truth is
the engine's dynamic co-simulation, run in segments: before the fault's start without it, from the
start with the fault's multiplier (``UA_cdu[group]``, ``P_fws_pumps[loop]``), continued from the first
segment's final plant state (``simulate(..., return_state=True)`` then ``initial_state=``).

Claims (demo, seed 33, day 1, the fault at 20:12 UTC, 6 h training; measured in the comments):
- (2 h window, the fault 61 min in) the truth before the fault is the fault-free truth, bit for bit;
  after it the fouled CDU's valve opens further (mean at least +0.1 in the hour after; measured
  +0.154) and the pumps draw 30 % more (within 1 %; measured x1.2999); the energy residual of every
  segment below 1e-4;
- both trackers (offset filter and EKF) raise no alert before the fault, find it on its tag within
  the 15 min of test_detection.py (measured: fouling on GB200.CDU.VALVE offset 4 min, EKF 6 min;
  pumps on FWS.FWS.PUMPS.KW offset 4 min, EKF 9 min) and place its start within 10 min (measured 0).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from twin.errors import InputError
from twin.telemetry.model import model_for
from twin.telemetry.replay import replay
from twin.telemetry.synthetic import Fault, synthesize, truth
from twin.telemetry.track import diagnose, track

START = pd.Timestamp("2025-07-14 05:00")
FAULT = START + pd.Timedelta(hours=15.2)
TRAIN = 6 * 3600


def test_the_fault_splits_the_dynamic_truth_at_its_start(demo):
    time = pd.date_range(START, periods=120, freq="60s")
    at = time[0] + pd.Timedelta(minutes=60, seconds=30)  # the first sample at or after it: 61 min
    _, clean, _ = truth(demo, time, 60.0, 33, kind="dynamic")
    for fault, check in ((Fault("fouling", "gb200", at, 0.6), "valve"), (Fault("pump", "fws", at, 1.3), "P_fws_pumps")):
        _, fouled, _ = truth(demo, time, 60.0, 33, [fault], kind="dynamic")
        assert abs(fouled["energy_residual"]) < 1e-4
        for name in ("T_tcs_supply", "valve", "T_fws_supply", "T_fws_return", "P_fws_pumps", "T_die_max"):
            np.testing.assert_array_equal(fouled[name][:61], clean[name][:61], err_msg=name)
        if check == "valve":
            gb200 = model_for(demo).groups.names.index("gb200")
            rise = np.nanmean(fouled["valve"][61:, gb200] - clean["valve"][61:, gb200])
            print(f"\nfouled CDU valve: +{rise:.3f} in the hour after the start")
            assert rise >= 0.1
        else:
            ratio = fouled["P_fws_pumps"][61:].sum() / clean["P_fws_pumps"][61:].sum()
            print(f"\npump power after the start: x{ratio:.4f}")
            assert abs(ratio - 1.3) < 0.013


def test_a_fault_the_dynamic_truth_does_not_model_is_refused(demo):
    time = pd.date_range(START, periods=10, freq="60s")
    for fault in (Fault("chiller", "fws", START, 0.8), Fault("outage", "plant", START, 0.0)):
        with pytest.raises(InputError, match="truth='dynamic'"):
            truth(demo, time, 60.0, 0, [fault], kind="dynamic")


@pytest.mark.parametrize("fault,tag", [
    (Fault("fouling", "gb200", FAULT, 0.6), "GB200.CDU.VALVE"),
    (Fault("pump", "fws", FAULT, 1.3), "FWS.FWS.PUMPS.KW"),
])
def test_plant_fault_detected_on_the_dynamic_truth(demo, demo_map, fault, tag):
    data, _ = synthesize(demo, demo_map, start=START, days=1, seed=33, truth="dynamic", faults=[fault])
    ds = replay(demo, data, demo_map)
    for estimator in ("offset", "ekf"):
        _, alerts = track(ds, train=TRAIN, estimator=estimator)
        assert not [a for a in alerts if a.detected < FAULT], (estimator, [str(a) for a in alerts])
        first = next(a for a in alerts if a.tag == tag and a.detected >= FAULT)
        print(f"\n{fault.kind}, {estimator}: on {tag} after {first.detected - FAULT}, start {first.start - FAULT}; "
              f"{diagnose([first])[0]}")
        assert first.detected - FAULT <= pd.Timedelta(minutes=15), (estimator, str(first))
        assert abs(first.start - FAULT) <= pd.Timedelta(minutes=10), (estimator, str(first))
        assert {"fouling": "fouled", "pump": "pumps"}[fault.kind] in diagnose([first])[0]
