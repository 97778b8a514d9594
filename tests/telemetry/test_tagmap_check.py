"""Tag maps against the site, unit conversion with pint, and the data checks' one-line findings."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from twin.errors import InputError
from twin.telemetry.check import check
from twin.telemetry.sources import Telemetry
from twin.telemetry.tagmap import load_tagmap


def test_units_convert_with_pint(demo_map):
    b = demo_map.bindings["FWS.FWS.SUPPLY_TEMP"]
    assert b.variable == "T_fws_supply" and b.index == ("fws",)
    np.testing.assert_allclose(b.to_si([86.0, 32.0]), [30.0, 0.0], atol=1e-9)
    np.testing.assert_allclose(demo_map.bindings["GB200.IT.KW"].to_si([1000.0]), [1e6])
    np.testing.assert_allclose(demo_map.bindings["GB200.CDU.VALVE"].to_si([55.0]), [0.55])
    # a plant stands for the loops it serves
    assert demo_map.bindings["PLANT.CHILLERS.KW"].index == ("fws",)


def test_map_errors_name_tag_and_field(demo, tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text('[telemetry]\ntime_zone = "Mars/Olympus"\n[tags]\n'
                    '"A" = { component = "plants.nowhere", variable = "T_supply", units = "degF" }\n'
                    '"B" = { component = "facility_loops.fws", variable = "T_supply", units = "kW" }\n'
                    '"C" = { component = "rack_groups.gb200", variable = "T_fws_supply", units = "degC" }\n')
    with pytest.raises(InputError) as err:
        load_tagmap(path, demo)
    text = str(err.value)
    assert "bad.toml: telemetry.time_zone: found 'Mars/Olympus'" in text
    assert "tags.A.component: found 'plants.nowhere'; expected one of plants.plant (site demo)" in text
    assert "tags.B.units: found 'kW'; expected units of temperature" in text
    assert "tags.C.variable: found 'T_fws_supply'; expected one of" in text
    assert len(err.value.problems) == 4


def _frame(rows):
    return Telemetry(pd.DataFrame(rows, columns=["time", "tag", "value"]), "test.csv")


def test_findings(demo_map, demo_day):
    data, _ = demo_day
    frame = data.frame.copy()
    t = frame["time"]
    tag = frame["tag"]
    # stuck: the return temperature repeats one value for 2 h
    stuck = (tag == "FWS.FWS.RETURN_TEMP") & (t >= t.min() + pd.Timedelta(hours=3)) & (t < t.min() + pd.Timedelta(hours=5))
    frame.loc[stuck, "value"] = 95.0
    # a 90-minute hole in the facility flow
    hole = (tag == "FWS.FWS.FLOW") & (t >= t.min() + pd.Timedelta(hours=6)) & (t < t.min() + pd.Timedelta(hours=7.5))
    frame = frame[~hole]
    # one tag never arrives; five outdoor-air readings of 160 degF; a tag nobody mapped
    frame = frame[frame["tag"] != "H100.CDU.TCS_SUPPLY"]
    spikes = pd.DataFrame({"time": t.min() + pd.to_timedelta(np.arange(5) * 7 + 0.5, unit="h"), "tag": "WX.OAT",
                           "value": 160.0})
    frame = pd.concat([frame, spikes])
    frame = pd.concat([frame, pd.DataFrame({"time": [t.min()], "tag": ["SPARE.TAG"], "value": [1.0]})])
    findings = [str(f) for f in check(demo_map, Telemetry(frame.sort_values("time"), "test.csv"))[1]]
    text = "\n".join(findings)
    assert "stuck: FWS.FWS.RETURN_TEMP: held 95 degF for 2.0 h" in text
    assert "gap: FWS.FWS.FLOW: 1 gaps longer than 3 x 60 s; longest 1.5 h from" in text
    assert "missing: H100.CDU.TCS_SUPPLY: no samples; expected T_tcs_supply of rack_groups.h100" in text
    assert "out_of_range: WX.OAT: 5 samples outside -40..55 degC (first 71.11" in text
    assert "unmapped: SPARE.TAG: 1 samples of a tag the map does not bind; not used" in text
    assert all(len(line.splitlines()) == 1 for line in findings)


def test_unit_suspect(demo_map, demo_day):
    data, _ = demo_day
    frame = data.frame.copy()
    rows = frame["tag"] == "FWS.FWS.SUPPLY_TEMP"
    frame.loc[rows, "value"] = (frame.loc[rows, "value"] - 32) / 1.8  # written in degC, mapped as degF
    findings = [str(f) for f in check(demo_map, Telemetry(frame, "x"))[1]]
    assert any(f.startswith("unit_suspect: FWS.FWS.SUPPLY_TEMP: median -1.1") and "as 'degC' it would be 30" in f
               for f in findings), findings


def test_clean_day_has_only_gap_findings(demo_map, demo_day):
    summaries, findings = check(demo_map, demo_day[0])
    assert {f.kind for f in findings} <= {"gap", "coverage", "source"}
    assert all(s.coverage > 0.97 for s in summaries)
