"""SYNTHETIC telemetry whose truth is the engine's dynamic co-simulation (``truth="dynamic"``).

The quasi-steady truth jumps to the new steady state at a load step; a plant does not. These tests
check that the dynamic truth is the engine's run under the same per-group load and weather, and
measure both trackers' false alarms on it (demo, day 1 of the fault-free week's seed, 6 h training).
Claims (stated bounds; measured in the comments):
- the truth's energy residual |r| < 1e-4 (1.5e-6); IT power per group equals the quasi-steady
  generator's (same load profile) to 1e-9; weather and set-points equal;
- an hour or more after a load step the dynamic and quasi-steady truths agree: facility and TCS
  temperatures within 0.15 K (0.110), valves within 0.005 (0.0029), cooling power within 1 % (0.67 %);
  near load steps they differ by up to ~2 K (the transients the quasi-steady truth lacks);
- the offset filter, 0 alarms on the quasi-steady truth of the same day, raises at least 3 alerts on
  the dynamic truth (measured 5 alerts, 12 alarm episodes in 18 h); the EKF on the plant's ODE
  states at most 1 (measured 0).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from tests.conftest import assert_bad_input
from twin.cli import app
from twin.errors import InputError
from twin.telemetry.replay import replay
from twin.telemetry.synthetic import Fault, synthesize, truth
from twin.telemetry.track import track
from twin.workload import GroupScheduleProfile

START = pd.Timestamp("2025-07-14 05:00")
TRAIN = 6 * 3600


def episodes(ds, n_train: int) -> int:
    """Alarm episodes after training: each time a CUSUM passes its threshold from below."""
    h = ds.attrs["cusum_h"]
    count = 0
    for name in ("cusum_high", "cusum_low"):
        a = ds[name].values > h
        a[:n_train] = False
        count += int((a[1:] & ~a[:-1]).sum())
    return count


@pytest.fixture(scope="module")
def day(demo, demo_map):
    """Day 1 of the fault-free week (seed 21) with both truths."""
    return {kind: synthesize(demo, demo_map, start=START, days=1, seed=21, truth=kind)
            for kind in ("quasi_steady", "dynamic")}


def test_dynamic_truth_is_the_engine_run_under_the_same_inputs(day):
    (_, qs), (data, dyn) = day["quasi_steady"], day["dynamic"]
    assert dyn["truth"] == "dynamic" and "SYNTHETIC" in data.notes[0]
    assert abs(dyn["energy_residual"]) < 1e-4
    np.testing.assert_allclose(dyn["inputs"]["P_it"], qs["inputs"]["P_it"], rtol=1e-9)
    for name in ("T_dry_bulb", "T_wet_bulb", "T_set"):
        np.testing.assert_array_equal(dyn["inputs"][name], qs["inputs"][name])
    P = qs["inputs"]["P_it"].sum(-1)
    step = np.r_[False, np.abs(np.diff(P)) > 0.02 * P.mean()]
    last = np.maximum.accumulate(np.where(step, np.arange(P.size), -10 ** 6))
    quiet = np.arange(P.size) - last >= 60  # an hour after the last load step
    assert quiet.sum() > 300
    a, b = dyn["state"], qs["state"]
    for name in ("T_fws_supply", "T_fws_return", "T_tcs_supply"):
        diff = np.abs(a[name] - b[name])
        assert np.nanmax(diff[quiet]) < 0.15, name
    assert np.nanmax(np.abs(a["valve"] - b["valve"])[quiet]) < 0.005
    assert np.nanmax(np.abs(a["P_cooling"] / b["P_cooling"] - 1)[quiet]) < 0.01
    assert np.nanmax(np.abs(a["T_fws_return"] - b["T_fws_return"])) > 0.5  # the transients are there


def test_false_alarms_of_both_trackers_on_the_dynamic_truth(demo, demo_map, day):
    n_train = TRAIN // 60
    counts = {}
    for kind, (data, _) in day.items():
        ds = replay(demo, data, demo_map)
        for estimator in ("offset", "ekf") if kind == "dynamic" else ("offset",):
            out, alerts = track(ds, train=TRAIN, estimator=estimator)
            counts[kind, estimator] = (len(alerts), episodes(out, n_train))
    print("\nalerts, alarm episodes in 18 h:", counts)
    assert counts["quasi_steady", "offset"] == (0, 0)
    assert counts["dynamic", "offset"][0] >= 3
    assert counts["dynamic", "ekf"][0] <= 1


def test_group_schedule_profile():
    f = np.array([[0.5, 0.9], [0.7, 0.1]])
    p = GroupScheduleProfile(f, (2, 1), 60.0, weights=(1.0, 3.0))
    block = p.block(0.0, 4, 30.0, 3, np.random.default_rng(0))
    np.testing.assert_allclose(block, [[0.5, 0.5, 0.9]] * 2 + [[0.7, 0.7, 0.1]] * 2)
    np.testing.assert_allclose(p.site_fraction(np.array([0.0, 60.0, 120.0])), [0.8, 0.25, 0.25])
    assert p.mean_fraction() == pytest.approx((0.6 + 3 * 0.5) / 4)
    with pytest.raises(InputError, match="racks"):
        p.block(0.0, 4, 30.0, 5, np.random.default_rng(0))
    with pytest.raises(InputError, match="racks"):
        GroupScheduleProfile(f, (2,), 60.0).site_fraction(np.array([0.0, 60.0]))


def test_dynamic_truth_refuses_a_fault_it_does_not_model(demo):
    time = pd.date_range(START, periods=10, freq="60s")
    with pytest.raises(InputError, match="truth='dynamic'"):
        truth(demo, time, 60.0, 0, [Fault("chiller", "fws", START, 0.8)], kind="dynamic")
    with pytest.raises(InputError, match="truth"):
        truth(demo, time, 60.0, 0, kind="steady")


def test_synth_command_with_the_dynamic_truth(tmp_path):
    runner = CliRunner()
    data, tags = tmp_path / "demo.csv", tmp_path / "tags.toml"
    args = ["telemetry", "synth", "demo", "--out", str(data), "--map-out", str(tags), "--days", "0.05"]
    result = runner.invoke(app, args + ["--truth", "dynamic"], terminal_width=200)
    assert result.exit_code == 0, result.output
    assert "SYNTHETIC telemetry of demo (dynamic truth)" in result.output
    assert len(pd.read_csv(data)) > 1000
    assert_bad_input(runner.invoke(app, args + ["--truth", "steady"], terminal_width=200), "truth", "steady")


def test_drift_detected_on_the_dynamic_truth(demo, demo_map):
    """The return sensor drifting 0.5 degF/h from 20:12 on day 1 (seed 33, 6 h training): the offset
    filter within the 60 min of test_detection.py (measured 27 min, start 1 min late); the EKF later,
    stated within 2 h (measured 67 min, start 23 min late: on this short window it misses the 60 min
    bound; with 24 h training it takes 28 min, B-TEL-5); neither alarms before the fault."""
    fault, tag = START + pd.Timedelta(hours=15.2), "FWS.FWS.RETURN_TEMP"
    data, _ = synthesize(demo, demo_map, start=START, days=1, seed=33, truth="dynamic",
                         faults=[Fault("drift", tag, fault, 0.5)])
    ds = replay(demo, data, demo_map)
    for estimator, delay in (("offset", 60), ("ekf", 120)):
        _, alerts = track(ds, train=TRAIN, estimator=estimator)
        assert not [a for a in alerts if a.detected < fault], estimator
        first = next(a for a in alerts if a.tag == tag and a.direction == "high")
        print(f"\n{estimator}: detected after {first.detected - fault}, start {first.start - fault}")
        assert first.detected - fault <= pd.Timedelta(minutes=delay), (estimator, str(first))
        assert abs(first.start - fault) <= pd.Timedelta(minutes=delay // 2), (estimator, str(first))
