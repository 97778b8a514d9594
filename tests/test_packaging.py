"""A normal (non-editable) install must carry the built-in sites, catalogue, data and every package."""

import subprocess
import sys
import zipfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def test_wheel_contains_sites_catalogue_and_data(tmp_path):
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
                    "-w", str(tmp_path), str(REPO)], check=True, capture_output=True)
    wheel = next(tmp_path.glob("twin-*.whl"))
    names = set(zipfile.ZipFile(wheel).namelist())
    for site in ("demo", "cortex", "colossus1", "colossus2"):
        assert f"twin/data/sites/{site}.toml" in names
    for entry in ("rack/gb200_nvl72.toml", "chiller/doe2_centrifugal_4mw.toml", "turbine/solar_smt130.toml"):
        assert f"twin/data/models/{entry}" in names
    for package in REPO.joinpath("twin").rglob("__init__.py"):
        assert package.relative_to(REPO).as_posix() in names, f"{package} missing from the wheel: list it in pyproject.toml"
    for epw in REPO.joinpath("twin", "data", "weather").glob("*.epw"):  # the built-in typical years
        assert f"twin/data/weather/{epw.name}" in names
