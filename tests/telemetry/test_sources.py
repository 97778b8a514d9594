"""Historian exports: wide and long CSV/Parquet, explicit time zones, nothing dropped silently."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
import pytest

from twin.errors import InputError
from twin.telemetry.sources import read_telemetry
from twin.telemetry.synthetic import write


@pytest.mark.parametrize("name,wide", [("long.csv", False), ("wide.csv", True), ("long.parquet", False),
                                       ("wide.parquet", True)])
def test_formats_round_trip(demo_day, tmp_path, name, wide):
    data, _ = demo_day
    write(data, tmp_path / name, wide=wide)
    back = read_telemetry(tmp_path / name)
    key = ["time", "tag"]
    a = data.frame.sort_values(key).reset_index(drop=True)
    b = back.frame.sort_values(key).reset_index(drop=True)
    assert len(a) == len(b)
    assert (a["tag"] == b["tag"]).all() and (a["time"] == b["time"]).all()
    np.testing.assert_allclose(a["value"], b["value"], rtol=1e-12)
    if name.endswith(".parquet"):  # the SYNTHETIC label travels in the file's metadata
        assert any("SYNTHETIC" in note for note in back.notes), back.notes


def test_naive_times_use_the_map_zone(tmp_path):
    path = tmp_path / "bms.csv"
    path.write_text("timestamp,CHW.SUPPLY\n2025-07-21 14:00,44.6\n2025-07-21 14:01,44.7\n")
    data = read_telemetry(path, ZoneInfo("America/Chicago"))
    # July in Chicago is CDT, UTC-5
    assert data.frame["time"].iloc[0] == pd.Timestamp("2025-07-21 19:00")
    with pytest.raises(InputError, match="bms.csv: time: found timestamps without a UTC offset"):
        read_telemetry(path)


def test_offsets_and_text_values_are_reported(tmp_path):
    path = tmp_path / "long.csv"
    path.write_text("time,tag,value\n2025-07-21T14:00:00-05:00,A,1.5\n2025-07-21T14:01:00-05:00,A,#BAD\n"
                    "2025-07-21T19:02:00Z,A,1.7\nyesterday,A,2\n")
    data = read_telemetry(path)
    assert data.frame["time"].iloc[0] == pd.Timestamp("2025-07-21 19:00")
    assert len(data.frame) == 3 and data.frame["value"].isna().sum() == 1
    assert any("A: 1 values are not numbers (first '#BAD')" in note for note in data.notes)
    assert any("1 rows with an unreadable time (first 'yesterday')" in note for note in data.notes)


def test_bad_files_are_one_line(tmp_path):
    with pytest.raises(InputError, match="no such file"):
        read_telemetry(tmp_path / "none.csv")
    path = tmp_path / "x.csv"
    path.write_text("when,A\n1,2\n")
    with pytest.raises(InputError, match="x.csv: columns: found when, A; expected a time column"):
        read_telemetry(path)
