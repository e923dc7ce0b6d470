"""Refit and scoring time of alwild's LeanRandomForestClassifier against scikit-learn's
RandomForestClassifier (100 trees), in the same run, on the labelled-set sizes of an
active-learning simulation, and a check that both give the same probabilities.

Data: the shipped Titanic table (alwild.sim's preprocessing, 891 rows); each size takes the
first n rows of a fixed shuffle. Fit time is the median of ``--repeats`` refits with the same
``random_state``; scoring is ``predict_proba`` on all 891 rows.

    PYTHONPATH=. python benchmarks/lean_forest.py [--repeats 15]
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

import numpy as np
from sklearn.ensemble import RandomForestClassifier

from alwild.models.lean_forest import LeanRandomForestClassifier
from alwild.sim import load_dataset, prepare


def _median_seconds(call, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        call()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeats", type=int, default=15)
    args = parser.parse_args()
    data = prepare(load_dataset("titanic"))
    order = np.random.default_rng(0).permutation(len(data.y))
    X, y = data.X[order], data.y[order]
    print(f"Titanic ({X.shape[1]} features), 100 trees, median of {args.repeats}; "
          f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}")
    print(f"{'rows':>6}{'sklearn fit':>13}{'lean fit':>10}{'speed-up':>10}"
          f"{'sklearn proba':>15}{'lean proba':>12}{'speed-up':>10}  same probabilities")
    for n in (20, 40, 60, 150, 891):
        forests = [cls(n_estimators=100, random_state=0) for cls in
                   (RandomForestClassifier, LeanRandomForestClassifier)]
        fits = [_median_seconds(lambda f=f, n=n: f.fit(X[:n], y[:n]), args.repeats)
                for f in forests]
        probas = [_median_seconds(lambda f=f: f.predict_proba(X), args.repeats)
                  for f in forests]
        same = np.array_equal(forests[0].predict_proba(X), forests[1].predict_proba(X))
        print(f"{n:>6}{fits[0] * 1e3:>11.1f}ms{fits[1] * 1e3:>8.1f}ms{fits[0] / fits[1]:>9.1f}x"
              f"{probas[0] * 1e3:>13.2f}ms{probas[1] * 1e3:>10.2f}ms"
              f"{probas[0] / probas[1]:>9.1f}x  {same}")


if __name__ == "__main__":
    main()
