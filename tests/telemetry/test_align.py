"""Clock alignment (twin.telemetry.align) on SYNTHETIC telemetry with the dynamic truth and known skews.

Demo, seed 5, 12 h of 1-minute data from 2025-07-14 05:00 UTC (a different seed from the benchmark
week, B-TEL-5, which is seed 21), the whole 12 h as the training window.  The skew is estimated
against the twin (the dynamic plant's open-loop prediction driven by the measured inputs): on data
with no skew its estimate is the twin's own lag behind the engine's dynamic co-simulation, so the
recovery claims are on the estimate's change when a known skew is added.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from twin.site import load_site
from twin.telemetry.align import MIN_CONTRAST, estimate_skews, snap
from twin.telemetry.sources import Telemetry
from twin.telemetry.synthetic import default_tagmap, synthesize, write
from twin.telemetry.tagmap import load_tagmap

START = pd.Timestamp("2025-07-14 05:00")
TRAIN = 12 * 3600.0
#: Known skews (s) added to four output tags of the skew-free data.
ADDED = {"GB200.CDU.VALVE": 45.0, "DOJO.CDU.VALVE": 75.0, "FWS.FWS.RETURN_TEMP": 90.0, "FWS.FWS.PUMPS.KW": -60.0}
#: Tolerance of a recovered skew (s), 1-minute data with load steps.
TOLERANCE = 5.0


@pytest.fixture(scope="module")
def case(tmp_path_factory):
    site = load_site("demo")
    folder = tmp_path_factory.mktemp("align")
    (folder / "tags.toml").write_text(default_tagmap(site))
    tagmap = load_tagmap(folder / "tags.toml", site)
    clean, truth = synthesize(site, tagmap, start=START, days=0.5, seed=5, truth="dynamic", skew_max=0)
    skewed, _ = synthesize(site, tagmap, start=START, days=0.5, seed=5, truth="dynamic")  # the generator's +-20 s
    return site, tagmap, clean, skewed, truth, folder


def _shifted(data: Telemetry, shifts: dict[str, float]) -> Telemetry:
    frame = data.frame.copy()
    for tag, s in shifts.items():
        rows = frame["tag"] == tag
        frame.loc[rows, "time"] = frame.loc[rows, "time"] + pd.Timedelta(seconds=s)
    return Telemetry(frame.sort_values("time", kind="stable").reset_index(drop=True), data.source)


def _generator_skews(data: Telemetry) -> dict[str, float]:
    """The generator's skew of each tag, read off its timestamps (1-minute grid, |skew| <= 20 s < 30 s)."""
    t = data.frame["time"].to_numpy().astype("datetime64[ns]").astype(np.int64) / 1e9
    tags = data.frame["tag"].to_numpy()
    return {tag: float(np.median((t[tags == tag] - np.round(t[tags == tag] / 60) * 60))) for tag in set(tags)}


def test_known_skews_are_recovered(case):
    site, tagmap, clean, _, _, _ = case
    base = {k.tag: k for k in estimate_skews(site, clean, tagmap, train=TRAIN)}
    moved = {k.tag: k for k in estimate_skews(site, _shifted(clean, ADDED), tagmap, train=TRAIN)}
    print("\nskew-free data: the twin's lag (s):", {t: round(k.seconds, 1) for t, k in base.items() if k.identifiable})
    for tag, added in ADDED.items():
        assert base[tag].identifiable and moved[tag].identifiable, (tag, base[tag], moved[tag])
        change = moved[tag].seconds - base[tag].seconds
        print(f"{tag}: added {added:+.0f} s, estimate moved {change:+.1f} s (contrast {moved[tag].contrast:.2f})")
        assert abs(change - added) <= TOLERANCE
    # the tags left alone (no skew) keep their skew-free estimate
    for tag, k in base.items():
        if tag not in ADDED and k.identifiable:
            assert abs(moved[tag].seconds - k.seconds) <= 1.0, tag
    # on skew-free data the estimate is the twin's lag behind the engine's dynamic run: within 30 s
    for k in base.values():
        if k.identifiable:
            assert abs(k.seconds) <= 30.0, k


def test_generator_skews_are_recovered(case):
    site, tagmap, clean, skewed, _, _ = case
    truth = _generator_skews(skewed)
    assert set(_generator_skews(clean).values()) == {0.0}
    base = {k.tag: k for k in estimate_skews(site, clean, tagmap, train=TRAIN)}
    found = {k.tag: k for k in estimate_skews(site, skewed, tagmap, train=TRAIN)}
    both = [t for t in found if found[t].identifiable and base[t].identifiable]
    errors = {t: found[t].seconds - base[t].seconds - truth[t] for t in both}
    print("\ngenerator's skews (s):", {t: truth[t] for t in found})
    print("recovered minus true (s):", {t: round(e, 1) for t, e in errors.items()},
          f"{len(both)} of {len(found)} output tags identifiable")
    assert len(both) >= 5
    assert max(abs(e) for e in errors.values()) <= TOLERANCE


def test_no_load_steps_is_not_identifiable(case):
    site, tagmap, _, skewed, truth, _ = case
    P = truth["inputs"]["P_it"]
    step = np.flatnonzero((np.abs(np.diff(P, axis=0)) > 0.02 * P.mean(0)).any(-1)) + 1
    edges = np.r_[0, step, len(P)]
    k = int(np.argmax(np.diff(edges)))
    a, b = edges[k] + 15, edges[k + 1] - 5  # clear of the transients either side
    assert b - a >= 150, "the case needs 2.5 h without a load step"
    frame = skewed.frame
    times = truth["time"]
    quiet = Telemetry(frame[(frame["time"] >= times[a]) & (frame["time"] < times[b])].reset_index(drop=True),
                      skewed.source)
    found = estimate_skews(site, quiet, tagmap, train=(b - a) * 60.0)
    print(f"\n{(b - a) / 60:.1f} h without a load step:", {k.tag: round(k.contrast, 2) for k in found})
    assert not any(k.identifiable for k in found)
    assert all(k.contrast < MIN_CONTRAST for k in found)


def test_snap_puts_point_samples_on_their_nearest_step(case):
    _, tagmap, clean, _, _, _ = case
    tag = "GB200.IT.KW"
    moved = snap(_shifted(clean, {tag: -20.0, "FWS.FWS.FLOW": 25.0}), tagmap, 60.0)
    original = clean.series(tag)
    assert moved.series(tag).index.equals(original.index)  # 20 s early: back on its own step, not the one before
    assert moved.series("FWS.FWS.FLOW").index.equals(clean.series("FWS.FWS.FLOW").index)
    half = snap(_shifted(clean, {tag: 30.0}), tagmap, 60.0).series(tag).index  # exactly half a step: all one way
    assert half.equals(original.index + pd.Timedelta(seconds=60)) and not half.duplicated().any()


def test_replay_and_check_with_alignment(case):
    from typer.testing import CliRunner

    from twin.cli import app
    from twin.telemetry.replay import replay

    site, tagmap, _, skewed, _, folder = case
    data = _shifted(skewed, {"FWS.FWS.RETURN_TEMP": 60.0})
    ds = replay(site, data, tagmap, align=True, align_train=TRAIN)
    skew = dict(zip(ds["tag"].values.tolist(), ds["clock_skew"].values.tolist()))
    assert skew["FWS.FWS.RETURN_TEMP"] > 45.0
    assert "clock:" in ds.attrs["notes"]
    path = folder / "skewed.csv"
    write(data, path)
    result = CliRunner().invoke(app, ["telemetry", "check", "demo", str(folder / "tags.toml"), str(path), "--align"],
                                terminal_width=250)
    assert result.exit_code == 0, result.output
    lines = [line for line in result.output.splitlines() if line.startswith("clock_skew: FWS.FWS.RETURN_TEMP")]
    assert len(lines) == 1 and "late against the twin" in lines[0], result.output
