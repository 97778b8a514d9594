"""Contract levers of a power study in the site file and on the command line: PPA and virtual PPA settlements,
a CO2 cap per year, demand-response programme terms, BESS size, the cooling curves' weather."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from conftest import assert_bad_input

import twin
from twin.errors import InputError
from twin.optimize import dispatch, site_dispatch_inputs
from twin.optimize.commands import with_contract

MW, MWH = 1e6, 3.6e9
YEAR_S = 365 * 86400.0


@pytest.fixture(scope="module")
def cortex():
    return twin.load_site("cortex")


def _terms(site, **terms):
    return dataclasses.replace(site, tariff=dataclasses.replace(site.tariff, **terms))


def test_site_file_takes_contract_terms_in_their_units(tmp_path):
    from twin.paths import data_dir

    text = (data_dir("sites") / "cortex.toml").read_text()
    terms = ('ppa_volume = "200 MW"\nppa_price = "45 USD/MWh"\nvppa_volume = "100 MW"\nvppa_strike = "30 USD/MWh"\n'
             'CO2_cap = "400000 t"\ndr_reduction = "30 MW"\ndr_credit = "20000 USD"\ndr_penalty = "3000 USD/MWh"\n')
    (tmp_path / "c.toml").write_text(text.replace("[tariff]\n", "[tariff]\n" + terms, 1))
    t = twin.load_site(tmp_path / "c.toml").tariff
    assert (t.ppa_volume, t.vppa_volume, t.dr_reduction) == (200 * MW, 100 * MW, 30 * MW)
    assert t.ppa_price == pytest.approx(45 / MWH) and t.vppa_strike == pytest.approx(30 / MWH)
    assert t.CO2_cap == pytest.approx(4e8) and t.dr_credit == 20000 and t.dr_penalty == pytest.approx(3000 / MWH)
    (tmp_path / "bad.toml").write_text(text.replace("[tariff]\n", '[tariff]\nppa_price = "45 USD/t"\n', 1))
    with pytest.raises(InputError, match="tariff.ppa_price"):
        twin.load_site(tmp_path / "bad.toml")


def test_ppa_and_vppa_settle_the_bill_but_leave_the_dispatch(cortex):
    base = site_dispatch_inputs(cortex, days=1, cooling=False)
    x = site_dispatch_inputs(_terms(cortex, ppa_volume=200 * MW, ppa_price=45 / MWH, vppa_volume=100 * MW,
                                    vppa_strike=30 / MWH), days=1, cooling=False)
    price = np.asarray(x.tariff.energy_price)
    plan, plan0 = dispatch(x), dispatch(base)
    costs = dict(zip(plan["category"].values, plan["cost"].values))
    # the site pays the contract price for the volume and is credited the market price for it
    assert costs["ppa"] == pytest.approx(np.sum(200 * MW * (45 / MWH - price)) * 3600, rel=1e-9)
    # contract for differences: pays (strike - hub) on the generation, the hub being the plan's energy price
    assert costs["vppa"] == pytest.approx(np.sum(100 * MW * (30 / MWH - price)) * 3600, rel=1e-9)
    np.testing.assert_allclose(plan["P_grid_import"].values, plan0["P_grid_import"].values, atol=1e-3 * MW)
    assert float(plan["objective"]) - costs["ppa"] - costs["vppa"] == pytest.approx(float(plan0["objective"]),
                                                                                   rel=1e-9)
    with pytest.raises(InputError, match="tariff.ppa_price"):
        site_dispatch_inputs(_terms(cortex, ppa_volume=200 * MW), days=1, cooling=False)


def test_co2_cap_per_year_is_prorated(cortex):
    x = site_dispatch_inputs(_terms(cortex, CO2_cap=4e8), days=2, cooling=False)
    assert x.emissions.CO2_max == pytest.approx(4e8 * 2 / 365)
    assert any("CO2 cap: 400,000 t/yr" in note for note in x.notes)
    assert site_dispatch_inputs(cortex, days=1, cooling=False).emissions.CO2_max == np.inf


def test_co2_cap_binds_on_turbines():
    site = twin.load_site("colossus2")
    x = site_dispatch_inputs(site, days=1, step=3600, start="2025-07-14", cooling=False)
    free = dispatch(x)
    burnt = float(free["CO2"].sum()) if "CO2" in free else None
    fuel_CO2 = sum(t.CO2_factor * float(free["P_fuel"].values[g].sum()) * 3600 for g, t in enumerate(x.turbines))
    assert fuel_CO2 > 0 and (burnt is None or burnt == pytest.approx(fuel_CO2, rel=1e-6))
    capped = site_dispatch_inputs(_terms(site, CO2_cap=0.98 * fuel_CO2 * 365), days=1, step=3600,
                                  start="2025-07-14", cooling=False)
    plan = dispatch(capped)
    used = sum(t.CO2_factor * float(plan["P_fuel"].values[g].sum()) * 3600 for g, t in enumerate(x.turbines))
    assert used <= 0.98 * fuel_CO2 * (1 + 1e-6)
    assert float(plan["objective"]) > float(free["objective"])


def test_demand_response_programme_terms_fill_the_event_file(cortex, tmp_path):
    events = tmp_path / "events.csv"
    events.write_text("kind,start,end,baseline [MW]\ndemand_response,2025-07-15 16:00,2025-07-15 18:00,400\n")
    x = site_dispatch_inputs(_terms(cortex, dr_reduction=30 * MW, dr_credit=20000.0, dr_penalty=3000 / MWH),
                             days=2, start="2025-07-14", events=events, cooling=False)
    (e,) = x.tariff.demand_response
    assert (e.reduction, e.credit) == (30 * MW, 20000.0) and e.penalty == pytest.approx(3000 / MWH)
    firm = site_dispatch_inputs(_terms(cortex, dr_reduction=30 * MW), days=2, start="2025-07-14", events=events,
                                cooling=False)
    assert firm.tariff.demand_response[0].penalty is None
    plan = dispatch(firm)
    hours = (plan.indexes["time"] >= "2025-07-15 16:00") & (plan.indexes["time"] < "2025-07-15 18:00")
    assert plan["P_grid_import"].values[hours].max() <= 370 * MW * (1 + 1e-9)
    with pytest.raises(InputError, match="tariff.dr_reduction"):
        site_dispatch_inputs(cortex, days=2, start="2025-07-14", events=events, cooling=False)


def test_bess_scale_and_weather(cortex):
    one = site_dispatch_inputs(cortex, days=1, start="2025-07-14", cooling=False)
    two = site_dispatch_inputs(cortex, days=1, start="2025-07-14", cooling=False, bess_scale=2.0)
    assert two.bess.P_max == 2 * one.bess.P_max and two.bess.E_max == 2 * one.bess.E_max
    assert site_dispatch_inputs(cortex, days=1, cooling=False, bess_scale=0).bess is None
    with pytest.raises(InputError, match="bess_scale"):
        site_dispatch_inputs(cortex, days=1, cooling=False, bess_scale=-1)
    typical = site_dispatch_inputs(cortex, days=1, start="2025-07-14")
    hot = site_dispatch_inputs(cortex, days=1, start="2025-07-14", weather="heatwave:austin:50")
    assert hot.P_cooling_nominal.mean() > typical.P_cooling_nominal.mean()
    assert any("heatwave:austin:50" in note for note in hot.notes)


def test_contract_options_are_checked_with_their_units(cortex):
    changed = with_contract(cortex, {"--ppa": "200 MW at 45 USD/MWh", "--co2-cap": "1 Mt", "--dr-credit": None})
    assert changed.tariff.ppa_volume == 200 * MW and changed.tariff.ppa_price == pytest.approx(45 / MWH)
    assert changed.tariff.CO2_cap == pytest.approx(1e9)
    for option, value in (("--ppa", "200 MW"), ("--ppa", "200 MW at 45 USD/t"), ("--vppa", "-5 MW at 30 USD/MWh"),
                          ("--co2-cap", "400000"), ("--dr-penalty", "2 MW")):
        with pytest.raises(InputError, match=option):
            with_contract(cortex, {option: value})


def test_cli_contract_options(tmp_path):
    from test_optimize_commands import invoke

    result = invoke("dispatch", "cortex", "--days", 1, "--ppa", "200 MW at 45 USD/MWh", "--vppa",
                    "100 MW at 30 USD/MWh", "--bess-scale", 2)
    assert result.exit_code == 0, result.output
    assert "fixed-price PPA: 200 MW at 45 USD/MWh" in result.output and "Megapacks x2" in result.output
    assert_bad_input(invoke("dispatch", "cortex", "--days", 1, "--ppa", "200 MW at 45"), "--ppa")
    assert_bad_input(invoke("dispatch", "cortex", "--days", 1, "--bess-scale", 11), "--bess-scale")
    assert_bad_input(invoke("dispatch", "cortex", "--days", 1, "--weather", "nowhere"), "nowhere")
