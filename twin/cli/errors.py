"""Crash logs: the traceback of an unexpected error, kept out of the user's terminal.

The log goes to ``$TWIN_LOG_DIR`` when set, else ``<temp dir>/twin-logs``; one file per crash,
named by time and process, holding the command line, the twin and Python versions and the
traceback.
"""

from __future__ import annotations

import os
import platform
import sys
import tempfile
import time
import traceback
from pathlib import Path


def log_dir() -> Path:
    return Path(os.environ.get("TWIN_LOG_DIR") or Path(tempfile.gettempdir()) / "twin-logs")


def write_crash_log(error: BaseException) -> Path | None:
    """Write ``error``'s traceback to a new log file; its path, or None when it cannot be written."""
    try:
        from twin import __version__
    except Exception:  # noqa: BLE001 - a crash log must not crash
        __version__ = "unknown"
    try:
        folder = log_dir()
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"twin-{time.strftime('%Y%m%dT%H%M%S')}-{os.getpid()}.log"
        text = "".join(traceback.format_exception(type(error), error, error.__traceback__))
        path.write_text(f"command: {' '.join(sys.argv)}\ntwin {__version__}, Python {platform.python_version()}, "
                        f"{platform.platform()}\n\n{text}", encoding="utf-8")
        return path
    except OSError:
        return None
