"""Fuzzing (hypothesis) of the input surfaces: units, the site schema, the scenario grammar,
price files and the command-line options.  Whatever is written, the answer is a value or an InputError whose
problems are single lines naming the file; never another exception, never a hang.

Budgets are small (a few seconds per test) so the suite stays inside the CI time budget;
the corpus in tests/bad_inputs keeps the cases worth keeping.
"""

from __future__ import annotations

import json
import math
import re

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

import twin
from twin.errors import InputError
from twin.scenarios import parse
from twin.site import load_site, sites_dir
from twin.units import SI_UNITS, to_si

DEMO = (sites_dir() / "demo.toml").read_text()
FAST = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])

UNITS = ["W", "kW", "MW", "degC", "degF", "K", "delta_degC", "delta_degF", "Pa", "bar", "m", "kg/s", "L/min",
         "USD/MWh", "Btu/kWh", "%", "s", "h", "min", "kg", "m^3", "K/W", "", "furlong", "degC/h"]
NUMBERS = st.one_of(st.floats(allow_nan=True, allow_infinity=True), st.integers(-10**30, 10**30),
                    st.sampled_from(["nan", "inf", "-inf", "1e400", "0x10", "1_000", "", "--1", "1e-400"]))


def _one_line_problems(err: InputError, file: str) -> None:
    assert err.problems
    for p in err.problems:
        assert "\n" not in str(p) and len(str(p)) < 800 and p.file == file, str(p)


@FAST
@given(number=NUMBERS, unit=st.sampled_from(UNITS), kind=st.sampled_from(sorted(SI_UNITS)))
def test_to_si_returns_a_finite_value_or_one_line(number, unit, kind):
    text = f"{number} {unit}".strip()
    try:
        value = to_si(text, kind, file="f.toml", field="x")
    except InputError as err:
        _one_line_problems(err, "f.toml")
    else:
        assert math.isfinite(value) and abs(value) <= 1e18
        if kind == "temperature":
            assert value >= -100


def _toml_literal(value) -> str:
    if isinstance(value, float) and not math.isfinite(value):
        return "nan" if value != value else ("inf" if value > 0 else "-inf")
    return json.dumps(value)


KEYS = sorted({m.group(1) for m in re.finditer(r"^(\w+) = ", DEMO, re.M)})
VALUES = st.one_of(st.text(max_size=20), st.floats(allow_nan=True, allow_infinity=True),
                   st.integers(-10**25, 10**25), st.booleans(),
                   st.builds(lambda n, u: f"{n} {u}", st.floats(-1e6, 1e6), st.sampled_from(UNITS)))


@FAST
@given(key=st.sampled_from(KEYS), occurrence=st.integers(0, 5), value=VALUES)
def test_any_value_in_any_site_field_loads_or_is_refused_on_one_line(tmp_path_factory, key, occurrence, value):
    matches = list(re.finditer(rf"^{key} = .*$", DEMO, re.M))
    m = matches[occurrence % len(matches)]
    text = DEMO[:m.start()] + f"{key} = {_toml_literal(value)}" + DEMO[m.end():]
    path = tmp_path_factory.mktemp("fuzz") / "site.toml"
    path.write_text(text)
    try:
        site = load_site(path)
    except InputError as err:
        _one_line_problems(err, str(path))
    else:  # what loads is physically sound
        assert all(2 <= loop.T_supply_set <= 60 for loop in site.facility_loops)
        assert all(0 < loop.delta_T_nominal <= 40 for loop in site.facility_loops)


PARAMS = ["at", "duration", "fraction", "units", "target", "years", "condition", "durration", ""]
PARAM_VALUES = st.one_of(st.sampled_from(["15:00", "12:75", "24:00", "7", "-1:00", "0 s", "-1 h", "nan h",
                                          "1e9 h", "30 min", "1", "0", "1.5", "99", "central", "plant", "fws",
                                          "", "cooling_0.4", "5"]), st.text(max_size=8))


@settings(max_examples=150, deadline=None)
@given(name=st.sampled_from(["chiller_trip", "tower_fan_failure", "pump_trip", "cdu_failure", "utility_outage",
                             "heat_wave", "design_day", "turbine_trip", "chiller_trp"]),
       items=st.lists(st.tuples(st.sampled_from(PARAMS), PARAM_VALUES), max_size=4),
       start=st.integers(0, 23), hours=st.floats(0.1, 48))
def test_scenario_grammar_parses_or_refuses_on_one_line(name, items, start, hours):
    site = twin.load_site("demo")
    spec = name + (":" + ",".join(f"{k}={v}" for k, v in items) if items else "")
    try:
        scenario = parse(spec, site, start_of_day=start * 3600.0, duration=hours * 3600)
    except InputError as err:
        _one_line_problems(err, "<scenario>")
    else:
        keys = [k for k, _ in items]
        assert len(set(keys)) == len(keys)  # a repeated key never passes
        for event in scenario.events:
            assert 0 <= event.start < hours * 3600
            assert getattr(event, "duration", 1.0) > 0
            assert 0 < getattr(event, "fraction", 1.0) <= 1


OPTION_NUMBERS = st.one_of(st.floats(allow_nan=True, allow_infinity=True, width=32),
                           st.sampled_from(["1e7", "1e-9", "0", "-1", "nan", "inf", "abc", "1e400"]))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(hours=OPTION_NUMBERS, plant_step=OPTION_NUMBERS, it_step=OPTION_NUMBERS,
       start=st.one_of(st.sampled_from(["2025-07-21 14:00", "1500-01-01", "2300-01-01", "yesterday",
                                        "2025-13-01", "2025-07-21T14:00+02:00"]), st.text(max_size=12)))
def test_simulate_options_are_checked_before_any_work(monkeypatch, hours, plant_step, it_step, start):
    """Every option combination ends in one-line errors (exit 2) before the simulation, or reaches it."""
    from typer.testing import CliRunner

    import twin.simulation
    from twin.cli import app

    def reached(*args, **kwargs):
        raise InputError.one("REACHED", "", "the simulation", "-")

    monkeypatch.setattr(twin.simulation, "simulate", reached)
    args = ["simulate", "demo", "--hours", str(hours), "--plant-step", str(plant_step), "--it-step", str(it_step),
            "--start", start]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 2, (args, result.output)
    assert "Traceback" not in result.output and "unexpected" not in result.output, result.output


PRICE_HEADERS = ["time", "energy_price [USD/MWh]", "energy_price [USD/kWh]", "energy_price", "energy_price [MW]",
                 "on_peak", "price [USD/MWh]", "time ", "", "energy_price [USD/MWh]"]
PRICE_TIMES = st.one_of(st.sampled_from(["2025-07-01T00:00Z", "2025-07-01T01:00Z", "2025-07-01T00:15:00-05:00",
                                         "2025-07-01 02:00", "1500-01-01T00:00Z", "2300-01-01T00:00Z",
                                         "yesterday", "", "2025-02-30T00:00Z", "1e400"]),
                        st.datetimes().map(lambda t: t.isoformat()), st.text(max_size=10))
PRICE_VALUES = st.one_of(NUMBERS.map(str), st.sampled_from(["1", "0", "maybe", "-1e12", "30.5", "nan"]),
                         st.text(max_size=6))


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(header=st.lists(st.sampled_from(PRICE_HEADERS), min_size=1, max_size=4),
       rows=st.lists(st.tuples(PRICE_TIMES, st.lists(PRICE_VALUES, max_size=4)), max_size=6),
       raw=st.one_of(st.none(), st.binary(max_size=40)))
@example(header=["time", "energy_price [USD/MWh]"], rows=[("2025-07-01T00:00Z", ["30"]), ("2025-07-01T01:00Z", ["nan"])],
         raw=None)  # a NaN price once made the set-point solve run on
@example(header=["time", "energy_price [USD/MWh]"], rows=[], raw=b"\xff\xfe\x00time")
@example(header=["time", "energy_price [USD/MWh]"], rows=[("2025-07-01T00:00Z", []), ("1500-01-01T00:00Z", [])],
         raw=None)  # a time pandas cannot hold in nanoseconds
def test_any_price_file_reads_or_is_refused_on_one_line(tmp_path_factory, header, rows, raw):
    """A price file of any header, times and values (or any bytes): SI prices on increasing,
    evenly spaced times with finite values inside the accepted band, or one line per problem
    naming the file; never a traceback."""
    import numpy as np

    from twin.optimize.prices import read_prices

    path = tmp_path_factory.mktemp("prices") / "prices.csv"
    if raw is not None:
        path.write_bytes(raw)
    else:
        path.write_text("\n".join([",".join(header)] + [",".join([t, *v]) for t, v in rows]) + "\n")
    try:
        prices = read_prices(path)
    except InputError as err:
        assert err.problems
        for p in err.problems:
            assert "\n" not in str(p) and len(str(p)) < 800 and p.file == str(path), str(p)
    else:
        assert len(prices) >= 1 and prices.index.is_monotonic_increasing and prices.index.is_unique
        numeric = prices.select_dtypes("number").to_numpy()
        assert np.all(np.isfinite(numeric))
        assert np.all(np.abs(prices.iloc[:, 0].to_numpy()) <= 100_000 / 3.6e9 * 1.0001)  # USD/J
