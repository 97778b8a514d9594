"""Weather: psychrometrics against PsychroLib, the EPW reader against statistics of the real
TMY3 files, the built-in typical years (those files), design days and heat waves against the
ASHRAE design conditions, and the simulator's entry point."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import psychrolib
import pytest

from twin import weather
from twin.errors import InputError
from twin.weather import (
    STATIONS, clear_sky_ghi, design_conditions, design_day, dew_point, extreme_dry_bulb, heat_wave,
    heat_wave_humidity_ratio, humidity_ratio, load_weather, read_epw, saturation_pressure, standard_pressure,
    typical_year, wet_bulb,
)

psychrolib.SetUnitSystem(psychrolib.SI)

ALL_EPW = tuple(STATIONS.values())
SITE_STATIONS = ("austin", "memphis")


def percentile_04(x):
    """The value exceeded by 0.4 % of the hours, as the reference statistics define it."""
    return np.sort(x)[int(0.996 * x.size)]


@pytest.fixture(scope="module")
def epw_statistics(reference_dir):
    doc = json.loads((reference_dir / "weather_design_conditions.json").read_text())
    return {s["file"]: s for s in doc["epw_annual_stats_computed_here"]}


@pytest.fixture(scope="module")
def design_reference(reference_dir):
    doc = json.loads((reference_dir / "weather_design_conditions.json").read_text())
    return {s["file"]: s for s in doc["stations"]}


@pytest.fixture(scope="module")
def real_years(weather_dir):
    return {name: read_epw(weather_dir / name) for name in ALL_EPW}


# --------------------------------------------------------------------------- psychrometrics

def test_wet_bulb_matches_psychrolib_table(reference_dir):
    table = pd.read_csv(reference_dir / "psychrolib_wetbulb.csv")
    assert len(table) == 40
    T_wb = wet_bulb(table.T_drybulb_C.to_numpy(), table.RH.to_numpy(), table.pressure_Pa.to_numpy())
    np.testing.assert_allclose(T_wb, table.T_wetbulb_C_psychrolib, atol=0.01)
    np.testing.assert_allclose(T_wb, table.T_wetbulb_C_CoolProp_HAPropsSI, atol=0.02)
    p_vapour = table.RH.to_numpy() * saturation_pressure(table.T_drybulb_C.to_numpy())
    np.testing.assert_allclose(dew_point(p_vapour), table.T_dewpoint_C_psychrolib, atol=0.01)
    np.testing.assert_allclose(humidity_ratio(p_vapour, table.pressure_Pa.to_numpy()), table.humidity_ratio_kg_kg,
                               rtol=1e-3)
    np.testing.assert_allclose(standard_pressure(table.elevation_m.to_numpy()), table.pressure_Pa, atol=0.1)


def test_wet_bulb_matches_psychrolib_on_random_states():
    rng = np.random.default_rng(7)
    T_db, rh, p = rng.uniform(-30, 50, 400), rng.uniform(0.02, 1.0, 400), rng.uniform(85e3, 105e3, 400)
    expected = [psychrolib.GetTWetBulbFromRelHum(*args) for args in zip(T_db, rh, p)]
    # PsychroLib stops its bisection at a 1e-3 K bracket; this solver goes to 1e-7 K.
    np.testing.assert_allclose(wet_bulb(T_db, rh, p), expected, atol=1e-3)
    p_vapour = rng.uniform(50, 7000, 200)
    np.testing.assert_allclose(dew_point(p_vapour), [psychrolib.GetTDewPointFromVapPres(40.0, v) for v in p_vapour],
                               atol=2e-3)


# --------------------------------------------------------------------------- EPW reader

@pytest.mark.parametrize("name", ALL_EPW)
def test_read_epw_reproduces_reference_statistics(real_years, epw_statistics, name):
    ds, ref = real_years[name], epw_statistics[name]
    T_db, T_wb = ds.T_dry_bulb.values, ds.T_wet_bulb.values
    assert T_db.size == ref["hours"] == 8760
    assert T_db.mean() == pytest.approx(ref["DB_mean_C"], abs=0.01)
    assert T_db.max() == pytest.approx(ref["DB_max_C"], abs=1e-9)
    assert percentile_04(T_db) == pytest.approx(ref["DB_0p4pct_exceed_C"], abs=1e-9)
    assert (T_db > 35).sum() == ref["hours_DB_above_35C"]
    # The reference wet bulbs come from the dew point; read_epw's from the integer-percent
    # relative humidity, which moves single hours by up to ~0.2 K.
    assert T_wb.mean() == pytest.approx(ref["WB_mean_C"], abs=0.05)
    assert T_wb.max() == pytest.approx(ref["WB_max_C"], abs=0.1)
    assert percentile_04(T_wb) == pytest.approx(ref["WB_0p4pct_exceed_C"], abs=0.05)
    assert (T_wb < 18).sum() == pytest.approx(ref["hours_WB_below_18C"], abs=30)


def test_read_epw_layout(real_years, design_reference):
    name = STATIONS["memphis"]
    ds, station = real_years[name], design_reference[name]
    assert ds.time.values[0] == np.datetime64("2025-01-01T00:00")
    assert ds.time.values[-1] == np.datetime64("2025-12-31T23:00")
    # First data row of the file (hour 1 of 1 January): 9.4 degC dry bulb, 100 % RH, 99400 Pa.
    assert ds.T_dry_bulb.values[0] == 9.4 and ds.relative_humidity.values[0] == 1.0
    assert ds.p_atmosphere.values[0] == 99400
    assert ds.attrs["latitude"] == station["lat"] and ds.attrs["longitude"] == station["lon"]
    assert ds.attrs["elevation"] == station["elevation_m"] and ds.attrs["time_zone"] == station["tz"]
    assert ds.attrs["source"] == name and "Memphis" in ds.attrs["location"]
    for variable, (units, _) in weather.VARIABLES.items():
        assert ds[variable].attrs["units"] == units and ds[variable].attrs["long_name"]


def epw_text(ds) -> str:
    """A well-formed EPW text holding ``ds`` (8 header lines, 8,760 rows of 35 fields)."""
    header = ["LOCATION,Test,TX,USA,TMY3,999999,30.0,-97.0,-6.0,200.0", "DESIGN CONDITIONS,0",
              "TYPICAL/EXTREME PERIODS,0", "GROUND TEMPERATURES,0", "HOLIDAYS/DAYLIGHT SAVINGS,No,0,0,0",
              "COMMENTS 1,test", "COMMENTS 2,test", "DATA PERIODS,1,1,Data,Sunday, 1/ 1,12/31"]
    t = pd.DatetimeIndex(ds.time.values)
    columns = zip(t.month.tolist(), t.day.tolist(), (t.hour + 1).tolist(), ds.T_dry_bulb.values.tolist(),
                  ds.T_dew_point.values.tolist(), ds.relative_humidity.values.tolist(), ds.p_atmosphere.values.tolist(),
                  ds.global_horizontal_irradiance.values.tolist(), ds.wind_speed.values.tolist())
    rows = [f"1999,{m},{d},{h},0,?9,{db:.1f},{dp:.1f},{round(100 * rh)},{p:.0f},0,0,300,{ghi:.0f},0,0,0,0,0,0,"
            f"180,{ws:.1f}" + ",0" * 13 for m, d, h, db, dp, rh, p, ghi, ws in columns]
    return "\n".join(header + rows) + "\n"


@pytest.fixture(scope="module")
def good_epw(tmp_path_factory):
    path = tmp_path_factory.mktemp("epw") / "test.epw"
    path.write_text(epw_text(typical_year("austin")))
    return path


def test_read_epw_round_trip(good_epw):
    ds, source = read_epw(good_epw, year=2023), typical_year("austin", 2023)
    assert ds.time.values[0] == np.datetime64("2023-01-01T00:00")
    np.testing.assert_allclose(ds.T_dry_bulb, source.T_dry_bulb, atol=0.051)
    np.testing.assert_allclose(ds.T_wet_bulb, source.T_wet_bulb, atol=0.3)
    assert ds.attrs == {"location": "Test, TX, USA", "latitude": 30.0, "longitude": -97.0, "elevation": 200.0,
                        "time_zone": -6.0, "source": "test.epw"}


@pytest.mark.parametrize("edit, where", [
    (lambda lines: lines[1:], "line 1"),                                            # header missing
    (lambda lines: lines[:-1], "data rows"),                                        # 8,759 rows
    (lambda lines: lines[:100] + [lines[100].replace(",?9,", ",?9,abc,", 1)] + lines[101:], "line 101 field 7 (dry bulb"),
    (lambda lines: lines[:8] + [lines[8].replace(",?9,", ",?9,99.9,99.9,999,", 1)] + lines[9:], "line 9 field 7 (dry bulb"),
    (lambda lines: lines[:50] + [",".join(lines[50].split(",")[:10])] + lines[51:], "line 51: found 10 fields"),
    (lambda lines: lines[:8] + [lines[9], lines[8]] + lines[10:], "line 9 (month, day, hour)"),
])
def test_read_epw_rejects_malformed_files(good_epw, tmp_path, edit, where):
    bad = tmp_path / "bad.epw"
    bad.write_text("\n".join(edit(good_epw.read_text().splitlines())) + "\n")
    with pytest.raises(InputError) as err:
        read_epw(bad)
    message = str(err.value)
    assert str(bad) in message and where in message and "found" in message and "expected" in message


def test_read_epw_rejects_a_leap_year_and_missing_files(good_epw, tmp_path):
    with pytest.raises(InputError, match="non-leap"):
        read_epw(good_epw, year=2024)
    with pytest.raises(InputError, match="missing.epw"):
        read_epw(tmp_path / "missing.epw")


# --------------------------------------------------------------------------- built-in typical years

@pytest.mark.parametrize("location", sorted(STATIONS))
def test_typical_year_is_the_tmy3_file(real_years, location):
    real, typical = real_years[STATIONS[location]], typical_year(location)
    for name in weather.VARIABLES:
        np.testing.assert_array_equal(typical[name].values, real[name].values)
    assert STATIONS[location] in typical.attrs["source"] and "TMY3" in typical.attrs["source"]


def test_typical_year_structure_and_physics():
    a, b = typical_year("austin"), typical_year("AUSTIN", year=2023)
    np.testing.assert_array_equal(a.T_dry_bulb.values, b.T_dry_bulb.values)  # case-insensitive
    assert a.sizes["time"] == 8760 and b.time.values[0] == np.datetime64("2023-01-01T00:00")
    assert set(a.data_vars) == set(weather.VARIABLES)
    assert {"location", "latitude", "longitude", "elevation", "time_zone", "source"} <= set(a.attrs)
    for ds in (a, typical_year("memphis")):
        T_db, T_wb, T_dp = ds.T_dry_bulb.values, ds.T_wet_bulb.values, ds.T_dew_point.values
        # the file's dew point and its integer-percent relative humidity (the wet bulb's input)
        # disagree by up to 0.4 K in single hours
        assert np.all(T_dp <= T_wb + 0.5) and np.all(T_wb <= T_db + 1e-6)
        assert np.all((ds.relative_humidity.values > 0) & (ds.relative_humidity.values <= 1))
    a.T_dry_bulb.values[:] = 0.0  # a caller's edit must not reach the cached year
    assert typical_year("austin").T_dry_bulb.values.max() > 30


def test_unknown_location_lists_the_valid_ones():
    with pytest.raises(InputError, match="'austin', 'austin_mueller', 'memphis'"):
        typical_year("phoenix")
    with pytest.raises(InputError, match="non-leap"):
        typical_year("memphis", year=2028)


@pytest.mark.parametrize("location", sorted(STATIONS))
def test_design_conditions_are_read_from_the_station_file(design_reference, location):
    ref, ours = design_reference[STATIONS[location]], design_conditions(location)
    assert ours["cooling"]["0.4"] == {"T_dry_bulb": ref["cooling"]["DB_0p4_C"], "T_wet_bulb": ref["cooling"]["MCWB_0p4_C"]}
    assert ours["evaporation"]["0.4"]["T_wet_bulb"] == ref["cooling"]["evap_WB_0p4_C"]
    assert ours["T_dry_bulb_range"] == ref["cooling"]["hottest_month_DB_range_C"]


def mean_hour(ghi):
    """Irradiance-weighted mean clock hour of a year of hourly values."""
    return np.average(np.arange(24) + 0.5, weights=ghi.reshape(365, 24).mean(axis=0))


def test_clear_sky_follows_the_sun_of_the_tmy3_file(real_years):
    for name in STATIONS.values():
        ds = real_years[name]
        a = ds.attrs
        clear = clear_sky_ghi(ds.time.values, a["latitude"], a["longitude"], a["time_zone"])
        ghi = ds.global_horizontal_irradiance.values
        assert ((ghi > 0) == (clear > 0)).mean() > 0.95  # sunrise and sunset hours
        assert mean_hour(clear) == pytest.approx(mean_hour(ghi), abs=0.25)  # solar noon timing
        assert clear.max() == pytest.approx(ghi.max(), rel=0.05)


# --------------------------------------------------------------------------- design days and heat waves

#: ASHRAE Handbook-Fundamentals 2009 ch. 14 Table 6, fraction of the daily range, hours 1-24.
ASHRAE_TABLE_6 = [0.88, 0.92, 0.95, 0.98, 1.00, 0.98, 0.91, 0.74, 0.55, 0.38, 0.23, 0.13,
                  0.05, 0.00, 0.00, 0.06, 0.14, 0.24, 0.39, 0.50, 0.59, 0.68, 0.75, 0.82]


@pytest.mark.parametrize("location", SITE_STATIONS)
@pytest.mark.parametrize("level", ["0.4", "1", "2"])
def test_cooling_design_day(design_reference, location, level):
    ref = design_reference[STATIONS[location]]
    key = level.replace(".", "p")
    T_design, T_mcwb = ref["cooling"][f"DB_{key}_C"], ref["cooling"][f"MCWB_{key}_C"]
    daily_range = ref["cooling"]["hottest_month_DB_range_C"]
    ds = design_day(location, f"cooling_{level}", date="2025-08-01")
    assert ds.sizes["time"] == 24 and ds.time.values[0] == np.datetime64("2025-08-01T00:00")
    np.testing.assert_allclose(ds.T_dry_bulb.values, T_design - daily_range * np.array(ASHRAE_TABLE_6), atol=1e-9)
    peak = int(np.argmax(ds.T_dry_bulb.values))
    assert peak == 13  # hour ending 14:00
    assert ds.T_wet_bulb.values[peak] == pytest.approx(T_mcwb, abs=0.01)
    p = psychrolib.GetStandardAtmPressure(ref["elevation_m"])
    W = psychrolib.GetHumRatioFromTWetBulb(T_design, T_mcwb, p)
    np.testing.assert_allclose(ds.T_dew_point.values, psychrolib.GetTDewPointFromHumRatio(T_design, W, p), atol=0.01)
    np.testing.assert_allclose(ds.p_atmosphere.values, p)
    assert np.all(np.diff(ds.T_wet_bulb.values[4:14]) > 0)  # wet bulb rises with the dry bulb at constant W


@pytest.mark.parametrize("location", SITE_STATIONS)
def test_evaporation_design_day(design_reference, location):
    ref = design_reference[STATIONS[location]]["cooling"]
    ds = design_day(location, "evaporation_0.4", step=600)
    assert ds.sizes["time"] == 144
    assert ds.T_dry_bulb.values.max() == pytest.approx(ref["MCDB_at_WB_0p4_C"], abs=1e-9)
    assert ds.T_wet_bulb.values.max() == pytest.approx(ref["evap_WB_0p4_C"], abs=0.01)
    hourly = design_day(location, "evaporation_0.4")
    np.testing.assert_allclose(ds.T_dry_bulb.values[::6], hourly.T_dry_bulb.values)
    np.testing.assert_allclose(ds.T_dry_bulb.values[3], hourly.T_dry_bulb.values[:2].mean())  # linear in between


def test_design_day_rejects_unknown_conditions():
    with pytest.raises(InputError, match="cooling_0.4"):
        design_day("austin", "cooling_5")
    with pytest.raises(InputError, match="date"):
        design_day("austin", date="someday")


@pytest.mark.parametrize("location", SITE_STATIONS)
def test_return_periods_follow_the_published_values(design_reference, location):
    extremes = design_reference[STATIONS[location]]["extremes"]
    assert extreme_dry_bulb(location) == extremes["mean_extreme_annual_DB_max_C"]
    for n in (5, 10, 20, 50):
        assert extreme_dry_bulb(location, n) == pytest.approx(extremes["n_year_return_DB"][f"{n}yr_max"], abs=0.15)
    with pytest.raises(InputError):
        extreme_dry_bulb(location, 1)


def test_heat_wave(design_reference):
    ref = design_reference[STATIONS["memphis"]]
    ds = heat_wave("memphis", days=5, start="2025-07-14")
    peaks = ds.T_dry_bulb.values.reshape(5, 24).max(axis=1)
    design, extreme = ref["cooling"]["DB_0p4_C"], ref["extremes"]["mean_extreme_annual_DB_max_C"]
    np.testing.assert_allclose(peaks, [design, (design + extreme) / 2, extreme, extreme, extreme], atol=1e-9)
    assert ds.time.values[0] == np.datetime64("2025-07-14T00:00") and ds.sizes["time"] == 120
    assert np.abs(np.diff(ds.T_dry_bulb.values)).max() < 2.0  # days join smoothly
    severe = heat_wave("memphis", days=3, return_period_years=50, step=900)
    assert severe.T_dry_bulb.values.max() == pytest.approx(ref["extremes"]["n_year_return_DB"]["50yr_max"], abs=0.15)
    with pytest.raises(InputError, match="days"):
        heat_wave("memphis", days=0)


@pytest.mark.parametrize("location", SITE_STATIONS)
def test_heat_wave_carries_the_humid_design_air(real_years, design_reference, location):
    """A heat wave is no drier than the station's humid design air: its wet bulb, hour by hour,
    is at least the 0.4 % cooling design day's, its daily mean above every day of the TMY3 July,
    and its peak at or below the extreme maximum wet bulb of the station."""
    ref = design_reference[STATIONS[location]]
    wave = heat_wave(location, days=5, start="2025-07-21")
    design = design_day(location, "cooling_0.4", date="2025-07-21")
    T_wb = wave.T_wet_bulb.values.reshape(5, 24)
    assert np.all(T_wb >= design.T_wet_bulb.values - 1e-9)
    p = psychrolib.GetStandardAtmPressure(ref["elevation_m"])
    c = ref["cooling"]
    W = max(psychrolib.GetHumRatioFromTWetBulb(c["MCDB_at_WB_0p4_C"], c["evap_WB_0p4_C"], p),
            psychrolib.GetHumRatioFromTWetBulb(c["DB_0p4_C"], c["MCWB_0p4_C"], p))
    W_cap = psychrolib.GetHumRatioFromTWetBulb(wave.T_dry_bulb.values.max(), ref["extremes"]["max_WB_C"], p)
    assert heat_wave_humidity_ratio(location, float(wave.T_dry_bulb.values.max())) == pytest.approx(min(W, W_cap), rel=1e-4)
    july = real_years[STATIONS[location]].T_wet_bulb.sel(time=slice("2025-07-01", "2025-07-31")).values
    assert T_wb.mean(axis=1).min() > july.reshape(31, 24).mean(axis=1).max() - 1.0
    assert T_wb.max() <= ref["extremes"]["max_WB_C"] + 0.01


# --------------------------------------------------------------------------- load_weather

def test_load_weather_interpolates_the_typical_year():
    ds = load_weather("austin", start="2025-07-21", duration=86400, step=1)
    hourly = typical_year("austin").sel(time="2025-07-21")
    assert ds.sizes["time"] == 86400 and set(ds.data_vars) == set(weather.VARIABLES)
    np.testing.assert_allclose(ds.T_dry_bulb.values[::3600], hourly.T_dry_bulb.values)
    np.testing.assert_allclose(ds.T_wet_bulb.values[1800::3600][:23],
                               0.5 * (hourly.T_wet_bulb.values[:-1] + hourly.T_wet_bulb.values[1:]))
    assert ds.T_dry_bulb.attrs["units"] == "degC"


def test_load_weather_wraps_at_year_end_and_folds_leap_days():
    year = typical_year("memphis")
    ds = load_weather("Memphis", start="2030-12-31 23:00", duration=7200, step=1800)
    first, last = year.T_dry_bulb.values[0], year.T_dry_bulb.values[-1]
    second = year.T_dry_bulb.values[1]
    np.testing.assert_allclose(ds.T_dry_bulb.values, [last, (last + first) / 2, first, (first + second) / 2])
    leap = load_weather("memphis", start="2024-02-29", duration=2 * 86400, step=3600)
    np.testing.assert_allclose(leap.T_dry_bulb.values[:24], year.sel(time="2025-02-28").T_dry_bulb.values)
    np.testing.assert_allclose(leap.T_dry_bulb.values[24:], year.sel(time="2025-03-01").T_dry_bulb.values)


def test_load_weather_from_an_epw_file(weather_dir, real_years):
    name = STATIONS["austin"]
    ds = load_weather(weather_dir / name, start="2025-08-10 06:00", duration=3 * 3600, step=900)
    expected = real_years[name].T_dry_bulb.sel(time=slice("2025-08-10 06:00", "2025-08-10 09:00")).values
    np.testing.assert_allclose(ds.T_dry_bulb.values[::4], expected[:3])
    assert ds.attrs["source"] == f"EPW file {name}"


def test_load_weather_design_and_heat_wave_specs(design_reference):
    ds = load_weather("design:austin:cooling_0.4", start="2025-08-01 12:00", duration=2 * 86400, step=600)
    day = design_day("austin", "cooling_0.4", date="2025-08-01", step=600)
    np.testing.assert_allclose(ds.T_dry_bulb.values[:72], day.T_dry_bulb.values[72:])
    np.testing.assert_allclose(ds.T_dry_bulb.values[:144], ds.T_dry_bulb.values[144:])  # repeated daily
    wave = load_weather("heatwave:austin", start="2025-08-01", duration=5 * 86400, step=3600)
    np.testing.assert_allclose(wave.T_dry_bulb.values, heat_wave("austin", 5, "2025-08-01").T_dry_bulb.values)
    severe = load_weather("heatwave:austin:50", start="2025-08-01", duration=86400, step=60)
    ref = design_reference[STATIONS["austin"]]["extremes"]["n_year_return_DB"]["50yr_max"]
    assert severe.T_dry_bulb.values.max() == pytest.approx(ref, abs=0.15)


@pytest.mark.parametrize("spec, kwargs, field", [
    ("phoenix", {}, "spec"),
    ("design:austin:cooling_9", {}, "condition"),
    ("design:paris:cooling_0.4", {}, "location"),
    ("heatwave:austin:x", {}, "spec"),
    ("austin", {"duration": 0}, "duration"),
    ("austin", {"step": -1}, "step"),
    ("austin", {"start": "not a time"}, "start"),
])
def test_load_weather_rejects_bad_input(spec, kwargs, field):
    args = {"start": "2025-07-01", "duration": 3600, "step": 60} | kwargs
    with pytest.raises(InputError) as err:
        load_weather(spec, **args)
    assert f"weather: {field}" in str(err.value) and "expected" in str(err.value)
