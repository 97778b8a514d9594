"""Every built-in site on its ASHRAE design day: inside the correlations' validity ranges or
reported, with where and for how long; and a run carries the report in its attrs and summary."""

from __future__ import annotations

import numpy as np
import pytest

import twin
from twin import validity
from twin.thermal.plant import operate
from twin.thermal.network import assemble
from twin.weather import design_day

SITES = ("demo", "cortex", "colossus1", "colossus2")


def design_day_flags(site_name: str, condition: str):
    site = twin.load_site(site_name)
    _, loops = assemble(site)
    wx = design_day(site.location.weather, condition)
    by_loop = {}
    for i, name in enumerate(loops.names):
        T_set = np.full(24, loops.T_set[i])
        C = np.full(24, loops.C_design[i])
        op = operate(loops.plants[i], T_set + loops.Q_design[i] / loops.C_design[i], C, T_set,
                     wx.T_dry_bulb.values, wx.T_wet_bulb.values)
        by_loop[f"loop {name}"] = op.out_of_range
    return by_loop


@pytest.mark.parametrize("site_name", SITES)
@pytest.mark.parametrize("condition", ["cooling_0.4", "evaporation_0.4"])
def test_design_day_inside_the_ranges_or_reported(site_name, condition):
    by_loop = design_day_flags(site_name, condition)
    lines = validity.report(by_loop, 3600.0)
    flagged = [(place, check) for place, f in by_loop.items() for check, mask in f.items() if mask.any()]
    assert len(lines) == len(flagged)
    for place, check in flagged:
        assert sum(place + ":" in line and check.describe() in line and " h (" in line for line in lines) == 1


def test_memphis_evaporation_design_wet_bulb_is_beyond_yorkcalc():
    """Colossus 1's towers at Memphis' 0.4 % evaporation design wet bulb (26.8 degC) are above
    YorkCalc's 26.7 degC: the hours are reported."""
    by_loop = design_day_flags("colossus1", "evaporation_0.4")
    lines = validity.report(by_loop, 3600.0)
    assert any("YorkCalc" in line and "wet bulb" in line for line in lines)


def test_ranges_and_report_format():
    r = validity.RANGES["yorkcalc_FR_water"]
    np.testing.assert_array_equal(r.outside([0.5, 0.75, 1.0, 1.3]), [True, False, False, True])
    lines = validity.report({"loop a": {r: np.array([True, False, True, True])}}, 900.0)
    assert lines == ["cooling tower (YorkCalc): water-flow ratio per cell outside [0.75, 1.25] - at loop a: "
                     "0.75 h (3 steps)"]
    assert validity.summary_text([]).startswith("none")
