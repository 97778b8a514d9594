"""twin: a digital twin of GW-scale AI training sites.

Public API (these lines run as a doctest, ``tests/test_examples.py``)::

    >>> import twin
    >>> site = twin.load_site("cortex")            # validated, frozen Site (SI units)
    >>> round(site.P_it_peak / 1e6)                # IT peak, MW
    146
    >>> ds = twin.simulate(site, duration=600, plant_step=60)   # xarray.Dataset (time x component)
    >>> abs(ds.twin.energy_residual()) < 1e-9      # the energy balance closes
    True
    >>> 1.0 < ds.twin.pue() < 1.3                  # metrics (twin.metrics) through the ds.twin accessor
    True
    >>> list(ds.twin.monthly().index)              # energy, PUE, pPUE, WUE, water ... by local month
    ['2025-07', 'whole run']
    >>> plan = twin.optimize.plan_site(site, days=2)   # Pyomo + HiGHS schedule with its baseline
    >>> float(plan.savings.loc["total", "savings_USD"]) >= 0   # against no battery, no flexibility
    True

``import twin`` registers the ``ds.twin`` accessor on xarray Datasets (at once when
xarray is already imported, else as soon as it is), so a saved result opened with
``xr.open_dataset`` has it without importing anything else.
"""

from importlib import import_module

__version__ = "0.1.0"

_LAZY = {
    "load_site": ("twin.site", "load_site"),
    "Site": ("twin.site", "Site"),
    "simulate": ("twin.simulation", "simulate"),
    "optimize": ("twin.optimize", None),
    "InputError": ("twin.errors", "InputError"),
}


def __getattr__(name: str):
    if name not in _LAZY:
        raise AttributeError(f"module 'twin' has no attribute {name!r}")
    module, attr = _LAZY[name]
    mod = import_module(module)
    return mod if attr is None else getattr(mod, attr)


__all__ = list(_LAZY)


def _register_accessor() -> None:
    """Import :mod:`twin.results` (which registers ``ds.twin``) now, or right after xarray is imported.

    Deferred so that ``import twin`` (and the ``twin`` command's start-up) does not pay for xarray.
    """
    import sys

    if "xarray" in sys.modules:
        import_module("twin.results")
        return
    import importlib.abc
    import importlib.machinery

    class _AfterXarray(importlib.abc.MetaPathFinder):
        def find_spec(self, name, path, target=None):
            if name != "xarray":
                return None
            sys.meta_path.remove(self)
            spec = importlib.machinery.PathFinder.find_spec(name, path)
            if spec is None or spec.loader is None:
                return spec
            run = spec.loader.exec_module

            def exec_module(module):
                run(module)
                import_module("twin.results")

            spec.loader.exec_module = exec_module
            return spec

    sys.meta_path.insert(0, _AfterXarray())


_register_accessor()
