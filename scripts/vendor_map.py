"""Rebuild the vendored US state shapes (static/us_states.geojson, served by the app at app/static/).

The shapes come from the us-atlas package (states-10m.json, TopoJSON; ISC licence, Natural Earth /
US Census cartographic boundaries). This script decodes the TopoJSON into GeoJSON with each
feature's id set to the two-letter state code, rounds coordinates to 0.01 degree, and writes the
file the dashboard serves, so the map draws with no internet connection.

    npm pack us-atlas@3.0.1 && tar xzf us-atlas-3.0.1.tgz
    python scripts/vendor_map.py package/states-10m.json
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

OUT = Path(__file__).resolve().parents[1] / "static" / "us_states.geojson"

#: Census FIPS state codes -> USPS codes.
FIPS = {"01": "AL", "02": "AK", "04": "AZ", "05": "AR", "06": "CA", "08": "CO", "09": "CT", "10": "DE",
        "11": "DC", "12": "FL", "13": "GA", "15": "HI", "16": "ID", "17": "IL", "18": "IN", "19": "IA",
        "20": "KS", "21": "KY", "22": "LA", "23": "ME", "24": "MD", "25": "MA", "26": "MI", "27": "MN",
        "28": "MS", "29": "MO", "30": "MT", "31": "NE", "32": "NV", "33": "NH", "34": "NJ", "35": "NM",
        "36": "NY", "37": "NC", "38": "ND", "39": "OH", "40": "OK", "41": "OR", "42": "PA", "44": "RI",
        "45": "SC", "46": "SD", "47": "TN", "48": "TX", "49": "UT", "50": "VT", "51": "VA", "53": "WA",
        "54": "WV", "55": "WI", "56": "WY", "60": "AS", "66": "GU", "69": "MP", "72": "PR", "78": "VI"}


def decode(topo: dict, name: str) -> dict:
    """TopoJSON object -> GeoJSON FeatureCollection (quantized, delta-encoded arcs)."""
    sx, sy = topo["transform"]["scale"]
    tx, ty = topo["transform"]["translate"]
    arcs = []
    for arc in topo["arcs"]:
        x = y = 0
        pts = []
        for dx, dy in arc:
            x += dx
            y += dy
            pts.append([round(x * sx + tx, 2), round(y * sy + ty, 2)])
        arcs.append(pts)

    def ring(indices: list[int]) -> list[list[float]]:
        out: list[list[float]] = []
        for i in indices:
            pts = arcs[i] if i >= 0 else arcs[~i][::-1]
            out.extend(pts if not out else pts[1:])
        return out

    features = []
    for g in topo["objects"][name]["geometries"]:
        if g["type"] == "Polygon":
            coords = [ring(r) for r in g["arcs"]]
        else:
            coords = [[ring(r) for r in poly] for poly in g["arcs"]]
        features.append({"type": "Feature", "id": FIPS[g["id"]], "properties": {"name": g["properties"]["name"]},
                         "geometry": {"type": g["type"], "coordinates": coords}})
    return {"type": "FeatureCollection", "features": sorted(features, key=lambda f: f["id"])}


def main(argv: list[str]) -> int:
    topo = json.loads(Path(argv[0]).read_text())
    OUT.write_text(json.dumps(decode(topo, "states"), separators=(",", ":")))
    print(f"wrote {OUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
