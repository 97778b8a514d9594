"""Co-simulation checks: energy conservation, agreement with the steady-state solution,
design-day liquid-cooling classes, and the throttling feedback."""

import pytest
import xarray as xr

import twin
from twin.errors import InputError
from twin.results import write_netcdf
from twin.simulation import build, simulate, steady_state
from twin.workload import ConstantProfile

HOT = xr.Dataset({"T_dry_bulb": 33.0, "T_wet_bulb": 26.0})


@pytest.fixture(scope="module")
def day():
    """The demo site over 24 h of its built-in July weather, at 30 s plant steps."""
    return simulate("demo", duration=24 * 3600, plant_step=30.0)


def test_energy_balance_closes_over_a_day(day, tmp_path):
    assert abs(day.twin.energy_residual()) <= 1e-9  # requirement: <= 1e-3 of IT energy
    path = write_netcdf(day, tmp_path / "run.nc")
    saved = xr.open_dataset(path, engine="h5netcdf")
    assert saved.twin.energy_residual() == pytest.approx(day.twin.energy_residual(), abs=1e-12)
    assert saved.twin.pue() == pytest.approx(day.twin.pue(), rel=1e-12)


def test_every_variable_has_units_and_long_name(day):
    for name, var in day.data_vars.items():
        assert var.attrs.get("units") is not None and var.attrs.get("long_name"), name


def test_pue_is_in_the_published_band(day):
    # research/physics.md 9: liquid-cooled AI hall, towers + chiller trim, hot-humid climate 1.10-1.25 annual;
    # this PUE counts no electrical losses and July nights are mild, so it sits a little below.
    assert 1.03 < day.twin.pue() < 1.25


def test_long_run_state_equals_the_steady_state_solution():
    site = twin.load_site("demo")
    ds = simulate(site, duration=4 * 3600, plant_step=10.0, weather=HOT, workload=ConstantProfile(0.8))
    model = build(site)
    P = 0.8 * model.groups.P_peak * model.groups.n_racks
    ss = steady_state(model, P, 33.0, 26.0)
    last = ds.isel(time=-1)
    assert last.T_fws_supply.values == pytest.approx(ss["T_fws_supply"], abs=0.02)
    assert last.T_fws_return.values == pytest.approx(ss["T_fws_return"], abs=0.02)
    liquid = model.groups.liquid
    assert last.T_tcs_supply.values[liquid] == pytest.approx(ss["T_tcs_supply"][liquid], abs=0.02)
    assert last.T_die_max.values[liquid] == pytest.approx(ss["T_die_max"][liquid], abs=0.02)
    assert last.valve.values[liquid] == pytest.approx(ss["valve"][liquid], abs=2e-3)
    assert float(last.P_compressors.sum()) == pytest.approx(float(ss["P_compressors"].sum()), rel=5e-3)
    assert float(ss["P_compressors"].sum()) > 0  # 26 degC wet bulb + tower approach > 30 degC: chillers trim


def test_quasi_steady_mode_matches_the_dynamic_energy(day):
    qs = simulate("demo", duration=24 * 3600, plant_step=30.0, mode="quasi_steady")
    assert qs.twin.energy("P_it") == pytest.approx(day.twin.energy("P_it"), rel=1e-6)
    assert qs.twin.energy("P_cooling") == pytest.approx(day.twin.energy("P_cooling"), rel=0.03)


@pytest.mark.parametrize("name", ["demo", "cortex", "colossus1", "colossus2"])
def test_design_day_holds_each_loop_in_its_liquid_cooling_class(name):
    site = twin.load_site(name)
    ds = simulate(site, weather=f"design:{site.location.weather}:evaporation_0.4", duration=24 * 3600,
                  plant_step=600.0, mode="quasi_steady", workload=ConstantProfile(1.0))
    margin = ds.liquid_class_limit - ds.T_fws_supply.max("time")
    assert bool((margin >= 0).all()), f"{name}: facility supply above its ASHRAE class on {margin.values}"
    hottest = ds.T_die_max.max("time")
    assert bool(((hottest < ds.T_die_limit) | hottest.isnull()).all()), f"{name}: dies above throttle"


def test_losing_most_of_the_plant_heats_the_loop_and_throttles_racks():
    ds = simulate("demo", duration=2 * 3600, plant_step=10.0, weather=HOT, workload=ConstantProfile(1.0),
                  out_of_service={"plant": 0.99})
    assert float(ds.T_fws_supply.max()) > 40.0
    throttled = ds.n_throttled.sum("group")
    assert float(throttled.max()) > 0
    first = int((throttled > 0).values.argmax())
    assert float(ds.T_die_max.isel(time=first).max()) < 95.0  # throttling starts before the shutdown limit
    assert abs(ds.twin.energy_residual()) < 1e-9
    assert float(ds.P_it_total.isel(time=-1)) < float(ds.P_it_total.isel(time=0))


def test_rack_resolution_agrees_with_group_resolution_at_uniform_load():
    kwargs = dict(duration=600, plant_step=10.0, weather=HOT, workload=ConstantProfile(0.7))
    grouped = simulate("demo", **kwargs)
    every = simulate("demo", resolution="rack", **kwargs)
    assert every.T_die_max.values[-1] == pytest.approx(grouped.T_die_max.values[-1], abs=1e-6, nan_ok=True)
    assert every.twin.energy("P_it") == pytest.approx(grouped.twin.energy("P_it"), rel=1e-9)


@pytest.mark.parametrize("kwargs, field", [
    (dict(duration=-5), "duration"), (dict(plant_step=10.0, it_step=3.0), "it_step"),
    (dict(resolution="cabinet"), "resolution"), (dict(mode="fast"), "mode"),
])
def test_bad_options_name_the_field(kwargs, field):
    with pytest.raises(InputError, match=field):
        simulate("demo", **kwargs)
