"""A dynamic run hands its final plant state to the next: ``simulate(..., return_state=True)``.

Claim (demo, 10 s plant steps, thermal only, load 50 % -> 90 % 30 min in): a 2 h run equals a 1 h
run followed by a 1 h run started from the first's final state.  The first hour is the same run, so it
is identical.  In the second hour the plant's states continue (TCS, facility mains, valve
controllers); the racks restart at their steady state for the coolant the plant gives from the
handed-over state, and the first step's reported facility return is computed before the coils'
heat is known (as at the start of every run), so
- facility and TCS temperatures, die temperatures and valves agree within 1e-5 K (1e-5) at every
  step except that first facility return (measured: TCS 3.8e-7 K, dies 1.4e-6 K, valves 4e-9; the
  first return 2.2 K off), and the final plant states within 1e-5;
- the facility loop's capacity flow and pump power within 1e-5 relative (measured 3e-9, 1e-8);
- IT power and weather exactly.
"""

from __future__ import annotations

import numpy as np
import pytest

import twin
from twin.errors import InputError
from twin.simulation.plant import PlantState
from twin.workload import ScheduleProfile

START = "2025-07-21 14:00"  # CDT: 13:00 standard time


@pytest.fixture(scope="module")
def runs(demo):
    f = np.full(48, 0.5)
    f[27:] = 0.9  # from 13:30 standard time
    kw = dict(workload=ScheduleProfile(f, 1800.0, 0.0), plant_step=10, electrical=False)
    whole, end = twin.simulate(demo, start=START, duration=7200, return_state=True, **kw)
    first, handed = twin.simulate(demo, start=START, duration=3600, return_state=True, **kw)
    second, second_end = twin.simulate(demo, start="2025-07-21 15:00", duration=3600, initial_state=handed,
                                       return_state=True, **kw)
    return whole, end, first, second, handed, second_end


def test_two_hours_equal_one_hour_then_one_hour_from_its_final_state(runs):
    whole, end, first, second, handed, second_end = runs
    assert isinstance(handed, PlantState) and isinstance(end, PlantState)
    n = first.sizes["time"]
    assert n == second.sizes["time"] == whole.sizes["time"] // 2
    for name in ("T_tcs_supply", "T_tcs_return", "valve", "T_fws_supply", "T_fws_return", "T_die_max",
                 "C_fws", "P_fws_pumps", "P_it", "T_dry_bulb", "T_wet_bulb"):
        np.testing.assert_array_equal(first[name].values, whole[name].isel(time=slice(0, n)).values, err_msg=name)
    later = whole.isel(time=slice(n, None))
    for name in ("T_tcs_supply", "T_tcs_return", "valve", "T_fws_supply", "T_die_max"):
        np.testing.assert_allclose(second[name].values, later[name].values, rtol=0, atol=1e-5, err_msg=name)
    np.testing.assert_allclose(second["T_fws_return"].values[1:], later["T_fws_return"].values[1:], rtol=0, atol=1e-5)
    print(f"\nfirst facility return of the continued run: {float(abs(second['T_fws_return'][0] - later['T_fws_return'][0]).max()):.2f} K off")
    for name in ("C_fws", "P_fws_pumps"):
        np.testing.assert_allclose(second[name].values, later[name].values, rtol=1e-5, err_msg=name)
    for name in ("P_it", "T_dry_bulb", "T_wet_bulb"):
        np.testing.assert_allclose(second[name].values, later[name].values, rtol=1e-12, err_msg=name)
    # the continued run ends in the state the whole run ends in
    for name in ("T_h", "T_meas", "u_I", "supply", "ret"):
        np.testing.assert_allclose(getattr(second_end, name), getattr(end, name), rtol=0, atol=1e-5, err_msg=name)


def test_return_state_refused_in_quasi_steady_mode(demo):
    with pytest.raises(InputError, match="return_state"):
        twin.simulate(demo, duration=600, plant_step=60, mode="quasi_steady", return_state=True)
