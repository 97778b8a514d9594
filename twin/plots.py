"""Figures: the site topology and (later) simulation and plan views. matplotlib, Agg backend."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

LAYER_COLOURS = {"power": "#f2c14e", "cooling": "#5fa8d3", "it": "#9bc53d"}
FLOW_COLOURS = {"heat": "#c0392b", "water": "#1f4e99", "power": "#555555"}


def draw_topology(site, path: str | Path) -> Path:
    """Draw the site's component graph (``site.graph``, the one the engine assembles from) to a PNG, written atomically."""
    from twin.results import atomic_path

    graph = site.graph
    columns: dict[int, list] = {}
    for node, data in graph.nodes(data=True):
        columns.setdefault(data["column"], []).append(node)
    pos = {}
    for col, nodes in columns.items():
        for i, node in enumerate(nodes):
            pos[node] = (col, (len(nodes) - 1) / 2 - i)
    height = max(len(nodes) for nodes in columns.values())
    fig, ax = plt.subplots(figsize=(2.1 * len(columns) + 1, 1.1 * height + 1.5))
    for u, v, data in graph.edges(data=True):
        ax.annotate("", xy=pos[v], xytext=pos[u],
                    arrowprops=dict(arrowstyle="-|>", color=FLOW_COLOURS[data["flow"]],
                                    lw=1.4, shrinkA=32, shrinkB=32))
    for node, data in graph.nodes(data=True):
        x, y = pos[node]
        ax.text(x, y, data["label"], ha="center", va="center", fontsize=7.5,
                bbox=dict(boxstyle="round,pad=0.4", fc=LAYER_COLOURS[data["layer"]], ec="#333333"))
    ax.set_xlim(-0.7, max(columns) + 0.7)
    ax.set_ylim(-height / 2 - 0.3, height / 2 + 0.3)
    ax.set_title(f"{site.name}: power (grey) from sources to racks, heat (red) from racks to their TCS and CDUs, "
                 "facility water (blue) through pumps, mains, valves and plants")
    ax.axis("off")
    fig.tight_layout()
    with atomic_path(path) as tmp:
        fig.savefig(tmp, dpi=110, format="png")
    plt.close(fig)
    return Path(path)
