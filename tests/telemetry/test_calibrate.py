"""Calibration on SYNTHETIC telemetry with hidden parameters: recovery within the stated uncertainty.

Truth: the gb200 CDU bank fouled to 70 % of its UA and the facility pumps drawing 15 % more
than their curve, from the first sample; the calibration is not told.  Claim: every fitted
multiplier lies within 3 of its standard deviations (from the Jacobian) of the truth, the
chiller multiplier is reported as not identifiable (the chillers never run in this July week
on towers), and the held-out window's RMSE falls on the tags the faults touch.
"""

from __future__ import annotations

import pandas as pd
import pytest
from typer.testing import CliRunner

from tests.conftest import assert_bad_input
from twin.cli import app
from twin.telemetry.calibrate import calibrate, read_overlay, write_overlay
from twin.telemetry.replay import replay
from twin.telemetry.synthetic import Fault, synthesize, write

START = pd.Timestamp("2025-07-14 05:00")
TRUTH = {"UA_cdu[gb200]": 0.7, "UA_cdu[h100]": 1.0, "P_fws_pumps[fws]": 1.15}


@pytest.fixture(scope="module")
def hidden(demo, demo_map):
    faults = [Fault("fouling", "gb200", START, 0.7), Fault("pump", "fws", START, 1.15)]
    data, _ = synthesize(demo, demo_map, start=START, days=1.5, seed=7, faults=faults)
    return data


def test_parameters_recovered_within_their_uncertainty(demo, demo_map, hidden, tmp_path):
    result = calibrate(demo, hidden, demo_map, names=[*TRUTH, "COP_chiller[fws]"], thin=5)
    fitted = dict(zip(result.names, zip(result.value, result.std, result.identifiable)))
    for name, truth in TRUTH.items():
        value, std, ok = fitted[name]
        assert ok and abs(value - truth) <= 3 * std + 1e-4, (name, value, std)
        assert std < 0.02, (name, std)
    assert not fitted["COP_chiller[fws]"][2]
    rmse = result.validation
    for tag in ("GB200.CDU.VALVE", "FWS.FWS.PUMPS.KW", "FWS.FWS.FLOW"):
        before, after, verdict = rmse[tag]
        assert after < 0.5 * before and verdict == "pass", (tag, rmse[tag])
    # the overlay round-trips and the replay accepts it
    path = tmp_path / "overlay.toml"
    write_overlay(result, path, source="synthetic")
    parameters = read_overlay(path, demo)
    assert set(parameters) == set(TRUTH)
    ds = replay(demo, hidden, demo_map, parameters=parameters)
    assert str(ds.gl14.sel(tag="GB200.CDU.VALVE").values) == "pass"


def test_calibrate_command_writes_an_overlay(demo_map, hidden, tmp_path):
    data = tmp_path / "hidden.parquet"
    write(hidden, data)
    overlay = tmp_path / "calibrated.toml"
    # from a moment on (after an alarm, say): the window is the data the fit and the validation see
    result = CliRunner().invoke(app, ["telemetry", "calibrate", "demo", "--telemetry", str(data), "--map",
                                      demo_map.file, "--parameter", "UA_cdu[gb200]", "--out", str(overlay),
                                      "--start", "2025-07-14T12:00:00-05:00"], terminal_width=200)
    assert result.exit_code == 0, result.output
    assert overlay.exists() and "UA_cdu[gb200]" in overlay.read_text()
    assert "held-out" in result.output
    assert "UA_cdu[gb200]" in result.output  # the name is printed as text, not read as markup
    assert "on 2025-07-14 17:00" in result.output  # 12:00 at -05:00 is 17:00 UTC
    result = CliRunner().invoke(app, ["telemetry", "calibrate", "demo", "--telemetry", str(data), "--map",
                                      demo_map.file, "--out", str(overlay), "--start", "2026-01-01"],
                                terminal_width=200)
    assert_bad_input(result, "--start/--end", "no samples")
