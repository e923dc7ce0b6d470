"""BoxDetector: learns a synthetic task, saves and loads exactly, caches backbone maps."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from alwild.errors import UserValueError
from alwild.models.box_detector import MIN_WARM_STEPS, BoxDetector
from alwild.models.centernet import CenterHead
from alwild.models.coco_eval import coco_ap
from alwild.models.detection import Detections, Detector

CLASSES = ["red", "blue"]
COLOURS = {"red": (230, 30, 30), "blue": (30, 30, 230)}
SIZE = 96


def _scene(rng: np.random.Generator):
    """Noise with 0-2 solid rectangles of a random class each (a frame may have none)."""
    image = rng.integers(60, 190, (SIZE, SIZE, 3), dtype=np.uint8)
    boxes, labels = [], []
    for _ in range(rng.integers(0, 3)):
        w, h = rng.integers(18, 40, 2)
        x0, y0 = rng.integers(0, SIZE - w), rng.integers(0, SIZE - h)
        name = CLASSES[rng.integers(0, 2)]
        image[y0:y0 + h, x0:x0 + w] = COLOURS[name]
        boxes.append([x0, y0, x0 + w, y0 + h])
        labels.append(name)
    return image, np.array(boxes, float).reshape(-1, 4), labels


def _scenes(n, seed):
    rng = np.random.default_rng(seed)
    return [list(t) for t in zip(*(_scene(rng) for _ in range(n)), strict=True)]


def _ap50(det, images, boxes, labels):
    truth = [(b, np.array([CLASSES.index(c) for c in lab], int))
             for b, lab in zip(boxes, labels, strict=True)]
    return coco_ap(truth, det.detect(images), CLASSES, [(SIZE, SIZE)] * len(images))


@pytest.fixture(scope="module")
def trained():
    images, boxes, labels = _scenes(48, seed=0)
    det = BoxDetector(CLASSES, image_size=SIZE, epochs=25, random_state=0)
    return det.fit(images, boxes, labels)


@pytest.fixture(scope="module")
def held_out():
    return _scenes(24, seed=1)


def test_the_detector_learns_rectangles_far_better_than_an_untrained_head(trained, held_out):
    untrained = BoxDetector(CLASSES, image_size=SIZE, random_state=0)
    untrained.head_ = CenterHead(len(CLASSES)).eval()
    before = _ap50(untrained, *held_out)
    after = _ap50(trained, *held_out)
    assert isinstance(trained, Detector)
    assert after.loc["mean", "ap50"] > 0.6, after
    assert after.loc["mean", "ap50"] > before.loc["mean", "ap50"] + 0.4, (before, after)


def test_detections_are_in_the_pixels_of_each_image(trained):
    image = _scenes(1, seed=5)[0][0]
    wide = np.ascontiguousarray(np.repeat(image, 2, axis=1))  # 96 x 192: boxes scale in x
    found = trained.detect([image, wide])
    assert all(isinstance(d, Detections) for d in found)
    assert (found[1].boxes[:, [0, 2]] <= 192).all() and (found[1].boxes[:, [1, 3]] <= 96).all()
    np.testing.assert_allclose(found[0].class_proba.sum(axis=1), 1.0, rtol=1e-6)


def test_save_and_load_give_identical_detections(trained, held_out, tmp_path):
    trained.save(tmp_path / "det.pt")
    again = BoxDetector.load(tmp_path / "det.pt")
    for a, b in zip(trained.detect(held_out[0]), again.detect(held_out[0]), strict=True):
        np.testing.assert_array_equal(a.boxes, b.boxes)
        np.testing.assert_array_equal(a.scores, b.scores)
        np.testing.assert_array_equal(a.class_proba, b.class_proba)
    assert again.get_params()["classes"] == CLASSES


def test_load_refuses_a_file_that_is_not_a_detector(tmp_path):
    import torch

    torch.save({"weights": torch.zeros(2)}, tmp_path / "other.pt")
    with pytest.raises(UserValueError, match="not a BoxDetector file"):
        BoxDetector.load(tmp_path / "other.pt")


def test_backbone_maps_are_cached_by_content(tmp_path, monkeypatch):
    images, boxes, labels = _scenes(4, seed=2)
    det = BoxDetector(CLASSES, image_size=SIZE, epochs=1, flip=False, cache_dir=tmp_path)
    det.fit(images, boxes, labels)
    assert det.features_.n_cached == 0
    fresh = BoxDetector(CLASSES, image_size=SIZE, epochs=1, flip=False, cache_dir=tmp_path)

    def refuse(pixels):
        raise AssertionError(f"re-encoded {len(pixels)} cached image(s)")

    monkeypatch.setattr(fresh.features_, "encode", refuse)
    fresh.fit([im.copy() for im in images], boxes, labels)  # same pixels, new arrays: hits
    assert fresh.features_.n_cached == 4
    changed = images[0].copy()
    changed[0, 0, 0] ^= 1
    with pytest.raises(AssertionError, match="re-encoded 1"):
        fresh.detect([changed])


def test_warm_start_continues_from_the_current_head(trained, held_out):
    images, boxes, labels = _scenes(12, seed=3)
    det = BoxDetector(CLASSES, image_size=SIZE, epochs=25, warm_start=True, random_state=0)
    det.head_ = trained.head_
    before = {k: v.clone() for k, v in det.head_.state_dict().items()}
    det.fit(images, boxes, labels)
    assert det.head_ is trained.head_ or det.head_.state_dict().keys() == before.keys()
    moved = max(float((det.head_.state_dict()[k] - v).abs().max()) for k, v in before.items())
    assert 0 < moved < 1.0
    assert _ap50(det, *held_out).loc["mean", "ap50"] > 0.5


def test_a_cold_fit_trains_at_least_min_steps_a_warm_refit_by_its_epochs(monkeypatch):
    images, boxes, labels = _scenes(4, seed=5)
    steps = []
    train = BoxDetector._train
    monkeypatch.setattr(BoxDetector, "_train",
                        lambda self, *args: (steps.append(args[-1]), train(self, *args))[1])
    det = BoxDetector(CLASSES, image_size=SIZE, epochs=2, warm_epochs=1, min_steps=12,
                      batch_size=4, warm_start=True)
    det.fit(images, boxes, labels)  # 4 frames and mirrors, 2 epochs: 4 steps, raised to 12
    det.fit(images, boxes, labels)  # warm: 2 steps, raised to the warm floor
    BoxDetector(CLASSES, image_size=SIZE, epochs=20, min_steps=12, batch_size=4).fit(
        images, boxes, labels)  # 4 x 2 x 20 / 4 = 40 steps, above the floor
    assert steps == [12, MIN_WARM_STEPS, 40]
    assert all(p.is_contiguous() for p in det.head_.parameters())


def test_mc_samples_are_repeatable_draws_that_disagree(trained, held_out):
    images = held_out[0][:6]
    a = trained.detect_samples(images, n=4)
    b = trained.detect_samples(images, n=4)
    assert len(a) == 6 and all(len(draws) == 4 for draws in a)
    for da, db in zip(a, b, strict=True):
        for x, y in zip(da, db, strict=True):
            np.testing.assert_array_equal(x.scores, y.scores)
    spread = [np.ptp([d.scores.max() if len(d) else 0.0 for d in draws]) for draws in a]
    assert max(spread) > 0


@pytest.mark.parametrize(
    ("boxes", "labels", "message"),
    [([np.zeros((1, 4))], [["red"]], "x_min >= x_max"),
     ([np.array([[0, 0, 5, 5.0]])], [["green"]], "not in classes"),
     ([np.array([[0, 0, 5, 5.0]])], [["red", "red"]], "1 boxes but 2 labels"),
     ([], [], "one box array")],
)
def test_bad_training_input_says_what_is_wrong(boxes, labels, message):
    image = np.zeros((SIZE, SIZE, 3), np.uint8)
    with pytest.raises(UserValueError, match=message):
        BoxDetector(CLASSES, image_size=SIZE).fit([image], boxes, labels)


def test_detect_before_fit_is_a_clear_error():
    with pytest.raises(UserValueError, match="not fitted"):
        BoxDetector(CLASSES, image_size=SIZE).detect([np.zeros((SIZE, SIZE, 3), np.uint8)])


def test_zoomed_views_are_encoded_once_and_read_back_on_a_refit(tmp_path):
    images, boxes, labels = _scenes(4, seed=2)
    kwargs = {"image_size": SIZE, "epochs": 1, "flip": False, "zoom_views": 1,
              "cache_dir": tmp_path}
    first = BoxDetector(CLASSES, **kwargs).fit(images, boxes, labels)
    assert first.features_.n_cached == 0
    again = BoxDetector(CLASSES, **kwargs).fit(images, boxes, labels)
    assert again.features_.n_cached == 8  # 4 frames and their 4 zoomed views


def test_an_unknown_box_loss_is_a_clear_error():
    with pytest.raises(UserValueError, match="box_loss must be"):
        BoxDetector(CLASSES, box_loss="l2")


def test_a_file_of_the_first_format_loads_with_the_settings_it_was_trained_with(tmp_path):
    images, boxes, labels = _scenes(8, seed=4)
    old = BoxDetector(CLASSES, image_size=SIZE, epochs=2, fine=False, box_loss="l1",
                      zoom_views=0).fit(images, boxes, labels)
    params = {k: v for k, v in old.get_params().items()
              if k not in ("cache_dir", "fine", "box_loss", "zoom_views")}
    torch.save({"format": "alwild-box-detector-v1", "params": params,
                "state": old.head_.state_dict()}, tmp_path / "v1.pt")
    again = BoxDetector.load(tmp_path / "v1.pt")
    assert (again.fine, again.box_loss, again.zoom_views) == (False, "l1", 0)
    for a, b in zip(old.detect(images), again.detect(images), strict=True):
        np.testing.assert_array_equal(a.scores, b.scores)


def _trajectory(monkeypatch):
    """Record the head's state after every optimiser step of the fits that follow."""
    from alwild.models import weight_average

    states = []
    update = weight_average.WeightAverage.update

    def record(self, module, step):
        states.append({k: v.detach().clone() for k, v in module.state_dict().items()})
        update(self, module, step)

    monkeypatch.setattr(weight_average.WeightAverage, "update", record)
    return states


@pytest.mark.parametrize("average", ["ema", "swa"])
def test_detection_uses_the_averaged_weights_of_the_fit(monkeypatch, average, held_out):
    images, boxes, labels = _scenes(12, seed=6)
    kwargs = {"image_size": SIZE, "epochs": 4, "min_steps": 20, "random_state": 3}
    states = _trajectory(monkeypatch)
    det = BoxDetector(CLASSES, average=average, **kwargs).fit(images, boxes, labels)
    raw = BoxDetector(CLASSES, average="none", **kwargs).fit(images, boxes, labels)
    steps = len(states)
    assert steps == 20
    for key, last in states[-1].items():  # the same trajectory, averaging draws no numbers
        torch.testing.assert_close(raw.head_.state_dict()[key], last)
    key = "trunk.1.weight"
    stacked = torch.stack([s[key] for s in states])
    if average == "swa":
        expected = stacked[-5:].mean(dim=0)  # the last 25% of 20 steps
    else:
        d = 1 - 1 / (0.2 * steps)
        expected = sum((1 - d) * d ** (steps - 1 - t) * stacked[t] for t in range(steps))
        expected = expected + d ** steps * _initial_head(3).state_dict()[key]
    torch.testing.assert_close(det.head_.state_dict()[key], expected, atol=1e-5, rtol=1e-4)
    # the one-cycle schedule's tail moves little, so the averages are near the last step
    assert float((det.head_.state_dict()[key] - states[-1][key]).abs().max()) > 1e-6
    a, b = det.detect(held_out[0]), raw.detect(held_out[0])
    assert any(len(x) != len(y) or not np.array_equal(x.scores, y.scores)
               for x, y in zip(a, b, strict=True))
    assert len(det.detect_samples(held_out[0][:2], n=3)[0]) == 3


def _initial_head(seed: int) -> CenterHead:
    torch.manual_seed(seed)
    return BoxDetector(CLASSES, image_size=SIZE)._new_head()


def test_an_unknown_average_is_a_clear_error():
    with pytest.raises(UserValueError, match="average must be one of"):
        BoxDetector(CLASSES, average="mean")


def test_a_file_of_the_second_format_loads_and_refits_without_averaging(tmp_path):
    images, boxes, labels = _scenes(8, seed=4)
    old = BoxDetector(CLASSES, image_size=SIZE, epochs=2, average="none").fit(
        images, boxes, labels)
    params = {k: v for k, v in old.get_params().items() if k not in ("cache_dir", "average")}
    torch.save({"format": "alwild-box-detector-v2", "params": params,
                "state": old.head_.state_dict()}, tmp_path / "v2.pt")
    again = BoxDetector.load(tmp_path / "v2.pt")
    assert again.average == "none"
    for a, b in zip(old.detect(images), again.detect(images), strict=True):
        np.testing.assert_array_equal(a.scores, b.scores)
    again.save(tmp_path / "v3.pt")
    assert BoxDetector.load(tmp_path / "v3.pt").average == "none"
    assert torch.load(tmp_path / "v3.pt", weights_only=True)["format"].endswith("v3")


def test_an_ensemble_of_heads_learns_saves_and_draws(tmp_path, held_out):
    images, boxes, labels = _scenes(48, seed=0)
    det = BoxDetector(CLASSES, image_size=SIZE, epochs=25, width=32, members=2,
                      random_state=0).fit(images, boxes, labels)
    assert det.head_.members == 2 and det.head_.heat.out_channels == 4
    assert _ap50(det, *held_out).loc["mean", "ap50"] > 0.5
    det.save(tmp_path / "ens.pt")
    again = BoxDetector.load(tmp_path / "ens.pt")
    assert (again.members, again.width) == (2, 32)
    for a, b in zip(det.detect(held_out[0]), again.detect(held_out[0]), strict=True):
        np.testing.assert_array_equal(a.scores, b.scores)
    draws = det.detect_samples(held_out[0][:4], n=4)
    assert max(np.ptp([d.scores.max() if len(d) else 0.0 for d in per]) for per in draws) > 0
    with pytest.raises(UserValueError, match="members must be at least 1"):
        BoxDetector(CLASSES, members=0)
