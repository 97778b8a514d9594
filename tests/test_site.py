"""Site loading: built-in sites validate; broken files get one clear line each."""

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

import twin
from twin.cli import app
from twin.errors import InputError
from twin.site import builtin_sites, load_site, sites_dir

DEMO = (sites_dir() / "demo.toml").read_text()
runner = CliRunner()


def test_builtin_sites_are_listed_and_valid():
    names = builtin_sites()
    assert {"cortex", "colossus1", "colossus2", "demo"} <= set(names)
    for name in names:
        site = load_site(name)
        assert site.P_it_peak > 0 and site.n_racks > 0


def test_colossus2_matches_the_research_defaults():
    site = twin.load_site("colossus2")
    racks = site.racks_by_model()
    assert racks["gb200_nvl72"] + racks["gb300_nvl72"] == 7640  # research/sites.md sec. 3, M2-full
    assert site.P_it_peak == pytest.approx(1.091e9, rel=1e-3)   # ~1.04 GW GPU IT + 5 % other
    assert site.electrical.islanded and site.electrical.utility.P_import_max == 30e6
    assert sum(t.count for t in site.electrical.turbines if t.model != "mobile_gt_12mw") == 41


def test_site_is_frozen():
    site = twin.load_site("demo")
    with pytest.raises(Exception):
        site.name = "other"  # type: ignore[misc]


def _once(text: str, old: str, new: str) -> str:
    assert old in text, old
    return text.replace(old, new, 1)


# (what is wrong, edit of demo.toml, a piece of the field named in the message)
BROKEN = [
    ("malformed TOML", lambda t: _once(t, 'name = "demo"', 'name = "demo'), "malformed TOML"),
    ("unknown top-level key", lambda t: t + '\ncolour = "blue"\n', "colour"),
    ("unknown field with did-you-mean", lambda t: _once(t, "racks_per_cdu = 8", "rack_per_cdu = 8"),
     "did you mean 'racks_per_cdu'"),
    ("temperature in kg", lambda t: _once(t, '"30 degC"', '"30 kg"'), "facility_loops[0].T_supply_set"),
    ("power written as energy", lambda t: _once(t, '"3 MW"', '"3 MWh"'), "electrical.utility.P_import_max"),
    ("negative import", lambda t: _once(t, '"3 MW"', '"-3 MW"'), "electrical.utility.P_import_max"),
    ("negative loop rise", lambda t: _once(t, '"10 K"', '"-10 K"'), "facility_loops[0].delta_T_nominal"),
    ("zero rack count", lambda t: _once(t, "count = 8", "count = 0"), "rack_groups[0].count"),
    ("text for a count", lambda t: _once(t, "count = 8", 'count = "eight"'), "rack_groups[0].count"),
    ("missing catalogue rack", lambda t: _once(t, '"gb200_nvl72"', '"gb200_nvl27"'), "did you mean 'gb200_nvl72'"),
    ("missing catalogue chiller", lambda t: _once(t, '"carrier_19xr_742kw_vsd"', '"carrier_19xr"'), "plants[0].chiller"),
    ("duplicate group name", lambda t: _once(t, 'name = "h100"', 'name = "gb200"'), "rack_groups[1].name"),
    ("missing required field", lambda t: _once(t, 'facility_loop = "fws"\n', ""), "rack_groups[0].facility_loop"),
    ("unknown loop reference", lambda t: _once(t, 'facility_loop = "fws"', 'facility_loop = "fwss"'),
     "did you mean 'fws'"),
    ("unknown plant reference", lambda t: _once(t, 'plant = "plant"', 'plant = "plnt"'), "facility_loops[0].plant"),
    ("wrong choice", lambda t: _once(t, '"towers_with_chillers"', '"tower_with_chillers"'),
     "did you mean 'towers_with_chillers'"),
    ("above the ASHRAE class", lambda t: _once(t, '"30 degC"', '"35 degC"'), "facility_loops[0].T_supply_set"),
    ("overloaded CDU", lambda t: _once(t, "racks_per_cdu = 8", "racks_per_cdu = 12"), "rack_groups[0].racks_per_cdu"),
    ("spares not fewer than units", lambda t: _once(t, "chiller_spares = 1", "chiller_spares = 3"),
     "plants[0].chiller_spares"),
    ("plant too small for the heat", lambda t: _once(_once(t, "count = 8", "count = 80"), "racks_per_cdu = 8\n",
                                                     "racks_per_cdu = 8\n"), "plants 'plant'"),
    ("import below facility peak", lambda t: _once(t, '"3 MW"', '"1 MW"'), "electrical"),
    ("UPS too small", lambda t: _once(t, "count = 3\nspares = 1", "count = 2\nspares = 1"), "electrical.ups.count"),
    ("design PUE out of range", lambda t: _once(t, "pue_design = 1.25", "pue_design = 0.8"), "pue_design"),
    ("misspelt section", lambda t: _once(t, "[electrical]\n", "[electric]\n"), "electric"),
    ("islanded with a large import", lambda t: _once(t, "[electrical]\n", "[electrical]\nislanded = true\n"),
     "electrical.utility.P_import_max"),
    ("CDU given for a rack with its own", lambda t: _once(t, 'rack = "hgx_h100_64gpu"\n',
                                                          'rack = "hgx_h100_64gpu"\ncdu = "in_row_1350kw"\n'),
     "rack_groups[1].cdu"),
    ("liquid rack without a CDU", lambda t: _once(t, 'cdu = "in_row_1350kw"\nracks_per_cdu = 8\n', ""),
     "rack_groups[0].cdu"),
    ("boolean for a quantity", lambda t: _once(t, 'elevation = "198 m"', "elevation = true"), "location.elevation"),
]


@pytest.mark.parametrize("what, edit, field", BROKEN, ids=[b[0] for b in BROKEN])
def test_broken_site_gets_a_clear_error(tmp_path: Path, what, edit, field):
    path = tmp_path / "broken.toml"
    path.write_text(edit(DEMO))
    result = runner.invoke(app, ["validate", str(path)])
    assert result.exit_code == 2, result.output
    lines = [line for line in result.stderr.splitlines() if line]
    assert lines and all(line.startswith(f"error: {path}") for line in lines), result.stderr
    assert any(field in line for line in lines), result.stderr
    assert "Traceback" not in result.output + result.stderr
    assert result.exception is None or isinstance(result.exception, SystemExit)


def test_twenty_or_more_broken_cases():
    assert len(BROKEN) >= 20


def test_every_problem_is_reported_at_once(tmp_path: Path):
    text = _once(_once(DEMO, '"30 degC"', '"30 kg"'), "count = 8", "count = 0")
    path = tmp_path / "two.toml"
    path.write_text(text)
    with pytest.raises(InputError) as err:
        load_site(path)
    fields = " ".join(p.field for p in err.value.problems)
    assert "T_supply_set" in fields and "rack_groups[0].count" in fields


def test_unknown_site_name_suggests_a_builtin():
    with pytest.raises(InputError, match="did you mean 'colossus2'"):
        load_site("colosus2")


QUANTITY_FIELDS = ['"3 MW"', '"30 degC"', '"10 K"', '"198 m"', '"200 m"']


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(field=st.sampled_from(QUANTITY_FIELDS), value=st.one_of(
    st.text(max_size=12), st.floats(allow_nan=True, allow_infinity=True), st.integers(), st.booleans()))
def test_any_value_either_loads_or_raises_input_error(tmp_path_factory, field, value):
    """Whatever a user writes in a quantity field, the loader answers with a Site or an InputError."""
    import json

    literal = json.dumps(value) if not isinstance(value, float) or value == value and abs(value) != float("inf") \
        else ("nan" if value != value else ("inf" if value > 0 else "-inf"))
    path = tmp_path_factory.mktemp("h") / "site.toml"
    path.write_text(DEMO.replace(field, literal, 1))
    try:
        load_site(path)
    except InputError as err:
        assert all(str(path) in str(p) for p in err.problems)


@settings(max_examples=40, deadline=None)
@given(garbage=st.text(max_size=200))
def test_arbitrary_text_never_crashes_the_loader(tmp_path_factory, garbage):
    path = tmp_path_factory.mktemp("g") / "site.toml"
    path.write_text(garbage)
    with pytest.raises(InputError):
        load_site(path)
