"""Optional compiled (numba) kernels.

Each kernel module twin ships has a numpy form beside it that is its tested reference
and the fallback: :func:`kernel` gives the compiled module, or None where numba is
not importable.
"""

from __future__ import annotations

from functools import cache
from importlib import import_module


@cache
def kernel(module: str):
    """The compiled kernel module ``module`` (e.g. ``"twin.thermal._rack_kernel"``), or None when
    numba is not importable.  Imported once; numba caches its compilations on disk."""
    try:
        return import_module(module)
    except ImportError:
        return None
