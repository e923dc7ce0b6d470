"""The CenterNet head: the GIoU of side distances against box IoU, and a folded finer level."""

from __future__ import annotations

import numpy as np
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from alwild.models.centernet import CenterHead, decode, side_giou
from alwild.models.detection import box_iou


def _giou_reference(a: np.ndarray, b: np.ndarray) -> float:
    """GIoU of two boxes the textbook way: IoU minus the hull's share not in the union."""
    iou = box_iou(a[None], b[None])[0, 0]
    area = lambda q: (q[2] - q[0]) * (q[3] - q[1])  # noqa: E731
    inter = np.prod(np.clip(np.minimum(a[2:], b[2:]) - np.maximum(a[:2], b[:2]), 0, None))
    union = area(a) + area(b) - inter
    hull = area(np.r_[np.minimum(a[:2], b[:2]), np.maximum(a[2:], b[2:])])
    return iou - (hull - union) / hull


@settings(max_examples=80, deadline=None)
@given(arrays(np.float64, (2, 4), elements=st.floats(0.1, 20, allow_nan=False)))
def test_side_giou_is_the_giou_of_the_boxes_around_one_point(dist):
    boxes = np.column_stack([-dist[:, 0], -dist[:, 1], dist[:, 2], dist[:, 3]])
    logs = torch.log(torch.as_tensor(dist))[:, :, None, None]
    got = float(side_giou(logs[0], logs[1]))
    assert abs(got - _giou_reference(boxes[0], boxes[1])) < 1e-9
    assert -1 <= got <= 1


def test_a_stride_4_feature_reaches_only_its_own_stride_8_cell_before_the_trunk():
    torch.manual_seed(0)
    head = CenterHead(1, in_channels=(3, 5), strides=(4, 8), width=4).eval()
    fine, coarse = torch.zeros(1, 3, 16, 16), torch.zeros(1, 5, 8, 8)
    fine[0, 1, 9, 6] = 1.0  # stride-4 cell (row 9, col 6) is stride-8 cell (4, 3)
    base = head.lateral[0](torch.nn.functional.pixel_unshuffle(torch.zeros_like(fine), 2))
    moved = head.lateral[0](torch.nn.functional.pixel_unshuffle(fine, 2)) - base
    changed = moved.abs().sum(dim=1)[0] > 0
    assert changed.nonzero().tolist() == [[4, 3]]
    heat, sides = head([fine, coarse])
    assert heat.shape == (1, 1, 8, 8) and sides.shape == (1, 4, 8, 8)


def test_decode_puts_a_peak_box_around_its_cell_centre():
    heat = torch.full((2, 10, 10), -9.0)
    heat[1, 6, 3] = 4.0  # class 1 at row 6, col 3: centre (3.5, 6.5) x 8 = (28, 52)
    sides = torch.zeros(8, 10, 10)
    sides[4:8, 6, 3] = torch.log(torch.tensor([1.0, 2.0, 3.0, 0.5]))  # left, top, right, bottom
    boxes, scores, proba = decode(heat, sides, stride=8)
    np.testing.assert_allclose(boxes[0].numpy(), [28 - 8, 52 - 16, 28 + 24, 52 + 4], atol=1e-4)
    assert int(proba[0].argmax()) == 1 and float(scores[0]) > 0.9


def _pyramid(seed: int = 0):
    gen = torch.Generator().manual_seed(seed)
    return [torch.randn(2, c, s, s, generator=gen) for c, s in ((40, 8), (112, 4), (320, 2))]


def test_one_member_has_the_single_heads_parameters_and_outputs():
    torch.manual_seed(0)
    plain = CenterHead(2, width=16)
    torch.manual_seed(0)
    one = CenterHead(2, width=16, members=1)
    assert {k: v.shape for k, v in plain.state_dict().items()} == {
        k: v.shape for k, v in one.state_dict().items()}
    heat, sides = one.member_outputs(one.features(_pyramid()))
    assert heat.shape == (2, 2, 8, 8) and sides.shape == (2, 8, 8, 8)
    torch.testing.assert_close(one.eval()(_pyramid()), plain.eval()(_pyramid()))


def test_members_are_independent_and_the_ensemble_averages_their_probabilities():
    torch.manual_seed(0)
    head = CenterHead(2, width=8, members=3).eval()
    maps = _pyramid()
    heat, sides = head.member_outputs(head.features(maps))
    assert heat.shape == (6, 2, 8, 8) and sides.shape == (6, 8, 8, 8)
    with torch.no_grad():  # change member 2's weights only (its channels 16-23)
        head.trunk[1].weight[16:] += 1.0
        head.heat.weight[4:] += 1.0
    heat2, _ = head.member_outputs(head.features(maps))
    by_member = heat.view(2, 3, 2, 8, 8)
    again = heat2.view(2, 3, 2, 8, 8)
    torch.testing.assert_close(again[:, :2], by_member[:, :2])
    assert not torch.allclose(again[:, 2], by_member[:, 2])
    logit, log_sides = head(maps)
    torch.testing.assert_close(torch.sigmoid(logit), torch.sigmoid(again).mean(dim=1),
                               atol=1e-5, rtol=1e-4)
    _, sides2 = head.member_outputs(head.features(maps))
    torch.testing.assert_close(log_sides, sides2.view(2, 3, 8, 8, 8).mean(dim=1))
