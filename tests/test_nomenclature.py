"""docs/nomenclature.md names every result variable; results are CF-1.10 files cf_xarray understands."""

import pytest
import xarray as xr

import twin
from twin.results import write_netcdf


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    """A dynamic run with IT-step electrical series and a quasi-steady run, both read back from netCDF."""
    folder = tmp_path_factory.mktemp("nomenclature")
    runs = {"dynamic": twin.simulate("demo", duration=120, plant_step=10, electrical_resolution="it"),
            "quasi_steady": twin.simulate("demo", duration=7200, plant_step=600, mode="quasi_steady")}
    out = {}
    for name, ds in runs.items():
        path = write_netcdf(ds, folder / f"{name}.nc")
        with xr.open_dataset(path, engine="h5netcdf") as saved:
            out[name] = saved.load()
    return out


def test_every_result_variable_is_in_the_nomenclature(results, nomenclature):
    table = nomenclature
    assert len(table) > 50
    for mode, ds in results.items():
        for name in list(ds.data_vars) + list(ds.coords):
            assert name in table, f"{name} ({mode}) is not in docs/nomenclature.md"
            row, attrs = table[name], ds[name].attrs
            if name not in ds.coords or name in ("group", "loop", "fleet"):
                assert attrs.get("units", "") == row["units"], (name, attrs.get("units"), row["units"])
            assert attrs.get("standard_name", "") == row["standard_name"], name
            # the IT-step series (time_it) share the cell method of their plant-step variable
            assert attrs.get("cell_methods", "").replace("time_it:", "time:") == row["cell_methods"].replace(
                "time_it:", "time:"), name


def test_cf_xarray_finds_time_and_standard_names(results):
    import cf_xarray  # noqa: F401  (a test dependency: registers ds.cf)
    for ds in results.values():
        assert ds.attrs["Conventions"] == "CF-1.10"
        assert "time" in ds.cf.axes["T"] and "time" in ds.cf.coordinates["time"]
        names = ds.cf.standard_names
        assert names["air_temperature"] == ["T_dry_bulb"] and names["wet_bulb_temperature"] == ["T_wet_bulb"]
        assert ds.cf["air_temperature"].equals(ds["T_dry_bulb"])
    assert results["quasi_steady"].cf["T"].name == "time"


def test_time_is_stored_in_utc_with_the_zone(results, tmp_path):
    ds = results["dynamic"]
    assert ds.attrs["time_zone"] == "America/Chicago"
    # 2025-07-21 00:00 in Austin is CDT (UTC-5)
    assert str(ds.time.values[0])[:16] == "2025-07-21T05:00"
    assert ds.attrs["start"] == "2025-07-21T00:00:00-05:00" and ds.attrs["start_utc"] == "2025-07-21T05:00:00Z"
    raw = xr.open_dataset(write_netcdf(ds, tmp_path / "r.nc"), engine="h5netcdf", decode_times=False)
    assert raw.time.attrs["units"].startswith("seconds since 1970-01-01") and raw.time.attrs["axis"] == "T"


def test_provenance_in_every_file(results):
    for ds in results.values():
        for key in ("site", "site_file", "site_sha256", "weather_spec", "scenario", "events", "workload", "options",
                    "twin_version", "command_line", "start", "time_zone", "history"):
            assert key in ds.attrs, key
        assert len(ds.attrs["site_sha256"]) == 64 and ds.attrs["twin_version"] == twin.__version__
