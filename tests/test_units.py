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
