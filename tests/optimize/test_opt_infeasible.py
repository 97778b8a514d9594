"""Infeasible plans: what cannot be met, when, and by how much."""

from __future__ import annotations

import numpy as np
import pytest
from opt_cases import MW, battery, case, turbine

from twin.errors import InputError
from twin.optimize import Emissions, FlexibleLoad, InfeasiblePlan, dispatch


def test_load_above_every_source_is_named_with_time_and_amounts():
    load = np.full(24, 1000.0)
    load[16] = 1180.0
    gt = turbine(count=34, P_min_MW=15.0, P_max_MW=30.0, points_MW=(15.0, 30.0), fuel_MW=(45.0, 85.0))
    inputs = case(load, 50.0, start="2025-08-12", import_max_MW=30, turbines=(gt,))
    with pytest.raises(InfeasiblePlan) as error:
        dispatch(inputs)
    assert str(error.value) == ("2025-08-12 16:00: load 1,180 MW exceeds available supply 1,050 MW "
                                "(grid 30.0 MW, turbines 1,020 MW)")
    assert isinstance(error.value, InputError)


def test_many_short_steps_are_summarised():
    load = np.array([50.0] * 4 + [120.0] * 6 + [50.0] * 4)
    with pytest.raises(InfeasiblePlan) as error:
        dispatch(case(load, 50.0, start="2025-08-12", import_max_MW=100))
    lines = str(error.value).splitlines()
    assert len(lines) == 4
    assert lines[0].startswith("2025-08-12 04:00: load 120 MW exceeds available supply 100 MW")
    assert lines[3] == "... and 3 more steps up to 2025-08-12 09:00; the worst is 20.0 MW short at 2025-08-12 04:00"


def test_battery_energy_running_out_is_found_by_the_elastic_solve():
    # 3 hours at 100 MW on an 80 MW grid need 60 MWh; a full 20 MW / 40 MWh battery may empty: 20 MWh short.
    load = [50.0, 100.0, 100.0, 100.0, 50.0]
    inputs = case(load, 50.0, start="2025-08-12", import_max_MW=80,
                  bess=battery(20, 40, soc_initial=1.0, soc_terminal=0.0))
    with pytest.raises(InfeasiblePlan) as error:
        dispatch(inputs)
    (message,) = str(error.value).splitlines()
    assert message.startswith("2025-08-12 0") and message[:35] >= "2025-08-12 01:00 to 2025-08-12 01:00"
    assert "load exceeds what the site can supply by up to" in message and message.endswith("20.0 MWh in all")


def test_nox_cap_shortfall_in_kg():
    # One turbine must carry 40 MW for 4 h (grid 10 MW of 50): fuel 70 MW x 4 h; NOx 1e-9 kg/J.
    gt = turbine(count=1, P_min_MW=10, P_max_MW=60, points_MW=(10.0, 60.0), fuel_MW=(25.0, 115.0),
                 NOx_factor=1e-9, units_on_initial=1)
    need = 1e-9 * (25 + 1.8 * 30) * MW * 4 * 3600
    inputs = case([50.0] * 4, 500.0, import_max_MW=10, turbines=(gt,), emissions=Emissions(NOx_max=need - 200))
    with pytest.raises(InfeasiblePlan) as error:
        dispatch(inputs)
    assert str(error.value) == f"NOx cap of {need - 200:,.0f} kg over the horizon: the plan needs 200 kg more"


def test_flexible_energy_beyond_what_fits_in_the_day():
    flexible = FlexibleLoad(E=20 * MW * 86400, period="day", P_max=15 * MW)
    with pytest.raises(InfeasiblePlan) as error:
        dispatch(case([50.0] * 24, 50.0, start="2025-08-12", flexible=flexible))
    assert str(error.value) == ("flexible training energy for the day starting 2025-08-12 00:00: needs 480 MWh "
                                "but at most 360 MWh fits (15.0 MW for 24 h), short by 120 MWh")


def test_battery_end_state_out_of_reach():
    inputs = case([50.0] * 2, 50.0, bess=battery(10, 100, soc_initial=0.1, soc_terminal=0.9))
    with pytest.raises(InfeasiblePlan, match="battery cannot reach its end state of charge 90% from 10%: "
                                             "that needs 80.0 MWh stored, at most 20.0 MWh"):
        dispatch(inputs)


def test_starts_cap_in_a_unit_commitment():
    # Both units are off and both are needed; the fleet may start one unit in these 4 hours.
    gt = turbine(count=2, starts_per_year_max=8760 / 8)
    with pytest.raises(InfeasiblePlan) as error:
        dispatch(case([50.0] * 4, 80.0, import_max_MW=0, turbines=(gt,)))
    assert str(error.value) == "starts cap of GT (1095 per unit and year): 1.0 more starts needed"
