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
