"""One definition per metric: the CLI summary, the report and ``ds.twin`` quote the same numbers on every site."""

import io

import numpy as np
import pytest
import xarray as xr
from rich.console import Console

import twin
from twin import metrics
from twin.cli import summarise_run
from twin.report import summary_rows
from twin.site import builtin_sites


def _text(table) -> str:
    console = Console(file=io.StringIO(), width=250)
    console.print(table)
    return console.file.getvalue()


@pytest.fixture(scope="module")
def dynamic():
    """20 minutes of the demo site with its electrical network."""
    return twin.simulate("demo", duration=1200, plant_step=10)


def test_definitions_on_a_hand_made_result():
    """PUE = facility / IT, pPUE = (IT + cooling) / IT, WUE = L / kWh IT, CUE = kg CO2 / kWh IT."""
    time = np.array(["2025-07-21T00:00", "2025-07-21T01:00"], dtype="datetime64[ns]")
    ds = xr.Dataset({"P_it_total": ("time", [100e6, 100e6]), "P_cooling": ("time", [10e6, 20e6]),
                     "P_facility": ("time", [115e6, 126e6]), "m_flow_water_use": ("time", [50.0, 50.0]),
                     "CO2": (("time", "fleet"), [[1.0], [3.0]])},
                    coords={"time": time}, attrs={"step_s": 3600.0})
    assert metrics.pue(ds) == pytest.approx(241 / 200)
    assert metrics.ppue_cooling(ds) == pytest.approx(230 / 200)
    assert metrics.wue(ds) == pytest.approx(50 * 7200 / 200e3)  # L over kWh
    assert metrics.cue(ds) == pytest.approx(4 * 3600 / 200e3)
    assert ds.twin.pue() == metrics.pue(ds) and ds.twin.wue() == metrics.wue(ds)


@pytest.mark.parametrize("site", builtin_sites())
def test_summary_report_and_accessor_agree(site):
    ds = twin.simulate(site, duration=2 * 3600, plant_step=600, mode="quasi_steady")
    _agree(ds)


def test_summary_report_and_accessor_agree_dynamic(dynamic):
    _agree(dynamic)


def _agree(ds):
    summary = _text(summarise_run(ds))
    report = dict(summary_rows(ds))
    assert report["PUE (total facility / IT, ISO/IEC 30134-2)"] == f"{ds.twin.pue():.3f}"
    assert report["pPUE of cooling ((IT + cooling) / IT)"] == f"{ds.twin.ppue_cooling():.3f}"
    assert report["WUE (site water / IT energy)"] == f"{ds.twin.wue():.3f} L/kWh"
    for name, value in metrics.display_rows(ds):
        assert report[name] == value
        assert name in summary and value in summary, (name, value)
    assert "IT + cooling)\"" not in summary and "PUE (IT + cooling)" not in summary


def test_pue_counts_electrical_losses_in_every_mode(dynamic):
    """Facility energy is IT + cooling + electrical losses whatever the mode; PUE > pPUE of cooling."""
    steady = twin.simulate("demo", duration=1200, plant_step=10, mode="quasi_steady")
    thermal = twin.simulate("demo", duration=1200, plant_step=10, electrical=False)
    for ds in (dynamic, steady, thermal):
        assert "P_losses" in ds
        facility = ds.P_it_total + ds.P_cooling + ds.P_losses
        np.testing.assert_allclose(ds.P_facility, facility, rtol=1e-12)
        assert ds.twin.pue() > ds.twin.ppue_cooling() + 0.02
    assert steady.twin.pue() == pytest.approx(dynamic.twin.pue(), rel=0.01)
    assert thermal.twin.pue() == pytest.approx(dynamic.twin.pue(), rel=0.01)


def test_monthly_table_sums_to_the_run(dynamic):
    table = dynamic.twin.monthly()
    assert list(table.index) == ["2025-07", "whole run"]
    run = table.loc["whole run"]
    assert run["PUE"] == pytest.approx(dynamic.twin.pue(), rel=1e-12)
    assert run["IT energy (MWh)"] == pytest.approx(metrics.it_energy(dynamic) / 3.6e9, rel=1e-12)
    assert run["water (m3)"] == pytest.approx(metrics.water_use(dynamic) / 1e3, rel=1e-12)
    parts = [c for c in table.columns if c.endswith("energy (MWh)") and c not in ("total facility energy (MWh)",)]
    assert run[parts].sum() == pytest.approx(run["total facility energy (MWh)"], rel=1e-9)
