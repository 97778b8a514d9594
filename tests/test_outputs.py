"""Output claims: two runs to one path do not race; temporaries of killed writes are removed."""

import os
import signal
import subprocess
import sys
import time

import pytest

from twin.errors import InputError
from twin.outputs import claim


def test_a_second_run_to_the_same_output_is_refused(tmp_path):
    out = tmp_path / "run.nc"
    with claim(out):
        with pytest.raises(InputError) as err:
            with claim(out):
                pass
        assert "another twin run is writing" in str(err.value) and str(os.getpid()) in str(err.value)
    with claim(out):  # released at the end of the block
        pass
    assert not (tmp_path / ".run.nc.lock").exists()


def test_a_killed_holder_releases_its_claim_and_its_temporaries_are_removed(tmp_path):
    out = tmp_path / "run.nc"
    code = ("import sys, time; from twin.outputs import claim\n"
            f"with claim({str(out)!r}):\n"
            f"    open({str(tmp_path / '.run.nc.abc123.tmp')!r}, 'w').write('half')\n"
            "    print('held', flush=True); time.sleep(60)\n")
    child = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout.readline().strip() == "held"
        with pytest.raises(InputError, match=f"pid {child.pid}"):
            with claim(out):
                pass
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait()
    (tmp_path / ".run.nc.def456.old").mkdir()
    (tmp_path / ".other.nc.x.tmp").write_text("not ours")
    t0 = time.perf_counter()
    with claim(out):
        left = sorted(p.name for p in tmp_path.iterdir())
    assert time.perf_counter() - t0 < 5
    assert ".run.nc.abc123.tmp" not in left and ".run.nc.def456.old" not in left
    assert ".other.nc.x.tmp" in left


def test_simulate_refuses_an_output_another_run_holds(tmp_path):
    from typer.testing import CliRunner

    from conftest import assert_bad_input
    from twin.cli import app

    out = tmp_path / "run.nc"
    with claim(out):
        result = CliRunner().invoke(app, ["simulate", "demo", "--hours", "0.1", "--out", str(out)])
    assert_bad_input(result, "--out", "another twin run is writing")
    assert not out.exists()
