"""Small dispatch cases for the optimisation tests (hand-sized, hand-checkable)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from twin.optimize import Battery, DispatchInputs, GridConnection, Tariff, TurbineType

MW = 1e6
MWH = 3.6e9
TZ = "America/Chicago"


def steps(n: int, start: str = "2025-07-01", step_s: float = 3600.0) -> pd.DatetimeIndex:
    return pd.date_range(pd.Timestamp(start, tz=TZ), periods=n, freq=pd.Timedelta(seconds=step_s), name="time")


def per_mwh(values) -> np.ndarray:
    """USD/MWh -> USD/J."""
    return np.asarray(values, float) / MWH


def case(load_MW, price_USD_per_MWh, *, step_s: float = 3600.0, start: str = "2025-07-01",
         import_max_MW: float = 1e4, export_max_MW: float = 0.0, **kw) -> DispatchInputs:
    load = np.asarray(load_MW, float) * MW
    time = steps(load.size, start, step_s)
    tariff = kw.pop("tariff", None) or Tariff(energy_price=per_mwh(np.broadcast_to(price_USD_per_MWh, load.shape)))
    return DispatchInputs(time=time, step_s=step_s, P_load=load,
                          grid=GridConnection(import_max_MW * MW, export_max_MW * MW), tariff=tariff, **kw)


def battery(P_MW, E_MWh, eta=1.0, soc_initial=0.5, **kw) -> Battery:
    return Battery(P_max=P_MW * MW, E_max=E_MWh * MWH, eta_charge=eta, eta_discharge=eta,
                   soc_initial=soc_initial, **kw)


def turbine(name="GT", count=2, P_min_MW=10.0, P_max_MW=30.0, *, points_MW=(10.0, 20.0, 30.0),
            fuel_MW=(30.0, 55.0, 85.0), fuel_price_USD_per_MWh=20.0, **kw) -> TurbineType:
    """Fuel curve: 30 MW of fuel at 10 MW out, then 2.5 and 3.0 MW of fuel per MW (convex)."""
    return TurbineType(name=name, count=count, P_min=P_min_MW * MW, P_max=P_max_MW * MW,
                       P=np.asarray(points_MW) * MW, fuel=np.asarray(fuel_MW) * MW,
                       fuel_price=fuel_price_USD_per_MWh / MWH, **kw)
