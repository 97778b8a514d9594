"""Coolant properties against the CoolProp reference table and live CoolProp."""

import csv

import numpy as np
import pytest
from CoolProp.CoolProp import PropsSI

from twin.errors import InputError
from twin.media import CP_AIR, P_TABLE, air_density, coolant, latent_heat_vaporisation

NAMES = {"Water": "water", "INCOMP::MPG[0.25]": "pg25", "INCOMP::MPG[0.30]": "pg30"}


def test_reference_table(reference_dir):
    with open(reference_dir / "coolprop_fluids.csv") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) >= 18
    for row in rows:
        fluid = coolant(NAMES[row["fluid"]])
        T = float(row["T_C"])
        assert fluid.density(T) == pytest.approx(float(row["density_kg_m3"]), rel=1e-3)
        assert fluid.cp(T) == pytest.approx(float(row["cp_J_kgK"]), rel=1e-3)
        assert fluid.viscosity(T) == pytest.approx(float(row["viscosity_Pa_s"]), rel=1e-2)
        assert fluid.conductivity(T) == pytest.approx(float(row["conductivity_W_mK"]), rel=1e-2)


@pytest.mark.parametrize("name", ["water", "pg25", "pg30"])
def test_live_coolprop_random_temperatures(name):
    fluid = coolant(name)
    T = np.random.default_rng(7).uniform(5.0, 80.0, 50)
    for prop, key, rel in [("density", "D", 1e-6), ("cp", "C", 1e-6),
                           ("viscosity", "V", 1e-5), ("conductivity", "L", 1e-6)]:
        expected = PropsSI(key, "T", T + 273.15, "P", P_TABLE, fluid.coolprop_name)
        got = getattr(fluid, prop)(T)
        assert got.shape == T.shape
        np.testing.assert_allclose(got, expected, rtol=rel, err_msg=f"{name} {prop}")


def test_glycol_is_more_viscous_and_lower_cp_than_water():
    water, pg25 = coolant("water"), coolant("PG25")
    assert pg25.viscosity(30.0) / water.viscosity(30.0) == pytest.approx(2.23, abs=0.05)
    assert pg25.cp(30.0) / water.cp(30.0) == pytest.approx(0.944, abs=0.005)


def test_unknown_coolant_lists_choices():
    with pytest.raises(InputError) as err:
        coolant("glycerol", file="site.toml", field="cdu.coolant")
    message = str(err.value)
    assert "site.toml" in message and "cdu.coolant" in message
    assert "water" in message and "pg25" in message and "pg30" in message


def test_latent_heat_against_coolprop():
    T = np.linspace(1.0, 60.0, 25)
    expected = (PropsSI("H", "T", T + 273.15, "Q", 1, "Water")
                - PropsSI("H", "T", T + 273.15, "Q", 0, "Water"))
    np.testing.assert_allclose(latent_heat_vaporisation(T), expected, rtol=2e-3)


def test_dry_air_against_coolprop():
    T = np.array([0.0, 20.0, 35.0, 50.0])
    np.testing.assert_allclose(air_density(T), PropsSI("D", "T", T + 273.15, "P", 101325.0, "Air"), rtol=1e-3)
    np.testing.assert_allclose(CP_AIR, PropsSI("C", "T", T + 273.15, "P", 101325.0, "Air"), rtol=2e-3)


def test_shipped_tables_equal_a_fresh_coolprop_build():
    from twin.media import COOLANTS, _table, build_table

    for fluid in COOLANTS.values():
        fresh, shipped = build_table(fluid.coolprop_name, fluid.T_min, fluid.T_max), _table(fluid.name)
        for key, values in fresh.items():
            np.testing.assert_allclose(shipped[key], values, rtol=1e-12, err_msg=f"{fluid.name} {key}")
