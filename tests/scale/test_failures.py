"""A worker killed mid-round: the round finishes on the others with the single-process result,
or, when a partition kills every worker that tries it, fails with an error naming it."""

import os
import signal
import sys
import time

import cloudpickle
import dask
import distributed  # noqa: F401  (loads its config defaults before the config.set below)
import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression

from alwild.learners import ActiveLearner
from alwild.scale import connect, query_pool

cloudpickle.register_pickle_by_value(sys.modules[__name__])  # worker processes cannot import tests


class SlowModel:
    """A fitted classifier that takes a while per chunk, so a round lasts long enough to kill."""

    def __init__(self, clf, delay=0.15, poison=None):
        self.clf, self.delay, self.poison = clf, delay, poison
        self.classes_ = clf.classes_

    def predict_proba(self, rows):
        if self.poison is not None and np.any(np.asarray(rows) == self.poison):
            os._exit(3)  # dies like a worker killed for memory
        time.sleep(self.delay)
        return self.clf.predict_proba(rows)


@pytest.fixture(scope="module")
def cluster_client():
    with dask.config.set({"distributed.scheduler.allowed-failures": 1}):
        with connect(n_workers=2, processes=True, memory_limit="1GiB") as c:
            yield c


@pytest.fixture(scope="module")
def shards(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("pool")
    rng = np.random.default_rng(0)
    X = rng.integers(0, 4, size=(24 * 250, 3)).astype(float)  # many ties
    y = (X.sum(axis=1) + rng.integers(0, 3, X.shape[0]) > 5).astype(int)
    for i in range(24):
        pd.DataFrame(X[i * 250 : (i + 1) * 250], columns=list("abc")).to_parquet(
            tmp / f"part-{i:02d}.parquet", index=False)
    clf = LogisticRegression().fit(X[::7], y[::7])
    return tmp, X, clf


def test_killing_a_worker_mid_round_loses_and_duplicates_nothing(cluster_client, shards):
    tmp, X, clf = shards
    before = cluster_client.run(os.getpid)
    killed = []

    def kill_one(done, total):
        if done == 3 and not killed:
            pid = sorted(before.values())[0]
            os.kill(pid, signal.SIGKILL)
            killed.append((pid, total))

    got = query_pool(SlowModel(clf), str(tmp / "part-*.parquet"), "entropy", 200,
                     cluster_client, random_state=7, progress=kill_one)
    expected, _ = ActiveLearner(clf, "entropy", random_state=7).query(X, 200)
    assert killed and killed[0][1] == 24  # killed while 21 of 24 partitions were pending
    assert got.index.tolist() == expected.tolist()
    assert np.unique(got.index).size == 200
    assert got.n_scored == X.shape[0]
    cluster_client.wait_for_workers(2, timeout=60)
    assert killed[0][0] not in cluster_client.run(os.getpid).values()


def test_a_partition_that_kills_every_worker_fails_clearly(cluster_client, shards, tmp_path):
    tmp, X, clf = shards
    pd.DataFrame(np.full((5, 3), 99.0), columns=list("abc")).to_parquet(
        tmp_path / "poison.parquet", index=False)
    paths = [str(tmp / "part-00.parquet"), str(tmp_path / "poison.parquet")]
    with pytest.raises(RuntimeError, match=r"workers kept dying while scoring .*poison\.parquet"):
        query_pool(SlowModel(clf, delay=0, poison=99.0), paths, "entropy", 3, cluster_client,
                   random_state=0)


class _Finished:
    """What ``_suspects`` reads of a finished partition future: its key, status, exception."""

    def __init__(self, key, error=None):
        self.key, self._error = key, error
        self.status = "finished" if error is None else "error"

    def exception(self):
        return self._error


def test_partitions_that_died_together_are_all_named():
    from distributed.scheduler import KilledWorker

    from alwild.scale.query import _suspects

    names = {"k0": "part-00.parquet", "k1": "poison.parquet", "k2": "part-02.parquet"}
    died = KilledWorker("k0", "tcp://w1", allowed_failures=1)
    leaves = [_Finished("k0", died), _Finished("k1", KilledWorker("k1", "tcp://w1", 1)),
              _Finished("k2"), _Finished("k3", ValueError("not a worker death"))]
    assert _suspects(died, leaves, names) == (
        "one of these shards, which died together: 'part-00.parquet', 'poison.parquet'")
    assert _suspects(died, leaves[:1], names) == "'part-00.parquet'"
