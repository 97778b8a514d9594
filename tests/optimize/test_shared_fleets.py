"""The dispatch and the simulator see the same turbine fleets, fuel curves and pooled battery on every site."""

import numpy as np
import pytest

import twin
from twin.paths import data_dir
from twin.electrical.network import ElectricalNetwork
from twin.electrical.turbine import fuel_power
from twin.optimize.from_site import fleet_names, site_battery, site_turbines

SITES = sorted(p.stem for p in data_dir("sites").glob("*.toml"))


@pytest.mark.parametrize("name", SITES)
def test_dispatch_and_simulator_share_fleets_fuel_curves_and_battery(name):
    site = twin.load_site(name)
    network = ElectricalNetwork.from_site(site)
    types = site_turbines(site)
    # fleet labels: the simulator writes its `fleet` coordinate from the same function
    assert [t.name for t in types] == fleet_names(site)
    assert len(set(t.name for t in types)) == len(types)
    assert [t.count for t in types] == list(network.turbine_counts)
    for t, unit in zip(types, network.turbines, strict=True):
        assert t.P_max == unit.P_rated
        assert t.P_min == pytest.approx(unit.min_load_fraction * unit.P_rated, rel=1e-15)
        assert t.ramp_limit == unit.ramp_rate
        # the dispatch's fuel points lie on the simulator's fuel curve, and between them the
        # simulator's curve is the same straight line (Willans: affine while running)
        np.testing.assert_allclose(t.fuel, fuel_power(unit, np.asarray(t.P)), rtol=1e-14)
        P = np.linspace(t.P_min, t.P_max, 41)
        np.testing.assert_allclose(np.interp(P, t.P, t.fuel), fuel_power(unit, P), rtol=1e-12)
    bess = site_battery(site)
    if network.battery is None:
        assert bess is None
        return
    b = network.battery
    assert (bess.P_max, bess.E_max, bess.soc_min, bess.soc_max) == (b.P_rated, b.E_rated, b.soc_min, b.soc_max)
    assert bess.eta_charge == bess.eta_discharge == b.efficiency


def test_fleet_labels_are_unique_when_a_site_lists_a_fleet_twice():
    from types import SimpleNamespace as NS

    from twin.electrical.fleets import fleet_names as labels

    fleets = [NS(count=4, model="SMT-130"), NS(count=2, model="Titan 350"), NS(count=4, model="SMT-130")]
    assert labels(fleets) == ["4xSMT-130", "2xTitan 350", "4xSMT-130#2"]
