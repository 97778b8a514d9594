"""Dispatch inputs from the built-in sites against the catalogue by hand, and site plans against their baselines."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pandas as pd
import pytest

import twin
from twin.electrical.network import ElectricalNetwork
from twin.electrical.turbine import GasTurbine, fuel_power
from twin.errors import InputError
from twin.optimize import InfeasiblePlan, dispatch, plan_site, site_dispatch_inputs
from twin.optimize.prices import synthetic_ercot_year
from twin.optimize.from_site import price_notice
from twin.optimize.tariffs import bill
from twin.workload import ConstantProfile, ScheduleProfile

MW, MWH = 1e6, 3.6e9
BTU_PER_KWH = 1055.05585262 / 3.6e6   # J/J
LB_PER_MMBTU = 0.45359237 / 1.05505585262e9   # kg/J
HHV_PER_LHV = 1.108
YEAR_S = 365 * 86400.0


@pytest.fixture(scope="module")
def sites():
    return {name: twin.load_site(name) for name in ("cortex", "colossus1", "colossus2")}


def test_colossus1_megapacks_from_the_catalogue(sites):
    x = site_dispatch_inputs(sites["colossus1"], days=1, cooling=False)
    b = x.bess
    # 153 Megapack 2 XL 4-hour units: 0.98 MW and 3.92 MWh delivered each, round trip 0.90
    assert b.P_max == pytest.approx(153 * 0.98 * MW)
    assert b.E_max == pytest.approx(153 * 3.92 * MWH / math.sqrt(0.90))
    assert b.eta_charge == b.eta_discharge == pytest.approx(math.sqrt(0.90))
    # a full discharge from 95 % to 5 % delivers the datasheet energy times the window
    delivered = (b.soc_max - b.soc_min) * b.E_max * b.eta_discharge
    assert delivered == pytest.approx(0.90 * 153 * 3.92 * MWH)
    assert b.degradation_cost == pytest.approx(8.0 / MWH)
    assert b.soc_initial == 0.5 and b.soc_terminal is None


def test_smt130_fuel_curve_through_the_catalogue_heat_rates(sites):
    x = site_dispatch_inputs(sites["colossus1"], days=3, cooling=False)
    (smt,) = x.turbines
    P_rated = 16.5 * MW
    full = 10250 * BTU_PER_KWH * HHV_PER_LHV * P_rated           # catalogue LHV heat rates, to HHV
    half = 12800 * BTU_PER_KWH * HHV_PER_LHV * 0.5 * P_rated
    assert smt.count == 15 and smt.P_max == pytest.approx(P_rated) and smt.P_min == pytest.approx(0.5 * P_rated)
    assert np.interp(P_rated, smt.P, smt.fuel) == pytest.approx(full)
    assert np.interp(0.5 * P_rated, smt.P, smt.fuel) == pytest.approx(half)
    assert len(smt.P) == 3                                        # two segments
    # the same line as the electrical network's turbine model (Willans line through full and half load)
    gt = GasTurbine(P_rated=P_rated, heat_rate_rated=10250 * BTU_PER_KWH * HHV_PER_LHV, ramp_rate=1.0,
                    fuel_no_load_fraction=12800 / 10250 - 1)
    assert np.interp(0.75 * P_rated, smt.P, smt.fuel) == pytest.approx(float(fuel_power(gt, 0.75 * P_rated)))
    assert smt.NOx_factor == pytest.approx(0.0074 * LB_PER_MMBTU)
    assert smt.start_cost == 1500 and smt.min_up_s == 3600 and smt.min_down_s == 1800
    assert smt.ramp_limit == pytest.approx(2.5 * MW / 60)
    assert smt.starts_per_year_max == 22
    # the permit's 87 t a year, prorated to three days
    assert x.emissions.NOx_max == pytest.approx(87e3 * 3 / 365)


def test_colossus2_fleets_grid_and_demand_charges(sites):
    x = site_dispatch_inputs(sites["colossus2"], days=1, step=900.0, cooling=False)
    assert [t.name for t in x.turbines] == ["27xsolar_titan350", "14xsolar_smt130", "19xmobile_gt_12mw"]
    mobile = x.turbines[2]
    # minimum load 40 % lies below half load: the break sits at half load
    assert np.allclose(mobile.P, [4.8 * MW, 6.0 * MW, 12.0 * MW])
    slopes = np.diff(mobile.fuel) / np.diff(mobile.P)
    assert slopes[1] >= slopes[0] - 1e-12
    assert x.grid.P_import_max == pytest.approx(30 * MW) and x.grid.P_export_max == 0
    assert x.bess.P_max == pytest.approx(168 * 1.93 * MW)
    assert x.tariff.demand_charge.on_peak_rate == pytest.approx(11.0 / 1e3)
    assert not math.isfinite(x.emissions.NOx_max)                # no NOx cap on these fleets
    # units running before the first step: Titans first (lowest heat rate), enough for the load beyond the grid
    need = x.P_it[0] + x.P_losses[0] - 30 * MW                       # cooling left out here
    assert x.turbines[0].units_on_initial == math.ceil(need / (38 * MW))
    assert x.synthetic_prices and price_notice(x).startswith("prices: SYNTHETIC TVA/MLGW")


def test_load_cooling_and_losses(sites):
    site = sites["cortex"]
    x = site_dispatch_inputs(site, start="2025-07-14 00:00", days=2, step=3600.0)
    peak = site.P_it_peak
    IT = 0.8 * peak
    assert np.allclose(x.P_it, IT)
    f = x.flexible
    pace = 0.1 * IT
    assert f.E == pytest.approx(pace * 86400) and f.period == "day"
    assert f.P_max == pytest.approx(pace + 0.2 * peak)                       # up to the IT peak
    assert (1 - f.curtailment_max) * f.P_max == pytest.approx(max(0.0, pace - 0.1 * IT), abs=1.0)
    assert np.allclose(x.cooling.P_it_inflexible, IT - pace)
    assert x.cooling.P_it[0] <= 0.9 * IT and x.cooling.P_it[-1] >= peak - 1.0
    # cooling at the nominal load from the per-step curve; losses from the network at that point
    cooling = np.array([np.interp(IT, x.cooling.P_it, row) for row in x.cooling.P])
    assert np.allclose(x.P_cooling_nominal, cooling)
    chain = ElectricalNetwork.from_site(site).demand(np.full(48, IT), cooling)
    assert np.allclose(x.P_losses, chain["P_demand"] - IT - cooling)
    assert np.allclose(x.P_load, IT - pace + x.P_losses)
    assert 0.03 < x.P_losses.mean() / IT < 0.08                                 # UPS, transformers, busway
    # the simulator's clock: local standard time (CDT 00:00 is CST 23:00 the day before)
    assert x.standard_start == pd.Timestamp("2025-07-13 23:00") and x.workload_start_s == 23 * 3600


def test_a_workload_profile_sets_the_it_load(sites):
    schedule = ScheduleProfile(np.linspace(0.5, 0.9, 24), 3600.0)
    x = site_dispatch_inputs(sites["cortex"], days=1, workload=schedule, with_flexibility=False)
    assert x.flexible is None
    assert np.allclose(x.P_it, np.linspace(0.5, 0.9, 24) * sites["cortex"].P_it_peak)


def test_bad_inputs_name_the_field(sites):
    for kwargs, field in (({"step": 7 * 60.0}, "step"), ({"days": 0}, "days"),
                          ({"flexible_share": 1.5}, "flexible_share"), ({"start": "2025-01-01 00:07"}, "start"),
                          ({"days": 400, "step": 60.0}, "days")):
        with pytest.raises(InputError) as error:
            site_dispatch_inputs(sites["cortex"], cooling=False, **kwargs)
        assert error.value.problems[0].field == field


def _check_plan(result):
    plan, base, x = result.plan, result.baseline, result.inputs
    dt = x.step_s
    # costs add up, and the grid parts are what the tariff bills for the planned import
    assert float(plan["cost"].sum()) == pytest.approx(float(plan["objective"]))
    table = result.savings
    assert table.loc["total", "plan_USD"] == pytest.approx(float(plan["objective"]))
    assert table.loc["total", "baseline_USD"] == pytest.approx(float(base["objective"]))
    billed = bill(x.tariff, x.time, dt, plan["P_grid_import"].values)
    for category, value in billed.items():
        assert float(plan["cost"].sel(category=category)) == pytest.approx(value, rel=1e-6, abs=1e-3)
    # power balance every step
    supply = plan["P_grid_import"] + plan["P_battery"]
    if "P_turbine" in plan:
        supply = supply + plan["P_turbine"].sum("turbine_type")
    assert np.allclose(supply, plan["P_demand"], rtol=1e-7, atol=1.0)
    # IT: every day's energy kept, never more than 10 % below nominal, never above the peak
    IT = plan["P_it"].to_series()
    days = IT.index.tz_localize(None).normalize()
    assert np.allclose(IT.groupby(days).sum(), pd.Series(x.P_it, index=IT.index).groupby(days).sum(), rtol=1e-6)
    assert (IT.values >= 0.9 * x.P_it - 1.0).all() and (IT.values <= x.P_it_peak + 1.0).all()
    assert np.allclose(base["P_it"], x.P_it)
    # the baseline is feasible for the plan, so the plan is no worse (up to the plan's own MIP gap)
    gap = float(plan.attrs["mip_gap"]) * abs(float(plan["objective"]))
    assert table.loc["total", "savings_USD"] >= -gap - 1e-6


def test_cortex_plan_against_its_baseline(sites):
    peak = synthetic_ercot_year(2025).coincident_peaks[1]          # a 4CP day in the horizon
    result = plan_site(sites["cortex"], start=str(peak.normalize().tz_localize(None)), days=2)
    _check_plan(result)
    plan = result.plan
    assert plan.attrs["problem"] == "LP"
    assert result.inputs.synthetic_prices and plan.attrs["synthetic_prices"] == 1
    # the 4CP interval falls in the horizon: the baseline pays rate/4 x its import in that interval
    base = result.baseline
    i = int(np.flatnonzero(base.indexes["time"] == peak.floor("h"))[0])
    assert float(base["cost"].sel(category="coincident_peak")) == pytest.approx(
        0.06 / 4 * float(base["P_grid_import"][i]), rel=1e-6)
    # the battery and the shifted load take the interval's import down
    assert float(plan["P_grid_import"][i]) < float(base["P_grid_import"][i])
    assert result.savings.loc["total", "savings_USD"] > 0
    f = result.figures
    assert f["battery_cycles"] > 0 and f["flexible_shifted_J"] > 0
    assert f["losses_recomputed_energy_J"] == pytest.approx(f["losses_energy_J"], rel=0.02)


def test_colossus2_unit_commitment_against_its_baseline(sites):
    result = plan_site(sites["colossus2"], start="2025-07-14 00:00", days=2, step=900.0)
    _check_plan(result)
    plan, x = result.plan, result.inputs
    assert plan.attrs["problem"] == "MILP"
    # summer afternoons: without the battery the baseline starts units for the cooling peak
    assert float(result.baseline["units_started"].sum()) > 0 and result.savings.loc["total", "savings_USD"] > 0
    dt = x.step_s
    # fuel: each type's units share its output equally, on the catalogue's Willans line (network model)
    for g, t in enumerate(x.turbines):
        n = plan["units_on"].values[g]
        P = plan["P_turbine"].values[g]
        entry = sites["colossus2"].electrical.turbines[g].entry
        gt = GasTurbine(P_rated=entry.P_rated, heat_rate_rated=entry.heat_rate_full * HHV_PER_LHV, ramp_rate=1.0,
                        fuel_no_load_fraction=entry.heat_rate_half / entry.heat_rate_full - 1)
        per_unit = np.divide(P, n, out=np.zeros_like(P), where=n > 0)
        assert np.allclose(plan["P_fuel"].values[g], n * fuel_power(gt, per_unit), rtol=1e-6, atol=1e3)
        assert (P <= n * t.P_max + 1.0).all() and (P >= n * t.P_min - 1.0).all()
    fuel_cost = sum(t.fuel_price * float(plan["P_fuel"].values[g].sum()) * dt
                    for g, t in enumerate(x.turbines))
    assert float(plan["cost"].sel(category="fuel")) == pytest.approx(fuel_cost, rel=1e-6)
    NOx = sum(t.NOx_factor * float(plan["P_fuel"].values[g].sum()) * dt for g, t in enumerate(x.turbines))
    assert float(plan["NOx"].sum()) == pytest.approx(NOx, rel=1e-6)
    assert (plan["P_grid_import"].values <= 30 * MW + 1.0).all()


def test_nox_cap_binds_on_colossus1(sites):
    site = sites["colossus1"]
    kwargs = dict(start="2025-07-14 00:00", days=1, workload=ConstantProfile(0.85))
    free = dispatch(site_dispatch_inputs(site, **kwargs))
    used = float(free["NOx"].sum())
    assert 0 < used < 87e3 / 365                                   # the permit's cap does not bind at 85 % load
    cap_year = 0.7 * used * 365                                     # a cap that allows 70 % of that NOx in the day
    capped = dataclasses.replace(site, electrical=dataclasses.replace(
        site.electrical, turbines=(dataclasses.replace(site.electrical.turbines[0], NOx_cap=cap_year),)))
    x = site_dispatch_inputs(capped, **kwargs)
    assert x.emissions.NOx_max == pytest.approx(0.7 * used)
    plan = dispatch(x)
    assert float(plan["NOx"].sum()) <= 0.7 * used * (1 + 1e-6)
    assert float(plan["objective"]) >= float(free["objective"]) * (1 - float(free.attrs["mip_gap"]))


def test_a_site_short_of_supply_says_when_and_by_how_much(sites):
    site = sites["cortex"]
    short = dataclasses.replace(site, electrical=dataclasses.replace(
        site.electrical, utility=dataclasses.replace(site.electrical.utility, P_import_max=100 * MW)))
    with pytest.raises(InfeasiblePlan) as error:
        plan_site(short, days=1, with_bess=False, with_flexibility=False)
    text = str(error.value)
    assert "2025-01-01 00:00" in text and "exceeds available supply 100 MW" in text


def test_schedule_profile_interval_means_are_exact():
    f = np.array([0.5, 0.8, 0.6])
    p = ScheduleProfile(f, 3600.0, start_s=1800.0)
    # the first value holds before the schedule, the last after it
    assert np.allclose(p.site_fraction(np.array([0.0, 1800.0, 5400.0, 9000.0, 12600.0, 16200.0])),
                       [0.5, 0.5, 0.8, 0.6, 0.6, 0.6])
    # intervals across step boundaries: means of the step function, by hand
    got = p.site_fraction(np.array([1800.0, 1800 + 5400.0, 1800 + 10800.0]))[:2]
    assert np.allclose(got, [(0.5 * 3600 + 0.8 * 1800) / 5400, (0.8 * 1800 + 0.6 * 3600) / 5400])
    block = p.block(1800.0, 6, 1800.0, 3, np.random.default_rng(0))
    assert block.shape == (6, 3) and np.allclose(block[:, 0], [0.5, 0.5, 0.8, 0.8, 0.6, 0.6])
    assert p.mean_fraction() == pytest.approx(f.mean())
    with pytest.raises(InputError):
        ScheduleProfile(np.array([1.2]), 60.0).mean_fraction()


def test_price_and_event_files_replace_the_synthetic_year(sites, tmp_path):
    hours = pd.date_range("2025-08-04T00:00:00-05:00", periods=24, freq="h")
    price = 30.0 + 2.0 * np.arange(24)                                 # USD/MWh
    lines = ["time,energy_price [USD/MWh]"] + [f"{t.isoformat()},{p:g}" for t, p in zip(hours, price)]
    (tmp_path / "prices.csv").write_text("\n".join(lines) + "\n")
    (tmp_path / "events.csv").write_text("kind,start,end\ncoincident_peak,2025-08-04T16:30:00-05:00,"
                                         "2025-08-04T16:45:00-05:00\n")
    x = site_dispatch_inputs(sites["cortex"], start="2025-08-04 00:00", days=1, step=900.0, cooling=False,
                             prices=tmp_path / "prices.csv", events=tmp_path / "events.csv")
    assert not x.synthetic_prices and "prices.csv" in price_notice(x)
    # hourly prices held over the four 15-min steps of each hour
    assert np.allclose(x.tariff.energy_price, np.repeat(price, 4) / MWH)
    assert list(x.tariff.coincident_peak.intervals) == [pd.Timestamp("2025-08-04T16:30:00-05:00")]
    with pytest.raises(InputError) as error:
        site_dispatch_inputs(sites["cortex"], start="2025-08-04 00:00", days=2, cooling=False,
                             prices=tmp_path / "prices.csv")
    assert "no price" in str(error.value)


def test_fixed_market_uses_the_site_tariff(sites):
    site = sites["cortex"]
    fixed = dataclasses.replace(site, tariff=dataclasses.replace(site.tariff, market="fixed", energy_price=45 / MWH,
                                                                 demand_charge=11e-3))
    x = site_dispatch_inputs(fixed, days=1, cooling=False)
    assert np.allclose(x.tariff.energy_price, 45 / MWH)
    assert x.tariff.demand_charge.on_peak.all() and x.tariff.demand_charge.on_peak_rate == 11e-3
    assert not x.synthetic_prices and price_notice(x) == "prices: flat 45 USD/MWh"


def test_prices_finer_than_the_step_are_averaged(sites, tmp_path):
    # 15-min prices (read with microsecond time resolution) drive an hourly plan: each hour the mean of its four
    quarters = pd.date_range("2025-08-04T00:00:00-05:00", periods=96, freq="15min")
    price = 20.0 + 10.0 * (np.arange(96) % 4) + np.arange(96) // 4      # USD/MWh
    lines = ["time,energy_price [USD/MWh]"] + [f"{t.isoformat()},{p:g}" for t, p in zip(quarters, price)]
    (tmp_path / "prices.csv").write_text("\n".join(lines) + "\n")
    x = site_dispatch_inputs(sites["cortex"], start="2025-08-04 00:00", days=1, step=3600.0, cooling=False,
                             prices=tmp_path / "prices.csv")
    assert np.allclose(x.tariff.energy_price * MWH, price.reshape(24, 4).mean(axis=1))


def test_fuel_and_emissions_prices_from_the_site_tariff(sites):
    site = sites["colossus2"]
    priced = dataclasses.replace(site, tariff=dataclasses.replace(site.tariff, fuel_price=5.0 / 1.055e9,
                                                                  emissions_price=0.05))
    x = site_dispatch_inputs(priced, days=1, cooling=False)
    assert x.emissions.CO2_price == 0.05
    assert all(t.fuel_price == 5.0 / 1.055e9 for t in x.turbines)
    assert any("CO2 price: 50 USD/t" in note for note in x.notes)
    default = site_dispatch_inputs(site, days=1, cooling=False)
    assert default.emissions.CO2_price == 0.0
    assert all(t.fuel_price == pytest.approx(3.5 / 1.055e9) for t in default.turbines)


def test_site_file_takes_emissions_and_fuel_prices_in_their_units(tmp_path):
    from twin.paths import data_dir

    text = (data_dir("sites") / "colossus2.toml").read_text()
    text = text.replace('[tariff]\n', '[tariff]\nemissions_price = "50 USD/t"\nfuel_price = "4.2 USD/MMBtu"\n', 1)
    (tmp_path / "c2.toml").write_text(text)
    site = twin.load_site(tmp_path / "c2.toml")
    assert site.tariff.emissions_price == pytest.approx(0.05)
    assert site.tariff.fuel_price == pytest.approx(4.2 / 1.05505585262e9, rel=1e-3)
    (tmp_path / "bad.toml").write_text(text.replace('"50 USD/t"', '"50 USD/MWh"'))
    with pytest.raises(InputError, match="tariff.emissions_price"):
        twin.load_site(tmp_path / "bad.toml")
