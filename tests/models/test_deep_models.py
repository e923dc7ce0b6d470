"""The torch adapter: MC-dropout patching, chunking, warm start, embeddings, ensembles."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from sklearn.linear_model import LogisticRegression
from torch import nn

from alwild.learners import ActiveLearner
from alwild.models.ensemble import DeepEnsemble
from alwild.models.mc_dropout import mc_dropout, mc_proba_samples
from alwild.models.torch_classifier import TorchClassifier


def _head(d: int = 4, c: int = 3, p: float = 0.4) -> nn.Module:
    return nn.Sequential(nn.Linear(d, 16), nn.BatchNorm1d(16), nn.ReLU(), nn.Dropout(p),
                         nn.Linear(16, c))


class _Wrapped(nn.Module):
    def __init__(self, inner: nn.Module) -> None:
        super().__init__()
        self.inner = inner

    def forward(self, x):
        return self.inner(x)


def _data(n: int = 90, seed: int = 0):
    rng = np.random.default_rng(seed)
    y = np.repeat(np.array(["a", "b", "c"]), n // 3)
    centres = {"a": (0, 0, 0, 0), "b": (3, 0, 0, 0), "c": (0, 3, 0, 0)}
    X = np.array([centres[v] for v in y], dtype=float) + rng.normal(scale=0.5, size=(n, 4))
    return X, y


def test_patch_makes_only_dropout_stochastic_and_restores_modes():
    torch.manual_seed(0)
    net = _head()
    net.train()
    X = np.random.default_rng(0).normal(size=(20, 4)).astype(np.float32)
    with mc_dropout(net, seed=1):
        assert not net[1].training  # batch norm uses running statistics
    assert all(m.training for m in net.modules())
    samples = mc_proba_samples(net, X, n_samples=8)
    assert all(m.training for m in net.modules())
    assert samples.shape == (8, 20, 3)
    np.testing.assert_allclose(samples.sum(axis=2), 1.0)
    assert np.ptp(samples, axis=0).max() > 1e-3  # passes differ
    net.eval()
    with torch.no_grad():
        det = net(torch.as_tensor(X)).softmax(1).numpy()
    assert not np.allclose(samples[0], det)


def test_consistent_masks_do_not_depend_on_chunking_or_prefix_split():
    torch.manual_seed(0)
    net = _head()
    X = np.random.default_rng(1).normal(size=(50, 4)).astype(np.float32)
    whole = mc_proba_samples(net, X, n_samples=6, batch_size=64, seed=3)
    chunked = mc_proba_samples(net, X, n_samples=6, batch_size=7, seed=3)
    unsplit = mc_proba_samples(_Wrapped(net), X, n_samples=6, batch_size=64, seed=3)
    np.testing.assert_allclose(whole, chunked, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(whole, unsplit, rtol=1e-5, atol=1e-6)
    other_seed = mc_proba_samples(net, X, n_samples=6, seed=4)
    assert not np.allclose(whole, other_seed)


def test_inconsistent_masks_differ_between_rows():
    net = nn.Sequential(nn.Dropout(0.5), nn.Linear(3, 2))
    X = np.ones((40, 3), dtype=np.float32)
    same = mc_proba_samples(net, X, n_samples=3, consistent=True)
    per_row = mc_proba_samples(net, X, n_samples=3, consistent=False)
    assert np.ptp(same, axis=1).max() == 0.0
    assert np.ptp(per_row, axis=1).max() > 0.0


def test_no_dropout_layer_is_a_clear_error():
    clf = TorchClassifier(lambda: nn.Linear(4, 3), max_epochs=2).fit(*_data())
    with pytest.raises(ValueError, match=r"no.*nn.Dropout\(0.3\).*DeepEnsemble"):
        clf.predict_proba_samples(_data()[0])
    learner = ActiveLearner(clf, "bald", *_data())
    with pytest.raises(ValueError, match="dropout"):
        learner.query(_data(seed=1)[0], 3)


def test_classifier_learns_string_labels_and_embeds():
    X, y = _data()
    clf = TorchClassifier(_head, max_epochs=40, lr=0.02, random_state=0).fit(X, y)
    assert clf.score(X, y) > 0.9
    assert clf.classes_.tolist() == ["a", "b", "c"]
    net = clf.module_
    with torch.no_grad():
        expected = net[:-1](torch.as_tensor(X, dtype=torch.float32)).numpy()
    np.testing.assert_allclose(clf.embed(X), expected, rtol=1e-5, atol=1e-6)


def test_warm_start_continues_from_current_weights():
    X, y = _data()
    warm = TorchClassifier(_head, max_epochs=5, warm_start=True, warm_start_epochs=0,
                           random_state=0).fit(X, y)
    before = warm.predict_proba(X)
    warm.fit(X, y)
    np.testing.assert_allclose(warm.predict_proba(X), before)
    cold = TorchClassifier(_head, max_epochs=5, random_state=0).fit(X, y)
    cold.fit(X, y)
    assert not np.allclose(cold.predict_proba(X), before)


def test_balanced_class_weight_finds_the_rare_class_and_follows_the_counts():
    rng = np.random.default_rng(1)
    y = np.array(["common"] * 180 + ["rare"] * 20)
    X = rng.normal(size=(200, 4)) + np.where(y == "rare", 0.8, 0.0)[:, None]
    kw = dict(module=lambda: _head(4, 2), max_epochs=30, lr=0.02, random_state=0)
    plain = TorchClassifier(**kw).fit(X, y)
    balanced = TorchClassifier(class_weight="balanced", warm_start=True, **kw).fit(X, y)
    recall = [np.mean(m.predict(X[y == "rare"]) == "rare") for m in (plain, balanced)]
    assert recall[1] > recall[0] + 0.3
    np.testing.assert_allclose(balanced.net_.criterion_.weight.numpy(), [200 / 360, 200 / 40])
    balanced.fit(X[20:], y[20:])  # the warm refit weighs by the new counts
    np.testing.assert_allclose(balanced.net_.criterion_.weight.numpy(), [180 / 320, 180 / 40])
    with pytest.raises(ValueError, match="balanced"):
        TorchClassifier(class_weight="even", **kw).fit(X, y)


class _Spy(TorchClassifier):
    calls: list[int] = []

    def predict_proba_samples(self, X, n_samples=None):
        _Spy.calls.append(np.asarray(X).shape[0])
        return super().predict_proba_samples(X, n_samples)


@pytest.mark.parametrize("name", ["bald", "mean_std", "variation_ratios", "max_entropy",
                                  "batchbald", "badge"])
def test_bayesian_strategies_run_through_the_learner(name):
    X, y = _data(seed=2)
    pool, _ = _data(n=300, seed=3)
    _Spy.calls = []
    clf = _Spy(_head, max_epochs=10, random_state=0)
    learner = ActiveLearner(clf, name, X, y, chunk_size=64, n_jobs=1, random_state=0)
    idx, _ = learner.query(pool, 5)
    assert len(set(idx.tolist())) == 5 and idx.max() < 300
    if name not in ("badge",):
        assert _Spy.calls and max(_Spy.calls) <= 64 * 20  # whole-pool scoring is chunked
    if name in ("bald", "mean_std", "variation_ratios", "max_entropy"):
        assert max(_Spy.calls) <= 64


def test_badge_on_a_linear_model_uses_its_features():
    X, y = _data(seed=4)
    learner = ActiveLearner(LogisticRegression(max_iter=500), "badge", X, y, random_state=0)
    idx, _ = learner.query(_data(n=60, seed=5)[0], 4)
    assert len(set(idx.tolist())) == 4


def test_deep_ensemble_members_differ_and_feed_bald():
    X, y = _data()
    ens = DeepEnsemble(TorchClassifier(_head, max_epochs=5), n_members=3, random_state=0)
    learner = ActiveLearner(ens, "bald", X, y, random_state=0)
    samples = ens.predict_proba_samples(X)
    assert samples.shape == (3, 90, 3) and np.ptp(samples, axis=0).max() > 1e-3
    np.testing.assert_allclose(ens.predict_proba(X), samples.mean(axis=0))
    idx, _ = learner.query(_data(n=30, seed=6)[0], 2)
    assert idx.size == 2


def test_ensemble_needs_a_seedable_estimator():
    from sklearn.neighbors import KNeighborsClassifier

    with pytest.raises(TypeError, match="random_state"):
        DeepEnsemble(KNeighborsClassifier()).fit(*_data())
