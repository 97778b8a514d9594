"""Tariff settlement and tariff-driven plans against hand-computed cases."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from opt_cases import MW, TZ, battery, case, per_mwh, steps

from twin.errors import InputError
from twin.optimize import (
    CoincidentPeak,
    DemandCharge,
    DemandResponseEvent,
    FixedPricePPA,
    Tariff,
    VirtualPPA,
    dispatch,
)
from twin.optimize.prices import synthetic_ercot_year, synthetic_tva_year
from twin.optimize.tariffs import (
    MLGW_OFF_PEAK_EXCESS_USD_PER_W_MONTH,
    MLGW_ON_PEAK_DEMAND_USD_PER_W_MONTH,
    bill,
    ercot_tariff,
    tva_mlgw_tariff,
)

RATE = 60e-3   # USD per W-year ($60/kW-yr)


def test_4cp_charge_is_rate_times_mean_demand_in_the_intervals():
    time = steps(24 * 4, "2025-07-01", 900.0)
    P = np.full(time.size, 100 * MW)
    P[16 * 4 + 1] = 80 * MW          # 16:15-16:30
    P[16 * 4 + 2] = 60 * MW          # 16:30-16:45
    cp = CoincidentPeak(pd.DatetimeIndex([time[16 * 4 + 1], time[16 * 4 + 2]]), RATE)
    got = bill(Tariff(np.zeros(time.size), coincident_peak=cp), time, 900.0, P)["coincident_peak"]
    # two of the year's four intervals lie in the horizon: each adds rate/4 x its demand
    assert got == pytest.approx(RATE * (80 * MW + 60 * MW) / 4)


def test_4cp_interval_straddling_two_steps_uses_mean_power():
    time = steps(12, "2025-07-01 16:00", 600.0)
    P = np.full(time.size, 90 * MW)
    P[0], P[1] = 30 * MW, 120 * MW
    cp = CoincidentPeak(pd.DatetimeIndex([time[0] + pd.Timedelta(minutes=5)]), RATE)   # 16:05-16:20
    got = bill(Tariff(np.zeros(time.size), coincident_peak=cp), time, 600.0, P)["coincident_peak"]
    assert got == pytest.approx(RATE / 4 * (5 * 30 + 10 * 120) / 15 * MW)


def test_monthly_demand_charges_with_a_partial_month():
    # 10 days of a 30-day June: a third of each charge.
    time = steps(240, "2025-06-01")
    P = np.full(time.size, 100 * MW)
    on_peak = (time.hour >= 13) & (time.hour < 19)
    P[np.flatnonzero(on_peak)[5]] = 120 * MW
    P[np.flatnonzero(~on_peak)[7]] = 150 * MW
    dc = DemandCharge(on_peak, 11e-3, 3e-3)
    got = bill(Tariff(np.zeros(time.size), demand_charge=dc), time, 3600.0, P)["demand"]
    assert got == pytest.approx((11e-3 * 120 * MW + 3e-3 * 30 * MW) / 3)
    # a horizon spanning the whole month charges it in full
    month = steps(30 * 24, "2025-06-01")
    full = bill(Tariff(np.zeros(time.size), demand_charge=dc), time, 3600.0, P, horizon=month)["demand"]
    assert full == pytest.approx(11e-3 * 120 * MW + 3e-3 * 30 * MW)


def test_contracts_and_demand_response_settlement():
    time = steps(4)
    price = per_mwh([10.0, 20.0, 30.0, 40.0])
    events = (DemandResponseEvent(time[1], time[3], 100 * MW, 30 * MW, credit=500.0, penalty=per_mwh(200.0)),)
    tariff = Tariff(price, ppas=(FixedPricePPA(50 * MW, per_mwh(28.0)),),
                    vppas=(VirtualPPA(np.array([0, 10, 20, 0]) * MW, per_mwh(22.0), per_mwh([0, 20, 30, 0])),),
                    demand_response=events)
    P = np.array([100, 75, 60, 100]) * MW
    out = bill(tariff, time, 3600.0, P)
    assert out["energy"] == pytest.approx(10 * 100 + 20 * 75 + 30 * 60 + 40 * 100)
    assert out["ppa"] == pytest.approx(50 * (18 + 8 - 2 - 12))
    assert out["vppa"] == pytest.approx(10 * (22 - 20) + 20 * (22 - 30))
    assert out["demand_response"] == pytest.approx(200 * 5 - 500)      # 75 MW is 5 MW above the 70 MW limit


def test_plan_shaves_the_4cp_interval_hand_case():
    # Flat 100 MW at $20; one 4CP interval in hour 16; a lossless 10 MW / 40 MWh battery.
    time = steps(24)
    cp = CoincidentPeak(pd.DatetimeIndex([time[16] + pd.Timedelta(minutes=15)]), RATE)
    plan = dispatch(case(np.full(24, 100.0), 20.0, tariff=Tariff(per_mwh(np.full(24, 20.0)), coincident_peak=cp),
                         bess=battery(10, 40, soc_initial=0.5)))
    assert float(plan["objective"]) == pytest.approx(24 * 100 * 20 + RATE * MW / 4 * 90)
    assert float(plan["P_grid_import"][16]) == pytest.approx(90 * MW)


def test_plan_shaves_monthly_demand_hand_case():
    # January, hourly, energy $50/MWh.  One on-peak hour a day (16:00) at 100 MW, one at 120 MW;
    # off-peak at 90 MW with one hour at 150 MW.  A lossless 20 MW / 20 MWh battery takes 20 MW
    # off both spikes (recharging in between): on-peak 100 MW, off-peak 130 MW, excess 30 MW.
    time = steps(31 * 24, "2025-01-01")
    on_peak = time.hour == 16
    load = np.where(on_peak, 100.0, 90.0)
    load[np.flatnonzero(on_peak)[9]] = 120.0
    load[np.flatnonzero(~on_peak)[300]] = 150.0
    dc = DemandCharge(on_peak, MLGW_ON_PEAK_DEMAND_USD_PER_W_MONTH, MLGW_OFF_PEAK_EXCESS_USD_PER_W_MONTH)
    tariff = Tariff(per_mwh(np.full(time.size, 50.0)), demand_charge=dc)
    plan = dispatch(case(load, 50.0, start="2025-01-01", tariff=tariff, bess=battery(20, 20, soc_initial=1.0)))
    demand = 11e3 * 100 + 3e3 * 30
    assert float(plan["objective"]) == pytest.approx(50 * load.sum() + demand, rel=1e-9)
    assert plan["cost"].sel(category="demand").item() == pytest.approx(demand, rel=1e-9)
    assert plan["billing_demand_on_peak"].item() == pytest.approx(100 * MW)
    assert plan["billing_demand_off_peak_excess"].item() == pytest.approx(30 * MW)
    # without the battery the bill is the direct one
    flat = dispatch(case(load, 50.0, start="2025-01-01", tariff=tariff))
    assert flat["cost"].sel(category="demand").item() == pytest.approx(11e3 * 120 + 3e3 * 30)


def test_firm_and_penalised_demand_response_hand_case():
    time = steps(24)
    event = dict(start=time[15], end=time[17], baseline=100 * MW, reduction=30 * MW, credit=5000.0)
    soft = Tariff(per_mwh(np.full(24, 30.0)), demand_response=(DemandResponseEvent(**event, penalty=per_mwh(1000.0)),))
    plan = dispatch(case(np.full(24, 100.0), 30.0, tariff=soft, bess=battery(20, 40, soc_initial=0.5)))
    # the battery covers 20 of the 30 MW for two hours; 10 MW x 2 h pays the penalty
    assert float(plan["objective"]) == pytest.approx(24 * 100 * 30 + 10 * 2 * 1000 - 5000)
    firm = Tariff(per_mwh(np.full(24, 30.0)), demand_response=(DemandResponseEvent(**event),))
    plan = dispatch(case(np.full(24, 100.0), 30.0, tariff=firm, bess=battery(30, 60, soc_initial=0.5)))
    assert float(plan["objective"]) == pytest.approx(24 * 100 * 30 - 5000)
    assert plan["P_grid_import"][15:17].max().item() == pytest.approx(70 * MW)


def test_site_tariff_builders_from_synthetic_years():
    ercot = synthetic_ercot_year(2025)
    time = ercot.prices.index[:48]
    tariff = ercot_tariff(ercot.prices, time, ercot.coincident_peaks)
    assert tariff.coincident_peak.rate == pytest.approx(RATE)
    np.testing.assert_array_equal(tariff.energy_price, ercot.prices["energy_price"].values[:48])
    tva = synthetic_tva_year(2025)
    t = tva_mlgw_tariff(tva.prices, tva.prices.index[:48])
    assert t.demand_charge.on_peak_rate == pytest.approx(11e-3)
    assert t.demand_charge.on_peak.sum() == tva.prices["on_peak"].values[:48].sum()
    with pytest.raises(InputError, match="no price for 24 steps"):
        ercot_tariff(ercot.prices, pd.date_range(pd.Timestamp("2024-12-31", tz=TZ), periods=48, freq="h"), ercot.coincident_peaks)


def test_tva_energy_rates_blend_to_the_estimate():
    tva = synthetic_tva_year(2025).prices
    blended = tva["energy_price"].mean() * 3.6e6
    assert blended == pytest.approx(0.045, abs=0.002)
