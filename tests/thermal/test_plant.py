"""Loop plants at and beyond their equipment's limits: nothing is held that cannot be."""

from __future__ import annotations

import numpy as np
import pytest

import twin
from twin.thermal.plant import LoopPlant, operate


def plant_of(site_name: str) -> LoopPlant:
    site = twin.load_site(site_name)
    return LoopPlant.share(site.plants[0], 1.0)


@pytest.fixture(scope="module")
def colossus2():
    return plant_of("colossus2")


@pytest.fixture(scope="module")
def cortex():
    return plant_of("cortex")


def test_air_cooled_plant_does_not_hold_beyond_its_compressors(colossus2):
    """Colossus 2's air-cooled chillers hold 35 degC supply up to their 52 degC high-ambient
    limit; at 53 and 65 degC outdoor they stop and the water stays at its return temperature,
    with the whole load reported unmet."""
    C_flow = 1.0e9 / 10.0
    T_db = np.array([38.0, 45.0, 53.0, 65.0])
    op = operate(colossus2, 45.0, C_flow, 35.0, T_db, T_db - 10.0)
    np.testing.assert_allclose(op.T_supply[:2], 35.0, atol=1e-6)
    np.testing.assert_allclose(op.T_supply[2:], 45.0)
    np.testing.assert_allclose(op.Q_flow_unmet, [0.0, 0.0, 1.0e9, 1.0e9], atol=1.0)
    assert op.P_compressors[1] > op.P_compressors[0] > 0 and np.all(op.P_compressors[2:] == 0)
    np.testing.assert_allclose(op.Q_flow_removed + op.Q_flow_unmet, C_flow * 10.0, rtol=1e-9)


def test_warm_water_compressor_power_is_carnot_limited(colossus2):
    """At 38 degC air trimming to 35 degC water the plant's compressor COP (heat removed by
    compressors over their power) is far above the DOE-2 curve's ~3.6 and below Carnot."""
    C_flow = 1.0e9 / 10.0
    op = operate(colossus2, 45.0, C_flow, 35.0, 38.0, 26.0)
    no_coil = operate(colossus2, 45.0, C_flow, 35.0, 46.0, 30.0)  # air warmer than the water: compressors only
    COP = no_coil.Q_flow_removed / no_coil.P_compressors
    assert 5.0 < COP < (35.0 + 273.15) / (46.0 - 35.0)
    assert op.P_compressors < no_coil.P_compressors  # the coil takes part of the load at 38 degC


def test_tower_plant_does_not_hold_at_a_40_degC_wet_bulb(cortex):
    """Towers cannot bring water below the wet bulb, and the chillers' condenser water would
    exceed their limit: the supply floats up and the unmet heat is reported."""
    C_flow = 1.0e8 / 10.0
    op = operate(cortex, 40.0, C_flow, 30.0, np.array([35.0, 45.0]), np.array([24.0, 40.0]))
    assert op.T_supply[0] == pytest.approx(30.0, abs=1e-3) and op.Q_flow_unmet[0] < 1.0
    assert op.T_supply[1] > 39.0 and op.Q_flow_unmet[1] > 0.9 * C_flow * 10.0
    assert op.n_chillers_on[1] == 0


def test_tower_cells_are_staged_inside_the_correlations_flow_range(cortex):
    """At the loop's design flow every running cell takes 0.75-1.25 of its design water: the
    plant matches one cell computed at that flow (times the number of cells)."""
    from twin.thermal import cooling_tower as towers
    from twin.thermal.plant import CP_WATER, TOWER_FR_WATER_MIN, tower_cell

    cell = tower_cell(cortex.tower)
    C_flow = 1.45e8 / 10.0
    m_flow = C_flow / CP_WATER
    n_run = int(m_flow // (TOWER_FR_WATER_MIN * cell.m_flow_water_nominal))
    assert n_run < cortex.n_towers and 0.75 <= m_flow / n_run / cell.m_flow_water_nominal <= 1.25
    op = operate(cortex, 40.0, C_flow, 30.0, 20.0, 15.0)
    one = towers.tower_operation(cell, 40.0, m_flow / n_run, 15.0, 30.0, CP_WATER, 20.0)
    assert op.T_supply == pytest.approx(float(one.T_leaving), abs=1e-9)
    assert op.P_fans == pytest.approx(n_run * float(one.P_fan), rel=1e-9)


def test_fan_failed_cells_keep_rejecting_heat(cortex):
    """Cells whose fans fail stay in free convection: with every fan failed the plant still
    cools the water (~12.5 % of its full-fan heat); with half failed at a flow the working
    cells cannot take, the failed ones help."""
    import dataclasses

    site = twin.load_site("cortex")
    plants = {f: dataclasses.replace(LoopPlant.share(site.plants[0], 1.0, {"tower": f}), n_chillers=0)
              for f in (0.0, 0.5, 1.0)}
    assert plants[0.0].n_towers == 0 and plants[0.0].n_towers_no_fan == 22
    C_flow = 1.45e8 / 10.0
    healthy, none = (operate(plants[f], 40.0, C_flow, 20.0, 30.0, 24.0) for f in (1.0, 0.0))
    assert 0.08 < none.Q_flow_removed / healthy.Q_flow_removed < 0.2 and none.P_fans == 0
    big = 3.0e8 / 10.0  # more water than 11 cells take at 1.25
    half = operate(plants[0.5], 40.0, big, 20.0, 30.0, 24.0)
    removed = operate(dataclasses.replace(plants[0.5], n_towers_no_fan=0), 40.0, big, 20.0, 30.0, 24.0)
    assert half.Q_flow_removed > removed.Q_flow_removed
