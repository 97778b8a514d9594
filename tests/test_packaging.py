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


def test_a_non_editable_install_serves_its_own_sites_and_catalogue(tmp_path):
    """The wheel installed into a plain folder (no checkout on the path) loads a site and the catalogue
    from its own twin/data, and runs the CLI from there."""
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
                    "-w", str(tmp_path / "dist"), str(REPO)], check=True, capture_output=True)
    wheel = next((tmp_path / "dist").glob("twin-*.whl"))
    target = tmp_path / "site-packages"
    subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "--no-index", "-q", "--target",
                    str(target), str(wheel)], check=True, capture_output=True)
    probe = ("import twin, twin.catalog, twin.site\n"
             "print(twin.__file__)\n"
             "print(twin.catalog.models_dir())\n"
             "print(twin.site.sites_dir())\n"
             "print(round(twin.load_site('colossus2').P_it_peak / 1e6))\n")
    env = {"PYTHONPATH": str(target), "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
    run = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, cwd=tmp_path, env=env)
    assert run.returncode == 0, run.stderr
    package, models, sites, peak = run.stdout.split()
    for path in (package, models, sites):
        assert path.startswith(str(target)) and str(REPO) not in path, path
    assert models.endswith("twin/data/models") and sites.endswith("twin/data/sites") and peak == "1091"
    cli = subprocess.run([sys.executable, "-m", "twin.cli", "validate", "demo"], capture_output=True, text=True,
                         cwd=tmp_path, env=env)
    assert cli.returncode == 0, cli.stdout + cli.stderr
