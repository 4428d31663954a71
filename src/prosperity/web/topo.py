"""TopoJSON to SVG paths, server-side, for choropleth maps of local authorities.

The warehouse keeps ONS's simplified 2025 boundaries as one TopoJSON document (objects ``ltla``, ``cauth``,
``rgn`` ...). TopoJSON stores each shared border once as an *arc*, quantised and delta-encoded
(the TopoJSON specification, github.com/topojson/topojson-specification, §2.1.3-2.2): a geometry lists arc
indices, and a negative index ``~i`` means arc ``i`` reversed. Decoding takes a few dozen lines, so this module
does it rather than adding a geospatial library. The projection is equirectangular with longitude scaled by the
cosine of the mean latitude: at the scale of Great Britain's local authorities it is visually faithful.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

Ring = list[tuple[float, float]]


def decode_arcs(topology: dict[str, Any]) -> list[Ring]:
    """Every arc of ``topology`` in longitude/latitude, undoing quantisation and delta encoding."""
    transform = topology.get("transform")
    arcs: list[Ring] = []
    for arc in topology["arcs"]:
        if transform:
            (sx, sy), (tx, ty) = transform["scale"], transform["translate"]
            x = y = 0
            pts = []
            for dx, dy, *_ in arc:
                x += dx
                y += dy
                pts.append((x * sx + tx, y * sy + ty))
        else:
            pts = [(float(p[0]), float(p[1])) for p in arc]
        arcs.append(pts)
    return arcs


def ring(arcs: list[Ring], indices: Iterable[int]) -> Ring:
    """One closed ring from arc indices; each arc after the first drops its first point (shared with the last)."""
    out: Ring = []
    for i in indices:
        pts = arcs[i] if i >= 0 else arcs[~i][::-1]
        out.extend(pts if not out else pts[1:])
    return out


def geometry_rings(arcs: list[Ring], geometry: dict[str, Any]) -> list[Ring]:
    """All rings (outer and holes) of a Polygon or MultiPolygon geometry; other types have none."""
    kind = geometry.get("type")
    if kind == "Polygon":
        return [ring(arcs, r) for r in geometry["arcs"]]
    if kind == "MultiPolygon":
        return [ring(arcs, r) for poly in geometry["arcs"] for r in poly]
    return []


@dataclass(frozen=True)
class Shape:
    code: str
    name: str
    path: str  # SVG path data in the map's pixel space


def project(shapes: dict[str, list[Ring]], width: float, height: float, pad: float = 4.0) -> tuple[dict[str, str], float]:
    """SVG path data for each shape, fitted into ``width`` × ``height``; returns the paths and the used height.

    Coordinates are rounded to 0.1 px and repeated points dropped, which keeps a map of 300 areas small.
    """
    pts = [p for rings in shapes.values() for r in rings for p in r]
    if not pts:
        return {}, height
    lons, lats = [p[0] for p in pts], [p[1] for p in pts]
    k = math.cos(math.radians((min(lats) + max(lats)) / 2))
    w, h = (max(lons) - min(lons)) * k or 1.0, (max(lats) - min(lats)) or 1.0
    scale = min((width - 2 * pad) / w, (height - 2 * pad) / h)
    used_h = h * scale + 2 * pad
    x0, y1 = min(lons), max(lats)
    out: dict[str, str] = {}
    for code, rings in shapes.items():
        parts = []
        for r in rings:
            seq, last = [], None
            for lon, lat in r:
                q = (round(pad + (lon - x0) * k * scale, 1), round(pad + (y1 - lat) * scale, 1))
                if q != last:
                    seq.append(q)
                    last = q
            if len(seq) >= 3:
                parts.append("M" + "L".join(f"{x:g},{y:g}" for x, y in seq) + "Z")
        out[code] = "".join(parts)
    return out, used_h


def shapes_for(topology: dict[str, Any], layer: str, codes: set[str] | None = None) -> dict[str, tuple[str, list[Ring]]]:
    """``code → (name, rings)`` for the geometries of ``layer`` (only ``codes`` if given)."""
    arcs = decode_arcs(topology)
    out: dict[str, tuple[str, list[Ring]]] = {}
    for g in topology["objects"][layer]["geometries"]:
        props = g.get("properties") or {}
        code = props.get("areacd") or g.get("id")
        if code is None or (codes is not None and code not in codes):
            continue
        out[code] = (props.get("areanm") or code, geometry_rings(arcs, g))
    return out
