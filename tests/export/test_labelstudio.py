"""Label Studio json both ways: boxes survive pixels -> percent -> pixels, choices and
configs are read back as written, and a bad config says what is wrong."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from alwild.errors import UserValueError
from alwild.export.labelstudio import (
    LabelConfig,
    parse_label_config,
    result_answer,
    result_regions,
)
from alwild.export.records import Box

DETECT = LabelConfig("detect", ("a", "b"), "boxes", "img", "image", True)
CLASSIFY = LabelConfig("classify", ("a", "b"), "choice", "txt", "text", False)


@st.composite
def boxes_on_images(draw):
    width, height = draw(st.integers(1, 4000)), draw(st.integers(1, 4000))
    boxes = []
    for _ in range(draw(st.integers(0, 5))):
        x, y = draw(st.floats(0, width - 0.5)), draw(st.floats(0, height - 0.5))
        w, h = draw(st.floats(0.5, width - x)), draw(st.floats(0.5, height - y))
        boxes.append(Box("f.jpg", x, y, w, h, draw(st.sampled_from(DETECT.labels))))
    return width, height, boxes


@given(boxes_on_images())
def test_boxes_come_back_in_the_same_pixels(case):
    width, height, boxes = case
    regions = result_regions(DETECT, None, boxes, width, height)
    assert all(0 <= r["value"]["x"] <= 100 and r["from_name"] == "boxes" for r in regions)
    value, back = result_answer(DETECT, regions, "f.jpg", width, height)
    assert value is None and len(back) == len(boxes)
    for got, want in zip(back, boxes, strict=True):
        assert got.label == want.label
        for g, w in zip((got.x, got.y, got.w, got.h), (want.x, want.y, want.w, want.h),
                        strict=True):
            assert g == pytest.approx(w, rel=1e-9, abs=1e-9)


def test_a_choice_comes_back_and_other_tags_are_left_out():
    regions = result_regions(CLASSIFY, "b", [])
    other = {"from_name": "comment", "value": {"choices": ["a"]}}
    assert result_answer(CLASSIFY, [*regions, other], "", None, None) == ("b", ())
    assert result_regions(CLASSIFY, None, []) == []


def test_configs_name_the_data_key_and_the_labels():
    cfg = parse_label_config('<View><Text name="txt" value="$review"/><Choices name="c" '
                             'toName="txt"><Choice value="pos"/><Choice value="neg"/>'
                             '</Choices></View>')
    assert (cfg.task, cfg.labels, cfg.data_key, cfg.is_image) == (
        "classify", ("pos", "neg"), "review", False)


@pytest.mark.parametrize("xml, message", [
    ("<View>", "not valid XML"),
    ('<View><Image name="i" value="$image"/></View>', "no <Choices> or <RectangleLabels>"),
    ('<View><Image name="i" value="$image"/><Choices name="c" toName="x">'
     '<Choice value="a"/></Choices></View>', "toName='x'"),
    ('<View><Text name="t" value="$t"/><RectangleLabels name="r" toName="t">'
     '<Label value="a"/></RectangleLabels></View>', "must point at an <Image>"),
    ('<View><Image name="i" value="$image"/><Choices name="c" toName="i"/></View>',
     "lists no labels"),
])
def test_bad_configs_say_what_is_wrong(xml, message):
    with pytest.raises(UserValueError, match=message):
        parse_label_config(xml)
