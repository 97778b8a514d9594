"""Power scheduling for the sites: grid, gas turbines, Megapacks, flexible training load, cooling.

``dispatch(inputs)`` solves one horizon with HiGHS and returns the plan as an
``xarray.Dataset``; ``rolling_horizon(inputs, window_s, step_s)`` re-plans
over a sliding window (model-predictive control); ``savings_table`` compares
a plan with its baseline (``baseline_inputs``: no battery, no flexibility).
Inputs are the frozen dataclasses of :mod:`twin.optimize.inputs`; tariffs
and price data come from :mod:`twin.optimize.tariffs` and
:mod:`twin.optimize.prices`.
"""

from twin.optimize.diagnose import InfeasiblePlan
from twin.optimize.dispatch import baseline_inputs, dispatch, savings_table
from twin.optimize.inputs import (
    Battery,
    CoincidentPeak,
    CoolingSurrogate,
    DemandCharge,
    DemandResponseEvent,
    DispatchInputs,
    Emissions,
    FixedPricePPA,
    FlexibleLoad,
    GridConnection,
    Tariff,
    TurbineType,
    VirtualPPA,
)
from twin.optimize.mpc import rolling_horizon

__all__ = [
    "Battery",
    "CoincidentPeak",
    "CoolingSurrogate",
    "DemandCharge",
    "DemandResponseEvent",
    "DispatchInputs",
    "Emissions",
    "FixedPricePPA",
    "FlexibleLoad",
    "GridConnection",
    "InfeasiblePlan",
    "Tariff",
    "TurbineType",
    "VirtualPPA",
    "baseline_inputs",
    "dispatch",
    "rolling_horizon",
    "savings_table",
]
