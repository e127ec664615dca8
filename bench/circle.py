"""The 10-minute service circle at scale: 400,000 households × 2,000 facilities through the
BallTree (haversine), against every pair on a sample in the same run (identical covered sets).

    .venv/bin/python bench/circle.py [--households 400000] [--facilities 2000] [--sample 2000]

Target: ≤ 5 s for the whole district. Pure numpy/scikit-learn: no database needed.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from gongzhi.facilities.circle import RADII, nearest_balltree, nearest_brute  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--households", type=int, default=400_000)
    ap.add_argument("--facilities", type=int, default=2_000)
    ap.add_argument("--sample", type=int, default=2_000)
    ap.add_argument("--seed", type=int, default=15)
    a = ap.parse_args()
    rng = np.random.default_rng(a.seed)
    # A city-sized box around 福州 (about 20 km × 20 km).
    pts = np.column_stack(
        [26.08 + rng.uniform(-0.09, 0.09, a.households), 119.30 + rng.uniform(-0.1, 0.1, a.households)]
    )
    fac = np.column_stack(
        [26.08 + rng.uniform(-0.09, 0.09, a.facilities), 119.30 + rng.uniform(-0.1, 0.1, a.facilities)]
    )
    t = time.perf_counter()
    dist = nearest_balltree(pts, fac)
    within = {r: int((dist <= r).sum()) for r in RADII}
    took = time.perf_counter() - t
    idx = rng.choice(a.households, size=min(a.sample, a.households), replace=False)
    t = time.perf_counter()
    brute = nearest_brute(pts[idx], fac)
    brute_took = time.perf_counter() - t
    same = all(np.array_equal(dist[idx] <= r, brute <= r) for r in RADII)
    print(
        f"BallTree: {a.households:,} households × {a.facilities:,} facilities in {took:.2f} s; within {within}"
    )
    print(
        f"brute force on a sample of {len(idx):,}: {brute_took:.2f} s; identical covered sets: {same}; "
        f"max |Δ| {np.abs(dist[idx] - brute).max():.2e} m"
    )
    ok = same and took <= 5
    print("PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
