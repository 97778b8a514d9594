"""Calibration of the two-node model to the measured H200 trace, held-out
validation, and the trace's power figures against its README."""

import numpy as np
import pandas as pd
import pytest

from twin.calibrate import fit_accelerator, load_trace, trace_power_statistics
from twin.errors import InputError
from twin.thermal.accelerator import H200_TRACE


@pytest.fixture(scope="module")
def fit():
    return fit_accelerator()


def test_fit_validates_on_held_out_phases(fit):
    # Fit on idle / sustained / cooldown; validate on the 2 s training steps and
    # the checkpoint stall.  Measured: fit RMS 0.59 K, validation RMS 1.34 K
    # (readings are integers: 0.29 K RMS from rounding alone).
    assert fit.validate_phases == ("sync_train_2s_70pct", "ckpt_compute1", "ckpt_pause", "ckpt_compute2")
    assert fit.n_fit > 1000 and fit.n_validate > 700
    assert fit.fit_rms_error_K < 0.8
    assert fit.rms_error_K < 1.7
    assert fit.phase_rms_K["ckpt_compute1"] < 1.0
    assert fit.max_error_K < 12.0  # one 100 ms refresh of timing at a 14 K load step


def test_fit_time_constants_and_rise(fit):
    # README: fast 0.2-0.5 s; slow "about 5 s"; ~25 K rise at ~590 W above idle.
    # The fitted slow mode is longer (10.6 s) as it also absorbs a creep
    # over the 80 s sustained phase.
    assert 0.2 < fit.tau_fast < 0.5
    assert 5.0 < fit.tau_slow < 15.0
    assert fit.rise_per_W * 590.0 == pytest.approx(25.0, rel=0.1)
    assert 20.0 < fit.T_coolant < 27.0  # below the 26-29 degC idle reading
    for name, value in fit.stderr.items():
        assert np.isfinite(value) and value > 0.0, name
    assert fit.stderr["R_die_plate"] < 0.05 * fit.params.R_die_plate


def test_preset_is_the_bundled_fit(fit):
    for name in ("C_die", "C_plate", "R_die_plate", "R_plate_coolant"):
        assert getattr(H200_TRACE, name) == pytest.approx(getattr(fit.params, name), rel=0.01), name


def test_summary_reports_the_fit(fit):
    text = fit.summary()
    assert "time constants" in text and "validation: RMS" in text and "T_coolant" in text


def test_fit_from_a_path_and_from_a_dataframe(gpu_trace_dir, fit):
    folder = gpu_trace_dir
    from_path = fit_accelerator(folder / "trace.csv")
    assert from_path.params.C_die == pytest.approx(fit.params.C_die, rel=1e-9)
    frame = pd.read_csv(folder / "trace.csv")
    phases = pd.read_csv(folder / "phases.csv")
    assert fit_accelerator(frame, phases=phases).rms_error_K == pytest.approx(fit.rms_error_K, rel=1e-9)


def test_bad_csv_names_file_and_column(tmp_path):
    trace, phases, _ = load_trace()
    phases.to_csv(tmp_path / "phases.csv", index=False)
    missing = tmp_path / "trace.csv"
    trace.drop(columns="temp_gpu_C").to_csv(missing, index=False)
    with pytest.raises(InputError) as error:
        fit_accelerator(missing)
    assert str(missing) in str(error.value) and "temp_gpu_C" in str(error.value)

    bad = trace.astype({"power_instant_mW": object})
    bad.loc[5, "power_instant_mW"] = "n/a"
    bad.to_csv(missing, index=False)
    with pytest.raises(InputError) as error:
        fit_accelerator(missing)
    assert "power_instant_mW" in str(error.value) and "'n/a'" in str(error.value)

    with pytest.raises(InputError, match="phases"):
        fit_accelerator(trace)
    with pytest.raises(InputError, match="no_such_phase"):
        fit_accelerator(trace, phases=phases, fit_phases=("no_such_phase",))


def test_power_statistics_against_the_readme():
    stats = trace_power_statistics()
    # README: idle ~113 W once warm, sustained ~690-700 W, peaks ~950 W.
    assert stats.P_idle == pytest.approx(113.0, abs=2.0)
    assert 690.0 <= stats.P_sustained <= 700.0
    assert stats.P_instant_max == pytest.approx(950.0, abs=15.0)
    # README by duty cycle: 303 / 493 / 638 / 688 W.  Those are whole-phase
    # means of the 1 s average, whose first second still holds the previous,
    # lower phase: with settle=0 they are reproduced, and past that second
    # each phase's own mean is a little higher.
    readme = {0.25: 303.0, 0.5: 493.0, 0.75: 638.0, 1.0: 688.0}
    whole = trace_power_statistics(settle=0.0)
    for duty, value in readme.items():
        assert whole.P_duty[duty] == pytest.approx(value, abs=1.5)
        assert value < stats.P_duty[duty] < 1.04 * value
    # Training steps: a nominal 2 s step at 70 % compute, and 300 ms at 67 %.
    assert 2.0 <= stats.sync_period["sync_train_2s_70pct"] <= 2.25
    assert stats.sync_compute_fraction["sync_train_2s_70pct"] == pytest.approx(0.70, abs=0.03)
    assert stats.sync_period["sync_train_300ms_67pct"] == pytest.approx(0.30, abs=0.005)
    assert stats.sync_compute_fraction["sync_train_300ms_67pct"] == pytest.approx(0.67, abs=0.03)
