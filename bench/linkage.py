"""Record-linkage benchmark: gongzhi.integration.linkage against Splink 5 (DuckDB).

    .venv/bin/python bench/linkage.py --people 500000          # 1,000,000 records
    .venv/bin/python bench/linkage.py --people 50000 --no-splink

Generates the four department extracts (bench/linkage_data.py, seeded), links them with
our linker and with Splink on the same records in the same run, and reports pairwise
precision, recall and F1 (over all pairs of records put in one cluster, against the
generator's truth) and wall time. Splink gets the same normalised inputs (simplified
names, pinyin, 18-digit numbers) because DuckDB's string distances count bytes, not
characters. Prints a Markdown table (and ``--json`` writes everything measured).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")

from linkage_data import generate  # noqa: E402

from gongzhi.integration import linkage  # noqa: E402

THRESHOLDS = (0.5, 0.8, 0.9, 0.95, 0.98, 0.99, 0.995, 0.999)


# --- evaluation -------------------------------------------------------------------------


def pairwise(labels: np.ndarray, truth: np.ndarray) -> dict[str, float]:
    """Pairwise precision/recall/F1 of a clustering (label per record) against the truth."""

    def pairs(counts: np.ndarray) -> int:
        counts = counts.astype(np.int64)
        return int((counts * (counts - 1) // 2).sum())

    _, pred_sizes = np.unique(labels, return_counts=True)
    _, true_sizes = np.unique(truth, return_counts=True)
    joint = labels.astype(np.int64) * (int(truth.max()) + 1) + truth
    _, cell_sizes = np.unique(joint, return_counts=True)
    tp, pred, true = pairs(cell_sizes), pairs(pred_sizes), pairs(true_sizes)
    precision = tp / pred if pred else 1.0
    recall = tp / true if true else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {
        "precision": precision,
        "recall": recall,
        "f1": f1,
        "pred_pairs": pred,
        "true_pairs": true,
        "tp": tp,
    }


def components(n: int, i: np.ndarray, j: np.ndarray) -> np.ndarray:
    """Connected components (transitive closure) by vectorised label propagation."""
    labels = np.arange(n)
    if not len(i):
        return labels
    while True:
        m = np.minimum(labels[i], labels[j])
        new = labels.copy()
        np.minimum.at(new, i, m)
        np.minimum.at(new, j, m)
        new = new[new]  # pointer jumping
        if np.array_equal(new, labels):
            return labels
        labels = new


def labels_from_clusters(clusters: list[list[str]], index: dict[str, int]) -> np.ndarray:
    labels = np.empty(len(index), dtype=np.int64)
    for c, members in enumerate(clusters):
        for k in members:
            labels[index[k]] = c
    return labels


def band_precision(prob: np.ndarray, same: np.ndarray) -> list[dict]:
    """Share of true matches among candidate pairs per probability band."""
    edges = (0.0, 0.01, 0.1, 0.3, 0.5, 0.7, 0.9, 0.95, 0.99, 0.999, 1.0000001)
    out = []
    for lo, hi in zip(edges[:-1], edges[1:], strict=True):
        sel = (prob >= lo) & (prob < hi)
        n = int(sel.sum())
        out.append({"band": f"[{lo}, {min(hi, 1.0)})", "pairs": n, "true": int(same[sel].sum())})
    return out


# --- our linker -------------------------------------------------------------------------


def run_ours(data, truth: np.ndarray, estimator: str = "anchored") -> dict:
    t0 = time.perf_counter()
    if estimator == "em":  # the plain two-class EM on candidate pairs, for comparison
        p = linkage.Prepared(data.records)
        i, j = linkage.candidate_pairs(p)
        result = linkage.link(data.records, model=linkage.estimate_model(linkage.compare(p, i, j)))
    else:
        result = linkage.link(data.records)
    wall = time.perf_counter() - t0
    index = {r.key: k for k, r in enumerate(data.records)}
    labels = labels_from_clusters(result.clusters, index)
    out = {"wall": wall, "stats": result.stats, "model": result.model.as_dict()}
    out["at_thresholds"] = {"match": linkage.MATCH_THRESHOLD, "review": linkage.REVIEW_THRESHOLD}
    out["metrics"] = pairwise(labels, truth)
    i, j, prob = result.pairs
    same = truth[i] == truth[j]
    out["bands"] = band_precision(prob, same)
    # candidate recall: true pairs that blocking put in front of the scorer
    out["candidate_true_pairs"] = int(same.sum())
    # sweep: plain transitive closure at other thresholds (no guard), for comparison
    sweep = {}
    for t in THRESHOLDS:
        sel = prob >= t
        sweep[t] = pairwise(components(len(truth), i[sel], j[sel]), truth)
    out["sweep_closure"] = sweep
    guarded = {}
    for t in THRESHOLDS:
        again = result.recluster(t)
        guarded[t] = pairwise(labels_from_clusters(again.clusters, index), truth)
        guarded[t]["review_pairs"] = len(again.review)
    out["sweep_guarded"] = guarded
    review = len(result.review)
    out["review_pairs"] = review
    out["review_true"] = int(
        sum(1 for p in result.review if truth[index[p.a]] == truth[index[p.b]]) if review else 0
    )
    return out


# --- Splink -----------------------------------------------------------------------------


def splink_table(records):
    """The records as an Arrow table, normalised the same way our linker normalises them
    (DuckDB string functions count bytes, so names go in as pinyin too)."""
    import pyarrow as pa

    from gongzhi.integration.linkage import Prepared

    p = Prepared(records)
    nkeys = [linkage.name_key(nm) if nm else None for nm in p.names]
    cols = {
        "unique_id": [r.key for r in records],
        "name": [nm or None for nm in p.names],
        "name_py": nkeys,
        "surname_py": [k.split(" ", 1)[0] if k else None for k in nkeys],
        "id17": [x or None for x in p.id17],
        "id18": [
            (x + chr(c)) if x and c else (x or None) for x, c in zip(p.id17, p.id_check.tolist(), strict=True)
        ],
        "birth": [
            f"{b // 10000:04d}-{b // 100 % 100:02d}-{b % 100:02d}" if b else None for b in p.birth.tolist()
        ],
        "sex": [{1: "M", 2: "F"}.get(s) for s in p.sex.tolist()],
        "phone": [linkage._norm_phone(r.phone) or None for r in records],
        "address": [linkage._norm_address(r.address) or None for r in records],
        "community": [str(c) if c else None for c in p.community.tolist()],
    }
    return pa.table(cols)


def splink_settings():
    import splink.comparison_level_library as cll
    import splink.comparison_library as cl
    from splink import SettingsCreator, block_on

    id_comparison = cl.CustomComparison(
        output_column_name="id18",
        comparison_levels=[
            cll.NullLevel("id17"),
            cll.ExactMatchLevel("id18"),
            cll.ExactMatchLevel("id17").configure(label_for_charts="first 17 equal (check char)"),
            cll.DamerauLevenshteinLevel("id17", 1),
            cll.ElseLevel(),
        ],
    )
    name_comparison = cl.CustomComparison(
        output_column_name="name",
        comparison_levels=[
            cll.NullLevel("name"),
            cll.ExactMatchLevel("name", term_frequency_adjustments=True),
            cll.ExactMatchLevel("name_py").configure(label_for_charts="same pinyin"),
            cll.JaroWinklerLevel("name_py", 0.9),
            cll.ElseLevel(),
        ],
    )
    birth_comparison = cl.CustomComparison(
        output_column_name="birth",
        comparison_levels=[
            cll.NullLevel("birth"),
            cll.ExactMatchLevel("birth"),
            cll.DamerauLevenshteinLevel("birth", 1),
            cll.ElseLevel(),
        ],
    )
    address_comparison = cl.CustomComparison(
        output_column_name="address",
        comparison_levels=[
            cll.And(cll.NullLevel("address"), cll.NullLevel("community")),
            cll.ExactMatchLevel("address"),
            cll.ExactMatchLevel("community"),
            cll.ElseLevel(),
        ],
    )
    return SettingsCreator(
        link_type="dedupe_only",
        blocking_rules_to_generate_predictions=[
            block_on("id17"),
            block_on("birth", "name_py"),
            block_on("phone"),
            block_on("birth", "sex", "community"),
        ],
        comparisons=[
            id_comparison,
            name_comparison,
            birth_comparison,
            cl.ExactMatch("sex"),
            cl.ExactMatch("phone"),
            address_comparison,
        ],
        retain_intermediate_calculation_columns=False,
        retain_matching_columns=False,
    )


def run_splink(data, truth: np.ndarray, threads: int) -> dict:
    import duckdb
    import splink
    from splink import DuckDBAPI, Linker, block_on

    t0 = time.perf_counter()
    table = splink_table(data.records)
    t_norm = time.perf_counter() - t0

    t1 = time.perf_counter()
    con = duckdb.connect()
    con.execute(f"SET threads TO {threads}")
    db_api = DuckDBAPI(connection=con)
    df = db_api.register(table, dataset_display_name="extracts")
    linker = Linker(df, splink_settings(), log_level=None)
    linker.training.estimate_probability_two_random_records_match([block_on("id18")], recall=0.85)
    linker.training.estimate_u_using_random_sampling(max_pairs=5e6, seed=1)
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("birth", "name_py"))
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("id17"))
    predictions = linker.inference.predict(threshold_match_probability=0.01)
    clusters = linker.clustering.cluster_pairwise_predictions_at_threshold(predictions, 0.5)
    cl_rows = clusters.as_duckdbpyrelation().select("unique_id, cluster_id").fetchall()
    t_model = time.perf_counter() - t1

    index = {r.key: k for k, r in enumerate(data.records)}
    cid: dict[str, int] = {}
    labels = np.empty(len(index), dtype=np.int64)
    for key, c in cl_rows:
        labels[index[key]] = cid.setdefault(c, len(cid))
    out = {
        "version": splink.__version__,
        "duckdb": duckdb.__version__,
        "wall_normalise": t_norm,
        "wall_model": t_model,
        "wall": t_norm + t_model,
        "metrics_at_0.5": pairwise(labels, truth),
    }
    pred_rows = (
        predictions.as_duckdbpyrelation().select("unique_id_l, unique_id_r, match_probability").fetchnumpy()
    )
    i = np.array([index[k] for k in pred_rows["unique_id_l"]], dtype=np.int64)
    j = np.array([index[k] for k in pred_rows["unique_id_r"]], dtype=np.int64)
    prob = np.asarray(pred_rows["match_probability"], dtype=float)
    sweep = {}
    for t in THRESHOLDS:
        sel = prob >= t
        sweep[t] = pairwise(components(len(truth), i[sel], j[sel]), truth)
    out["sweep_closure"] = sweep
    best = max(sweep, key=lambda t: sweep[t]["f1"])
    out["best_threshold"] = best
    out["metrics_best"] = sweep[best]
    out["pairs_scored"] = len(prob)
    return out


# --- report -----------------------------------------------------------------------------


def fmt(m: dict) -> str:
    return f"{m['precision']:.4f} | {m['recall']:.4f} | {m['f1']:.4f}"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--people", type=int, default=500_000)
    ap.add_argument("--seed", type=int, default=20240601)
    ap.add_argument("--threads", type=int, default=2, help="DuckDB threads for Splink")
    ap.add_argument("--no-splink", action="store_true")
    ap.add_argument(
        "--estimator",
        choices=("anchored", "em"),
        default="anchored",
        help="how our linker gets m/u (em: plain EM)",
    )
    ap.add_argument("--json", type=Path)
    args = ap.parse_args()

    t = time.perf_counter()
    data = generate(args.people, args.seed)
    t_gen = time.perf_counter() - t
    truth = np.array(data.truth, dtype=np.int64)
    print(f"generated {len(data.records):,} records of {args.people:,} people in {t_gen:.1f}s", flush=True)

    ours = run_ours(data, truth, args.estimator)
    print(f"ours: {fmt(ours['metrics'])}  {ours['wall']:.1f}s  {ours['stats']}", flush=True)
    report = {
        "command": " ".join(sys.argv),
        "records": len(data.records),
        "people": args.people,
        "seed": args.seed,
        "cpu_count": os.cpu_count(),
        "python": platform.python_version(),
        "generate_s": t_gen,
        "ours": ours,
        "estimator": args.estimator,
    }
    if not args.no_splink:
        sp = run_splink(data, truth, args.threads)
        report["splink"] = sp
        print(
            f"splink {sp['version']}: at 0.5 {fmt(sp['metrics_at_0.5'])}; best {sp['best_threshold']}: "
            f"{fmt(sp['metrics_best'])}  {sp['wall']:.1f}s",
            flush=True,
        )
    print()
    print(markdown(report))
    if args.json:
        args.json.write_text(json.dumps(report, indent=1, ensure_ascii=False, default=str))


def markdown(r: dict) -> str:
    o = r["ours"]
    lines = [
        f"Records: {r['records']:,} ({r['people']:,} people), seed {r['seed']}, {r['cpu_count']} CPUs, "
        f"Python {r['python']}.",
        "",
        "| linker | threshold | precision | recall | F1 | wall time (s) |",
        "|---|---|---|---|---|---|",
        f"| gongzhi linkage ({'anchored m/u, EM prior' if r.get('estimator') != 'em' else 'plain EM'}, guarded "
        f"clustering) | match ≥ {o['at_thresholds']['match']} | {fmt(o['metrics'])} "
        f"| {o['wall']:.1f} |",
    ]
    if "splink" in r:
        s = r["splink"]
        lines.append(
            f"| Splink {s['version']} + DuckDB {s['duckdb']} | 0.5 (stated) | {fmt(s['metrics_at_0.5'])} "
            f"| {s['wall']:.1f} ({s['wall_normalise']:.1f} normalising + {s['wall_model']:.1f} Splink) |"
        )
        lines.append(
            f"| Splink, threshold at its best F1 | {s['best_threshold']} | {fmt(s['metrics_best'])} | (same run) |"
        )
    st = o["stats"]
    lines += [
        "",
        f"Ours: {st['candidate_pairs']:,} candidate pairs holding {o['candidate_true_pairs']:,} of "
        f"{o['metrics']['true_pairs']:,} true pairs; {st['matches']:,} merges, {o['review_pairs']:,} review "
        f"pairs ({o['review_true']:,} of them true matches); time: prepare {st['t_prepare']:.1f}s, block "
        f"{st['t_block']:.1f}s, compare {st['t_compare']:.1f}s, EM+score {st['t_score']:.1f}s, cluster "
        f"{st['t_cluster']:.1f}s.",
        "",
        "Candidate pairs by our match probability (how many are the same person):",
        "",
        "| probability | pairs | same person | share |",
        "|---|---|---|---|",
    ]
    for b in o["bands"]:
        share = b["true"] / b["pairs"] if b["pairs"] else float("nan")
        lines.append(f"| {b['band']} | {b['pairs']:,} | {b['true']:,} | {share:.4f} |")
    lines += [
        "",
        "Other match thresholds on the same scored pairs: ours with the guarded clustering (review "
        f"pairs counted at review ≥ {o['at_thresholds']['review']}), ours and Splink with plain transitive "
        "closure:",
        "",
        "| threshold | ours guarded P/R/F1 | review pairs | ours closure P/R/F1 |",
    ]
    if "splink" in r:
        lines[-1] += " Splink closure P/R/F1 |"
        lines += ["|---|---|---|---|---|"]
    else:
        lines += ["|---|---|---|---|"]
    for t in THRESHOLDS:
        g = o["sweep_guarded"][t]
        row = (
            f"| {t} | {fmt(g).replace(' | ', ' / ')} | {g['review_pairs']:,} "
            f"| {fmt(o['sweep_closure'][t]).replace(' | ', ' / ')} |"
        )
        if "splink" in r:
            row += f" {fmt(r['splink']['sweep_closure'][t]).replace(' | ', ' / ')} |"
        lines.append(row)
    return "\n".join(lines)


if __name__ == "__main__":
    main()
