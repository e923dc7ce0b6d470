"""Is ``auto`` never worse than random, on hard tables too? (issue 15)

Tables: the five builtins, and generated ones that break uncertainty sampling — label
noise (``flip_y``), many classes, very rare classes (``weights`` down to 1%) and a mixed
table of numeric and categorical columns (through ``alwild simulate``'s preprocessing).
Every table runs ``alwild simulate``'s default estimator (``rf``) under the holdout
protocol, with one rule for all tables, fixed before any result was seen:

* ``init`` = max(10, 2 × classes) random labels; ``budget`` = the rest of the pool, so that
  every curve ends on the full-data ceiling's training rows and random (like every
  strategy) reaches 98% of the ceiling within the budget; ``batch`` = budget / 20
  (20 rounds).

``--dev`` runs a second, disjoint family instead (other generator seeds and settings,
and three other sklearn generators: moons, Gaussian quantiles, Hastie's 10-2), to check
a change against tables it was not designed on.

For every table it prints auto's AULC (accuracy, in points) against random's and the best
single strategy's, paired over seeds (95% Student-t CIs), the labels each needs to reach
98% of each seed's ceiling (median), and the labels saved against random.

Seeds: 60 (0..59) for every table of both families, fixed before the run that
recorded them: at 20 seeds the paired intervals of iris (a 45-row test set) and
``dev_hastie`` were wider than the first bar's margin for every strategy, margin included.

    nice -n 10 python benchmarks/hard_tables.py            # 60 seeds
    nice -n 10 python benchmarks/hard_tables.py --quick    # 3 seeds, 4 tables
    nice -n 10 python benchmarks/hard_tables.py --dev      # the dev family, 60 seeds

Options to compare a change: ``--tables iris,digits`` runs only those tables;
``--auto NAME`` puts another arm in ``auto``'s place for the bars (a registered strategy
or one of :data:`CANDIDATES`); ``--strategies a,b`` runs more arms and prints each one's
AULC against random; ``--cache DIR`` keeps the curves of the singles and
``power_margin`` and the ceilings per table, budget and seed (they depend on nothing a change to
``auto`` touches), so a second run computes only what it lacks.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.optimize import brentq
from sklearn.datasets import (
    make_classification,
    make_gaussian_quantiles,
    make_hastie_10_2,
    make_moons,
)

from alwild.sim.arms import Arm, parse_arms
from alwild.sim.config import SimConfig
from alwild.sim.datasets import BUILTIN_NAMES, Dataset, load_dataset
from alwild.sim.report import (
    aulc,
    filled_labels,
    labels_to_reach,
    median_labels,
    savings,
    t_interval,
)
from alwild.sim.runner import prepare, seed_list, simulate
from alwild.strategies import AutoStrategy

SINGLES = ("random", "margin", "entropy", "density_margin")
CACHED = (*SINGLES, "power_margin")  # stateless strategies, none of auto's code
SHARE = 0.98
SAVING_BAR = 0.8  # bar 3: auto saves at least this share of the best single's saving
# auto with stochastic batch acquisition (power_margin, beta = 1) as its margin arm:
# keeping random at its prior, or with no random arm at all
CANDIDATES = {
    "auto_power": AutoStrategy(arms=("power_margin", "random"), prior=(0.95, 0.05)),
    "auto_power_only": AutoStrategy(arms=("power_margin",)),
}


def generated(name: str, n_classes: int, flip_y: float, weights=None, n_samples: int = 1000,
              n_features: int = 20, categorical: int = 0, seed: int = 15) -> Dataset:
    """A ``make_classification`` table; ``categorical`` informative columns are binned
    into labelled categories (a mixed table that needs one-hot encoding)."""
    X, y = make_classification(n_samples=n_samples, n_features=n_features, n_informative=10,
                               n_redundant=4, n_classes=n_classes, n_clusters_per_class=1,
                               weights=weights, flip_y=flip_y, class_sep=1.0,
                               random_state=seed)
    frame = pd.DataFrame(X, columns=[f"x{i}" for i in range(n_features)])
    for i in range(categorical):
        column = f"x{i}"
        bins = pd.qcut(frame[column], 5, labels=["a", "b", "c", "d", "e"])
        frame[f"cat{i}"] = bins.astype(str)
        frame = frame.drop(columns=column)
    classes = np.arange(n_classes)
    return Dataset(name, frame, y.astype(np.intp), classes, "target")


def rare_weights(n_classes: int, rare: int, rare_share: float) -> list[float]:
    """``rare`` classes of ``rare_share`` each, the rest sharing what is left equally."""
    common = (1.0 - rare * rare_share) / (n_classes - rare)
    return [common] * (n_classes - rare) + [rare_share] * rare


def skewed_weights(n_classes: int, smallest: float) -> list[float]:
    """Class shares falling geometrically (ratio ``r``), the last one ``smallest``."""
    def last_share(r: float) -> float:
        shares = r ** np.arange(n_classes)
        return shares[-1] / shares.sum() - smallest

    ratio = brentq(last_share, 1e-6, 1.0)
    shares = ratio ** np.arange(n_classes)
    return (shares / shares.sum()).tolist()


def tables(quick: bool) -> list[Dataset]:
    made = [
        generated("noisy_binary_30", 2, 0.30, n_samples=800),
        generated("noisy7_rare_1pct", 7, 0.10, weights=rare_weights(7, 2, 0.01),
                  n_samples=1200),
        generated("classes30_noisy", 30, 0.10, n_samples=1200),
        generated("classes12_skewed", 12, 0.20, weights=skewed_weights(12, 0.01),
                  n_samples=1000),
        generated("mixed_categorical", 5, 0.15, n_samples=800, categorical=6),
    ]
    builtins = [load_dataset(name) for name in BUILTIN_NAMES]
    if quick:
        return [builtins[0], made[0], made[3], made[4]]
    return builtins + made


def dev_tables() -> list[Dataset]:
    """The dev family: disjoint from :func:`tables` (other seeds, settings, generators)."""
    def frame(name: str, X: np.ndarray, y: np.ndarray) -> Dataset:
        columns = [f"x{i}" for i in range(X.shape[1])]
        y = np.unique(y, return_inverse=True)[1].astype(np.intp)
        return Dataset(name, pd.DataFrame(X, columns=columns), y, np.unique(y), "target")

    return [
        generated("dev_noisy_binary_20", 2, 0.20, n_samples=700, seed=101),
        generated("dev_noisy5_rare_2pct", 5, 0.08, weights=rare_weights(5, 1, 0.02),
                  n_samples=1000, seed=102),
        generated("dev_classes20", 20, 0.05, n_samples=1400, seed=103),
        generated("dev_classes8_skewed", 8, 0.10, weights=skewed_weights(8, 0.02),
                  n_samples=900, seed=104),
        generated("dev_mixed3", 3, 0.10, n_samples=600, categorical=4, seed=105),
        frame("dev_moons", *make_moons(600, noise=0.35, random_state=106)),
        frame("dev_quantiles4", *make_gaussian_quantiles(n_samples=800, n_features=4,
                                                         n_classes=4, random_state=107)),
        frame("dev_hastie", *make_hastie_10_2(n_samples=800, random_state=108)),
    ]


def config_for(n_rows: int, n_classes: int) -> SimConfig:
    pool = n_rows - int(np.ceil(n_rows * 0.3))
    init = max(10, 2 * n_classes)
    budget = pool - init
    return SimConfig(model="rf", init=init, budget=budget, batch=max(1, budget // 20),
                     metrics=("accuracy",))


def compare(curves: pd.DataFrame, ceilings: pd.DataFrame) -> dict:
    area = aulc(curves, "accuracy").pivot(index="seed", columns="strategy", values="aulc")
    area *= 100
    means = area.mean()
    best = means[list(SINGLES)].idxmax()
    reach = labels_to_reach(curves, ceilings, "accuracy", SHARE)
    saved = savings(reach, curves).set_index("strategy")
    med = {s: median_labels(reach[reach["strategy"] == s]["labels"]) for s in area.columns}
    d_random = t_interval(area["auto"] - area["random"])
    d_best = t_interval(area["auto"] - area[best])
    best_ci = t_interval(area[best])
    best_saver = saved.loc[[s for s in SINGLES if s != "random"], "saved"].idxmax()
    best_saving = float(saved.loc[best_saver, "saved"])
    saves = bool(saved.loc[best_saver, "low"] > 0)  # some strategy surely saves labels
    auto_saving = float(saved.loc["auto", "saved"])
    to_target = filled_labels(reach, curves).unstack("strategy")
    base = to_target["random"]
    gap = t_interval((base - to_target["auto"]) - SAVING_BAR * (base - to_target[best_saver]))
    return {
        "auto": means["auto"], "random": means["random"], "best": best,
        "best_aulc": means[best], "auto-random": d_random, "auto-best": d_best,
        "auto in best CI": bool(means["auto"] >= best_ci[1]),  # within, or above it
        "to98 auto": med["auto"], "to98 random": med["random"], "to98 best": med[best_saver],
        "best saver": best_saver, "saved best": best_saving, "saved auto": auto_saving,
        "saving share": auto_saving / best_saving if best_saving > 0 else np.nan,
        "saving gap": gap,
        "saves": saves,
        "random reached": float(reach[reach["strategy"] == "random"]["labels"].notna().mean()),
    }


def make_arm(name: str) -> Arm:
    """A registered strategy by name, or one of :data:`CANDIDATES` (an object)."""
    return Arm(name, CANDIDATES[name]) if name in CANDIDATES else parse_arms(name)[0]


def run_cached(data, table: str, arms: list[Arm], config: SimConfig, seeds: list[int],
               cache: Path | None, n_jobs: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Curves of ``arms`` and the ceilings over ``seeds``; with a ``cache``, the curves of
    the :data:`CACHED` strategies and the ceilings are read from it where present, and
    written to it."""
    key = f"{table}-{config.init}-{config.budget}-{config.batch}"
    stored: dict[str, pd.DataFrame] = {}
    for name in (*CACHED, "ceiling") if cache is not None else ():
        path = cache / f"{key}-{name}.pkl"
        if path.exists():
            frame = pd.read_pickle(path)
            stored[name] = frame[frame["seed"].isin(seeds)]
    groups: dict[tuple[int, ...], list[Arm]] = {}  # the seeds an arm lacks -> those arms
    for arm in arms:
        done = set(stored[arm.name]["seed"]) if arm.name in stored else set()
        lacking = tuple(sorted(set(seeds) - done))
        if lacking:
            groups.setdefault(lacking, []).append(arm)
    done = set(stored["ceiling"]["seed"]) if "ceiling" in stored else set()
    no_ceiling = set(seeds) - done - {s for lacking in groups for s in lacking}
    if no_ceiling:
        groups.setdefault(tuple(sorted(no_ceiling)), []).append(arms[0])
    curves = [stored[a.name] for a in arms if a.name in stored]
    ceilings = [stored["ceiling"]] if "ceiling" in stored else []
    for lacking, group in groups.items():
        result = simulate(data, group, config, list(lacking), n_jobs=n_jobs)
        curves.append(result.curves)
        ceilings.append(result.ceilings)
    all_curves = pd.concat(curves, ignore_index=True).drop_duplicates(
        ["strategy", "seed", "labels"])
    all_ceilings = pd.concat(ceilings, ignore_index=True).drop_duplicates("seed")
    for name, frame in (*((n, all_curves[all_curves["strategy"] == n]) for n in CACHED),
                        ("ceiling", all_ceilings)):
        if cache is None or frame.empty:
            continue
        cache.mkdir(parents=True, exist_ok=True)
        path = cache / f"{key}-{name}.pkl"
        old = pd.read_pickle(path) if path.exists() else frame.iloc[:0]
        pd.concat([old[~old["seed"].isin(frame["seed"])], frame]).to_pickle(path)
    return all_curves, all_ceilings.sort_values("seed").reset_index(drop=True)


def extra_line(curves: pd.DataFrame, names: list[str]) -> str:
    """Each extra arm's mean AULC and its paired difference with random."""
    area = aulc(curves, "accuracy").pivot(index="seed", columns="strategy", values="aulc")
    area *= 100
    return "  ".join(f"{n} {area[n].mean():.2f} ({fmt_ci(t_interval(area[n] - area['random']))}"
                     " vs random)" for n in names)


def fmt_ci(ci: tuple[float, float, float]) -> str:
    return f"{ci[0]:+.2f} [{ci[1]:+.2f}, {ci[2]:+.2f}]"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="3 seeds, 4 tables")
    parser.add_argument("--dev", action="store_true", help="the dev family of tables")
    parser.add_argument("--seeds", type=int, default=None)
    parser.add_argument("--n-jobs", type=int, default=2)
    parser.add_argument("--tables", default=None, help="comma-separated table names")
    parser.add_argument("--auto", default="auto",
                        help=f"the arm in auto's place: a strategy or one of {list(CANDIDATES)}")
    parser.add_argument("--strategies", default="", help="more arms to run and report")
    parser.add_argument("--cache", type=Path, default=None,
                        help="folder for the cached curves and the ceilings")
    args = parser.parse_args()
    n_seeds = args.seeds or (3 if args.quick else 60)
    extras = [n.strip() for n in args.strategies.split(",") if n.strip()]
    arms = [make_arm(n) for n in (args.auto, *SINGLES, *extras)]
    family = dev_tables() if args.dev else tables(args.quick)
    if args.tables:
        wanted = args.tables.split(",")
        unknown = sorted(set(wanted) - {t.name for t in family})
        if unknown:
            parser.error(f"no table {unknown} in this family; it has "
                         f"{[t.name for t in family]}")
        family = [t for t in family if t.name in wanted]
    rows = []
    for table in family:
        started = time.perf_counter()
        data = prepare(table)
        config = config_for(len(data.y), data.n_classes)
        curves, ceilings = run_cached(data, table.name, arms, config, seed_list(n_seeds),
                                      args.cache, args.n_jobs)
        names = {args.auto: "auto", "auto": "auto_today"} if args.auto != "auto" else {}
        curves = curves.assign(strategy=curves["strategy"].replace(names))
        row = {"table": table.name, "rows": len(data.y), "classes": data.n_classes,
               "init/budget/batch": f"{config.init}/{config.budget}/{config.batch}",
               **compare(curves, ceilings),
               "seconds": time.perf_counter() - started}
        rows.append(row)
        print(f"{row['table']:<18} auto {row['auto']:.2f}  random {row['random']:.2f}  "
              f"best {row['best']} {row['best_aulc']:.2f}  auto-random "
              f"{fmt_ci(row['auto-random'])}  auto-best {fmt_ci(row['auto-best'])}  "
              f"to98% auto/random/{row['best saver']} {row['to98 auto']:.0f}/"
              f"{row['to98 random']:.0f}/{row['to98 best']:.0f}  saved auto "
              f"{row['saved auto']:.1f} best {row['saved best']:.1f}  "
              f"({row['seconds']:.0f} s)", flush=True)
        if extras:
            print(f"{'':<18} {extra_line(curves, [names.get(n, n) for n in extras])}",
                  flush=True)
    print()
    print(markdown(rows, n_seeds))


def bars(r: dict) -> tuple[bool, bool, bool]:
    """The three bars: auto − random's CI low > −0.2; auto's mean ≥ the best single's CI
    low; where some single surely saves labels, auto saves ≥ 80% of the best saving."""
    return (r["auto-random"][1] > -0.2, bool(r["auto in best CI"]),
            not r["saves"] or r["saving share"] >= SAVING_BAR)


def markdown(rows: list[dict], n_seeds: int) -> str:
    head = ("| table | rows / classes | init/budget/batch | AULC auto | random | best single "
            "| auto − random [95% CI] | auto − best [95% CI] | labels to 98%: auto / random "
            "/ best saver | saved vs random: auto / best (share) | auto's saving − 80% of best's "
            "[95% CI] | pass |")
    lines = [head, "|" + "---|" * 11]
    for r in rows:
        failed = [str(i) for i, ok in enumerate(bars(r), start=1) if not ok]
        share = "—" if np.isnan(r["saving share"]) else f"{r['saving share']:.0%}"
        lines.append(
            f"| {r['table']} | {r['rows']} / {r['classes']} | {r['init/budget/batch']} | "
            f"{r['auto']:.2f} | {r['random']:.2f} | {r['best']} {r['best_aulc']:.2f} | "
            f"{fmt_ci(r['auto-random'])} | {fmt_ci(r['auto-best'])} | "
            f"{r['to98 auto']:.0f} / {r['to98 random']:.0f} / {r['to98 best']:.0f} "
            f"({r['best saver']}) | {r['saved auto']:.1f} / {r['saved best']:.1f} ({share}) | "
            f"{fmt_ci(r['saving gap'])} | "
            f"{'no (' + ', '.join(failed) + ')' if failed else 'yes'} |")
    lines.append(f"\n{n_seeds} seeds, paired; AULC is mean held-out accuracy over the curve, "
                 "in points. pass: auto − random's CI low > −0.2, auto's mean ≥ the best "
                 "single strategy's CI low, and where the best saver's saving CI is above 0, "
                 "auto saves ≥ 80% of it (the point estimates; the saving-gap interval, in labels, "
                 "says whether a shortfall is beyond the seeds' noise); no (n): bar n failed.")
    return "\n".join(lines)


if __name__ == "__main__":
    main()
