"""A site may name its own catalogue folders; the user's datasheets are read and checked exactly as
built-in ones (the same parser, units, ranges and relations), and the engine runs them."""

import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

import twin
from twin.catalog import load_catalog, models_dir, parse_entry
from twin.cli import app
from twin.errors import InputError
from twin.site import load_site, sites_dir

CHILLER = models_dir() / "chiller" / "carrier_19xr_742kw_vsd.toml"
RACK = models_dir() / "rack" / "hgx_h100_64gpu.toml"


def _own_site(tmp_path: Path, *, chiller_text: str | None = None, rack_text: str | None = None,
              folders: str = '["my_models"]') -> Path:
    """The demo site with its chiller and H100 racks taken from the user's folder ``my_models``."""
    own = tmp_path / "my_models"
    (own / "chiller").mkdir(parents=True, exist_ok=True)
    (own / "rack").mkdir(parents=True, exist_ok=True)
    (own / "chiller" / "my_chiller.toml").write_text(chiller_text or CHILLER.read_text().replace(
        'Q_flow_nominal = "742 kW"', 'Q_flow_nominal = "800 kW"'))
    (own / "rack" / "my_rack.toml").write_text(rack_text or RACK.read_text().replace(
        'P_peak = "85 kW"', 'P_peak = "90 kW"'))
    text = (sites_dir() / "demo.toml").read_text()
    text = text.replace("pue_design = 1.25\n", f"pue_design = 1.25\ncatalogues = {folders}\n", 1)
    text = text.replace('chiller = "carrier_19xr_742kw_vsd"', 'chiller = "my_chiller"')
    text = text.replace('rack = "hgx_h100_64gpu"', 'rack = "my_rack"')
    site = tmp_path / "site.toml"
    site.write_text(text)
    return site


def test_a_site_runs_its_own_chiller_and_rack(tmp_path):
    site = load_site(_own_site(tmp_path))
    plant = site.plant("plant")
    assert plant.chiller_model.name == "my_chiller" and plant.chiller_model.Q_flow_nominal == 800e3
    h100 = next(g for g in site.rack_groups if g.name == "h100")
    assert h100.model.P_peak == 90e3
    assert site.catalogues == (str((tmp_path / "my_models").resolve()),)
    ds = twin.simulate(site, duration=1200, plant_step=600, mode="quasi_steady")
    assert float(ds.P_it_total.max()) > 0
    assert "my_models" in ds.attrs["site_catalogues"] and "sha256" in ds.attrs["site_catalogues"]
    assert "my_chiller" not in load_catalog().of_kind("chiller")  # the built-in catalogue is untouched


def test_validate_and_catalog_show_the_users_datasheet(tmp_path):
    path = _own_site(tmp_path)
    ok = CliRunner().invoke(app, ["validate", str(path)])
    assert ok.exit_code == 0, ok.output
    sheet = CliRunner().invoke(app, ["catalog", "chiller", "my_chiller", "--site", str(path)], terminal_width=220)
    assert sheet.exit_code == 0, sheet.output
    assert "800 kW" in sheet.output and "my_models" in sheet.output.replace("\n", "")


@pytest.mark.parametrize("edit, where, found", [
    (('Q_flow_nominal = "742 kW"', 'Q_flow_nominal = 742'), "Q_flow_nominal", "bare number"),
    (('COP_nominal = 5.42', 'COP_nominal = -5.42'), "COP_nominal", "-5.42"),
    (('T_leaving_limits = [5.56, 10.0]', 'T_leaving_limits = [10.0, 5.56]'), "T_leaving_limits", "[10, 5.56]"),
])
def test_a_bad_user_datasheet_is_refused_as_a_built_in_one_would_be(tmp_path, edit, where, found):
    """Same one-line error as the built-in file with the same edit, naming the user's file and field."""
    bad = CHILLER.read_text().replace(*edit)
    builtin = tmp_path / "builtin" / "carrier_19xr_742kw_vsd.toml"
    builtin.parent.mkdir()
    builtin.write_text(bad)
    with pytest.raises(InputError) as reference:
        parse_entry(builtin, "chiller")
    path = _own_site(tmp_path, chiller_text=bad)
    result = CliRunner().invoke(app, ["validate", str(path)])
    assert result.exit_code == 2 and "Traceback" not in result.output
    line = next(line for line in result.output.splitlines() if "my_chiller.toml" in line)
    assert f": {where}: " in line and found in line
    expected = next(p.expected for p in reference.value.problems if p.field == where)
    assert expected.split(" (")[0] in result.output.replace("\n", "")


def test_a_bad_user_rack_is_refused(tmp_path):
    path = _own_site(tmp_path, rack_text=RACK.read_text().replace('P_idle = "17 kW"', 'P_idle = "95 kW"'))
    with pytest.raises(InputError) as err:
        load_site(path)
    assert [(Path(p.file).name, p.field) for p in err.value.problems] == [("my_rack.toml", "P_idle")]


def test_folder_mistakes_name_the_file(tmp_path):
    path = _own_site(tmp_path, folders='["missing_folder"]')
    with pytest.raises(InputError) as err:
        load_site(path)
    assert err.value.problems[0].field == "catalogues[0]" and "existing folder" in err.value.problems[0].expected

    path = _own_site(tmp_path)
    shutil.move(tmp_path / "my_models" / "rack", tmp_path / "my_models" / "racks")
    with pytest.raises(InputError) as err:
        load_site(path)
    messages = [f"{p.file}: {p.found}: {p.expected}" for p in err.value.problems]
    assert any("racks" in m and "did you mean 'rack'" in m for m in messages), messages

    path = _own_site(tmp_path, folders='"my_models"')
    with pytest.raises(InputError) as err:
        load_site(path)
    assert err.value.problems[0].field == "catalogues"


def test_a_name_the_catalogue_already_holds_is_refused(tmp_path):
    path = _own_site(tmp_path)
    shutil.copy(CHILLER, tmp_path / "my_models" / "chiller" / CHILLER.name)
    with pytest.raises(InputError) as err:
        load_site(path)
    problem = err.value.problems[0]
    assert Path(problem.file).parent.parent.name == "my_models" and problem.field == "name"
    assert "rename" in problem.expected and "carrier_19xr_742kw_vsd" in problem.expected
