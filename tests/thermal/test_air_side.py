"""CRAH and rear-door heat exchanger: energy balances, effectiveness limits, fan law."""

import numpy as np
import pytest

from twin.media import CP_AIR
from twin.thermal.air_side import (
    Crah,
    RearDoorHeatExchanger,
    air_mass_flow_for_load,
    coil_heat_exchange,
    crah_operation,
    fan_power,
    rear_door_operation,
)
from twin.thermal.heat_exchanger import effectiveness_counterflow

CP_WATER = 4190.0
# 300 kW CRAH: 36 -> 24 degC air (12 K), 18 -> 28 degC water
M_AIR = 300e3 / (CP_AIR * 12.0)
CRAH = Crah(UA_nominal=60e3, m_flow_air_nominal=M_AIR, m_flow_water_nominal=300e3 / (CP_WATER * 10.0),
            P_fan_nominal=15e3)


def test_coil_energy_balance_and_effectiveness():
    Q, T_air, T_water = coil_heat_exchange(CRAH, 36.0, M_AIR, 18.0, CRAH.m_flow_water_nominal, CP_WATER)
    assert Q == pytest.approx(M_AIR * CP_AIR * (36.0 - T_air), rel=1e-12)
    assert Q == pytest.approx(CRAH.m_flow_water_nominal * CP_WATER * (T_water - 18.0), rel=1e-12)
    C_air, C_water = M_AIR * CP_AIR, CRAH.m_flow_water_nominal * CP_WATER
    C_min, C_max = min(C_air, C_water), max(C_air, C_water)
    eps = effectiveness_counterflow(60e3 / C_min, C_min / C_max)
    assert Q == pytest.approx(eps * C_min * 18.0, rel=1e-12)


def test_crah_holds_supply_air_setpoint():
    T_return = np.array([30.0, 36.0, 45.0])
    op = crah_operation(CRAH, T_return, M_AIR, 18.0, 24.0, CP_WATER)
    np.testing.assert_allclose(op.T_air_supply[:2], 24.0, atol=1e-6)
    assert op.m_flow_water[0] < op.m_flow_water[1] <= CRAH.m_flow_water_nominal
    assert op.m_flow_water[2] == CRAH.m_flow_water_nominal and op.T_air_supply[2] > 24.0  # capacity-limited
    np.testing.assert_allclose(op.Q_flow, M_AIR * CP_AIR * (T_return - op.T_air_supply), rtol=1e-12)
    np.testing.assert_allclose(op.Q_flow, op.m_flow_water * CP_WATER * (op.T_water_return - 18.0), rtol=1e-12)


def test_fan_law_and_air_flow():
    assert fan_power(CRAH, 0.5 * M_AIR) == pytest.approx(15e3 / 8)
    assert air_mass_flow_for_load(300e3, 12.0) == pytest.approx(M_AIR)


def test_rear_door_energy_balance_and_room_neutral_limit():
    """A 40 kW air-cooled rack at 25 degC inlet, 15 K server rise, door water at 18 degC."""
    m_air = air_mass_flow_for_load(40e3, 15.0)
    door = RearDoorHeatExchanger(UA_nominal=8e3, m_flow_air_nominal=m_air, m_flow_water_nominal=1.5)
    op = rear_door_operation(door, 25.0, 40e3, m_air, 18.0, 1.5, CP_WATER)
    assert op.T_air_rack_exhaust == pytest.approx(40.0)
    assert op.Q_flow == pytest.approx(m_air * CP_AIR * (40.0 - op.T_air_leaving), rel=1e-12)
    assert op.Q_flow == pytest.approx(1.5 * CP_WATER * (op.T_water_return - 18.0), rel=1e-12)
    assert op.P_fan == 0.0
    # heat left in the room = rack heat - door heat
    assert 40e3 - op.Q_flow == pytest.approx(m_air * CP_AIR * (op.T_air_leaving - 25.0), rel=1e-9)
    # a very large door brings the air to the water temperature (air is C_min)
    big = RearDoorHeatExchanger(UA_nominal=1e9, m_flow_air_nominal=m_air, m_flow_water_nominal=1.5)
    assert rear_door_operation(big, 25.0, 40e3, m_air, 18.0, 1.5, CP_WATER).T_air_leaving == pytest.approx(18.0, abs=1e-6)
