"""``alwild query`` on Parquet shards in a bucket equals the same query on local files."""

import joblib
import numpy as np
import pandas as pd
import pytest
from distributed import LocalCluster
from sklearn.linear_model import LogisticRegression

from alwild.cli import main
from alwild.errors import UserValueError
from alwild.scale.sources import open_pool


@pytest.fixture(scope="module")
def scheduler():
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=False,
                      dashboard_address=None) as cluster:
        yield cluster.scheduler_address


@pytest.fixture
def shards(tmp_path, bucket):
    rng = np.random.default_rng(3)
    X = rng.normal(size=(1_200, 4)).round(2)  # rounded: equal scores, so ties matter
    frame = pd.DataFrame(X, columns=list("abcd"))
    for i in range(4):
        local = tmp_path / f"part-{i}.parquet"
        frame.iloc[i * 300:(i + 1) * 300].to_parquet(local, index=False)
        bucket.put(f"shards/part-{i}.parquet", local.read_bytes())
    bucket.put("shards/notes.txt", b"not a shard")
    model = LogisticRegression().fit(frame.iloc[:200], rng.integers(0, 3, 200))
    joblib.dump(model, tmp_path / "model.joblib")
    return tmp_path


@pytest.mark.parametrize("strategy", ["entropy", "coreset"])
def test_a_pool_in_a_bucket_gives_the_local_selection(shards, bucket, scheduler, strategy):
    def query(pool, out, *extra):
        assert main(["query", "--pool", pool, "--model", str(shards / "model.joblib"),
                     "--strategy", strategy, "--n", "30", "--scheduler", scheduler,
                     "--out", str(shards / out), *extra]) == 0
        return pd.read_parquet(shards / out)

    local = query(str(shards / "part-*.parquet"), "local.parquet")
    remote = query(bucket.url("shards/*.parquet"), "remote.parquet",
                   "--storage-options", bucket.options_json)
    pd.testing.assert_frame_equal(local.drop(columns="shard"), remote.drop(columns="shard"))
    assert remote["shard"].str.startswith(f"s3://{bucket.name}/shards/part-").all()
    assert [s.rsplit("/", 1)[1] for s in local["shard"]] == [
        s.rsplit("/", 1)[1] for s in remote["shard"]]


def test_credentials_and_endpoint_may_come_from_the_environment(shards, bucket, monkeypatch):
    monkeypatch.setenv("AWS_ENDPOINT_URL", bucket.endpoint)
    pool = open_pool(bucket.url("shards/part-*.parquet"),
                     storage_options={"skip_instance_cache": True})
    assert pool.n_rows == 1_200 and pool.columns == tuple("abcd")
    rows = pool.partitions[2].load()
    np.testing.assert_array_equal(rows, pd.read_parquet(shards / "part-2.parquet").to_numpy())


def test_a_wrong_prefix_or_an_npy_pool_in_a_bucket_is_explained(shards, bucket):
    with pytest.raises(FileNotFoundError, match="no object matches"):
        open_pool(bucket.url("nothing/*.parquet"), storage_options=bucket.options)
    bucket.put("arrays/x.npy", b"\x93NUMPY")
    with pytest.raises(UserValueError, match="must be Parquet shards"):
        open_pool(bucket.url("arrays/*.npy"), storage_options=bucket.options)
