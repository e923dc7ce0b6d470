"""Membership query synthesis: generated candidates stay in the declared space."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.datasets import load_digits
from sklearn.linear_model import LogisticRegression

from alwild import ActiveLearner, SynthesisLearner
from alwild.synthesis import (
    BoundaryInterpolation,
    Combined,
    Feature,
    FeatureSpace,
    ImageTransforms,
    Perturbation,
    transform_image,
)

kinds = st.sampled_from(["continuous", "integer", "categorical"])


@st.composite
def spaces_and_data(draw):
    n_features = draw(st.integers(1, 5))
    feats, cols = [], []
    rng = np.random.default_rng(draw(st.integers(0, 10_000)))
    n = draw(st.integers(4, 30))
    for j in range(n_features):
        kind = draw(kinds)
        frozen = draw(st.booleans()) and draw(st.booleans())
        if kind == "categorical":
            cats = tuple(sorted(set(draw(st.lists(st.integers(-3, 9), min_size=1, max_size=4)))))
            feats.append(Feature(f"f{j}", kind, categories=cats, vary=not frozen))
            cols.append(rng.choice(cats, n).astype(float))
        else:
            low = draw(st.floats(-100, 100))
            high = low + draw(st.floats(1, 50))
            feats.append(Feature(f"f{j}", kind, low, high, vary=not frozen))
            col = rng.uniform(low, high, n)
            cols.append(np.clip(np.round(col), np.ceil(low), np.floor(high))
                        if kind == "integer" else col)
    X = np.column_stack(cols)
    y = np.r_[0, 1, rng.integers(0, 2, n - 2)]
    return FeatureSpace(feats), X, y


class Fitted:
    """A stand-in learner state for generators: labelled rows and a real model."""

    def __init__(self, X, y):
        self.X_training, self.y_training = X, y
        self.model = LogisticRegression().fit(X, y)
        self.is_fitted = True

    def predict_proba(self, X):
        return self.model.predict_proba(X)


@settings(max_examples=40, deadline=None)
@given(data=spaces_and_data(), seed=st.integers(0, 1000), scale=st.floats(0.01, 3.0))
def test_generated_candidates_stay_within_declared_bounds(data, seed, scale):
    space, X, y = data
    assert space.contains(X).all()
    learner = Fitted(X, y)
    rng = np.random.default_rng(seed)
    pert = Perturbation(space, scale=scale, n_seeds=5, per_seed=4, category_share=0.5)
    inter = BoundaryInterpolation(space, n_candidates=30)
    for cand in (pert(learner, X, rng), inter(learner, None, rng)):
        assert cand.shape[1] == X.shape[1]
        assert space.contains(cand).all()
        low, high = space.bounds
        assert np.all(cand >= low) and np.all(cand <= high)
        frozen = [j for j, f in enumerate(space.features) if not f.vary]
        for j in frozen:  # frozen columns keep a value some real row has
            assert np.isin(cand[:, j], X[:, j]).all()


@settings(max_examples=40, deadline=None)
@given(data=spaces_and_data(), seed=st.integers(0, 1000))
def test_project_is_idempotent_and_lands_inside(data, seed):
    space, X, _ = data
    wild = X + np.random.default_rng(seed).normal(0, 100, X.shape)
    once = space.project(wild)
    assert space.contains(once).all()
    np.testing.assert_array_equal(space.project(once), once)


def test_interpolated_points_lie_between_opposite_class_neighbours():
    X = np.array([[0.0, 0.0], [10.0, 0.0], [0.0, 10.0], [10.0, 10.0]])
    y = np.array([0, 1, 0, 1])
    space = FeatureSpace.from_data(X)
    cand = BoundaryInterpolation(space, n_candidates=200, n_neighbours=1)(
        Fitted(X, y), None, np.random.default_rng(0))
    # nearest opposite neighbour is always horizontal: y-coordinates stay at 0 or 10
    assert set(np.unique(cand[:, 1]).tolist()) <= {0.0, 10.0}
    assert 0 < cand[:, 0].min() and cand[:, 0].max() < 10


def test_a_categorical_feature_that_cannot_vary_is_a_clear_error():
    space = FeatureSpace([Feature("colour", "categorical", categories=(3,)),
                          Feature("size", "continuous", 0, 1)])
    with pytest.raises(ValueError, match="cannot vary categorical feature 'colour'"):
        Perturbation(space, vary=["colour"])
    with pytest.raises(ValueError, match="frozen"):
        Perturbation(FeatureSpace([Feature("a", vary=False)]), vary=["a"])
    with pytest.raises(ValueError, match="numeric codes"):
        Feature("pet", "categorical", categories=("cat", "dog"))


def test_from_data_infers_kinds_bounds_and_categories():
    X = np.array([[0.5, 1, 2], [1.5, 3, 2], [1.0, 2, 7]])
    space = FeatureSpace.from_data(X, names=["w", "n", "c"], integer=["n"], categorical=[2])
    assert [f.kind for f in space.features] == ["continuous", "integer", "categorical"]
    assert space.features[2].categories == (2.0, 7.0)
    np.testing.assert_array_equal(space.bounds[0], [0.5, 1, 2])


def truth(X):
    return (X[:, 0] + X[:, 1] > 0.3).astype(int)


def test_synthesis_learner_asks_about_made_up_points_near_the_true_boundary():
    rng = np.random.default_rng(0)
    pool = rng.uniform(-1, 1, (300, 2))
    space = FeatureSpace.from_data(pool)
    gen = Combined([BoundaryInterpolation(space, 100), Perturbation(space, 0.05)])
    learner = SynthesisLearner(LogisticRegression(), gen, "margin", known_classes=[0, 1],
                               random_state=0)
    idx, rows = learner.query(pool, 6)
    assert not learner.last_synthetic_  # cold start from real rows
    learner.teach(rows, truth(rows))
    distances = []
    for _ in range(10):
        idx, rows = learner.query(pool, 4)
        if learner.last_synthetic_:
            np.testing.assert_array_equal(rows, learner.last_candidates_[idx])
            distances.append(np.abs(rows[:, 0] + rows[:, 1] - 0.3))
        learner.teach(rows, truth(rows))
    random_rows = rng.uniform(-1, 1, (1000, 2))
    assert distances and np.mean(distances) < 0.5 * np.mean(
        np.abs(random_rows[:, 0] + random_rows[:, 1] - 0.3))


def test_synthesis_learner_errors():
    space = FeatureSpace.from_data(np.zeros((2, 2)) + [[0], [1]])
    learner = SynthesisLearner(LogisticRegression(), Perturbation(space), known_classes=[0, 1])
    with pytest.raises(ValueError, match="pass X_pool"):
        learner.query(None, 1)
    with pytest.raises(ValueError, match=r"class\(es\) \[2\]"):
        learner.teach(np.zeros((1, 2)), [2])
    assert learner.y_training is None
    with pytest.raises(TypeError, match="generator must be callable"):
        SynthesisLearner(LogisticRegression(), "boundary")


def test_takes_over_an_active_learner():
    X = np.array([[0.0, 0.0], [1.0, 1.0]])
    al = ActiveLearner(LogisticRegression(), X_training=X, y_training=[0, 1])
    sl = SynthesisLearner(al, Perturbation(FeatureSpace.from_data(X)))
    assert sl.is_fitted and len(sl.y_training) == 2


@pytest.mark.parametrize("dtype", [np.uint8, np.float64])
@pytest.mark.parametrize("channels", [None, 3])
def test_image_transforms_keep_shape_dtype_and_range(dtype, channels):
    rng = np.random.default_rng(0)
    shape = (12, 10) if channels is None else (12, 10, channels)
    img = (rng.random(shape) * 200).astype(dtype)
    for kind in ("scale", "crop", "brightness", "rotate"):
        out = transform_image(img, rng, kinds=(kind,), value_range=(0, 255))
        assert out.shape == img.shape and out.dtype == img.dtype
        assert out.min() >= 0 and out.max() <= 255


def test_brightness_alone_scales_pixel_values():
    img = np.full((4, 4), 10.0)
    out = transform_image(img, np.random.default_rng(0), kinds=("brightness",),
                          value_range=(0, 100))
    factor = out[0, 0] / 10.0
    assert 0.75 <= factor <= 1.25 and np.allclose(out, 10.0 * factor)


def test_image_transforms_preserve_labels_for_a_real_classifier():
    X, y = load_digits(return_X_y=True)
    clf = LogisticRegression(max_iter=2000).fit(X[:1200], y[:1200])
    X_test, y_test = X[1200:1400], y[1200:1400]
    rng = np.random.default_rng(0)
    variants = np.stack([transform_image(x.reshape(8, 8), rng, value_range=(0, 16),
                                         strength=0.4).ravel() for x in X_test])
    base = clf.score(X_test, y_test)
    assert clf.score(variants, y_test) > 0.85 * base
    assert not np.array_equal(variants, X_test)


def test_image_generator_makes_variants_of_uncertain_pool_images():
    X, y = load_digits(return_X_y=True)
    learner = ActiveLearner(LogisticRegression(max_iter=500), X_training=X[:100],
                            y_training=y[:100])
    gen = ImageTransforms(per_image=3, n_seeds=5, shape=(8, 8))
    cand = gen(learner, X[100:400], np.random.default_rng(0))
    assert cand.shape == (15, 64) and cand.min() >= 0 and cand.max() <= 16
    with pytest.raises(ValueError, match="shape"):
        ImageTransforms()(learner, X[100:400], np.random.default_rng(0))
    with pytest.raises(ValueError, match="unknown image transform"):
        ImageTransforms(kinds=("blur",))
