"""Price and event CSV readers (values and error messages) and the synthetic years."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from twin.errors import InputError
from twin.optimize.prices import (
    ERCOT_PRICE_CAP_USD_PER_MWH,
    read_events,
    read_prices,
    synthetic_ercot_year,
    synthetic_tva_year,
    tva_on_peak,
)

GOOD = """time,energy_price [USD/MWh],export_price [USD/kWh],grid_CO2 [kg/MWh],on_peak
2025-03-09T00:00:00-06:00,36.0,0.030,400,0
2025-03-09T01:00:00-06:00,-12.5,-0.015,380,0
2025-03-09T03:00:00-05:00,5000,4.9,350,1
"""


def _write(tmp_path, text, name="prices.csv"):
    path = tmp_path / name
    path.write_text(text)
    return path


def test_read_prices_converts_to_si_and_keeps_utc_offsets(tmp_path):
    prices = read_prices(_write(tmp_path, GOOD), tz="America/Chicago")
    # 01:00 CST and 03:00 CDT are one hour apart across the spring-forward change
    assert prices.attrs["step_s"] == 3600.0
    assert str(prices.index.tz) == "America/Chicago"
    np.testing.assert_allclose(prices["energy_price"] * 3.6e9, [36.0, -12.5, 5000.0])
    np.testing.assert_allclose(prices["export_price"] * 3.6e6, [0.030, -0.015, 4.9])
    np.testing.assert_allclose(prices["grid_CO2"] * 3.6e9, [400, 380, 350])
    assert prices["on_peak"].tolist() == [False, False, True]


def test_naive_times_are_read_in_the_given_zone(tmp_path):
    path = _write(tmp_path, "time,energy_price [USD/MWh]\n2025-07-01 00:00,30\n2025-07-01 00:15,31\n")
    prices = read_prices(path, tz="America/Chicago")
    assert prices.index[0] == pd.Timestamp("2025-07-01 05:00", tz="UTC")
    assert prices.attrs["step_s"] == 900.0
    with pytest.raises(InputError, match="times with a UTC offset, or the tz= argument"):
        read_prices(path)


@pytest.mark.parametrize("text, message", [
    ("", "unreadable CSV"),
    ("time,energy_price [USD/MWh]\n", "no data rows"),
    ("when,energy_price [USD/MWh]\n2025-07-01T00:00Z,1\n", "unknown column(s) ['when']"),
    ("time,price [USD/MWh]\n2025-07-01T00:00Z,1\n", "unknown column(s) ['price']"),
    ("time,energy_price\n2025-07-01T00:00Z,1\n", "column 'energy_price': found no unit"),
    ("time,energy_price [MW]\n2025-07-01T00:00Z,1\n", "column 'energy_price [MW]': found '1 MW'; expected a price energy"),
    ("time,energy_price [USD/MWh]\n2025-07-01T00:00Z,1\n2025-07-01T01:00Z,abc\n",
     "line 3, column 'energy_price [USD/MWh]': found 'abc'; expected a number"),
    ("time,energy_price [USD/MWh]\n2025-07-01T00:00Z,1\n2025-07-01T01:00Z,\n",
     "line 3, column 'energy_price [USD/MWh]': found ''; expected a number"),
    ("time,energy_price [USD/MWh]\n2025-07-01T00:00Z,1\nyesterday,2\n",
     "line 3, column 'time': found 'yesterday'; expected an ISO 8601 time"),
    ("time,energy_price [USD/MWh]\n2025-07-01T00:00Z,1\n2025-07-01T01:00Z,2\n2025-07-01T03:00Z,2\n",
     "line 4, column 'time': found 2025-07-01 03:00:00+00:00 after 2025-07-01 01:00:00+00:00; expected increasing times 3600 s apart"),
    ("time,energy_price [USD/MWh],on_peak\n2025-07-01T00:00Z,1,maybe\n", "line 2, column 'on_peak': found 'maybe'; expected 1 or 0"),
    ("time,energy_price [USD/MWh]\n2025-07-01T00:00Z,1\n2025-07-01T01:00Z,-1e12\n",
     "line 3, column 'energy_price [USD/MWh]': found '-1e12'; expected a value in -10,000 to 100,000 USD/MWh"),
    ("time,energy_price [USD/kWh]\n2025-07-01T00:00Z,inf\n", "expected a value in -10,000 to 100,000 USD/MWh"),
    ("time,energy_price [USD/MWh],energy_price [USD/kWh]\n2025-07-01T00:00Z,30,0.03\n",
     "column 'energy_price [USD/kWh]': found a second 'energy_price' column (first 'energy_price [USD/MWh]')"),
    ("time,energy_price [USD/MWh],energy_price [USD/MWh]\n2025-07-01T00:00Z,30,31\n",
     "found a second 'energy_price' column"),
])
def test_read_prices_errors_name_file_line_column(tmp_path, text, message):
    path = _write(tmp_path, text)
    with pytest.raises(InputError) as error:
        read_prices(path)
    assert str(error.value).startswith(str(path))
    assert message in str(error.value)


def test_missing_file(tmp_path):
    with pytest.raises(InputError, match="found no such file"):
        read_prices(tmp_path / "absent.csv")


def test_read_events(tmp_path):
    path = _write(tmp_path, """kind,start,end,baseline [MW],reduction [MW],credit [USD],penalty [USD/MWh]
coincident_peak,2025-07-15T16:30:00-05:00,2025-07-15T16:45:00-05:00,,,,
coincident_peak,2025-08-20T16:15:00-05:00,2025-08-20T16:30:00-05:00,,,,
demand_response,2025-08-12T15:00:00-05:00,2025-08-12T18:00:00-05:00,170,50,20000,
demand_response,2025-08-13T15:00:00-05:00,2025-08-13T16:00:00-05:00,170,40,,900
""", "events.csv")
    events = read_events(path, tz="America/Chicago")
    assert list(events.coincident_peaks.strftime("%m-%d %H:%M")) == ["07-15 16:30", "08-20 16:15"]
    assert events.coincident_peak_interval_s == 900.0
    first, second = events.demand_response
    assert (first.baseline, first.reduction, first.credit, first.penalty) == (170e6, 50e6, 20000.0, None)
    assert second.credit == 0.0 and second.penalty == pytest.approx(900 / 3.6e9)


@pytest.mark.parametrize("row, message", [
    ("peak,2025-07-15T16:30:00Z,2025-07-15T16:45:00Z,,", "line 2, column 'kind': found 'peak'; expected coincident_peak or demand_response"),
    ("demand_response,2025-07-15T16:30:00Z,2025-07-15T16:00:00Z,1,1", "line 2, column 'end'"),
    ("demand_response,2025-07-15T16:30:00Z,2025-07-15T17:00:00Z,big,1", "line 2, column 'baseline [MW]': found 'big'"),
])
def test_read_events_errors(tmp_path, row, message):
    path = _write(tmp_path, "kind,start,end,baseline [MW],reduction [MW]\n" + row + "\n", "events.csv")
    with pytest.raises(InputError, match=message.replace("(", r"\(").replace("[", r"\[").replace("]", r"\]")):
        read_events(path)


def test_synthetic_ercot_year():
    year = synthetic_ercot_year(2025, seed=7)
    prices = year.prices["energy_price"] * 3.6e9
    assert len(prices) == 8760 and year.prices.attrs["synthetic"] and "SYNTHETIC" in year.description
    assert prices.max() == ERCOT_PRICE_CAP_USD_PER_MWH
    assert (prices < 0).sum() > 50
    assert 15 < prices.median() < 35 and 30 < prices.mean() < 70
    assert 10 < (prices > 1000).sum() < 200
    spikes = prices[prices > 1000]
    assert set(spikes.index.month) <= {6, 7, 8, 9}
    peaks = year.coincident_peaks
    assert list(peaks.month) == [6, 7, 8, 9]
    assert all(peaks.day_of_week < 5) and all((peaks.hour >= 15) & (peaks.hour < 18))
    again = synthetic_ercot_year(2025, seed=7)
    pd.testing.assert_frame_equal(again.prices, year.prices)
    assert not synthetic_ercot_year(2025, seed=8).prices.equals(year.prices)
    quarter = synthetic_ercot_year(2025, seed=7, step_s=900)
    assert len(quarter.prices) == 35040


def test_synthetic_tva_year():
    year = synthetic_tva_year(2024)
    assert len(year.prices) == 8784 and "SYNTHETIC" in year.description
    np.testing.assert_array_equal(year.prices["on_peak"].values, tva_on_peak(year.prices.index))
    july_weekday = year.prices.loc["2024-07-10"]
    assert july_weekday["on_peak"].tolist() == [13 <= h < 19 for h in range(24)]
    assert not year.prices.loc["2024-07-13"]["on_peak"].any()     # a Saturday
    rates = year.prices.groupby([year.prices.index.month, "on_peak"])["energy_price"].nunique()
    assert (rates == 1).all()                                       # one rate per month and period
