"""Site electrical network stepped at the IT step: power balance, storage accounting, catalogue loss curves,
POI ramp smoothing of a training load, utility outage ride-through on Colossus 1, islanded Colossus 2, NOx."""

from dataclasses import replace

import numpy as np
import pytest

import twin
from twin.electrical.network import (
    ElectricalControl,
    ElectricalNetwork,
    TurbineTrip,
    UtilityOutage,
    concatenate_blocks,
    electrical_summary,
    format_summary,
    unserved_events,
)
from twin.electrical.bess import RampSmoothing, ramp_smoothing
from twin.electrical.metrics import band_oscillation_energy, max_ramp_rate
from twin.electrical.turbine import BTU_PER_KWH, J_PER_MMBTU, KG_PER_LB, heat_rate, nox_rate
from twin.errors import InputError
from twin.workload import TrainingProfile

MW, MWH = 1e6, 3.6e9


@pytest.fixture(scope="module")
def sites():
    return {name: twin.load_site(name) for name in ("cortex", "colossus1", "colossus2")}


def run(network, P_it, P_cooling, dt=1.0, block=60, events=()):
    """Step ``P_it`` (W per IT step) in blocks from steady operation at the first 60 steps; returns the
    final state and the joined arrays."""
    P_it = np.asarray(P_it, dtype=float)
    P_cooling = np.broadcast_to(np.asarray(P_cooling, dtype=float), P_it.shape)
    state = network.initial_state(P_it[:60], P_cooling[:60])
    blocks = []
    for k in range(0, P_it.size, block):
        state, out = network.step_block(state, P_it[k:k + block], P_cooling[k:k + block], dt, k * dt, events)
        blocks.append(out)
    return state, concatenate_blocks(blocks)


def training(site, seconds, dt=1.0, **profile):
    """Site IT power of the default training profile (4 s iterations), interval means at ``dt``."""
    n = int(round(seconds / dt))
    return site.P_it_peak * TrainingProfile(**profile).site_fraction(np.arange(n + 1) * dt)[:n]


def balance_residual(a, P_it, P_cooling):
    """Sources + storage discharge - loads - losses, recomputed from the parts (W), and the demand."""
    sources = a["P_poi"] + a["P_turbines"].sum(axis=1) + a["P_bess"] + a["P_ups_battery"]
    losses = a["P_losses_transformers"] + a["P_losses_ups"] + a["P_losses_distribution"]
    # what was asked for is served or reported unserved
    np.testing.assert_allclose(a["P_it_served"] + a["P_unserved_it"], P_it, rtol=1e-12)
    np.testing.assert_allclose(a["P_cooling_served"] + a["P_unserved_cooling"], P_cooling, rtol=1e-12)
    assert np.all(a["P_unserved_it"] >= 0) and np.all(a["P_unserved_cooling"] >= 0)
    return sources - a["P_it_served"] - a["P_cooling_served"] - losses, a["P_it_served"] + a["P_cooling_served"]


# --- (a) power balance ---------------------------------------------------------------------------------


@pytest.mark.parametrize("case", ["cortex_smoothed", "colossus1_outage_trip", "colossus1_no_bess_outage",
                                  "colossus2_training"])
def test_power_balance_closes_every_step(sites, case):
    site = sites[case.split("_")[0]]
    control = ElectricalControl(poi_ramp_limit=2 * MW) if case == "cortex_smoothed" else ElectricalControl()
    events = ()
    if case.startswith("colossus1"):
        events = (UtilityOutage(600.0, 900.0), TurbineTrip(1500.0, "solar_smt130", 2))
    if case == "colossus1_no_bess_outage":
        site = replace(site, electrical=replace(site.electrical, bess=()))
    network = ElectricalNetwork.from_site(site, control)
    P_it = training(site, 2400.0)
    P_cooling = 0.15 * P_it
    _, a = run(network, P_it, P_cooling, events=events)
    residual, load = balance_residual(a, P_it, P_cooling)
    assert np.max(np.abs(residual) / load) < 1e-9
    assert np.max(np.abs(a["P_residual"]) / a["P_demand"]) < 1e-9
    assert np.all(a["P_poi"] >= 0) and np.all(a["P_poi"] <= site.electrical.utility.P_import_max * (1 + 1e-12))
    if case == "colossus1_no_bess_outage":
        assert a["P_unserved"].max() > 0  # the balance also closes when load is shed


# --- (b) BESS and UPS battery energy accounting ------------------------------------------------------------


def test_bess_energy_change_equals_charge_times_eta_minus_discharge_over_eta(sites):
    site = sites["cortex"]
    network = ElectricalNetwork.from_site(site, ElectricalControl(poi_ramp_limit=0.5 * MW, recentring_time=300.0))
    P_it = training(site, 3600.0)
    state0 = network.initial_state(P_it[:60], 0.15 * P_it[:60])
    state, a = run(network, P_it, 0.15 * P_it)
    P, dt, eta = a["P_bess"], 1.0, np.sqrt(0.9)
    charged, discharged = -P[P < 0].sum() * dt, P[P > 0].sum() * dt
    assert charged > 10 * MWH and discharged > 10 * MWH  # the BESS worked hard
    assert state.E_bess - state0.E_bess == pytest.approx(charged * eta - discharged / eta,
                                                         abs=1e-9 * (charged + discharged))
    # stored energy at each step end follows the same law step by step, and SoC is E / E_rated
    E = np.concatenate(([state0.E_bess], a["E_bess"]))
    np.testing.assert_allclose(np.diff(E), -dt * np.where(P > 0, P / eta, P * eta), rtol=1e-9, atol=1e-6 * MWH)
    np.testing.assert_allclose(a["soc"], a["E_bess"] / network.battery.E_rated, rtol=1e-15)


def test_ups_battery_energy_accounting_through_an_outage(sites):
    site = sites["colossus1"]
    network = ElectricalNetwork.from_site(site)
    P_it = np.full(3000, 200 * MW)
    state, a = run(network, P_it, 30 * MW, events=(UtilityOutage(300.0, 1200.0),))
    P = a["P_ups_battery"]
    discharged, recharged = P[P > 0].sum(), -P[P < 0].sum()
    assert discharged > 5 * MWH and recharged > 0
    E_full = 240 * 125e3 * 3600  # 240 modules in service x 125 kWh
    assert state.E_ups - E_full == pytest.approx(0.95 * recharged - discharged, abs=1e-9 * discharged)


# --- (c) loss curves against the catalogue -------------------------------------------------------------


def test_loss_curves_reproduce_the_catalogue(sites):
    site = sites["colossus1"]
    el = site.electrical
    network = ElectricalNetwork.from_site(site)
    # UPS: 240 of 250 modules in service; efficiency at 25/50/75/100 % of their rating = catalogue points
    entry = el.ups.entry
    assert network.n_ups == 240
    P_out = np.array(entry.load_points) * 240 * entry.P_rated
    efficiency = P_out / (P_out + network.ups_loss(P_out))
    np.testing.assert_allclose(efficiency, entry.efficiency_points, atol=0.0015)  # fit tolerance, 0.15 points
    # transformers: at rated load each unit loses P_no_load + P_load_loss_rated
    for stage, model in ((network.substation, el.substation.entry),
                         (network.unit_substation, el.unit_substation.entry)):
        assert stage.loss(model.S_rated) == pytest.approx(model.P_no_load + model.P_load_loss_rated, rel=1e-12)
    # both stages in series: unit substations exactly at rating, substation carries their input
    u, s = el.unit_substation.entry, el.substation.entry
    n_units = el.unit_substation.count - el.unit_substation.spares
    L = n_units * u.S_rated
    unit_loss = n_units * (u.P_no_load + u.P_load_loss_rated)
    x = (L + unit_loss) / (5 * s.S_rated)  # 6 substation transformers, 1 spare
    assert network.transformer_losses(L) == pytest.approx(unit_loss + 5 * (s.P_no_load + s.P_load_loss_rated * x**2),
                                                          rel=1e-12)
    # distribution at the IT peak loses loss_fraction_nominal of it; at no load, no_load_fraction of rating
    d = el.distribution_model
    P_peak = site.P_it_peak
    assert network.distribution.loss(P_peak) == pytest.approx(d.loss_fraction_nominal * P_peak, rel=1e-12)
    assert network.distribution.loss(0.0) == pytest.approx(d.no_load_fraction * P_peak, rel=1e-12)
    # half load with the stated 50/50 split of the variable part: 0.1 % + 0.45 % x 0.5 + 0.45 % x 0.25 of peak
    assert network.distribution.loss(0.5 * P_peak) == pytest.approx((0.001 + 0.00225 + 0.001125) * P_peak, rel=1e-12)
    # turbines: Willans line through the catalogue full- and half-load heat rates (LHV -> HHV x 1.108)
    for turbine, fleet in zip(network.turbines, el.turbines):
        full, half = fleet.entry.heat_rate_full, fleet.entry.heat_rate_half
        assert full / BTU_PER_KWH == pytest.approx(10_250)  # SMT-130 catalogue, LHV
        assert heat_rate(turbine, turbine.P_rated) == pytest.approx(1.108 * full, rel=1e-12)
        assert heat_rate(turbine, 0.5 * turbine.P_rated) == pytest.approx(1.108 * half, rel=1e-12)
    # BESS: 153 Megapack 2 XL 4 h; datasheet energy is delivered, so stored = datasheet / sqrt(RTE)
    battery = network.battery
    assert battery.P_rated == pytest.approx(153 * 0.98 * MW)
    deliverable = (battery.soc_max - battery.soc_min) * battery.E_rated * battery.efficiency
    assert deliverable == pytest.approx(0.9 * 153 * 3.92 * MWH, rel=1e-12)


def test_stepped_losses_equal_the_steady_chain(sites):
    """The per-step controller books the same losses as the vectorised chain (normal operation)."""
    site = sites["colossus1"]
    network = ElectricalNetwork.from_site(site)
    P_it = training(site, 600.0)
    _, a = run(network, P_it, 0.12 * P_it)
    steady = network.demand(P_it, 0.12 * P_it)
    for name in ("P_losses_transformers", "P_losses_ups", "P_losses_distribution", "P_demand"):
        np.testing.assert_allclose(a[name], steady[name], rtol=1e-12)
    # total chain losses, utility to rack inputs, ~4-6 % with double conversion (Rasmussen WP 113: 5-10 % incl. PSU)
    share = (steady["P_demand"].sum() - 1.12 * P_it.sum()) / P_it.sum()
    assert 0.035 < share < 0.07


# --- (d) ramp smoothing at the POI -----------------------------------------------------------------------


@pytest.mark.parametrize("dt, block, seconds", [(1.0, 60, 3600.0), (0.1, 100, 600.0)])
def test_poi_ramp_limit_holds_with_smoothing_and_is_broken_without(sites, dt, block, seconds):
    site = sites["cortex"]
    P_it = training(site, seconds, dt)
    limit = 1 * MW  # W/s
    smooth = ElectricalNetwork.from_site(site, ElectricalControl(poi_ramp_limit=limit))
    plain = ElectricalNetwork.from_site(site)
    _, a = run(smooth, P_it, 0.15 * P_it, dt, block)
    _, b = run(plain, P_it, 0.15 * P_it, dt, block)
    bess = smooth.battery
    assert np.all((a["E_bess"] > bess.E_min) & (a["E_bess"] < bess.E_max))  # SoC room all along
    assert np.all(np.abs(a["P_bess"]) < bess.P_rated)
    assert np.max(np.abs(np.diff(a["P_poi"]))) <= limit * dt * (1 + 1e-9)
    assert max_ramp_rate(a["P_poi"], dt, 1.0) <= limit * (1 + 1e-9)
    # without smoothing the grid sees the training swing: tens of MW per second
    assert max_ramp_rate(b["P_poi"], dt, 1.0) > 40 * limit
    assert band_oscillation_energy(a["P_poi"], dt) < 1e-3 * band_oscillation_energy(b["P_poi"], dt)
    # the site demand is the same in both runs; only its split between grid and BESS differs
    np.testing.assert_allclose(a["P_demand"], b["P_demand"], rtol=1e-12)


def test_grid_follows_the_bess_module_ramp_smoothing(sites):
    """Without turbines the POI series is :func:`twin.electrical.bess.ramp_smoothing` of the site demand."""
    site = sites["cortex"]
    control = ElectricalControl(poi_ramp_limit=0.2 * MW, soc_set=0.6, recentring_time=600.0)
    network = ElectricalNetwork.from_site(site, control)
    P_it = training(site, 1800.0)
    state = network.initial_state(P_it[:60], 0.15 * P_it[:60])
    _, a = run(network, P_it, 0.15 * P_it)
    demand = network.demand(P_it, 0.15 * P_it)["P_demand"]
    P_grid, P_battery, E = ramp_smoothing(network.battery, RampSmoothing(0.2 * MW, 0.6, 600.0), demand, 1.0,
                                          state.E_bess, state.P_poi)
    np.testing.assert_allclose(a["P_poi"], P_grid, rtol=1e-12)
    np.testing.assert_allclose(a["P_bess"], P_battery, rtol=1e-9, atol=1e-3)
    np.testing.assert_allclose(a["E_bess"], E, rtol=1e-12)


def test_blocks_tile_seamlessly(sites):
    site = sites["cortex"]
    network = ElectricalNetwork.from_site(site, ElectricalControl(poi_ramp_limit=1 * MW))
    P_it = training(site, 1200.0)
    _, a = run(network, P_it, 0.15 * P_it, block=60)
    _, b = run(network, P_it, 0.15 * P_it, block=7 * 60)
    for name in ("P_poi", "P_bess", "E_bess", "P_losses_transformers"):
        np.testing.assert_array_equal(a[name], b[name])


# --- (e) utility outage on Colossus 1 ---------------------------------------------------------------------


def test_colossus1_outage_ups_carries_it_until_turbines_and_bess_take_over(sites):
    site = sites["colossus1"]
    network = ElectricalNetwork.from_site(site)
    smt = network.turbines[0]
    P_it, P_cooling, start = 200 * MW, 30 * MW, 300.0
    _, a = run(network, np.full(2400, P_it), P_cooling, events=(UtilityOutage(start, 1800.0),))
    summary = electrical_summary(a, 1.0)
    t = a["t"]
    outage = (t >= start) & (t < start + 1800)
    assert np.all(a["P_poi"][outage] == 0) and np.all(a["n_turbines_online"][t < start] == 0)  # grid carried it
    assert summary["E_unserved"] == 0 and summary["unserved_events"] == 0
    # BESS at full power from the first outage second; the UPS batteries carry the rest of the IT load
    before_sync = outage & (t < start + smt.start_time)
    np.testing.assert_allclose(a["P_bess"][before_sync], network.battery.P_rated, rtol=1e-12)
    on_ups = a["P_ups_battery"] > 0
    assert on_ups[before_sync].all() and not on_ups[t < start].any()
    # ride-through lasts the 600 s start plus the ramp of 15 units at 2.5 MW/min each until the gap closes
    D = network.demand(P_it, P_cooling)["P_demand"]
    gap = D - network.battery.P_rated  # what the BESS cannot carry (W), at the HV bus
    ramp = 15 * smt.ramp_rate
    expected = smt.start_time + gap / ramp
    assert summary["ups_ride_through_time"] == pytest.approx(expected, rel=0.02)
    # UPS energy: the gap for the start time plus the ramp triangle (transformer losses differ by < 1 %)
    assert summary["E_ups_battery_discharged"] == pytest.approx(gap * smt.start_time + gap**2 / (2 * ramp), rel=0.02)
    assert 10 * MWH < summary["E_ups_battery_discharged"] < 30 * MWH  # 240 x 125 kWh = 30 MWh not exhausted
    # turbines started for the load plus one unit of reserve (all 15: 247.5 MW < 231 MW + 16.5 MW + losses)
    assert a["n_turbines_online"][outage].max() == 15


@pytest.mark.parametrize("dt", [1.0, 7.0])
def test_turbine_starts_synchronise_when_the_unit_step_says(sites, dt):
    """The network's starts are the tested turbine_step's: a unit commanded at the outage synchronises in the
    first IT step at whose end more than start_time has passed (7 s does not divide the 600 s start: the unit
    synchronises within a step, before the step boundary after 600 s), and ramps from zero."""
    from twin.electrical.turbine import turbine_step

    network = ElectricalNetwork.from_site(sites["colossus1"])
    smt = network.turbines[0]
    n = int(round(1400 / dt))
    start = 10 * dt
    _, a = run(network, np.full(n, 200 * MW), 30 * MW, dt=dt, block=20, events=(UtilityOutage(start, 1200.0),))
    online = a["n_turbines_online"][:, 0]
    first = int(np.argmax(online > 0))
    # the unit step alone, commanded at the outage: the first step whose output is above zero
    P, elapsed, k = 0.0, np.nan, 10
    while P == 0.0:
        P, elapsed = turbine_step(smt, smt.P_rated, P, elapsed, dt)
        P, k = float(P), k + 1
    assert first == k - 1 and online[first - 1] == 0
    assert a["t"][first] + dt > start + smt.start_time >= a["t"][first]


def test_colossus1_outage_without_bess_reports_unserved_energy(sites):
    site = sites["colossus1"]
    site = replace(site, electrical=replace(site.electrical, bess=()))
    network = ElectricalNetwork.from_site(site)
    P_it, P_cooling, start = 200 * MW, 30 * MW, 300.0
    _, a = run(network, np.full(2400, P_it), P_cooling, events=(UtilityOutage(start, 1800.0),))
    summary = electrical_summary(a, 1.0)
    # no source for the cooling until the turbines synchronise (30 MW x 600 s), then less and less of it
    # while 15 units ramp at 2.5 MW/min each (a triangle; transformer losses on 30 MW are ~0.1 %)
    ramp = 15 * network.turbines[0].ramp_rate
    assert summary["E_unserved_cooling"] == pytest.approx(P_cooling * 600.0 + P_cooling**2 / (2 * ramp), rel=2e-3)
    # the UPS batteries empty (30 MWh) after ~30 MWh / (IT + UPS + distribution losses) and IT is then shed
    E_ups = 240 * 125e3 * 3600
    assert summary["E_ups_battery_discharged"] == pytest.approx(E_ups, rel=1e-9)
    chain = network.demand(P_it, 0.0)
    P_ups_in = float(chain["P_demand"] - chain["P_losses_transformers"])  # on battery the UPS draws its whole input
    assert summary["ups_ride_through_time"] == pytest.approx(E_ups / P_ups_in, abs=2.0)
    assert summary["E_unserved_it"] > 5 * MWH
    events = unserved_events(a, 1.0)
    assert events[0][0] == start and sum(e[2] for e in events) == pytest.approx(summary["E_unserved"], rel=1e-12)
    assert any("E_unserved" in line and "MWh" in line for line in format_summary(summary))


# --- (f) islanded Colossus 2 at constant load -------------------------------------------------------------


def test_colossus2_islanded_constant_load(sites):
    site = sites["colossus2"]
    network = ElectricalNetwork.from_site(site)
    assert network.islanded and network.ups is None
    P_it, P_cooling = 800 * MW, 120 * MW
    _, a = run(network, np.full(1800, P_it), P_cooling)
    D = float(network.demand(P_it, P_cooling)["P_demand"])
    # grid at its 30 MW limit, turbines carry the rest, BESS idle at its set-point
    np.testing.assert_allclose(a["P_poi"], 30 * MW, rtol=1e-12)
    np.testing.assert_allclose(a["P_turbines"].sum(axis=1), D - 30 * MW, rtol=1e-12)
    np.testing.assert_allclose(a["P_bess"], 0.0, atol=1e-6)
    # commitment in merit order (Titan 350 has the best heat rate) with one largest unit (38 MW) of reserve
    need = D - 30 * MW + 38 * MW
    n = a["n_turbines_online"]
    assert np.all(n == n[0]) and n[0, 0] == int(np.ceil(need / (38 * MW))) and n[0, 1] == 0 and n[0, 2] == 0
    committed = (n * np.array([t.P_rated for t in network.turbines])).sum(axis=1)
    assert np.all(committed - a["P_turbines"].sum(axis=1) >= 38 * MW)
    # fuel = heat rate x electrical energy, by hand from the catalogue (LHV x 1.108, Willans line through
    # the full- and half-load heat rates)
    entry = site.electrical.turbines[0].entry
    x = a["P_turbines"][0, 0] / (n[0, 0] * entry.P_rated)
    slope = 2 * entry.heat_rate_full - entry.heat_rate_half  # Willans line: HR(x) x = a + (1 - a) x, in HR_full
    intercept = entry.heat_rate_half - entry.heat_rate_full
    heat_rate = 1.108 * (intercept + slope * x) / x
    fuel_energy = a["fuel"].sum()  # J over 1,800 s of 1 s steps
    assert fuel_energy == pytest.approx(heat_rate * a["P_turbines"].sum(), rel=1e-12)
    assert 1.108 * 8600 < heat_rate / BTU_PER_KWH < 1.108 * 10600


def test_turbine_trip_is_covered_by_the_bess_and_replaced(sites):
    site = sites["colossus2"]
    network = ElectricalNetwork.from_site(site)
    P_it, P_cooling = 800 * MW, 120 * MW
    state, a = run(network, np.full(1800, P_it), P_cooling, events=(TurbineTrip(120.0, "solar_titan350", 3),))
    t = a["t"]
    n0 = a["n_turbines_online"][0, 0]
    assert a["n_turbines_online"][t == 120.0, 0] == n0 - 3
    lost = a["P_turbines"][t == 119.0, 0] * 3 / n0
    # the BESS picks up the lost output at once, less what the other units ramp in that second; nothing is shed
    ramp = (n0 - 3) * network.turbines[0].ramp_rate * 1.0
    assert a["P_bess"][t == 120.0] == pytest.approx(lost - ramp, rel=1e-9)
    assert a["P_unserved"].max() == 0
    # replacements start (Titans left: 27 - 22 running - 3 tripped = 2, then SMT-130s) and synchronise 600 s later
    assert sum(state.n_starts) >= 3 and state.n_tripped == (3, 0, 0)
    assert a["n_turbines_online"][t == 720.0].sum() > a["n_turbines_online"][t == 719.0].sum()
    with pytest.raises(InputError, match="fleet"):
        network.step_block(state, np.full(10, P_it), P_cooling, 1.0, 0.0, (TurbineTrip(1.0, "nonexistent"),))


def test_turbines_stop_only_after_the_need_has_been_gone_for_the_decommit_delay(sites):
    site = sites["colossus1"]
    network = ElectricalNetwork.from_site(site, ElectricalControl(decommit_delay=1800.0))
    P_it = np.where(np.arange(4800) < 600, 320 * MW, 200 * MW)  # above the 300 MW grid, then well below
    state, a = run(network, P_it, 0.15 * P_it)
    t, n = a["t"], a["n_turbines_online"][:, 0]
    need = float(network.demand(320 * MW, 48 * MW)["P_demand"]) - 300 * MW
    assert n[0] == int(np.ceil((need + 16.5 * MW) / (16.5 * MW)))  # need plus one unit of reserve
    assert np.all(n[t < 600 + 1800] == n[0]) and np.all(n[t >= 600 + 1800 + 60] == 0)
    assert np.all(a["P_turbines"][t >= 600 + 1800 + 60] == 0) and sum(state.n_starts) == 0
    assert a["P_unserved"].max() == 0 and np.max(np.abs(a["P_residual"]) / a["P_demand"]) < 1e-9


# --- (g) NOx accounting ---------------------------------------------------------------------------------


def test_nox_and_co2_match_turbine_module_and_catalogue(sites):
    site = sites["colossus1"]
    network = ElectricalNetwork.from_site(site)
    P_it = training(site, 1200.0)  # peaks above the 300 MW grid: SMT-130s run
    _, a = run(network, P_it, 0.15 * P_it)
    n, P = a["n_turbines_online"][:, 0], a["P_turbines"][:, 0]
    assert P.max() > 0
    smt = network.turbines[0]
    per_unit = np.divide(P, n, out=np.zeros_like(P), where=n > 0)
    np.testing.assert_allclose(a["NOx"][:, 0], n * nox_rate(smt, per_unit), rtol=1e-12)
    # against the catalogue's NOx mass rate (0.0074 lb/MMBtu for 2 ppm with SCR): within 1 %
    catalogue = site.electrical.turbines[0].entry.NOx_rate
    assert a["NOx"].sum() == pytest.approx(catalogue * a["fuel"].sum(), rel=0.01)
    assert catalogue * J_PER_MMBTU / KG_PER_LB == pytest.approx(0.0074, rel=1e-6)
    # CO2: 53.06 kg/MMBtu of fuel (40 CFR 98 Table C-1)
    assert a["CO2"].sum() == pytest.approx(53.06 * a["fuel"].sum() / J_PER_MMBTU, rel=1e-12)
    summary = electrical_summary(a, 1.0)
    assert summary["NOx"] == pytest.approx(a["NOx"].sum(), rel=1e-12)


# --- inputs -----------------------------------------------------------------------------------------------


def test_bad_inputs_raise_input_errors(sites):
    site = sites["cortex"]
    with pytest.raises(InputError, match="poi_ramp_limit"):
        ElectricalNetwork.from_site(site, ElectricalControl(poi_ramp_limit=-1.0))
    with pytest.raises(InputError, match="soc_set"):
        ElectricalNetwork.from_site(site, ElectricalControl(soc_set=0.99))
    network = ElectricalNetwork.from_site(site)
    state = network.initial_state(100 * MW, 10 * MW)
    with pytest.raises(InputError, match="P_it"):
        network.step_block(state, np.full(5, -1.0), 0.0, 1.0, 0.0)
    with pytest.raises(InputError, match="events"):
        network.step_block(state, np.full(5, 1.0), 0.0, 1.0, 0.0, ("outage",))
    with pytest.raises(InputError, match="duration"):
        network.step_block(state, np.full(5, 1.0), 0.0, 1.0, 0.0, (UtilityOutage(0.0, 0.0),))
