"""The 10-minute service circle at scale: 400,000 households × 2,000 facilities.

    .venv/bin/python bench/circle.py [--households 400000] [--facilities 2000] [--sample 2000]

Measured in the same run, on the same generated district (a 20 km × 20 km box around 福州):

1. `nearest` (what the app uses): a k-d tree over the facilities' unit vectors, one query for
   every household (each household its own point here, the worst case: no shared coordinates);
2. `coverage` end to end as the circle page calls it: the households in buildings (40 a building
   on average), one tree query, the shares per community and street and the uncovered list;
3. the baseline in the same run: scikit-learn's BallTree with the haversine metric (the first
   version) on the same points; and every pair (`nearest_brute`) on a sample, with the covered
   sets at 300/500/800 m compared for identity.

Target: ≤ 5 s for (1) and (2). Pure numpy/scipy/scikit-learn: no database needed.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from gongzhi.facilities.circle import RADII, coverage, nearest, nearest_balltree, nearest_brute  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--households", type=int, default=400_000)
    ap.add_argument("--facilities", type=int, default=2_000)
    ap.add_argument("--sample", type=int, default=2_000)
    ap.add_argument("--per-building", type=int, default=40)
    ap.add_argument("--seed", type=int, default=15)
    a = ap.parse_args()
    rng = np.random.default_rng(a.seed)

    def box(n):  # a city-sized box around 福州 (about 20 km × 20 km)
        return np.column_stack([26.08 + rng.uniform(-0.09, 0.09, n), 119.30 + rng.uniform(-0.1, 0.1, n)])

    pts, fac = box(a.households), box(a.facilities)
    from scipy.spatial import cKDTree  # noqa: F401  (imports are not part of the timings)
    from sklearn.neighbors import BallTree  # noqa: F401

    nearest(pts[:10], fac[:10])
    load = os.getloadavg()[0]
    print(f"load average at start: {load:.1f} on {os.cpu_count()} CPUs")

    t = time.perf_counter()
    dist = nearest(pts, fac)
    took = time.perf_counter() - t
    within = {r: int((dist <= r).sum()) for r in RADII}

    t = time.perf_counter()
    bt = nearest_balltree(pts, fac)
    bt_took = time.perf_counter() - t

    idx = rng.choice(a.households, size=min(a.sample, a.households), replace=False)
    t = time.perf_counter()
    brute = nearest_brute(pts[idx], fac)
    brute_took = time.perf_counter() - t
    same = all(np.array_equal(dist[idx] <= r, brute <= r) for r in RADII)
    same_bt = all(np.array_equal(dist <= r, bt <= r) for r in RADII)

    # End to end: households in buildings, buildings in 70 communities of 10 streets.
    n_b = max(1, a.households // a.per_building)
    bpts = box(n_b)
    sizes = rng.multinomial(a.households, np.full(n_b, 1 / n_b))
    buildings = [
        {
            "id": i,
            "name": f"楼{i}",
            "community": f"350102{1 + i % 10:03d}{1 + i % 7:03d}",
            "lat": float(bpts[i, 0]),
            "lng": float(bpts[i, 1]),
            "households": int(sizes[i]),
        }
        for i in range(n_b)
    ]
    t = time.perf_counter()
    res = coverage(buildings, fac, "service_centre")
    cov_took = time.perf_counter() - t

    print(
        f"nearest (k-d tree, unit vectors): {a.households:,} households × {a.facilities:,} facilities "
        f"in {took:.2f} s; within {within}"
    )
    print(
        f"baseline BallTree (haversine) on the same points: {bt_took:.2f} s; ratio {took / bt_took:.2f}×; "
        f"identical covered sets: {same_bt}; max |Δ| {np.abs(dist - bt).max():.2e} m"
    )
    print(
        f"brute force on a sample of {len(idx):,}: {brute_took:.2f} s; identical covered sets: {same}; "
        f"max |Δ| {np.abs(dist[idx] - brute).max():.2e} m"
    )
    print(
        f"coverage end to end: {res.total.households:,} households in {n_b:,} buildings, "
        f"{len(res.by_community)} communities, {len(res.uncovered):,} buildings uncovered: {cov_took:.2f} s"
    )
    ok = same and same_bt and took <= 5 and cov_took <= 5
    print("PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
