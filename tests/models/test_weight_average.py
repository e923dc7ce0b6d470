"""WeightAverage: the EMA and SWA of a network's state match their closed forms."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from alwild.models.weight_average import EMA_SHARE, SWA_SHARE, WeightAverage

weights = st.lists(st.floats(-10, 10, allow_nan=False), min_size=1, max_size=40)


def _run(kind: str, values: list[float]) -> tuple[float, WeightAverage]:
    net = torch.nn.Linear(1, 1, bias=False)
    with torch.no_grad():
        net.weight.fill_(0.5)
    avg = WeightAverage(net, kind, steps=len(values))
    for step, w in enumerate(values):
        with torch.no_grad():
            net.weight.fill_(w)
        avg.update(net, step)
    avg.copy_to(net)
    return float(net.weight.detach()), avg


@settings(max_examples=50, deadline=None)
@given(weights)
def test_swa_is_the_mean_of_the_last_share_of_the_steps(values):
    got, _ = _run("swa", values)
    tail = values[len(values) - max(1, round(SWA_SHARE * len(values))):]
    assert got == pytest.approx(np.mean(np.float32(tail)), abs=1e-4)


@settings(max_examples=50, deadline=None)
@given(weights)
def test_ema_is_the_exponentially_weighted_sum_from_the_starting_weights(values):
    got, avg = _run("ema", values)
    d = 1 - 1 / max(EMA_SHARE * len(values), 1)
    expected = 0.5 * d ** len(values) + sum(
        (1 - d) * d ** (len(values) - 1 - t) * w for t, w in enumerate(values))
    assert avg.decay == pytest.approx(d)
    assert got == pytest.approx(expected, abs=1e-4)


def test_the_starting_weights_fade_to_under_one_percent_whatever_the_length():
    for steps in (30, 300, 3000):
        _, avg = _run("ema", [1.0] * steps)
        assert avg.decay ** steps < 0.01


def test_batchnorm_statistics_are_averaged_and_its_counter_copied():
    net = torch.nn.BatchNorm1d(2)
    avg = WeightAverage(net, "swa", steps=8)
    for step, mean in enumerate([0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 2.0, 4.0]):
        net.running_mean.fill_(mean)
        net.num_batches_tracked.fill_(step + 1)
        avg.update(net, step)
    avg.copy_to(net)
    assert net.running_mean.tolist() == [3.0, 3.0]  # the mean of the last two steps'
    assert int(net.num_batches_tracked) == 8


def test_an_unknown_kind_is_refused():
    with pytest.raises(ValueError, match="kind must be"):
        WeightAverage(torch.nn.Linear(1, 1), "mean", steps=3)
