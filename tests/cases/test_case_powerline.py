"""The power-line case on the shipped CC BY insulator crops: data, expert, loop, report, CLI."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from alwild.cases.cli import SHIPPED
from alwild.cases.powerline import (
    CaseConfig,
    SimulatedExpert,
    embed_frames,
    group_split,
    load_frames,
    resolve_backbone,
    run_case,
)
from alwild.cases.report import labels_to_target, savings_table
from alwild.cli import main


@pytest.fixture(scope="module")
def cache_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("embedding-cache")


def _small_set():
    """Every normal crop and the first 23 defect crops: 40 images, embedded in seconds."""
    frames = load_frames(SHIPPED)
    idx = np.concatenate([np.flatnonzero(frames.y == 0), np.flatnonzero(frames.y == 1)[:23]])
    return frames.subset(idx)


@pytest.fixture(scope="module")
def embedded(cache_dir):
    return embed_frames(_small_set(), cache_dir)


def test_shipped_frames_labels_groups_and_boxes():
    frames = load_frames(SHIPPED)
    assert len(frames.files) == 121 and frames.positive == "defect"
    assert int(frames.y.sum()) == 104 and len(set(frames.groups)) == 107
    assert len(frames.boxes) == 227


def test_expert_answers_from_ground_truth():
    frames = load_frames(SHIPPED)
    expert = SimulatedExpert(frames)
    idx = np.array([0, 5, 7])
    labels, boxes = expert.answer(idx)
    assert labels.tolist() == frames.y[idx].tolist()
    wanted = {frames.files[i] for i in idx}
    assert set(boxes.file) <= wanted
    assert len(boxes) == int(frames.boxes.file.isin(wanted).sum())
    assert len(expert.collected_boxes()) == len(boxes)


@pytest.mark.parametrize("seed", range(5))
def test_split_never_puts_a_group_on_both_sides(seed):
    frames = load_frames(SHIPPED)
    train, test = group_split(frames, CaseConfig(), seed)
    assert not set(frames.groups[train]) & set(frames.groups[test])
    assert set(frames.y[test]) == {0, 1}


def test_manifest_with_wrong_labels_is_rejected(tmp_path):
    (tmp_path / "images").mkdir()
    src = sorted((SHIPPED / "images").glob("*.jpg"))[:2]
    for p in src:
        (tmp_path / "images" / p.name).write_bytes(p.read_bytes())
    pd.DataFrame({"file": [f"images/{p.name}" for p in src], "label": ["ok", "bad"]}).to_csv(
        tmp_path / "manifest.csv", index=False)
    with pytest.raises(ValueError, match="'normal' and one defect label"):
        load_frames(tmp_path)


def test_campaign_loop_learns_and_records_every_round(embedded):
    frames, emb = embedded
    assert emb.embeddings.shape == (40, 1280)
    cfg = CaseConfig(strategies=("entropy", "bald", "random"), seeds=2, seed_normal=3,
                     seed_defect=3, batch=5, budget=21, max_epochs=30)
    result = run_case(frames, emb.embeddings, cfg)
    curves = result.curves
    assert set(curves.strategy) == {"entropy", "bald", "random"}
    assert sorted(curves.labels.unique()) == [6, 11, 16, 21]
    assert len(result.first_picks["bald"]) == 5
    answered = result.experts["entropy"].answered
    assert len(answered) == len(set(answered)) == 21
    assert curves.ba.between(0, 1).all() and (result.full.full_ba > 0.5).all()


def test_stop_at_target_ends_each_run_at_the_target_or_the_budget(embedded):
    frames, emb = embedded
    cfg = CaseConfig(strategies=("entropy", "random"), seeds=2, seed_normal=3, seed_defect=3,
                     batch=5, budget=21, max_epochs=30, stop_at_target=True, target_share=0.5)
    curves = run_case(frames, emb.embeddings, cfg).curves
    for _, run in curves.groupby(["seed", "strategy"]):
        last = run.iloc[-1]
        assert last.ba >= last.target or last.labels == 21
        assert (run.iloc[:-1].ba < run.iloc[:-1].target).all()


def test_small_cnn_fallback_runs_the_case_on_pixels(monkeypatch):
    import importlib.util

    frames = _small_set()
    real_find_spec = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None
                        if name.startswith("efficientnet") else real_find_spec(name, *a))
    assert resolve_backbone("auto") == "cnn"
    frames, pixels = embed_frames(frames, None, "auto")
    assert pixels.embeddings.shape == (40, 3, 64, 64)
    cfg = CaseConfig(strategies=("bald", "coreset"), seeds=1, seed_normal=3, seed_defect=3,
                     batch=5, budget=11, cnn_epochs=2)
    curves = run_case(frames, pixels.embeddings, cfg).curves
    assert sorted(curves.labels.unique()) == [6, 11]
    with pytest.raises(ValueError, match="unknown backbone"):
        resolve_backbone("resnet")


def test_labels_to_target_and_savings_by_hand():
    rows = []
    for seed, (a_hit, r_hit) in enumerate([(25, 45), (35, 45), (25, 35)]):
        for labels in (15, 25, 35, 45):
            rows.append({"seed": seed, "strategy": "a", "labels": labels,
                         "ba": 1.0 if labels >= a_hit else 0.5, "target": 0.9})
            rows.append({"seed": seed, "strategy": "random", "labels": labels,
                         "ba": 1.0 if labels >= r_hit else 0.5, "target": 0.9})
    rows.append({"seed": 3, "strategy": "a", "labels": 15, "ba": 0.1, "target": 0.9})
    rows.append({"seed": 3, "strategy": "random", "labels": 15, "ba": 1.0, "target": 0.9})
    curves = pd.DataFrame(rows)
    ltt = labels_to_target(curves).set_index(["seed", "strategy"])
    assert ltt.loc[(0, "a"), "labels_to_target"] == 25
    assert not ltt.loc[(3, "a"), "reached"]
    table = savings_table(curves).set_index("strategy")
    a_mean = (25 + 35 + 25 + 15) / 4  # the unreached run counts with its final label count
    r_mean = (45 + 45 + 35 + 15) / 4
    assert table.loc["a", "labels_mean"] == pytest.approx(a_mean)
    assert table.loc["a", "saving"] == pytest.approx(1 - a_mean / r_mean)
    assert table.loc["a", "saving_ci_low"] <= table.loc["a", "saving"] <= table.loc[
        "a", "saving_ci_high"]
    assert table.loc["a", "reached"] == "3/4"


def _copy_as_data_folder(frames, dest):
    """A --data folder with the frames' images (new paths, same bytes), manifest and boxes."""
    (dest / "images").mkdir(parents=True)
    names = [Path(f).name for f in frames.files]
    for f, name in zip(frames.files, names, strict=True):
        shutil.copy(f, dest / "images" / name)
    labels = np.where(frames.y == 1, "anomaly", "normal")
    pd.DataFrame({"file": [f"images/{n}" for n in names], "label": labels,
                  "group": frames.groups}).to_csv(dest / "manifest.csv", index=False)
    boxes = frames.boxes.assign(file=["images/" + Path(f).name for f in frames.boxes.file])
    boxes.to_csv(dest / "boxes.csv", index=False)


def test_cli_runs_the_case_and_writes_its_artefacts(embedded, cache_dir, tmp_path, capsys):
    frames, _ = embedded
    _copy_as_data_folder(frames, tmp_path / "data")
    code = main(["demo", "powerline", "--data", str(tmp_path / "data"), "--seeds", "1",
                 "--budget", "25", "--strategies", "entropy,random", "--out",
                 str(tmp_path / "out"), "--cache", str(cache_dir)])
    out = capsys.readouterr().out
    assert code == 0
    assert "40 of 40 from the cache" in out and "saving vs random" in out
    for name in ("learning_curve.png", "round1_contact_sheet.png", "summary.csv",
                 "curves.csv", "expert_boxes/coco.json", "expert_boxes/classes.txt"):
        assert (tmp_path / "out" / name).is_file(), name


def test_cli_names_a_bad_data_folder(tmp_path, capsys):
    assert main(["demo", "powerline", "--data", str(tmp_path)]) == 2
    assert "has no manifest.csv" in capsys.readouterr().err
