import pytest

from twin.errors import InputError
from twin.units import to_si


@pytest.mark.parametrize(
    "text, kind, expected",
    [
        ("1.2 MW", "power", 1.2e6),
        ("45 degC", "temperature", 45.0),
        ("113 degF", "temperature", 45.0),
        ("318.15 K", "temperature", 45.0),
        ("10 K", "temperature_difference", 10.0),
        ("1.5 L/min/kW", "volume_flow_per_power", 1.5e-3 / 60 / 1e3),
        ("0.02 K/W", "thermal_resistance", 0.02),
        ("600 MWh", "energy", 600 * 3.6e9),
        ("10000 Btu/kWh", "heat_rate", 10000 * 1055.05585262 / 3.6e6),
        ("90 %", "dimensionless", 0.9),
        ("100 ton_refrigeration", "power", 351685.0),
    ],
)
def test_to_si_converts_to_the_kind_unit(text, kind, expected):
    assert to_si(text, kind) == pytest.approx(expected, rel=1e-6)


@pytest.mark.parametrize("text, kind", [("45 kg", "temperature"), ("1.2 MWh", "power"), ("fast", "power"), ("", "power")])
def test_wrong_dimension_names_file_and_field(text, kind):
    with pytest.raises(InputError) as err:
        to_si(text, kind, file="sites/x.toml", field="halls[0].P_nominal")
    message = str(err.value)
    assert "sites/x.toml" in message and "halls[0].P_nominal" in message and repr(text) in message


# --- meaning and physical range of every quantity ---------------------------------------------

@pytest.mark.parametrize("text, expected", [("18 degF", 10.0), ("10 degC", 10.0), ("10 K", 10.0),
                                            ("18 delta_degF", 10.0), ("5.4 degR", 3.0)])
def test_a_temperature_difference_is_never_read_as_a_temperature(text, expected):
    assert to_si(text, "temperature_difference") == pytest.approx(expected)


@pytest.mark.parametrize("text, words", [
    ("30 K", ["-243.15 degC", "between -100 and 200 degC"]),
    ("-300 degC", ["below absolute zero", "between -100 and 200 degC"]),
    ("10 delta_degC", ["a temperature difference", "a temperature such as"]),
])
def test_temperatures_outside_their_physical_range_are_refused(text, words):
    with pytest.raises(InputError) as err:
        to_si(text, "temperature", file="f.toml", field="T_supply_set")
    assert all(w in str(err.value) for w in words), str(err.value)


@pytest.mark.parametrize("value, kind, unit", [(3, "power", "W"), (30, "temperature", "degC"), (2.5, "length", "m"),
                                               ("3", "power", "W"), ("30", "temperature", "degC")])
def test_a_bare_number_in_a_dimensioned_field_says_which_unit_is_expected(value, kind, unit):
    with pytest.raises(InputError) as err:
        to_si(value, kind, file="site.toml", field="x")
    message = str(err.value)
    assert f"(SI: {unit})" in message and "with its unit" in message, message


def test_a_bare_number_is_fine_where_the_quantity_is_dimensionless():
    assert to_si(0.9, "dimensionless") == 0.9 and to_si("90 %", "dimensionless") == pytest.approx(0.9)


@pytest.mark.parametrize("value", ["nan W", "inf W", "-inf W", "1e400 W", float("nan"), 10 ** 400, "1e30 W"])
def test_non_finite_or_huge_values_are_refused(value):
    kind = "power" if isinstance(value, str) else "dimensionless"
    with pytest.raises(InputError):
        to_si(value, kind)


def test_within_narrows_the_range_and_says_so():
    with pytest.raises(InputError, match="between 2 and 60 degC"):
        to_si("70 degC", "temperature", within=(2.0, 60.0))
    assert to_si("45 degC", "temperature", within=(2.0, 60.0)) == 45.0


def test_a_long_numeric_text_is_refused_at_once_not_parsed():
    import time

    t0 = time.perf_counter()
    with pytest.raises(InputError, match="characters"):
        to_si("1" * 100_000 + " W", "power")
    assert time.perf_counter() - t0 < 0.1


def test_site_weather_locations_match_the_weather_stations():
    from twin.site import WEATHER_LOCATIONS
    from twin.weather import STATIONS

    assert tuple(STATIONS) == WEATHER_LOCATIONS
