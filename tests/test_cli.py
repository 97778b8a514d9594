"""The `twin` command: listings, help, and the exit-2 contract for bad input."""

import subprocess
import sys

from typer.testing import CliRunner

from twin.cli import app

runner = CliRunner()


def test_sites_lists_the_builtin_sites():
    result = runner.invoke(app, ["sites"], terminal_width=200)
    assert result.exit_code == 0
    for name in ("cortex", "colossus1", "colossus2", "demo"):
        assert name in result.stdout
    assert "1,091.0 MW" in result.stdout  # colossus2 IT peak


def test_catalog_lists_one_kind():
    result = runner.invoke(app, ["catalog", "turbine"], terminal_width=200)
    assert result.exit_code == 0
    assert "solar_smt130" in result.stdout and "gb200_nvl72" not in result.stdout


def test_validate_all_builtin_sites():
    result = runner.invoke(app, ["validate", "cortex", "colossus1", "colossus2", "demo"])
    assert result.exit_code == 0
    assert result.stdout.count("ok:") == 4


def test_show_draws_the_topology(tmp_path):
    out = tmp_path / "topology.png"
    result = runner.invoke(app, ["show", "colossus1", "--graph", str(out)])
    assert result.exit_code == 0
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert not list(tmp_path.glob(".*.tmp")), "no temporary file left behind"


def test_help_everywhere():
    for args in (["--help"], ["sites", "--help"], ["validate", "--help"], ["show", "--help"]):
        assert runner.invoke(app, args).exit_code == 0


def test_real_command_exits_2_without_traceback():
    proc = subprocess.run([sys.executable, "-c", "from twin.cli import main; main()", "show", "nosuchsite"],
                          capture_output=True, text=True)
    assert proc.returncode == 2
    assert proc.stderr.startswith("error: nosuchsite:") and "Traceback" not in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1
