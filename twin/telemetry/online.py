"""Following a live source (``twin watch``): telemetry in as it arrives, alerts out, at a cost per step
that does not grow with the hours already seen.

:class:`Follower` gathers samples until the training window is full, replays it, estimates the clock
skews once (``align``) and builds the :class:`twin.telemetry.track.Tracker` on it; from then on each
call replays only the steps that have newly become complete (from each input's last sample before
them, at most 15 min back, so that inputs held over a gap are held as in one replay of everything)
and feeds them to the tracker.
A step is complete once the newest sample is ``lag`` seconds past its end (default one step, and
the largest clock skew alignment looks for when it is on): a later sample for it is not seen.
Fed a file in pieces, it raises the alerts one :func:`twin.telemetry.track.track` of the whole
replay raises (``tests/telemetry/test_online.py``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from twin.telemetry.replay import INPUT_HOLD, replay
from twin.telemetry.sources import Telemetry
from twin.telemetry.track import Alert, Tracker


class Follower:
    """``twin watch``'s loop body: :meth:`feed` it samples (a long frame: time UTC, tag, value)."""

    def __init__(self, site, tagmap, *, step: float = 60.0, train: float = 24 * 3600, estimator: str = "offset",
                 align: bool = False, model=None, source: str = "live", lag: float | None = None):
        from twin.telemetry.align import MAX_SKEW
        from twin.telemetry.model import model_for

        self.site, self.tagmap, self.step, self.train = site, tagmap, float(step), float(train)
        self.estimator, self.align, self.source = estimator, align, source
        self.model = model or model_for(site)
        self.lag = (self.step + (MAX_SKEW if align else 0.0)) if lag is None else float(lag)
        self.skews: list = []
        self.tracker: Tracker | None = None
        self.next: pd.Timestamp | None = None  # the first step not yet tracked
        self.frames: list[pd.DataFrame] = []
        self.rows = 0  # samples received
        self.first = self.newest = None  # the earliest and the latest sample time received

    def _data(self) -> Telemetry:
        frame = pd.concat(self.frames, ignore_index=True).sort_values("time", kind="stable")
        self.frames = [frame]
        return Telemetry(frame.reset_index(drop=True), self.source)

    def _start(self, data: Telemetry) -> pd.Timestamp:
        """Where the replay of the new steps starts: far enough back that every input's last sample
        before them is in it (held over a gap as in one replay of everything), at most INPUT_HOLD."""
        step = pd.Timedelta(seconds=self.step)
        earliest = self.next - pd.Timedelta(seconds=self.step * int(INPUT_HOLD // self.step)) - step
        frame = data.frame
        tags = [b.tag for b in self.tagmap.of_role("input")]
        before = frame[(frame["time"] < self.next) & frame["tag"].isin(tags)]
        last = before.groupby("tag")["time"].max()
        if len(last) < len(tags):
            return earliest
        return min(max(earliest, (last.min() - step).floor(step)), self.next)

    def feed(self, frame: pd.DataFrame | None = None, *, final: bool = False) -> list[Alert]:
        """Take new samples; track every step now complete (every step with ``final``); the new alerts."""
        if frame is not None and len(frame):
            self.frames.append(frame)
            self.rows += len(frame)
            lo, hi = frame["time"].min(), frame["time"].max()
            self.first = lo if self.first is None else min(self.first, lo)
            self.newest = hi if self.newest is None else max(self.newest, hi)
        if not self.frames:
            return []
        step = pd.Timedelta(seconds=self.step)
        end = None if final else (self.newest - pd.Timedelta(seconds=self.lag)).floor(step)
        if self.tracker is None and ((self.newest if end is None else end) - self.first).total_seconds() <= self.train:
            return []  # the training window is not full yet (the samples wait unsorted)
        data = self._data()
        times = data.frame["time"]
        if self.tracker is None:
            if self.align:
                from twin.telemetry.align import estimate_skews

                self.skews = estimate_skews(self.site, data, self.tagmap, step=self.step, train=self.train,
                                            model=self.model)
            ds = replay(self.site, data, self.tagmap, step=self.step, end=end, align=self.skews or False,
                        model=self.model)
            self.tracker = Tracker(ds, train=self.train, estimator=self.estimator, model=self.model)
            _, alerts = self.tracker.update(ds.isel(time=slice(self.tracker.n_train, None)))
        else:
            if end is not None and end <= self.next:
                return []
            start = self._start(data)
            window = data.frame[times >= start - step - pd.Timedelta(seconds=self.lag)]
            ds = replay(self.site, Telemetry(window.reset_index(drop=True), self.source), self.tagmap,
                        step=self.step, start=start, end=end, align=self.skews or False,
                        model=self.model, partial=True)
            piece = ds.isel(time=np.flatnonzero(ds["time"].values >= np.datetime64(self.next)))
            _, alerts = self.tracker.update(piece)
            if not piece.sizes["time"]:
                return alerts
            ds = piece
        self.next = pd.Timestamp(ds["time"].values[-1]) + step
        # keep what a later window needs
        keep = self.next - pd.Timedelta(seconds=INPUT_HOLD) - step - pd.Timedelta(seconds=self.lag)
        self.frames = [data.frame[times >= keep]]
        return alerts
