"""The quasi-steady run reports validity from its own plant evaluation: the same report, flag for
flag, as operating each loop's plant a second time on the run's series."""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr

import twin
from twin import validity
from twin.simulation import build, steady_state
from twin.thermal.plant import operate
from twin.workload import ConstantProfile

HOT = xr.Dataset({"T_dry_bulb": 33.0, "T_wet_bulb": 26.0})


@pytest.mark.parametrize("site_name, kwargs", [
    ("demo", dict(duration=6 * 3600.0, plant_step=600.0)),  # below YorkCalc's flow range
    ("demo", dict(duration=3 * 3600.0, plant_step=600.0, weather=HOT)),  # chillers trim
    ("cortex", dict(duration=30 * 86400.0, plant_step=3600.0)),
])
def test_quasi_steady_report_equals_a_second_plant_evaluation(site_name, kwargs):
    site = twin.load_site(site_name)
    ds = twin.simulate(site, mode="quasi_steady", electrical=False, **kwargs)
    assert ds.attrs["out_of_range"] == validity.assess_run(build(site), ds)


@pytest.mark.parametrize("site_name, out_of_service, floats", [
    ("cortex", 0.0, False), ("colossus1", 0.4, False), ("colossus1", 0.0, True)])
def test_steady_state_flags_are_those_of_its_operating_points(site_name, out_of_service, floats, monkeypatch):
    """Also at points the fixed-point iteration moved: with ``floats`` the plant is made to leave
    its water 0.3 K above the set-point above 30 degC dry bulb, so those points float and iterate."""
    from twin.simulation import steady

    site = twin.load_site(site_name)
    model = build(site, out_of_service={p.name: out_of_service for p in site.plants})
    n = 40
    P = np.linspace(0.1, 0.9, n)[:, None] * model.groups.P_peak * model.groups.n_racks
    T_db, T_wb = np.linspace(5.0, 40.0, n), np.linspace(2.0, 28.0, n)
    if floats:
        def warm(plant, T_return, C, T_set, T_dry_bulb, T_wet_bulb):
            op = operate(plant, T_return, C, T_set, T_dry_bulb, T_wet_bulb)
            return op._replace(T_supply=np.where(T_dry_bulb > 30.0, op.T_supply + 0.3, op.T_supply))
        monkeypatch.setattr(steady, "operate", warm)
    ss = steady_state(model, P, T_db, T_wb, validity=True)
    assert (ss["T_fws_supply"] > model.loops.T_set + 0.2).any(axis=-1).sum() == (floats * (T_db > 30.0)).sum()
    flagged = 0
    for i, plant in enumerate(model.loops.plants):
        op = operate(plant, ss["T_fws_return"][:, i], ss["C_fws"][:, i], np.full(n, model.loops.T_set[i]), T_db, T_wb)
        assert op.out_of_range.keys() == ss["out_of_range"][i].keys()
        for check, mask in op.out_of_range.items():
            np.testing.assert_array_equal(ss["out_of_range"][i][check], mask, err_msg=check.describe())
            flagged += int(mask.sum())
    assert flagged > 0
    assert "out_of_range" not in steady_state(model, P[:2], T_db[:2], T_wb[:2])


def test_steady_state_in_blocks_equals_one_pass(monkeypatch):
    """Year-long runs evaluate the operating points in blocks; the result is the same, bit for bit,
    with the flags of the validity report, including points the iteration moved."""
    from twin.simulation import steady

    site = twin.load_site("colossus1")
    model = build(site)
    n = 50
    P = np.linspace(0.1, 0.9, n)[:, None] * model.groups.P_peak * model.groups.n_racks
    T_db, T_wb = np.linspace(5.0, 40.0, n), np.linspace(2.0, 28.0, n)
    real = steady.operate

    def warm(plant, T_return, C, T_set, T_dry_bulb, T_wet_bulb):
        op = real(plant, T_return, C, T_set, T_dry_bulb, T_wet_bulb)
        return op._replace(T_supply=np.where(T_dry_bulb > 30.0, op.T_supply + 0.3, op.T_supply))

    monkeypatch.setattr(steady, "operate", warm)
    whole = steady_state(model, P, T_db, T_wb, validity=True)
    monkeypatch.setattr(steady, "BLOCK", 7)
    blocks = steady_state(model, P, T_db, T_wb, validity=True)
    assert whole.keys() == blocks.keys()
    for name in whole:
        if name != "out_of_range":
            np.testing.assert_array_equal(blocks[name], whole[name], err_msg=name)
    for a, b in zip(whole["out_of_range"], blocks["out_of_range"]):
        assert a.keys() == b.keys()
        for check in a:
            np.testing.assert_array_equal(b[check], a[check], err_msg=check.describe())
