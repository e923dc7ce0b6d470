"""alwild.dropout: MC dropout on skorch networks, against modAL 0.4.2's sampler."""

from __future__ import annotations

import modAL.dropout as theirs
import numpy as np
import pytest
import torch
from skorch import NeuralNetClassifier

from alwild import dropout as ours
from alwild import scores as S
from alwild.learners import DeepActiveLearner


class Net(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.body = torch.nn.Sequential(torch.nn.Linear(4, 16), torch.nn.ReLU(),
                                        torch.nn.Dropout(0.5), torch.nn.Linear(16, 3))

    def forward(self, x):
        return self.body(x)


@pytest.fixture
def learner():
    torch.manual_seed(0)
    net = NeuralNetClassifier(Net, max_epochs=1, train_split=None, verbose=0)
    return DeepActiveLearner(net)


X = torch.randn(25, 4, generator=torch.Generator().manual_seed(1))


def test_draws_match_modals_for_the_same_torch_seed(learner):
    torch.manual_seed(5)
    mine = ours.get_predictions(learner, X, num_predictions=6, sample_per_forward_pass=7)
    torch.manual_seed(5)
    modal = theirs.get_predictions(learner, X, num_predictions=6, sample_per_forward_pass=7)
    assert len(mine) == 6
    for a, b in zip(mine, modal, strict=True):
        # modAL 0.4.2 takes the softmax over a whole forward pass (its NaN mask flattens the
        # batch); normalising its rows gives each row's softmax, which alwild returns
        np.testing.assert_allclose(a, b / b.sum(axis=1, keepdims=True), rtol=1e-5)
        np.testing.assert_allclose(a.sum(axis=1), 1.0, rtol=1e-6)
    assert not np.allclose(mine[0], mine[1]), "dropout is on while drawing"
    assert not learner.estimator.module_.body[2].training, "and off afterwards"


def test_strategies_score_the_draws_with_alwilds_scores(learner):
    torch.manual_seed(2)
    draws = np.stack(ours.get_predictions(learner, X, num_predictions=8))
    for face, score in ((ours.mc_dropout_bald, S.bald), (ours.mc_dropout_mean_st, S.mean_std),
                        (ours.mc_dropout_max_entropy, S.consensus_entropy),
                        (ours.mc_dropout_max_variationRatios, S.variation_ratios)):
        torch.manual_seed(2)
        idx, picked = face(learner, X, n_instances=3, num_cycles=8)
        expected = score(draws)
        np.testing.assert_allclose(picked, expected[idx], rtol=1e-6, atol=1e-12)
        assert picked.min() >= np.sort(expected)[-3] - 1e-9, face.__name__
    variation = 1 - (np.bincount(draws[:, 0].argmax(axis=1), minlength=3).max() / 8)
    assert S.variation_ratios(draws)[0] == pytest.approx(variation)


def test_dropout_mode_by_layer_and_the_argument_checks(learner):
    net = Net()
    ours.set_dropout_mode(net, [], train_mode=False)
    assert not net.body[2].training
    modules = list(net.modules())
    dropout_index = modules.index(net.body[2])
    ours.set_dropout_mode(net, [dropout_index], train_mode=True)
    assert net.body[2].training
    with pytest.raises(KeyError, match="not a dropout layer"):
        ours.set_dropout_mode(net, [dropout_index - 1], True)
    with pytest.raises(AssertionError, match="num_predictions must be at least 1"):
        ours.get_predictions(learner, X, num_predictions=0)
    with pytest.raises(TypeError, match="torch tensor or a dict"):
        ours.get_predictions(learner, X.numpy())
    batches = ours.get_predictions(learner, {"x": X}, num_predictions=2, sample_per_forward_pass=4)
    assert batches[0].shape == (25, 3)


def test_the_faces_pickle_by_their_modal_names():
    import pickle

    for face in (ours.mc_dropout_bald, ours.mc_dropout_max_variationRatios):
        assert pickle.loads(pickle.dumps(face)) is face
        assert face.__name__.startswith("mc_dropout_")
