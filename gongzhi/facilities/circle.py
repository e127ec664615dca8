"""The 10-minute service circle (GB 50180-2018 walking-distance life circles): for each kind of
facility, the share of households living within 300 / 500 / 800 m of one.

Buildings take their estate's coordinates (the registry records a location per estate). The
distance to the nearest facility of a kind comes from a BallTree with the haversine metric
(O(n log m)); `nearest_brute` is the pairwise computation the tests and bench compare with.
Coordinates are WGS-84 (Tianditu uses CGCS2000, within centimetres of WGS-84; GCJ-02 points
from Chinese consumer maps must be converted before they are stored).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numpy.typing import ArrayLike

EARTH_RADIUS_M = 6_371_008.8
RADII = (300, 500, 800)


def nearest_balltree(points: np.ndarray, facilities: np.ndarray) -> np.ndarray:
    """Metres from each point (lat, lng degrees) to its nearest facility (inf if none)."""
    if len(points) == 0:
        return np.zeros(0)
    if len(facilities) == 0:
        return np.full(len(points), np.inf)
    from sklearn.neighbors import BallTree

    tree = BallTree(np.radians(facilities), metric="haversine")
    dist, _ = tree.query(np.radians(points), k=1)
    return dist[:, 0] * EARTH_RADIUS_M


def nearest_brute(points: np.ndarray, facilities: np.ndarray) -> np.ndarray:
    """The same by computing every pair (the reference)."""
    if len(facilities) == 0:
        return np.full(len(points), np.inf)
    p = np.radians(points)[:, None, :]
    f = np.radians(facilities)[None, :, :]
    dlat, dlng = f[..., 0] - p[..., 0], f[..., 1] - p[..., 1]
    a = np.sin(dlat / 2) ** 2 + np.cos(p[..., 0]) * np.cos(f[..., 0]) * np.sin(dlng / 2) ** 2
    return (2 * np.arcsin(np.sqrt(np.clip(a, 0, 1))) * EARTH_RADIUS_M).min(axis=1)


@dataclass
class Coverage:
    """Households within each radius, of those with a known location."""

    households: int = 0
    within: dict[int, int] = field(default_factory=lambda: dict.fromkeys(RADII, 0))

    def share(self, radius: int) -> float | None:
        return None if not self.households else self.within[radius] / self.households

    def add(self, households: int, distance: float) -> None:
        self.households += households
        for r in RADII:
            if distance <= r:
                self.within[r] += households


@dataclass
class CircleResult:
    kind: str
    by_community: dict[str, Coverage]
    by_street: dict[str, Coverage]
    total: Coverage
    uncovered: list[dict]  # buildings beyond the widest radius, nearest first


def coverage(buildings: list[dict], facilities: ArrayLike, kind: str, *, radius: int = 500) -> CircleResult:
    """buildings: dicts with id, name, community, lat, lng, households."""
    pts = np.array([[b["lat"], b["lng"]] for b in buildings], dtype=float).reshape(-1, 2)
    dist = nearest_balltree(pts, np.asarray(facilities, dtype=float).reshape(-1, 2))
    by_c: dict[str, Coverage] = {}
    by_s: dict[str, Coverage] = {}
    total = Coverage()
    uncovered = []
    for b, d in zip(buildings, dist, strict=True):
        for cov in (
            by_c.setdefault(b["community"], Coverage()),
            by_s.setdefault(b["community"][:9], Coverage()),
            total,
        ):
            cov.add(b["households"], float(d))
        if d > radius:
            uncovered.append({**b, "distance": None if np.isinf(d) else round(float(d))})
    uncovered.sort(key=lambda b: (b["distance"] is None, -(b["distance"] or 0)))
    return CircleResult(kind, by_c, by_s, total, uncovered)
