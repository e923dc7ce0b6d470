"""Labelling as an inspector does it, in a real browser (Debian's chromium, Playwright)
against ``alwild serve`` on the demo workspace: the class keys, "nothing to report", zoom
and pan, queue thumbnails, the informativeness score's meaning, undoing a skip, and the
model's suggestions (written with ``replace_suggestions`` into the served workspace's
database, the storage the app really reads). Screenshots go to ``artifacts/screenshots/``;
the documented ones also to ``docs/img/app/`` (see test_browser.update_doc_shot). Also: the
frame-level guess of a detection item, Z on the "nothing left" page, and zoom surviving a
window resize."""

from __future__ import annotations

import csv
import io
import re
from collections import defaultdict

import numpy as np
import pytest
from PIL import Image, ImageDraw
from sqlalchemy import select

from alwild.app.services.demo import build_demo
from alwild.app.services.ingest import store_image
from alwild.app.services.project_models import frame_guess
from alwild.app.services.projects import create_project
from alwild.app.services.suggestions import Suggestion, replace_suggestions
from alwild.app.store.orm import Item, Label, LabelAssist, Project, Skip, User
from alwild.app.store.workspace import open_workspace
from tests.app.conftest import DATA
from tests.app.server_proc import Server
from tests.app.web.test_browser import (
    DOCS_SHOTS,
    SHOTS,
    browser_page,
    require_chromium,
    update_doc_shot,
)

DOC_SHOTS = {"suggestions": "suggestions.png", "zoomed": "zoomed.png",
             "queue-thumbs": "queue-thumbnails.png", "nothing-to-report": "nothing-to-report.png",
             "assist": "assist-rate.png"}
FRAMES = "insulator-frames"
BIG = (4000, 2250)



def _big_photo() -> bytes:
    """A 4000x2250 JPEG with a fine grid and small writing: unreadable unless zoomed."""
    w, h = BIG
    yy, xx = np.mgrid[0:h, 0:w]
    rgb = np.stack([(xx * 255 // w), (yy * 255 // h), np.full_like(xx, 120)], -1).astype(np.uint8)
    img = Image.fromarray(rgb)
    draw = ImageDraw.Draw(img)
    for x in range(0, w, 50):
        draw.line([(x, 0), (x, h)], fill=(255, 255, 255), width=1)
    for y in range(0, h, 50):
        draw.line([(0, y), (w, y)], fill=(255, 255, 255), width=1)
    for x in range(0, w, 400):
        for y in range(0, h, 300):
            draw.text((x + 6, y + 6), f"{x},{y}", fill=(0, 0, 0))
    out = io.BytesIO()
    img.save(out, "JPEG", quality=88)
    return out.getvalue()


def _true_boxes() -> dict[str, list[tuple[str, tuple[float, float, float, float]]]]:
    boxes = defaultdict(list)
    with open(DATA / "insulators" / "frames" / "frames_boxes.csv", newline="") as f:
        for r in csv.DictReader(f):
            x0, y0, x1, y1 = (float(r[k]) for k in ("x_min", "y_min", "x_max", "y_max"))
            boxes[r["file"].split("/")[-1]].append((r["class"], (x0, y0, x1 - x0, y1 - y0)))
    return boxes


def _overlap(a, b, margin: float = 15) -> bool:
    """Whether boxes a and b (x, y, w, h) come within ``margin`` px of each other."""
    return (a[0] < b[0] + b[2] + margin and b[0] < a[0] + a[2] + margin
            and a[1] < b[1] + b[3] + margin and b[1] < a[1] + a[3] + margin)


def _free_spots(boxes, k: int = 2, size=(30, 30), frame=(320, 180)) -> list[tuple]:
    """``k`` places of ``size`` on a frame, clear of ``boxes`` and of each other."""
    found: list[tuple] = []
    for y in range(0, frame[1] - size[1], 10):
        for x in range(0, frame[0] - size[0], 10):
            spot = (x, y, *size)
            if not any(_overlap(spot, b) for b in [*boxes, *found]):
                found.append(spot)
                if len(found) == k:
                    return found
    return []


def _small_png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (90, 140, 60)).save(out, "PNG")
    return out.getvalue()


def _prepare(root) -> dict:
    """The demo, a project with one 4000x2250 photo, a project with one crop, suggestions for
    two queued frames (their true boxes plus one false box) and for the queued crops (class
    "defect"), and one queued frame on which the detector found no box."""
    ws, _ = build_demo(root)
    truth = _true_boxes()
    try:
        with ws.session() as db, db.begin():
            big = create_project(db, "Big photo", "detect", ["insulator", "broken"])
            photo = store_image(ws, db, big, _big_photo(), "big.jpg", 0.0)
            last = create_project(db, "Last one", "classify", ["normal", "defect"])
            only = store_image(ws, db, last, _small_png(), "only.png", 0.0)
            db.flush()
            frames = db.scalar(select(Project).where(Project.slug == FRAMES))
            spots = {i.id: _free_spots([b for _, b in truth[i.data["file"]]])
                     for i in db.scalars(select(Item).where(
                         Item.project_id == frames.id, Item.queued.is_(True),
                         Item.split == "pool")) if truth.get(i.data["file"])}
            queued = [i for i in db.scalars(select(Item).where(
                Item.project_id == frames.id, Item.queued.is_(True), Item.split == "pool")
                .order_by(Item.queue_rank)) if spots.get(i.id)]
            suggested = {}
            for item in queued[:2]:
                found = [Suggestion(lab, 0.9 - 0.1 * k, box)
                         for k, (lab, box) in enumerate(truth[item.data["file"]])]
                suggested[item.id] = [*found, Suggestion("broken", 0.31, spots[item.id][0])]
            replace_suggestions(db, frames.id, 1, suggested)
            no_box = queued[-1]
            # what training stores for a frame with no box worth suggesting
            no_box.guess, no_box.guess_p = frame_guess([])
            crops = db.scalar(select(Project).where(Project.slug == "insulator-defects"))
            crop_items = db.scalars(select(Item).where(Item.project_id == crops.id,
                                                       Item.queued.is_(True),
                                                       Item.split == "pool")).all()
            replace_suggestions(db, crops.id, 1, {i.id: [Suggestion("defect", 0.83)]
                                                  for i in crop_items})
            return {"big": photo.uid, "only": only.uid, "suggested": [i.uid for i in queued[:2]],
                    "spots": [spots[i.id] for i in queued[:2]],
                    "n_suggested": [len(suggested[i.id]) for i in queued[:2]],
                    "plain": [i.uid for i in queued[2:-1]], "no_box": no_box.uid,
                    "top_box": [suggested[i.id][0].label for i in queued[:2]],
                    "crop": crop_items[0].uid}
    finally:
        ws.dispose()


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """The prepared demo served by ``alwild serve`` without a training worker, so that the
    prepared suggestions stay as they are (the frames project retrains every 5 labels, and
    these tests label more); ``served.uids`` names its items."""
    require_chromium()
    root = tmp_path_factory.mktemp("labelling") / "demo"
    uids = _prepare(root)
    server = Server(root, options=("--no-worker",)).start()
    server.uids = uids
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module")
def page(served):
    """A browser logged in as the admin; no script error may happen on any page."""
    with browser_page() as pg:
        pg.goto(served.url + "/login")
        pg.fill("input[name=username]", "admin")
        pg.fill("input[name=password]", served.password)
        pg.click("button[type=submit]")
        pg.wait_for_selector("text=Projects")
        yield pg
        assert not pg.errors, pg.errors


def shot(page, name: str, full: bool = False) -> None:
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=full)
    if name in DOC_SHOTS:
        update_doc_shot(SHOTS / f"{name}.png", DOCS_SHOTS / DOC_SHOTS[name])


def _db(served):
    return open_workspace(served.workspace)


def _label_of(served, uid: str) -> Label | None:
    ws = _db(served)
    try:
        with ws.session() as db:
            return db.scalar(select(Label).join(Item).join(User, User.id == Label.user_id)
                             .where(Item.uid == uid, User.username == "admin"))
    finally:
        ws.dispose()


def _open(page, served, slug: str, uid: str) -> None:
    page.goto(f"{served.url}/p/{slug}/items/{uid}")
    page.wait_for_selector("#image")


def _to_screen(page, x: float, y: float) -> tuple[float, float]:
    """The screen point over image pixel (x, y), whatever the zoom and pan."""
    r = page.locator("#boxes").bounding_box()
    width = int(page.locator("#image").get_attribute("width"))
    height = int(page.locator("#image").get_attribute("height"))
    return r["x"] + x * r["width"] / width, r["y"] + y * r["height"] / height


def _drag(page, a: tuple[float, float], b: tuple[float, float], button="left") -> None:
    page.mouse.move(*a)
    page.mouse.down(button=button)
    page.mouse.move(*b, steps=6)
    page.mouse.up(button=button)


def _draw(page, x, y, w, h) -> None:
    _drag(page, _to_screen(page, x, y), _to_screen(page, x + w, y + h))


def _leave(page) -> None:
    url = page.url
    page.wait_for_url(lambda now: now != url)


def test_a_class_key_after_drawing_is_the_next_boxs_class_and_re_classing_is_explicit(
        served, page):
    uid = served.uids["plain"][0]
    _open(page, served, FRAMES, uid)
    _draw(page, 10, 10, 40, 30)          # class 1, the default: insulator
    page.keyboard.press("2")             # broken: for the NEXT box, not the one just drawn
    assert page.locator("#mode").inner_text() == "Next box: broken"
    _draw(page, 80, 10, 40, 30)
    page.keyboard.press("3")
    _draw(page, 150, 10, 40, 30)
    labels = page.locator("#boxes g.box text").all_text_contents()
    assert labels == ["1 insulator", "2 broken", "3 pollution-flashover"]
    page.mouse.click(*_to_screen(page, 100, 25))   # select box 2, then re-class it
    assert "Box 2 selected" in page.locator("#mode").inner_text()
    page.keyboard.press("1")
    assert "Box 2 re-classed: broken → insulator" in page.locator("#status").inner_text()
    page.keyboard.press("Escape")
    page.locator("#boxlist select").nth(2).select_option("broken")  # from box 3's menu
    page.keyboard.press("Enter")
    _leave(page)
    saved = _label_of(served, uid)
    assert [b["label"] for b in saved.boxes] == ["insulator", "insulator", "broken"]
    assert saved.boxes[0]["x"] == pytest.approx(10, abs=1.5)


def test_a_box_is_drawn_inside_another_and_only_its_edge_or_selection_moves_it(
        served, page):
    """A defect's box lies inside its insulator's: a drag that starts inside a box that is
    not selected draws a new box and leaves the outer one where it was."""
    uid = served.uids["plain"][2]
    _open(page, served, FRAMES, uid)
    _draw(page, 20, 20, 200, 140)                  # the insulator
    page.keyboard.press("2")
    _draw(page, 80, 60, 40, 30)                    # the broken disc, inside it
    assert page.locator("#boxes g.box text").all_text_contents() == ["1 insulator", "2 broken"]
    _drag(page, _to_screen(page, 20, 90), _to_screen(page, 30, 95))  # the outer box's edge
    page.mouse.click(*_to_screen(page, 170, 130))  # a click inside selects the outer box
    assert "Box 1 selected" in page.locator("#mode").inner_text()
    _drag(page, _to_screen(page, 170, 130), _to_screen(page, 175, 130))  # selected: moves
    page.mouse.click(*_to_screen(page, 250, 170))  # outside any box: deselects
    _drag(page, _to_screen(page, 280, 10), _to_screen(page, 280.5, 10.5))  # too small
    assert "Too small" in page.locator("#status").inner_text()
    page.keyboard.press("Enter")
    _leave(page)
    saved = _label_of(served, uid)
    assert [b["label"] for b in saved.boxes] == ["insulator", "broken"]
    outer, inner = ({k: b[k] for k in "xywh"} for b in saved.boxes)
    assert outer == pytest.approx({"x": 35, "y": 25, "w": 200, "h": 140}, abs=1.5)
    assert inner == pytest.approx({"x": 80, "y": 60, "w": 40, "h": 30}, abs=1.5)


def test_an_unsaved_answer_survives_a_reload_and_an_ended_session(served, page):
    """Boxes drawn but not saved come back after a reload; a save refused because the
    session ended says so, keeps them, and they are saved after logging in again."""
    uid = served.uids["plain"][3]
    _open(page, served, FRAMES, uid)
    _draw(page, 30, 40, 50, 40)
    page.reload()
    page.wait_for_selector("#image")
    assert page.locator("#boxes g.box").count() == 1
    assert "unsaved answer on this item is back" in page.locator("#status").inner_text()
    page.context.clear_cookies()                   # the session ends
    page.keyboard.press("Enter")
    page.wait_for_selector("#status a")
    assert "session has ended" in page.locator("#status").inner_text()
    assert _label_of(served, uid) is None
    page.click("#status a")                        # log in again
    page.fill("input[name=username]", "admin")
    page.fill("input[name=password]", served.password)
    page.click("button[type=submit]")
    page.wait_for_url(f"**/items/{uid}")
    page.wait_for_selector("#image")
    assert page.locator("#boxes g.box").count() == 1
    page.keyboard.press("Enter")
    _leave(page)
    (box,) = _label_of(served, uid).boxes
    assert {k: box[k] for k in "xywh"} == pytest.approx(
        {"x": 30, "y": 40, "w": 50, "h": 40}, abs=1.5)


def test_enter_without_boxes_asks_and_nothing_to_report_is_its_own_key(served, page):
    uid = served.uids["plain"][1]
    _open(page, served, FRAMES, uid)
    page.keyboard.press("Enter")
    page.wait_for_timeout(400)
    assert f"/items/{uid}" in page.url
    assert "Nothing to report" in page.locator("#status").inner_text()
    assert _label_of(served, uid) is None
    shot(page, "nothing-to-report")
    _draw(page, 30, 30, 40, 40)
    page.keyboard.press("n")  # there is a box now: N refuses
    assert "delete them first" in page.locator("#status").inner_text()
    page.keyboard.press("z")  # undo the box
    page.keyboard.press("n")
    _leave(page)
    assert _label_of(served, uid).boxes == []


def test_suggestions_are_dashed_until_accepted_and_the_label_counts_what_was_done(
        served, page):
    uid, n = served.uids["suggested"][0], served.uids["n_suggested"][0]
    false_box, missed_box = served.uids["spots"][0]
    _open(page, served, FRAMES, uid)
    assert page.locator("#boxes g.box.suggestion").count() == n
    dash = page.locator("#boxes g.suggestion rect").first.evaluate(
        "r => getComputedStyle(r).strokeDasharray")
    assert dash not in ("", "none")
    page.keyboard.press("Enter")  # open suggestions: not saved yet
    assert "still open" in page.locator("#status").inner_text()
    shot(page, "suggestions")
    page.mouse.click(*_to_screen(page, false_box[0] + 15, false_box[1] + 15))  # select, delete
    page.keyboard.press("Delete")
    first = page.locator("#boxes g.suggestion rect").first.bounding_box()
    centre = (first["x"] + first["width"] / 2, first["y"] + first["height"] / 2)
    page.mouse.click(*centre)  # correct one: select it, drag it
    _drag(page, centre, (centre[0] + 12, centre[1] + 6))
    page.keyboard.press("a")  # accept the rest
    assert page.locator("#boxes g.box.suggestion").count() == 0
    page.keyboard.press("Escape")
    _draw(page, *missed_box)
    page.keyboard.press("Enter")
    _leave(page)
    saved = _label_of(served, uid)
    assert len(saved.boxes) == n - 1 + 1
    ws = _db(served)
    with ws.session() as db:
        row = db.get(LabelAssist, saved.id)
        counts = (row.suggested, row.accepted, row.moved, row.deleted, row.added)
    ws.dispose()
    assert counts == (n, n - 2, 1, 1, 1)
    page.goto(f"{served.url}/p/{FRAMES}/progress")
    cells = page.locator("#assist tbody tr").last.locator("td").all_inner_texts()
    assert cells[2:6] == ["1", str(n - 2), "1", "1"]  # assisted, accepted, moved, deleted
    page.locator("#assist").scroll_into_view_if_needed()
    shot(page, "assist", full=True)


def test_the_suggested_class_is_preselected_for_classification(served, page):
    uid = served.uids["crop"]
    _open(page, served, "insulator-defects", uid)
    chosen = page.locator("#choices .choice.selected")
    assert chosen.get_attribute("data-value") == "defect"
    assert "suggested 83%" in chosen.inner_text()
    page.keyboard.press("Enter")
    _leave(page)
    assert _label_of(served, uid).value == "defect"


def test_zoom_and_pan_keep_boxes_in_image_pixels_and_small_crops_are_crisp(served, page):
    _open(page, served, "big-photo", served.uids["big"])
    viewer = page.locator("#viewer")
    fit = float(viewer.get_attribute("data-scale"))
    assert fit < 0.3  # the whole 4000 px photo fits the screen: unreadable
    for _ in range(8):
        page.keyboard.press("+")
    zoomed = float(viewer.get_attribute("data-scale"))
    assert zoomed == pytest.approx(fit * 1.25 ** 8, rel=0.01)
    box = viewer.bounding_box()
    middle = (box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.mouse.move(*middle)
    page.mouse.wheel(0, -300)  # zoom about the cursor: the pixel under it stays put
    before = _to_screen(page, 2000, 1125)
    assert float(viewer.get_attribute("data-scale")) > zoomed
    assert before == pytest.approx(middle, abs=3)
    left = page.locator("#stage").bounding_box()["x"]
    page.keyboard.down("Space")
    _drag(page, middle, (middle[0] + 150, middle[1]))  # Space + drag pans, draws nothing
    page.keyboard.up("Space")
    assert page.locator("#stage").bounding_box()["x"] == pytest.approx(left + 150, abs=2)
    _drag(page, middle, (middle[0] - 80, middle[1] - 40), button="middle")  # so does button 2
    assert page.locator("#boxes g.box").count() == 0
    _draw(page, 1900, 1050, 120, 80)
    page.keyboard.press("Escape")
    assert page.locator("#stage img").evaluate("i => getComputedStyle(i).imageRendering") \
        == "pixelated"
    shot(page, "zoomed")
    page.keyboard.press("0")
    assert float(viewer.get_attribute("data-scale")) == pytest.approx(fit)
    page.keyboard.press("Enter")
    _leave(page)
    (saved,) = _label_of(served, served.uids["big"]).boxes
    assert [saved[k] for k in "xywh"] == pytest.approx([1900, 1050, 120, 80], abs=1)

    page.goto(f"{served.url}/p/insulator-defects/next")  # a crop of at most 128 px
    page.wait_for_selector("#image")
    assert float(viewer.get_attribute("data-scale")) > 1
    assert page.locator("#stage img").evaluate("i => getComputedStyle(i).imageRendering") \
        == "pixelated"
    shot(page, "crop-pixelated")


def test_the_queue_shows_thumbnails_and_explains_the_score(served, page):
    page.goto(f"{served.url}/p/{FRAMES}")
    thumbs = page.locator("td.thumb img")
    assert thumbs.count() >= 3
    page.wait_for_function("() => [...document.querySelectorAll('td.thumb img')]"
                           ".slice(0, 3).every(i => i.complete && i.naturalWidth > 0)")
    assert 0 < thumbs.first.evaluate("i => i.naturalWidth") <= 96
    help_text = page.locator("#score-help").inner_text()
    # the frames are ranked by the detector's least_confident_box (project_models)
    assert "least_confident_box" in help_text and "range 0 to" in help_text
    # the heading names the strategy that ranked the round, not the project's setting
    assert page.locator("#round-strategy").inner_text() == "strategy least_confident_box"
    bars = [float(m.get_attribute("value")) for m in page.locator("table.queue meter").all()]
    # earlier tests of this module label some of the round's frames, the top one among them
    # when the detector ranks a suggested frame first, so the fullest bar left may be < 1
    assert bars and all(0 < v <= 1 for v in bars)
    assert bars == sorted(bars, reverse=True)
    shot(page, "queue-thumbs")
    page.locator("table.queue a", has_text="open").first.click()
    info = page.locator("#score-info").inner_text()
    assert re.search(r"rank \d+ of \d+ in this round", info)
    assert "Strategy least_confident_box" in info


def test_a_skip_can_be_undone(served, page):
    page.goto(f"{served.url}/p/titanic-passengers/next")
    page.wait_for_selector("table.record")
    skipped = page.url
    page.keyboard.press("s")
    _leave(page)
    page.wait_for_selector("table.record")
    assert "Z brings it back" in page.locator("#status").inner_text()
    page.keyboard.press("z")
    page.wait_for_url(skipped)
    page.wait_for_selector("table.record")
    assert "Skip undone" in page.locator("#status").inner_text()
    uid = re.search(r"/items/([^/?]+)", skipped).group(1)
    ws = _db(served)
    with ws.session() as db:
        assert db.scalar(select(Skip).join(Item).where(Item.uid == uid)) is None
    ws.dispose()
    page.keyboard.press("1")
    page.keyboard.press("Enter")
    _leave(page)
    assert _label_of(served, uid).value == "died"


def test_a_frame_without_a_found_box_says_so_rather_than_none_0_percent(served, page):
    _open(page, served, FRAMES, served.uids["no_box"])
    guess = page.locator("#guess").inner_text()
    assert guess == "No box found"
    assert "not sure enough of any box" in page.locator(".guess").inner_text()
    shot(page, "guess-no-box")
    _open(page, served, FRAMES, served.uids["suggested"][1])  # suggested boxes 90%, 80%, ...
    assert "its most confident box" in page.locator(".guess").inner_text()
    assert page.locator("#guess").inner_text() == f"{served.uids['top_box'][1]} 90%"
    page.goto(f"{served.url}/p/{FRAMES}")
    guesses = page.locator("table.queue tbody td:nth-child(4)").all_inner_texts()
    assert "no box found" in guesses and "none" not in guesses


def test_z_on_the_nothing_left_page_brings_back_the_last_skip(served, page):
    _open(page, served, "last-one", served.uids["only"])
    item = page.url
    page.keyboard.press("s")  # the project's only item: then nothing is left
    page.wait_for_selector("#nothing-left")
    assert "Z brings it back" in page.locator("#status").inner_text()
    shot(page, "nothing-left-after-skip")
    page.keyboard.press("z")
    page.wait_for_url(item)
    page.wait_for_selector("#image")
    assert "Skip undone" in page.locator("#status").inner_text()
    page.keyboard.press("s")
    page.wait_for_selector("#nothing-left")
    page.evaluate("() => sessionStorage.clear()")  # a fresh tab: no history
    page.keyboard.press("z")
    assert page.locator("#status").inner_text() == "Nothing to undo."
    assert "/next" in page.url
    page.locator("#undo").click()  # the button does what Z does
    assert page.locator("#status").inner_text() == "Nothing to undo."


def _viewer_centre_pixel(page) -> tuple[float, float]:
    """The image pixel under the viewer's centre."""
    v = page.locator("#viewer").bounding_box()
    r = page.locator("#boxes").bounding_box()
    return ((v["x"] + v["width"] / 2 - r["x"]) * BIG[0] / r["width"],
            (v["y"] + v["height"] / 2 - r["y"]) * BIG[1] / r["height"])


def test_a_window_resize_keeps_the_zoom_and_the_point_in_view(served, page):
    _open(page, served, "big-photo", served.uids["big"])
    viewer = page.locator("#viewer")
    for _ in range(6):
        page.keyboard.press("+")
    page.keyboard.down("Space")
    box = viewer.bounding_box()
    middle = (box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    _drag(page, middle, (middle[0] + 120, middle[1] + 50))
    page.keyboard.up("Space")
    zoomed = float(viewer.get_attribute("data-scale"))
    centre = _viewer_centre_pixel(page)
    assert centre[0] < 1900 and centre[1] < 1100  # panned away from the image's centre
    try:
        for size in ({"width": 1000, "height": 700}, {"width": 1400, "height": 900}):
            page.set_viewport_size(size)
            page.wait_for_function(f"() => window.innerWidth === {size['width']}")
            page.wait_for_timeout(100)
            assert float(viewer.get_attribute("data-scale")) == pytest.approx(zoomed)
            assert _viewer_centre_pixel(page) == pytest.approx(centre, abs=4)
        shot(page, "zoom-after-resize")
        page.keyboard.press("0")  # a fitted image follows the window
        fit = float(viewer.get_attribute("data-scale"))
        page.set_viewport_size({"width": 900, "height": 700})
        page.wait_for_function("() => window.innerWidth === 900")
        page.wait_for_timeout(100)
        assert float(viewer.get_attribute("data-scale")) < fit
        assert "(fit)" in page.locator("#zoom-level").inner_text()
    finally:
        page.set_viewport_size({"width": 1280, "height": 860})
