"""The calibration overlay is accepted by the simulator: ``twin.simulate(overlay=...)``, ``twin simulate
--overlay`` and the forecasts apply the same multipliers as replay (twin.telemetry.model.apply).

Physics seen in the demo at full load: a CDU fouled to 60 % of its UA is absorbed by its valve (it
opens from 0.63 to 0.81 and the facility pumps draw more), so the rack inlet holds its set-point;
fouled to 40 % the valve is wide open and the rack inlet and the dies run warmer.
"""

from __future__ import annotations

import dataclasses
import hashlib

import numpy as np
import pytest
import xarray as xr
from typer.testing import CliRunner

from tests.conftest import assert_bad_input
from twin.cli import app
from twin.simulation import build, simulate
from twin.workload import ConstantProfile

FULL = dict(duration=1800.0, plant_step=30.0, electrical=False, workload=ConstantProfile(1.0))


def overlay_file(path, parameters: dict, site: str = "demo"):
    lines = ["[calibration]", f'site = "{site}"', "", "[calibration.parameters]"]
    lines += [f'"{name}" = {{ value = {value}, std = 0.01 }}' for name, value in parameters.items()]
    path.write_text("\n".join(lines) + "\n")
    return path


def last(ds, name, group="gb200"):
    return float(ds[name].sel(group=group).isel(time=-1))


def test_a_fouled_cdu_overlay_runs_as_the_site_with_its_ua_changed_by_hand(demo, tmp_path, monkeypatch):
    base = simulate(demo, **FULL)
    mild = simulate(demo, overlay=overlay_file(tmp_path / "mild.toml", {"UA_cdu[gb200]": 0.6}), **FULL)
    # x0.6: the valve takes it (more open, more facility flow and pump power), the rack inlet holds
    assert last(mild, "valve") > last(base, "valve") + 0.1 and last(mild, "valve") < 1.0
    assert float(mild.P_fws_pumps.isel(time=-1).sum()) > 1.2 * float(base.P_fws_pumps.isel(time=-1).sum())
    assert last(mild, "T_tcs_supply") == pytest.approx(last(base, "T_tcs_supply"), abs=1e-3)
    path = overlay_file(tmp_path / "fouled.toml", {"UA_cdu[gb200]": 0.4})
    fouled = simulate(demo, overlay=path, **FULL)
    # x0.4: the valve is wide open and the TCS supply and the dies warm
    assert last(fouled, "valve") == pytest.approx(1.0)
    assert last(fouled, "T_tcs_supply") > last(base, "T_tcs_supply") + 0.5
    assert last(fouled, "T_die_max") > last(base, "T_die_max") + 0.5
    assert last(fouled, "T_tcs_supply", "h100") == pytest.approx(last(base, "T_tcs_supply", "h100"), abs=1e-6)

    # the same site with the gb200 bank's UA changed by hand in the assembled model
    def by_hand(site, **kw):
        model = build(site, **kw)
        UA = model.groups.UA_cdu.copy()
        UA[list(model.groups.names).index("gb200")] *= 0.4
        return dataclasses.replace(model, groups=dataclasses.replace(model.groups, UA_cdu=UA))

    monkeypatch.setattr("twin.simulation.master.build", by_hand)
    hand = simulate(demo, **FULL)
    for name in ("T_tcs_supply", "T_die_max", "valve", "T_fws_return", "P_fws_pumps"):
        np.testing.assert_allclose(fouled[name].values, hand[name].values, rtol=1e-12, atol=1e-12, err_msg=name)
    # the overlay is recorded with the result
    assert fouled.attrs["overlay"] == str(path)
    assert fouled.attrs["overlay_sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
    assert fouled.attrs["overlay_parameters"] == "UA_cdu[gb200]=0.4"
    assert "overlay" not in base.attrs and "overlay_sha256" not in hand.attrs


def test_chiller_and_pump_multipliers_reach_the_dynamic_and_quasi_steady_runs(demo):
    # a 22 degC supply set-point keeps the demo's chillers running
    kw = dict(duration=600.0, plant_step=30.0, electrical=False, setpoints=xr.DataArray([22.0], dims=("loop",)))
    for mode in ("dynamic", "quasi_steady"):
        base = simulate(demo, mode=mode, **kw)
        assert float(base.P_compressors.isel(time=-1).sum()) > 0, mode
        # a chiller below its curve: the same duty at 1/0.8 the compressor power
        run = simulate(demo, mode=mode, overlay={"COP_chiller[fws]": 0.8}, **kw)
        ratio = float((run.P_compressors.isel(time=-1) / base.P_compressors.isel(time=-1)).sum())
        assert ratio == pytest.approx(1 / 0.8, rel=1e-3), mode
        assert run.attrs["overlay"] == "given by the caller"
        # worn pumps: the same flow at 1.3 times the power
        run = simulate(demo, mode=mode, overlay={"P_fws_pumps[fws]": 1.3}, **kw)
        ratio = float((run.P_fws_pumps.isel(time=-1) / base.P_fws_pumps.isel(time=-1)).sum())
        assert ratio == pytest.approx(1.3, rel=1e-3), mode


def test_twin_simulate_overlay_option(tmp_path):
    path = overlay_file(tmp_path / "overlay.toml", {"UA_cdu[gb200]": 0.4})
    out = tmp_path / "run.nc"
    runner = CliRunner()
    result = runner.invoke(app, ["simulate", "demo", "--hours", "0.05", "--plant-step", "30", "--overlay", str(path),
                                 "--out", str(out)], terminal_width=200)
    assert result.exit_code == 0, result.output
    with xr.open_dataset(out, engine="h5netcdf") as ds:
        assert ds.attrs["overlay"] == str(path)
        assert ds.attrs["overlay_sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
    # bad overlays: one line naming file, field, found and expected; exit 2
    bad = tmp_path / "bad.toml"
    for text, words in (("[calibration\n", ("bad.toml", "invalid TOML")),
                        ('[calibration]\nsite = "colossus1"\n', ("calibration.site", "'demo'")),
                        ('[calibration]\nsite = "demo"\n[calibration.parameters]\n"UA_cdu[nope]" = { value = 0.5 }\n',
                         ("UA_cdu[nope]", "UA_cdu[gb200]")),
                        ('[calibration]\nsite = "demo"\n[calibration.parameters]\n"UA_cdu[gb200]" = { value = 9 }\n',
                         ("UA_cdu[gb200]", "0.2..5"))):
        bad.write_text(text)
        result = runner.invoke(app, ["simulate", "demo", "--hours", "0.05", "--overlay", str(bad)], terminal_width=200)
        assert_bad_input(result, *words)
        assert len([line for line in result.output.splitlines() if line.startswith("error: ")]) == 1
    result = runner.invoke(app, ["simulate", "demo", "--overlay", str(tmp_path / "missing.toml")], terminal_width=200)
    assert_bad_input(result, "missing.toml", "no such file")


def test_the_forecast_runs_with_the_overlay(demo, monkeypatch):
    import pandas as pd

    import twin.telemetry.forecast as forecast_module

    seen = []

    def fake(site, **kw):
        seen.append(kw.get("overlay"))
        raise StopIteration

    monkeypatch.setattr(forecast_module, "simulate", fake)
    point = {"time": pd.Timestamp("2025-07-15 12:00"), "fraction": 0.8, "T_dry_bulb": 30.0, "T_wet_bulb": 22.0}
    with pytest.raises(StopIteration):
        forecast_module.forecast(demo, point, ["pump_trip"], overlay={"UA_cdu[gb200]": 0.6})
    assert seen == [{"UA_cdu[gb200]": 0.6}]
