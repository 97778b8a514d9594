"""Every built-in site on its ASHRAE design day: inside the correlations' validity ranges or
reported, with where and for how long; and a run carries the report in its attrs and summary."""

from __future__ import annotations

import numpy as np
import pytest

import twin
from twin import validity
from twin.thermal.plant import operate
from twin.simulation.assembly import assemble
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


def test_a_run_summary_lists_every_correlation_out_of_range_and_nothing_when_all_held():
    """The CLI summary of a run: one "NOT HELD" line per range left (place and hours), a row
    counting them; a run inside every range gets the row "none" and no line at all."""
    from rich.console import Console
    from typer.testing import CliRunner

    from twin.cli import app, summarise_run
    from twin.cli.held import did_not_hold

    result = CliRunner().invoke(app, ["simulate", "demo", "--hours", "1", "--plant-step", "60"])
    assert result.exit_code == 0, result.output
    # the demo's single 8 MW cell runs below YorkCalc's flow range all hour
    assert ("NOT HELD: outside its validity range: cooling tower (YorkCalc): water-flow ratio per cell outside "
            "[0.75, 1.25] - at loop fws: 1.00 h (60 steps)") in result.output
    assert "correlations out of range" in result.output and "1 (listed above)" in result.output

    run = CliRunner().invoke(app, ["run"])  # make run: the same lines above the same table
    assert run.exit_code == 0 and "NOT HELD: outside its validity range: cooling tower (YorkCalc)" in run.output

    ds = twin.simulate("cortex", duration=3600.0, plant_step=600.0, mode="quasi_steady", electrical=False)
    assert ds.attrs["out_of_range"].startswith("none")
    assert not [line for line in did_not_hold(ds) if "validity" in line]
    console = Console(record=True, width=200)
    console.print(summarise_run(ds))
    row = [line for line in console.export_text().splitlines() if "correlations out of range" in line]
    assert len(row) == 1 and row[0].split("│")[2].strip() == "none"
    two = ds.assign_attrs(out_of_range="a: 1.00 h (1 steps); b: 2.00 h (2 steps)")
    assert [line for line in did_not_hold(two) if "validity" in line] == [
        "outside its validity range: a: 1.00 h (1 steps)", "outside its validity range: b: 2.00 h (2 steps)"]


def test_design_day_reports_in_values():
    """What the built-in sites leave on their design days: the tower sites' cells stay inside
    YorkCalc's flow range (staged), Memphis' evaporation design wet bulb is beyond YorkCalc for
    2 h, and Colossus 2's chillers trim at 35 degC leaving water (inside the checked span, which
    reaches 37 degC) at a refrigerant lift below the smallest one checked (21.44 K, the air-cooled
    table's) for 17 h of the cooling design day."""
    for site in ("cortex", "colossus1"):
        for condition in ("cooling_0.4", "evaporation_0.4"):
            lines = validity.report(design_day_flags(site, condition), 3600.0)
            assert not [line for line in lines if "water-flow ratio" in line], (site, condition, lines)
    assert validity.report(design_day_flags("cortex", "cooling_0.4"), 3600.0) == []
    memphis = validity.report(design_day_flags("colossus1", "evaporation_0.4"), 3600.0)
    assert "cooling tower (YorkCalc): wet bulb outside [-34.4, 26.7] degC at loop fws_gb200: 2.00 h (2 steps)" in memphis
    assert validity.report(design_day_flags("colossus2", "cooling_0.4"), 3600.0) == [
        "chiller (Carnot fraction): refrigerant lift outside [21.44, 56.7] K at loop fws: 17.00 h (17 steps)"]
