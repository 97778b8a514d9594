"""twin: a digital twin of GW-scale AI training sites.

Public API::

    site = twin.load_site("colossus2")        # validated, frozen Site (SI units)
    ds = twin.simulate(site, duration=3600)   # xarray.Dataset (time x component)
    plan = twin.optimize.dispatch(site)       # Pyomo + HiGHS schedule Dataset
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
