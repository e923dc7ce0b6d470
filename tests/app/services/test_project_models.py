"""The models of image and table projects: backbone embeddings cached under the workspace,
an MC-dropout head whose uncertainty picks the queue, and held-out figures beside the
majority-class baseline, on the shipped demo workspace."""

from __future__ import annotations

import hashlib

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select

from alwild.app.services.demo import DATA, build_demo, frame_boxes
from alwild.app.services.labels import Submission, submit_label
from alwild.app.services.leases import claim_next
from alwild.app.services.project_models import (
    box_suggestions,
    detector_from_bytes,
    embedding_dir,
    frame_utility,
    holdout_metrics,
    xyxy_boxes,
)
from alwild.app.services.suggestions import suggestions_for
from alwild.app.services.summaries import progress
from alwild.app.services.training import train_project
from alwild.app.store.model_files import load_model
from alwild.app.store.orm import (
    Item,
    Label,
    ModelVersion,
    Project,
    RoundItem,
    SuggestionRow,
    User,
)
from alwild.models.backbone import EfficientNetLite0
from alwild.models.coco_eval import coco_ap
from alwild.scores import bald
from tests.app.conftest import auth, login, make_setup


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    ws, built = build_demo(tmp_path_factory.mktemp("demo") / "ws")
    assert built
    yield ws
    ws.dispose()


def _labelled(db, project):
    rows = db.execute(select(Item, Label.value).join(Label).where(
        Item.project_id == project.id).order_by(Item.id)).all()
    return [item for item, _ in rows], np.array([value for _, value in rows])


def _latest(db, project):
    mv = db.scalar(select(ModelVersion).where(ModelVersion.project_id == project.id)
                   .order_by(ModelVersion.version.desc()).limit(1))
    return mv


@pytest.mark.parametrize("slug", ["insulator-defects", "titanic-passengers"])
def test_the_demos_classifiers_beat_the_majority_baseline_in_balanced_accuracy(demo, slug):
    with demo.session() as db:
        project = db.scalar(select(Project).where(Project.slug == slug))
        quality = progress(db, project)["quality"]
    assert quality["version"] == 1
    assert quality["majority_balanced_accuracy"] == 0.5
    assert quality["balanced_accuracy"] > quality["majority_balanced_accuracy"]


def test_the_image_model_reads_backbone_embeddings_and_its_figures_are_the_held_out_ones(
        demo, tmp_path):
    with demo.session() as db:
        project = db.scalar(select(Project).where(Project.slug == "insulator-defects"))
        mv = _latest(db, project)
        items, values = _labelled(db, project)
    model = load_model(demo.models_root, mv.path, mv.digest, demo.secret_key)
    hold = [k for k, item in enumerate(items) if item.split == "holdout"]
    # embedded afresh, outside the workspace's cache: the same inputs the model was fed
    X = EfficientNetLite0().embed_files([demo.media_root / items[k].media_path for k in hold],
                                        cache_dir=tmp_path).embeddings
    figures = holdout_metrics(values[hold], model.predict(X))
    with demo.session() as db:
        stored = progress(db, db.get(Project, project.id))["models"][-1]
    assert stored["accuracy"] == pytest.approx(figures["accuracy"])
    assert stored["metrics"]["balanced_accuracy"] == pytest.approx(figures["balanced_accuracy"])
    assert model.class_weight == "balanced" and model.classes_.tolist() == ["defect", "normal"]
    weights = model.net_.criterion_.weight.numpy()
    train = values[[k for k, item in enumerate(items) if item.split == "pool"]]
    assert weights[1] / weights[0] == pytest.approx(np.mean(train == "defect")
                                                    / np.mean(train == "normal"))


def test_the_queue_follows_the_heads_mc_dropout_and_every_pool_item_gets_its_class(demo):
    with demo.session() as db:
        project = db.scalar(select(Project).where(Project.slug == "insulator-defects"))
        assert project.strategy == "bald"
        mv = _latest(db, project)
        labelled = set(db.scalars(select(Label.item_id)))
        pool = db.scalars(select(Item).where(Item.project_id == project.id,
                                             Item.split == "pool").order_by(Item.id)).all()
        pool = [i for i in pool if i.id not in labelled]
        picked = db.scalars(select(RoundItem.item_id).where(RoundItem.score.is_not(None))
                            .join(Item).where(Item.project_id == project.id)
                            .order_by(RoundItem.rank)).all()
    model = load_model(demo.models_root, mv.path, mv.digest, demo.secret_key)
    X = EfficientNetLite0().embed_files([demo.media_root / i.media_path for i in pool],
                                        cache_dir=embedding_dir(demo)).embeddings
    utility = bald(model.predict_proba_samples(X))
    expected = [pool[k].id for k in np.argsort(-utility, kind="stable")[:len(picked)]]
    assert len(picked) == project.batch_size and utility.max() > 0
    assert set(picked) == set(expected)
    proba = model.predict_proba(X)
    with demo.session() as db:
        suggested = [suggestions_for(db, i.id) for i in pool]
    assert [[(s.label, s.box) for s in got] for got in suggested] == \
        [[(model.classes_[k], None)] for k in proba.argmax(1)]
    np.testing.assert_allclose([got[0].score for got in suggested], proba.max(1), rtol=1e-6)


def test_embeddings_are_cached_by_content_and_a_retrain_reuses_them(demo):
    cached = sorted(embedding_dir(demo).rglob("*.npy"))
    with demo.session() as db:
        hashes = set(db.scalars(select(Item.content_hash).join(Project).where(
            Item.kind == "image", Project.task == "classify")))
    assert {p.stem for p in cached} == hashes
    before = {p: p.stat().st_mtime_ns for p in cached}
    with demo.session() as db:
        project_id = db.scalar(select(Project.id).where(Project.slug == "insulator-defects"))
    result = train_project(demo, project_id)
    assert result.version == 2
    assert {p: p.stat().st_mtime_ns for p in embedding_dir(demo).rglob("*.npy")} == before
    with demo.session() as db:
        assert db.scalar(select(ModelVersion.warm_started).where(
            ModelVersion.project_id == project_id, ModelVersion.version == 2))


@given(st.lists(st.sampled_from("abc"), min_size=1, max_size=40), st.randoms())
def test_holdout_metrics_put_the_model_beside_always_answering_the_majority(truth, rnd):
    guess = [rnd.choice("abc") for _ in truth]
    figures = holdout_metrics(truth, guess)
    k = len(set(truth))
    counts = max(truth.count(c) for c in set(truth))
    assert figures["majority_balanced_accuracy"] == pytest.approx(1 / k)
    assert figures["majority_accuracy"] == pytest.approx(counts / len(truth))
    assert figures["accuracy"] == pytest.approx(np.mean(np.array(truth) == np.array(guess)))
    assert holdout_metrics(truth, truth)["balanced_accuracy"] == 1.0


def test_the_progress_api_and_page_show_balanced_accuracy_beside_the_baseline(
        sqlite_ws, tmp_path, client_for):
    s = make_setup(sqlite_ws, tmp_path, n=120, seed_labels=60)
    train_project(sqlite_ws, s.project_id)
    client = client_for(sqlite_ws)
    prog = client.get(f"/api/projects/{s.slug}/progress", headers=auth(s.admin_token)).json()
    figures = prog["models"][-1]["metrics"]
    assert prog["quality"]["balanced_accuracy"] == figures["balanced_accuracy"]
    assert prog["quality"]["majority_balanced_accuracy"] == 0.5
    login(client, "boss", "boss-password-1")
    page = client.get(f"/p/{s.slug}/progress").text
    assert f'{figures["balanced_accuracy"]:.2f}' in page.split('id="balanced-accuracy"')[1]
    assert "always the majority class: 0.50" in page
    versions = page.split("<h2>Model versions</h2>")[1]  # each version: the curve's figure
    assert 'id="version-figure">Balanced accuracy</th>' in versions
    assert f'<td class="num">{figures["balanced_accuracy"]:.3f}</td>' in versions


def test_the_demos_detection_project_suggests_boxes_after_its_first_retrain(demo):
    with demo.session() as db:
        project = db.scalar(select(Project).where(Project.slug == "insulator-frames"))
        mv = _latest(db, project)
        labelled = {i: lab for i, lab in db.execute(select(Label.item_id, Label.boxes))}
        items = db.scalars(select(Item).where(Item.project_id == project.id)
                           .order_by(Item.id)).all()
        pool = [i for i in items if i.split == "pool" and i.id not in labelled]
        suggested = {i.id: suggestions_for(db, i.id) for i in pool}
        picked = db.scalars(select(RoundItem.item_id).where(RoundItem.score.is_not(None))
                            .join(Item).where(Item.project_id == project.id)
                            .order_by(RoundItem.rank)).all()
        quality = progress(db, project)["quality"]
    assert mv.version == 1
    detector = detector_from_bytes(load_model(demo.models_root, mv.path, mv.digest,
                                              demo.secret_key), demo)
    found = detector.detect([str(demo.media_root / i.media_path) for i in pool])
    boxes = [s for got in suggested.values() for s in got]
    assert len(boxes) > 0 and all(s.label in project.labels and s.box for s in boxes)
    expected = [box_suggestions(d, project.labels) for d in found]
    assert [[g.label for g in suggested[i.id]] for i in pool] == \
        [[e.label for e in want] for want in expected]
    np.testing.assert_allclose([[*g.box, g.score] for i in pool for g in suggested[i.id]],
                               [[*e.box, e.score] for want in expected for e in want],
                               rtol=1e-5, atol=1e-3)
    utility = np.array([frame_utility(d) for d in found])
    assert set(picked) == {pool[k].id for k in np.argsort(-utility)[:project.batch_size]}
    hold = [i for i in items if i.split == "holdout" and i.id in labelled]
    index = {c: k for k, c in enumerate(project.labels)}
    truth = []
    for i in hold:
        corners, names = xyxy_boxes(labelled[i.id])
        truth.append((corners, np.array([index[c] for c in names], dtype=int)))
    table = coco_ap(truth, detector.detect([str(demo.media_root / i.media_path) for i in hold]),
                    project.labels, [(i.width, i.height) for i in hold])
    present = {c for i in hold for c in xyxy_boxes(labelled[i.id])[1]}
    assert set(quality["ap50"]) == present
    for c in present:
        assert quality["ap50"][c] == pytest.approx(table.loc[c, "ap50"])


def test_an_inspector_sees_a_retrained_detectors_suggestions_within_the_demos_open_frames(
        demo):
    """Labelling the first frames of the demo's queue (with their true boxes) makes a
    retrain due while frames are still open, and after it those frames carry the new
    version's suggestions. (Runs last: it adds labels to the module's demo workspace.)"""
    root = DATA / "insulators" / "frames"
    truth = frame_boxes(root)
    name_of = {hashlib.sha256(p.read_bytes()).hexdigest(): p.relative_to(root).as_posix()
               for p in (root / "images").glob("*.jpg")}
    with demo.session() as db, db.begin():
        project = db.scalar(select(Project).where(Project.slug == "insulator-frames"))
        inspector = User(username="inspector", password_hash="!", role="annotator")
        db.add(inspector)
        db.flush()
        for k in range(project.retrain_every):  # as the queue hands them out
            item = claim_next(db, project, inspector)
            submit_label(db, project, item, inspector, Submission(
                f"inspector-{k}", boxes=truth[name_of[item.content_hash]]))
        due = project.changes_since_train >= project.retrain_every
        labelled = set(db.scalars(select(Label.item_id)))
        rest = [i for i in db.scalars(select(Item).join(RoundItem).where(
            Item.project_id == project.id, Item.split == "pool")) if i.id not in labelled]
    assert due and rest
    train_project(demo, project.id)
    with demo.session() as db:
        versions = {v for i in rest for v in db.scalars(
            select(SuggestionRow.model_version).where(SuggestionRow.item_id == i.id))}
    assert versions == {2}
