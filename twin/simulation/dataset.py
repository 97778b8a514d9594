"""The result Dataset of a simulation."""

from __future__ import annotations

import numpy as np
import xarray as xr

from twin.electrical.network import BLOCK_VARIABLES, concatenate_blocks, electrical_summary
from twin import validity
from twin.media import coolant
from twin.results import make_dataset, variable
from twin.simulation.assembly import Model
from twin.thermal.network import CP_FACILITY

def _add_electrical(ds: xr.Dataset, network, blocks, it_step: float, resolution: str) -> xr.Dataset:
    """Electrical results: plant-step means, the power balance terms, the facility power with losses,
    headline metrics (from the IT-step series) in attrs, and the IT-step series when asked."""
    steps = [b.plant_step_values() for b in blocks]
    variables = {}
    for name, (per_fleet, units, long_name) in BLOCK_VARIABLES.items():
        values = np.array([step[name] for step in steps], dtype=float)
        variables[name] = variable(("time", "fleet") if per_fleet else "time", values, units, long_name)
    ds = ds.assign(variables)
    losses = ds.P_losses_transformers + ds.P_losses_ups + ds.P_losses_distribution
    balance = {
        "P_sources": (ds.P_poi + ds.P_turbines.sum("fleet"), "W", "grid import plus turbine output"),
        "P_storage": (ds.P_bess + ds.P_ups_battery, "W", "BESS and UPS battery power, positive discharging"),
        "P_loads": (ds.P_it_served + ds.P_cooling_served, "W", "IT and cooling power served"),
        "P_losses": (losses, "W", "transformer, UPS and distribution losses"),
    }
    for name, (value, units, long_name) in balance.items():
        ds[name] = value.assign_attrs(units=units, long_name=long_name)
    ds["P_facility"] = (ds.P_it_total + ds.P_cooling + losses).assign_attrs(
        units="W", long_name="total facility power: IT, cooling and electrical losses")
    arrays = concatenate_blocks(blocks)
    for key, value in electrical_summary(arrays, it_step).items():
        ds.attrs[f"electrical_{key}"] = float(value)
    if resolution == "it":
        time_it = ds.time.values[0] + (arrays["t"] * 1e3).astype("timedelta64[ms]")
        for name in ("P_poi", "P_turbines", "P_bess", "soc", "P_demand", "P_unserved"):
            per_fleet, units, long_name = BLOCK_VARIABLES[name]
            ds[f"{name}_it"] = xr.Variable(("time_it", "fleet") if per_fleet else "time_it", arrays[name],
                                           attrs={"units": units, "long_name": long_name + " (every IT step)"})
        ds = ds.assign_coords(time_it=time_it)
        ds.attrs["step_it_s"] = float(it_step)
    return ds



_META = {
    # name: (dims, units, long_name)
    "P_it": ("group", "W", "IT electrical power drawn by the rack group (after throttling)"),
    "T_die_max": ("group", "degC", "highest accelerator die temperature in the group"),
    "T_die_mean": ("group", "degC", "mean accelerator die temperature in the group"),
    "T_tcs_supply": ("group", "degC", "TCS supply temperature (CDU outlet, rack inlet)"),
    "T_tcs_return": ("group", "degC", "TCS return temperature (CDU inlet)"),
    "valve": ("group", "1", "CDU facility-water valve opening"),
    "n_throttled": ("group", "1", "racks with throttled accelerators"),
    "P_tcs_pumps": ("group", "W", "CDU (TCS) pump power"),
    "P_air_fans": ("group", "W", "CRAH / fan-wall fan power for the group's air-side heat"),
    "T_fws_supply": ("loop", "degC", "facility water supply temperature at the CDUs"),
    "T_fws_return": ("loop", "degC", "facility water return temperature leaving the halls"),
    "C_fws": ("loop", "W/K", "facility water capacity flow (m_flow * cp)"),
    "P_fws_pumps": ("loop", "W", "facility water pump power"),
    "P_compressors": ("loop", "W", "chiller compressor power (air-cooled: with condenser fans)"),
    "P_plant_fans": ("loop", "W", "cooling tower, dry cooler and free-cooling fan power"),
    "P_condenser_pumps": ("loop", "W", "condenser water pump power"),
    "Q_flow_removed": ("loop", "W", "heat removed from the facility water by the plant"),
    "Q_flow_to_atmosphere": ("loop", "W", "heat given by the plant to the atmosphere"),
    "m_flow_water_use": ("loop", "kg/s", "make-up and spray water evaporated, drifted or blown down"),
    "n_shutdown": ("group", "1", "racks whose accelerators have shut down"),
    "n_tripped": ("group", "1", "racks powered off by their coolant over-temperature protection"),
    "T_fws_supply_set": ("loop", "degC", "facility water supply set-point"),
    "Q_flow_electrical_losses": ("loop", "W", "UPS and distribution losses in the halls, taken up by the coils"),
    "Q_flow_storage_gains": ("loop", "W", "heat gained by the cold-water storage from its surroundings"),
    "storage_hours_left": ("loop", "h", "hours the cold water left in storage could carry the loop at design flow"),
}


def _dataset(model: Model, wx, plant_step, P_it, state, *, T_die_mean, n_throttled, E_stored, mode,
             out_of_range=None) -> xr.Dataset:
    g, lp = model.groups, model.loops
    dims = {"group": ("time", "group"), "loop": ("time", "loop")}
    data = dict(state, P_it=P_it, T_die_mean=T_die_mean, n_throttled=n_throttled)
    variables = {name: variable(dims[d], np.asarray(data[name], dtype=float), units, long)
                 for name, (d, units, long) in _META.items()}
    P_cooling = (data["P_tcs_pumps"].sum(-1) + data["P_air_fans"].sum(-1) + data["P_fws_pumps"].sum(-1)
                 + data["P_compressors"].sum(-1) + data["P_plant_fans"].sum(-1) + data["P_condenser_pumps"].sum(-1))
    P_it_total = P_it.sum(-1)
    heat_in = (P_it_total + data["P_tcs_pumps"].sum(-1) + data["P_air_fans"].sum(-1) + data["P_fws_pumps"].sum(-1)
               + data["Q_flow_storage_gains"].sum(-1) + data["Q_flow_electrical_losses"].sum(-1))
    # electrical losses from the network's steady-state loss curves; a run with the network replaces them
    chain = model.electrical.demand(P_it_total, P_cooling)
    losses = {name: variable("time", chain[name], "W", long)
              for name, long in (("P_losses_transformers", "substation and unit-substation transformer losses"),
                                 ("P_losses_ups", "UPS losses"),
                                 ("P_losses_distribution", "busway, PDU and cabling losses"))}
    P_losses = sum(v.values for v in losses.values())
    variables.update(
        losses,
        P_losses=variable("time", P_losses, "W", "transformer, UPS and distribution losses"),
        P_it_total=variable("time", P_it_total, "W", "IT electrical power of the site"),
        P_cooling=variable("time", P_cooling, "W", "cooling power: pumps, fans and compressors"),
        P_facility=variable("time", P_it_total + P_cooling + P_losses, "W",
                            "total facility power: IT, cooling and electrical losses"),
        Q_flow_into_plant=variable("time", heat_in, "W",
                                   "heat into the cooling water system: IT, pump and fan heat, storage gains, "
                                   "hall electrical losses"),
        Q_flow_rejected=variable("time", data["Q_flow_removed"].sum(-1), "W",
                                 "heat leaving the cooling water system at the plant"),
        E_thermal_stored=variable("time", E_stored, "J",
                                  "heat stored in racks, TCS, facility mains, storage and hall air, relative to "
                                  "the start"),
        T_dry_bulb=variable("time", wx["T_dry_bulb"].values, "degC", "outdoor dry-bulb temperature"),
        T_wet_bulb=variable("time", wx["T_wet_bulb"].values, "degC", "outdoor wet-bulb temperature"),
        m_flow_fws=variable(("time", "loop"), data["C_fws"] / CP_FACILITY, "kg/s", "facility water mass flow"),
        m_flow_tcs=variable("group", _tcs_mass_flow(model), "kg/s",
                            "TCS coolant mass flow of the group's racks (constant-speed CDU pumps)"),
        T_die_limit=variable("group", g.T_throttle, "degC", "die throttle temperature of the group's racks"),
        liquid_class_limit=variable("loop", lp.liquid_class_limit, "degC",
                                    "upper bound of the loop's ASHRAE liquid-cooling class"),
    )
    ds = make_dataset(wx["time"].values, variables, step_s=plant_step,
                      coords={"group": list(g.names), "loop": list(lp.names)},
                      attrs={"site": model.site.name, "mode": mode, "weather": str(wx.attrs.get("location", "")),
                             "title": f"twin simulation of {model.site.name}"})
    ds.attrs["weather_source"] = str(wx.attrs.get("source", ""))
    ds.attrs["out_of_range"] = validity.assess_run(model, ds, out_of_range)
    return ds


def _tcs_mass_flow(model: Model) -> np.ndarray:
    """TCS mass flow of each rack group (kg/s), from its capacity flow and its coolant's cp at the TCS supply."""
    out = np.zeros(len(model.groups.names))
    for i, group in enumerate(model.site.rack_groups):
        if model.groups.C_tcs[i] > 0:
            T = model.loops.T_set[model.groups.loop[i]] + model.groups.approach[i]
            out[i] = model.groups.C_tcs[i] / coolant(group.cdu_model.tcs_coolant).cp(T)
    return out
