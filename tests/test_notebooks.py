"""The study notebooks run end to end in fast mode, and their own ``assert`` cells hold.

Each notebook in ``notebooks/`` is executed with nbclient in a fresh kernel, with
``TWIN_NOTEBOOK_FAST=1`` (short horizons, coarse steps) and its figure written to a
temporary folder (``TWIN_NOTEBOOK_IMAGES``) so the test leaves the tree clean. A
cell that raises, an assert included, fails the test.

The kernel is the ``python3`` kernelspec. Installed into this environment by
ipykernel, its command is a bare ``python``, which jupyter_client replaces by
the running interpreter (``sys.executable``), so the notebooks run on the same
Python and packages as the tests. If ``python3`` resolves to some other Python
(a user-level kernelspec, say), the test installs a kernelspec for this
interpreter under a temporary prefix and uses that instead;
``test_kernel_is_this_python`` checks the choice.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")

REPO = Path(__file__).resolve().parents[1]
NOTEBOOK_DIR = REPO / "notebooks"
NOTEBOOKS = [
    "a_colossus2_cooling_design",
    "b_cortex_energy_contract",
    "c_colossus1_training_swings",
    "d_chiller_trip_design_day",
    "e_gpu_calibration",
    "f_telemetry_fault_week",
]
#: Seconds a single cell may take before the test fails.
CELL_TIMEOUT = 600


def _runs_this_python(argv: list[str]) -> bool:
    """True when a kernelspec command starts this interpreter."""
    first = argv[0]
    bare = {"python", f"python{sys.version_info[0]}", f"python{sys.version_info[0]}.{sys.version_info[1]}"}
    if first in bare:  # jupyter_client substitutes sys.executable for these
        return True
    return Path(first).resolve() == Path(sys.executable).resolve()


@pytest.fixture(scope="session")
def kernel_name(tmp_path_factory) -> str:
    from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel

    try:
        spec = KernelSpecManager().get_kernel_spec("python3")
        if _runs_this_python(spec.argv):
            return "python3"
    except NoSuchKernel:
        pass
    from ipykernel.kernelspec import install

    prefix = tmp_path_factory.mktemp("kernel")
    install(kernel_name="twin-tests", prefix=str(prefix))
    os.environ["JUPYTER_PATH"] = os.pathsep.join(
        [str(prefix / "share" / "jupyter"), *filter(None, [os.environ.get("JUPYTER_PATH")])])
    return "twin-tests"


def _execute(nb, kernel_name: str):
    client = nbclient.NotebookClient(nb, timeout=CELL_TIMEOUT, kernel_name=kernel_name,
                                     resources={"metadata": {"path": str(NOTEBOOK_DIR)}})
    return client.execute()


def test_kernel_is_this_python(kernel_name):
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("import sys; print(sys.prefix)")])
    out = _execute(nb, kernel_name)
    assert out.cells[0].outputs[0]["text"].strip() == sys.prefix


@pytest.mark.slow
@pytest.mark.parametrize("name", NOTEBOOKS)
def test_notebook_runs_and_its_checks_hold(name, kernel_name, tmp_path, monkeypatch):
    path = NOTEBOOK_DIR / f"{name}.ipynb"
    assert path.is_file(), f"missing notebook {path}"
    nb = nbformat.read(path, as_version=4)
    assert any("assert" in cell.source for cell in nb.cells if cell.cell_type == "code"), \
        "a study notebook ends with assert cells on its key results"
    assert not any(cell.get("outputs") for cell in nb.cells if cell.cell_type == "code"), \
        "notebooks are committed without outputs"
    monkeypatch.setenv("TWIN_NOTEBOOK_FAST", "1")
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")])))
    monkeypatch.setenv("TWIN_NOTEBOOK_IMAGES", str(tmp_path))
    monkeypatch.setenv("PYTHONPATH", str(REPO))  # the kernel imports this checkout's twin, not an installed one
    started = time.perf_counter()
    _execute(nb, kernel_name)  # raises CellExecutionError when any cell (an assert too) raises
    elapsed = time.perf_counter() - started
    print(f"{name}: {elapsed:.1f} s in fast mode")
    assert (tmp_path / f"{name}.png").is_file(), "the notebook writes its headline figure"
