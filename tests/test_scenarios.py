"""Failure scenarios: parsing, and what each does to a site, with energy still conserved."""

import dataclasses

import numpy as np
import pytest

import twin
from twin.errors import InputError
from twin.scenarios import LIBRARY, EquipmentOutage, availability, describe, parse, ride_through
from twin.workload import ConstantProfile


def test_every_scenario_is_documented():
    assert set(describe()) == set(LIBRARY)
    assert all(len(text) > 20 for text in describe().values())


def test_parse_places_times_of_day_relative_to_the_start():
    site = twin.load_site("colossus1")
    scenario = parse("chiller_trip:at=15:00,duration=30 min,units=3", site, start_of_day=12 * 3600)
    (event,) = scenario.events
    assert event.kind == "chiller" and event.start == 3 * 3600 and event.duration == 1800
    assert event.fraction == pytest.approx(3 / 30)  # 30 chillers installed


@pytest.mark.parametrize("spec, message", [
    ("chiller_trp", "did you mean 'chiller_trip'"),
    ("chiller_trip:durration=1 h", "did you mean 'duration'"),
    ("chiller_trip:at=25:00", "between 00:00 and 23:59"),
    ("chiller_trip:units=99", "from 1 to 30 (the chiller units installed)"),
    ("pump_trip:fraction=1.5", "(0, 1]"),
    ("pump_trip:duration=10 kg", "duration"),
])
def test_bad_scenarios_are_named(spec, message):
    with pytest.raises(InputError, match=message.replace("(", r"\(").replace(")", r"\)").replace("[", r"\[")):
        parse(spec, twin.load_site("colossus1"))


def test_outages_multiply_and_respect_their_window():
    events = (EquipmentOutage("chiller", 10, 5, 0.5), EquipmentOutage("chiller", 12, 10, 0.5, "central"))
    assert availability(events, 9, "chiller", "central") == 1.0
    assert availability(events, 13, "chiller", "central") == 0.25
    assert availability(events, 13, "chiller", "other") == 0.5
    assert availability(events, 16, "chiller", "central") == 0.5


def _cortex(with_storage: bool):
    site = twin.load_site("cortex")
    if with_storage:
        return site
    return dataclasses.replace(site, plants=tuple(dataclasses.replace(p, storage_count=0, storage_model=None)
                                                  for p in site.plants))


@pytest.fixture(scope="module")
def tower_loss():
    """Cortex loses every tower cell (and so its chillers' condensers) for 30 min on a design day."""
    runs = {}
    for storage in (True, False):
        runs[storage] = twin.simulate(
            _cortex(storage), start="2025-07-21 14:00", duration=2 * 3600, plant_step=30.0,
            weather="design:austin:evaporation_0.4", scenario="tower_fan_failure:at=14:30,duration=30 min",
            workload=ConstantProfile(0.9))
    return runs


def test_storage_rides_through_the_loss_of_heat_rejection(tower_loss):
    with_tanks, without = ride_through(tower_loss[True], 1800), ride_through(tower_loss[False], 1800)
    assert with_tanks["peak_facility_supply_degC"] == pytest.approx(30.0, abs=0.05)
    assert np.isnan(with_tanks["time_to_throttle_s"])
    # the four tanks (16,000 m3) carry the 149 MW loop for ~1.2 h at design flow; 30 min uses a part of it
    assert 0.5 < with_tanks["storage_hours_left_min"] < 1.2
    assert without["peak_facility_supply_degC"] > 45.0
    assert 0 < without["time_to_throttle_s"] < 1800
    for ds in tower_loss.values():
        assert abs(ds.twin.energy_residual()) < 1e-9


def test_the_plant_recovers_after_the_outage(tower_loss):
    end = tower_loss[False].isel(time=slice(-10, None))
    assert float(end.T_fws_supply.max()) == pytest.approx(30.0, abs=0.1)


@pytest.mark.parametrize("spec, rise", [("loss_of_facility_water:at=12:10", 1.0),
                                        # half the pumps at full speed on their curves move more than half the
                                        # design flow against the mains and open valves (0.9 K measured)
                                        ("pump_trip:at=12:10,fraction=0.5", 0.5),
                                        ("cdu_failure:at=12:10,target=h100,fraction=0.5", 1.0)])
def test_loop_failures_heat_the_racks_and_conserve_energy(spec, rise):
    ds = twin.simulate("colossus1", start="2025-07-21 12:00", duration=1800, plant_step=10.0, scenario=spec,
                       workload=ConstantProfile(0.9))
    before = ds.T_tcs_supply.isel(time=slice(0, 60)).max()
    after = ds.T_tcs_supply.isel(time=slice(60, None)).max()
    assert float(after) > float(before) + rise
    assert abs(ds.twin.energy_residual()) < 1e-9


def test_losing_facility_water_throttles_then_trips_the_racks():
    ds = twin.simulate("colossus1", start="2025-07-21 12:00", duration=1800, plant_step=10.0,
                       scenario="loss_of_facility_water:at=12:05", workload=ConstantProfile(0.9))
    metrics = ride_through(ds, 300)
    assert 0 < metrics["time_to_throttle_s"] < metrics["time_to_rack_trip_s"] < 300
    # the protection powers the racks off before the coolant can run away
    assert metrics["peak_coolant_inlet_degC"] < 80.0
    assert float(ds.P_it.sel(group="h100").isel(time=-1)) == 0.0
    assert abs(ds.twin.energy_residual()) < 1e-9


def test_quasi_steady_mode_refuses_timed_events():
    with pytest.raises(InputError, match="mode='dynamic'"):
        twin.simulate("demo", mode="quasi_steady", scenario="chiller_trip")


# --- grammar: everything that would do nothing, or something else, is refused up front ---------

GRAMMAR = [
    ("chiller_trip:target=centrl", "chiller_trip.target", "did you mean 'central'"),
    ("pump_trip:target=fws9", "pump_trip.target", "facility loop"),
    ("chiller_trip:duration=0 s", "duration", "greater than zero"),
    ("chiller_trip:duration=-1 h", "duration", "between 0 and"),
    ("chiller_trip:duration=nan h", "duration", "finite"),
    ("chiller_trip:at=12:75", "at", "HH:MM"),
    ("chiller_trip:at=7", "at", "HH:MM"),
    ("chiller_trip:at=15:00,at=16:00", "chiller_trip.at", "each parameter once"),
    ("chiller_trip:at=", "chiller_trip", "key=value"),
    ("chiller_trip:years=5", "chiller_trip.years", "does not use"),
    ("utility_outage:units=1", "utility_outage.units", "does not use"),
    ("pump_trip:units=1", "pump_trip.units", "does not use"),
    ("chiller_trip:units=1.5", "units", "whole number"),
    ("chiller_trip:units=1,fraction=0.5", "units", "one of them"),
    ("heat_wave:years=-3", "heat_wave.years", "whole number"),
    ("design_day:condition=cooling_04", "design_day.condition", "did you mean 'cooling_0.4'"),
    ("chiller_trip:" + "x" * 300, "spec", "at most"),
]


@pytest.mark.parametrize("spec, field, words", GRAMMAR, ids=[g[0][:40] for g in GRAMMAR])
def test_scenario_grammar_refuses_what_would_do_nothing(spec, field, words):
    with pytest.raises(InputError) as err:
        parse(spec, twin.load_site("colossus1"), duration=86400.0)
    (problem,) = err.value.problems
    assert field in problem.field and words in str(problem), str(problem)


@pytest.mark.parametrize("spec, start, hours", [
    ("chiller_trip:at=15:00", 16 * 3600, 2.0),   # before the start
    ("chiller_trip:at=15:00", 12 * 3600, 2.0),   # after the end
])
def test_events_outside_the_run_are_refused_before_it_runs(spec, start, hours):
    with pytest.raises(InputError, match="a time inside the run"):
        parse(spec, twin.load_site("colossus1"), start_of_day=start, duration=hours * 3600)


def test_turbine_trip_counts_the_fleet():
    site = twin.load_site("colossus2")
    fleet = site.electrical.turbines[0]
    with pytest.raises(InputError, match=f"from 1 to {fleet.count}"):
        parse(f"turbine_trip:units={fleet.count + 1}", site)
    (event,) = parse("turbine_trip:units=2,at=10:00", site).events
    assert event.units == 2 and event.start == 36000


@pytest.mark.parametrize("site_name", ["cortex", "colossus1"])
def test_a_heat_wave_costs_a_tower_plant_more_than_its_typical_days(site_name):
    """The ``heat_wave`` scenario carries the station's humid design air: on a tower site its
    five days have a higher wet bulb than the same days of the typical year, so the plant uses
    more water and a higher PUE, never a better one (a heat wave that dried the air out
    showed 1.056 against 1.064)."""
    from twin import metrics

    site = twin.load_site(site_name)
    runs = {name: twin.simulate(site, start="2025-07-21 00:00", duration=5 * 86400.0, plant_step=3600.0,
                                mode="quasi_steady", electrical=False, scenario=name)
            for name in (None, "heat_wave")}
    base, wave = runs[None], runs["heat_wave"]
    assert wave.attrs["weather_spec"].startswith("heatwave:") and "TMY3 typical year" in base.attrs["weather_source"]
    assert float(wave.T_wet_bulb.mean()) > float(base.T_wet_bulb.mean()) + 1.0
    assert float(wave.T_dry_bulb.max()) > float(base.T_dry_bulb.max())
    assert metrics.pue(wave) > metrics.pue(base) + 0.003
    assert metrics.water_use(wave) > metrics.water_use(base)
