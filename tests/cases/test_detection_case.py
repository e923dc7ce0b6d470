"""The detection campaign on a tiny synthetic power-line folder: loop, splits, report, CLI."""

from __future__ import annotations

import json
import re
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest
from PIL import Image

from alwild.cases.detection import DetectionConfig, frame_truth, run_detection_case
from alwild.cases.powerline import group_split, load_frames
from alwild.cli import main
from alwild.errors import UserValueError

SIZE = 96


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    """24 frames in 12 groups: a grey 'insulator' bar on each, a red 'defect' on half."""
    root = tmp_path_factory.mktemp("powerline")
    (root / "images").mkdir()
    rng = np.random.default_rng(0)
    rows, boxes = [], []
    for i in range(24):
        image = rng.integers(40, 120, (SIZE, SIZE, 3), dtype=np.uint8)
        y0 = int(rng.integers(10, 60))
        image[y0:y0 + 20, 8:88] = (200, 200, 200)
        boxes.append((f"images/f{i}.png", "insulator", 8, y0, 88, y0 + 20))
        anomaly = i % 2 == 1
        if anomaly:
            x0 = int(rng.integers(10, 70))
            image[y0 + 2:y0 + 18, x0:x0 + 16] = (230, 20, 20)
            boxes.append((f"images/f{i}.png", "defect", x0, y0 + 2, x0 + 16, y0 + 18))
        Image.fromarray(image).save(root / "images" / f"f{i}.png")
        rows.append((f"images/f{i}.png", "anomaly" if anomaly else "normal", f"g{i // 2}"))
    pd.DataFrame(rows, columns=["file", "label", "group"]).to_csv(root / "manifest.csv",
                                                                   index=False)
    pd.DataFrame(boxes, columns=["file", "class", "x_min", "y_min", "x_max", "y_max"]).to_csv(
        root / "boxes.csv", index=False)
    return root


CFG = DetectionConfig(strategies=("max_box_entropy", "random"), seeds=2, seed_frames=4,
                      batch=3, budget=10, image_size=SIZE, epochs=10, warm_epochs=2,
                      mc_samples=2)


@pytest.fixture(scope="module")
def result(folder, tmp_path_factory):
    return run_detection_case(load_frames(folder), CFG, tmp_path_factory.mktemp("maps"))


def test_each_run_grows_by_batches_to_the_budget_from_shared_seed_frames(folder, result):
    frames = load_frames(folder)
    curves = result.curves
    for (_, _), g in curves.groupby(["seed", "strategy"]):
        assert g["labels"].tolist() == [4, 7, 10]
        assert g[["ap50_defect", "ap50_insulator", "ba"]].stack().between(0, 1).all()
    train, test = group_split(frames, CFG, 0)
    picked = result.labelled
    assert picked["max_box_entropy"][:4] == picked["random"][:4]
    for name, frames_asked in picked.items():
        assert set(frames_asked) <= set(train.tolist()) and not set(frames_asked) & set(test)
        assert len(set(frames_asked)) == 10
        assert result.first_picks[name] == frames_asked[4:7]
    assert result.full["n_train"].tolist() == [train.size, group_split(frames, CFG, 1)[0].size]
    truth = frame_truth(frames, ["insulator", "defect"])
    for name, frames_asked in picked.items():  # the last round counts every labelled box
        last = curves[(curves["seed"] == 0) & (curves["strategy"] == name)].iloc[-1]
        assert last["boxes_defect"] == sum(int((truth[i][1] == 1).sum()) for i in frames_asked)
        assert last["boxes_insulator"] == sum(int((truth[i][1] == 0).sum())
                                              for i in frames_asked)


def test_cold_refits_measure_the_frame_set_not_the_path_to_it(folder, tmp_path):
    cfg = replace(CFG, seeds=1, budget=1000, refit="cold", reference_fits=2)
    result = run_detection_case(load_frames(folder), cfg, tmp_path)
    full = result.full.iloc[0]
    ends = result.curves[result.curves["labels"] == full["n_train"]]
    assert sorted(ends["strategy"]) == ["max_box_entropy", "random"]
    metrics = ["ap50_defect", "ap50_insulator", "ap_defect", "ba"]
    # the whole split labelled: both strategies have the reference's first fit, exactly
    assert ends[metrics].nunique().eq(1).all()
    assert full["reference_fits"] == 2
    # the reference is the mean of two fits, one of them the curves' end
    end = ends["ap50_defect"].iloc[0]
    assert abs(end - full["ap50_defect"]) == pytest.approx(full["sd_ap50_defect"])


def test_an_unknown_refit_is_a_clear_error(folder):
    with pytest.raises(UserValueError, match="refit must be 'warm' or 'cold'"):
        run_detection_case(load_frames(folder), replace(CFG, refit="hot"))


def test_frame_truth_reads_the_experts_boxes(folder):
    frames = load_frames(folder)
    truth = frame_truth(frames, ["insulator", "defect"])
    assert [t[1].tolist() for t in truth[:2]] == [[0], [0, 1]]


def test_the_default_campaign_leaves_the_costly_mc_strategy_to_be_named():
    assert "mc_disagreement" not in DetectionConfig().strategies
    assert {"least_anomaly_probability", "max_box_entropy", "random"} <= set(
        DetectionConfig().strategies)


def test_the_demo_runs_the_detection_campaign_then_the_frame_classifier(folder, tmp_path,
                                                                       capsys):
    out = tmp_path / "run"
    code = main(["demo", "powerline", "--data", str(folder), "--out", str(out), "--cache",
                 str(tmp_path / "cache"), "--image-size", str(SIZE), "--seeds", "2",
                 "--budget", "10", "--batch", "3",
                 "--detection-strategies", "least_anomaly_probability,mc_disagreement,random",
                 "--strategies", "entropy,random"])
    assert code == 0
    printed = capsys.readouterr().out
    assert "strategies least_anomaly_probability, mc_disagreement, random" in printed
    total = re.search(r"\ntotal: (\d+) s wall \((\d+\.\d) min\), (\d+) s CPU\n$", printed)
    assert total and float(total[2]) == pytest.approx(int(total[1]) / 60, abs=0.1)
    summary = pd.read_csv(out / "detection_summary.csv")
    assert set(summary["metric"]) == {"ap50_defect", "ba"}
    assert set(summary["target_share"]) == {0.95, 0.99}
    assert {"saving_median", "saving_median_ci_low"} <= set(summary.columns)
    for name in ("detection_ap50.png", "detection_ba.png",
                 "detection_round1_contact_sheet.png"):
        assert (out / name).stat().st_size > 1000
    coco = json.loads((out / "detection_boxes" / "coco.json").read_text())
    assert {c["name"] for c in coco["categories"]} == {"insulator", "defect"}
    assert len(coco["images"]) == 10
    assert (out / "frame_classifier" / "summary.csv").is_file()


def test_the_summary_says_when_no_seed_reached_a_target():
    """A strategy that never reached the target is shown as '>budget, not reached', not
    as the budget with a 0% saving (which would read as a tie with random)."""
    from alwild.cases.detection_campaign import format_detection_summary

    row = dict(metric="ap50_defect", target_share=0.95, labels_ci_low=70.0,
               labels_ci_high=100.0, saving_median_ci_low=0.0, saving_median_ci_high=0.4)
    summary = pd.DataFrame([
        dict(row, strategy="max_box_entropy", labels_mean=85.0, reached="3/5",
             saving_median=0.15, final=0.30),
        dict(row, strategy="random", labels_mean=100.0, reached="0/5", saving_median=0.0,
             final=0.20)])
    text = format_detection_summary(summary, full=0.4).splitlines()
    entropy = next(line for line in text if "max_box_entropy" in line)
    random = next(line for line in text if "random" in line)
    assert "85.0" in entropy and "15%" in entropy and "3/5" in entropy
    assert ">100" in random and "not reached" in random and "0%" not in random
