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


def _unit_vectors(latlng: np.ndarray) -> np.ndarray:
    lat, lng = np.radians(latlng[:, 0]), np.radians(latlng[:, 1])
    c = np.cos(lat)
    return np.column_stack([c * np.cos(lng), c * np.sin(lng), np.sin(lat)])


def nearest(points: np.ndarray, facilities: np.ndarray) -> np.ndarray:
    """Metres from each point (lat, lng degrees) to its nearest facility (inf if none).

    A k-d tree over the facilities as unit vectors: the straight-line (chord) distance between
    two unit vectors grows with the great-circle distance, so the nearest by chord is the nearest
    on the sphere, and 2·asin(chord/2) is the haversine distance itself. Identical coordinates
    (every building of an estate has the estate's) are looked up once."""
    points = np.asarray(points, dtype=float).reshape(-1, 2)
    facilities = np.asarray(facilities, dtype=float).reshape(-1, 2)
    if len(points) == 0:
        return np.zeros(0)
    if len(facilities) == 0:
        return np.full(len(points), np.inf)
    from scipy.spatial import cKDTree

    unique, inverse = np.unique(points, axis=0, return_inverse=True)
    tree = cKDTree(_unit_vectors(facilities))
    chord, _ = tree.query(_unit_vectors(unique), k=1, workers=-1)
    metres = 2 * np.arcsin(np.clip(chord / 2, 0, 1)) * EARTH_RADIUS_M
    return metres[inverse.reshape(-1)]


def nearest_balltree(points: np.ndarray, facilities: np.ndarray) -> np.ndarray:
    """The same through scikit-learn's BallTree with the haversine metric (the first version,
    kept as a second reference for the tests and the benchmark)."""
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


@dataclass
class CircleResult:
    kind: str
    by_community: dict[str, Coverage]
    by_street: dict[str, Coverage]
    total: Coverage
    uncovered: list[dict]  # buildings beyond the widest radius, nearest first


def coverage(buildings: list[dict], facilities: ArrayLike, kind: str, *, radius: int = 500) -> CircleResult:
    """buildings: dicts with id, name, community, lat, lng, households. One tree query for all
    of them; the sums per community and street are grouped in numpy, not in a Python loop."""
    pts = np.array([[b["lat"], b["lng"]] for b in buildings], dtype=float).reshape(-1, 2)
    dist = nearest(pts, np.asarray(facilities, dtype=float).reshape(-1, 2))
    households = np.array([b["households"] for b in buildings], dtype=np.int64)
    communities = [b["community"] for b in buildings]
    by_c = _grouped(communities, households, dist)
    by_s = _grouped([c[:9] for c in communities], households, dist)
    total = Coverage(int(households.sum()), {r: int(households[dist <= r].sum()) for r in RADII})
    far = np.flatnonzero(dist > radius)
    uncovered = [
        {**buildings[i], "distance": None if np.isinf(dist[i]) else round(float(dist[i]))} for i in far
    ]
    uncovered.sort(key=lambda b: (b["distance"] is None, -(b["distance"] or 0)))
    return CircleResult(kind, by_c, by_s, total, uncovered)


def _grouped(keys: list[str], households: np.ndarray, dist: np.ndarray) -> dict[str, Coverage]:
    if not keys:
        return {}
    names, idx = np.unique(np.array(keys), return_inverse=True)
    idx = idx.reshape(-1)
    n = len(names)
    total = np.bincount(idx, weights=households, minlength=n)
    within = {r: np.bincount(idx, weights=households * (dist <= r), minlength=n) for r in RADII}
    return {
        str(name): Coverage(int(total[i]), {r: int(within[r][i]) for r in RADII})
        for i, name in enumerate(names)
    }
