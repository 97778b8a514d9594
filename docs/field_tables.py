"""Field tables of the catalogue and site formats, from the dataclasses that read them.

    python docs/field_tables.py models   # the tables in models/README.md
    python docs/field_tables.py sites    # the tables in sites/README.md
    python docs/field_tables.py --write  # rewrite both READMEs' generated blocks

The dataclass fields (with their quantity kind in ``metadata``) are what the loaders accept, so the
READMEs are generated from them; tests/test_formats_documented.py fails when a block is stale.
"""

from __future__ import annotations

import sys
from dataclasses import MISSING, fields
from pathlib import Path

BEGIN = "<!-- begin generated fields (python docs/field_tables.py --write) -->"
END = "<!-- end generated fields -->"
PLAIN = {"text", "count", "numbers", "flag", "names"}


def _describe(f) -> tuple[str, str]:
    from twin.units import SI_UNITS

    m = f.metadata
    kind = m.get("kind")
    if kind == "text":
        what = "text" + (": " + " / ".join(f"`{c}`" for c in m["choices"]) if m.get("choices") else "")
    elif kind == "count":
        what = "whole number"
    elif kind == "numbers":
        what = "list of numbers" + (f" ({m['length']})" if m.get("length") else "")
    elif kind == "flag":
        what = "true / false"
    elif kind == "names":
        what = "list of field names"
    elif kind == "dimensionless":
        what = "plain number"
    else:
        what = f"{kind.replace('_', ' ')}, with a unit (SI: {SI_UNITS[kind]})"
    if f.default is not MISSING:
        default = "" if f.default in ("", ()) else f"`{f.default!r}`".replace("'", '"')
        default = default or "(empty)"
    elif f.default_factory is not MISSING:
        default = "(empty)"
    else:
        default = "**required**"
    return what, default


def table(cls, skip=()) -> str:
    rows = ["| field | value | default (SI) | meaning |", "|---|---|---|---|"]
    for f in fields(cls):
        if f.name in skip or f.name == "entry" or f.name.endswith("_model") or "kind" not in f.metadata:
            continue
        what, default = _describe(f)
        rows.append(f"| `{f.name}` | {what} | {default} | {f.metadata.get('doc', '')} |")
    return "\n".join(rows)


def models() -> str:
    from twin.catalog import KINDS, Entry

    common = {f.name for f in fields(Entry)}
    parts = [f"### Every kind\n\n{table(Entry)}"]
    for kind, cls in KINDS.items():
        doc = (cls.__doc__ or "").strip().splitlines()[0]
        parts.append(f"### `{kind}/`\n\n{doc}\n\n{table(cls, skip=common)}")
    return "\n\n".join(parts)


def sites() -> str:
    import twin.site as s

    sections = [("[location]", s.Location), ("[[rack_groups]]", s.RackGroup),
                ("[[facility_loops]]", s.FacilityLoop), ("[[plants]]", s.Plant),
                ("[electrical.utility]", s.Utility),
                ("[electrical.substation], [electrical.unit_substation], [electrical.ups], [[electrical.bess]]",
                 s.EquipmentSet),
                ("[[electrical.turbines]]", s.TurbineFleet), ("[tariff]", s.Tariff)]
    return "\n\n".join(f"### `{name}`\n\n{table(cls)}" for name, cls in sections)


def block(which: str) -> str:
    return f"{BEGIN}\n\n{ {'models': models, 'sites': sites}[which]() }\n\n{END}"


def readme(which: str) -> Path:
    return Path(__file__).resolve().parents[1] / which / "README.md"


def rewrite(which: str) -> None:
    path = readme(which)
    text = path.read_text()
    head, rest = text.split(BEGIN, 1)
    tail = rest.split(END, 1)[1]
    path.write_text(head + block(which) + tail)


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    if sys.argv[1:] == ["--write"]:
        for which in ("models", "sites"):
            rewrite(which)
            print(f"written {readme(which)}")
    else:
        print(block(sys.argv[1]))
