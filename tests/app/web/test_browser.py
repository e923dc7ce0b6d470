"""A real browser (Debian's chromium driven by Playwright) against ``alwild serve``:
log in with the printed password, label 5 table rows by keyboard, draw and correct a box,
see progress change, retrain, and see the new model version and round. Screenshots of
every screen go to ``artifacts/screenshots/`` (git-ignored); the screens that the
documentation shows (``DOC_SHOTS``, screens whose pixels do not change from run to run)
are also written to ``docs/img/app/``, which is committed, so the site's pictures of the
app are retaken by every browser run and never drawn by hand (a copy that looks the same
as the committed one, pixel noise aside, is not rewritten)."""

from __future__ import annotations

import os
import re
import shutil
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from alwild.app.services.demo import build_demo
from alwild.app.store.orm import Item, Label, User
from alwild.app.store.workspace import open_workspace
from tests.app.server_proc import ROOT, Server

CHROMIUM = os.environ.get("ALWILD_CHROMIUM", "/usr/bin/chromium")
SHOTS = ROOT / "artifacts" / "screenshots"
DOCS_SHOTS = ROOT / "docs" / "img" / "app"
# screen -> the file the documentation shows (docs/tutorials/app.md)
DOC_SHOTS = {"02-projects": "projects.png", "04-record": "table-record.png",
             "05-boxes": "boxes.png", "06-image-classify": "image-classify.png"}
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]

playwright_api = pytest.importorskip(
    "playwright.sync_api", reason="BROWSER TESTS SKIPPED: the playwright package is missing "
    "(pip install playwright; it is in the test extra)")


def require_chromium() -> None:
    """Skip the browser tests, loudly, on a machine without chromium (`make test` installs
    Debian's as root, so there they always run)."""
    if not (shutil.which(CHROMIUM) or Path(CHROMIUM).exists()):
        pytest.skip(f"BROWSER TESTS SKIPPED: no chromium at {CHROMIUM}; `make test` installs "
                    "Debian's chromium when run as root (apt-get install chromium)")


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    require_chromium()
    root = tmp_path_factory.mktemp("browser") / "demo"
    build_demo(root)
    server = Server(root).start()
    yield server
    server.stop()


@contextmanager
def browser_page():
    """A 1280x860 chromium page whose script errors collect in ``page.errors`` (the test
    is skipped when chromium does not start)."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    with playwright_api.sync_playwright() as p:
        try:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        except Exception as err:  # a broken chromium install
            pytest.skip(f"BROWSER TESTS SKIPPED: chromium did not start: {err}")
        context = browser.new_context(viewport={"width": 1280, "height": 860})
        pg = context.new_page()
        pg.set_default_timeout(20_000)
        errors: list[str] = []
        pg.on("pageerror", lambda exc: errors.append(str(exc)))
        pg.errors = errors
        yield pg
        browser.close()


@pytest.fixture(scope="module")
def page(served):
    with browser_page() as pg:
        yield pg


def shot(page, name: str) -> None:
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)
    if name in DOC_SHOTS:
        update_doc_shot(SHOTS / f"{name}.png", DOCS_SHOTS / DOC_SHOTS[name])


def update_doc_shot(new: Path, committed: Path, tolerance: float = 0.02) -> bool:
    """Copy a fresh screenshot over the documentation's copy unless they look the same.

    Chromium's image scaling can move a few pixels between runs; a mean difference
    below ``tolerance`` (of 255, per channel) keeps the committed file, so a test run
    leaves the tree clean, while a changed word or layout (a mean difference of 0.1 and
    more) replaces it. Returns whether the file was written."""
    from PIL import Image, ImageChops, ImageStat

    if committed.is_file():
        with Image.open(new) as a, Image.open(committed) as b:
            if a.size == b.size and max(ImageStat.Stat(ImageChops.difference(
                    a.convert("RGB"), b.convert("RGB"))).mean) < tolerance:
                return False
    committed.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(new, committed)
    return True


def test_a_doc_screenshot_is_replaced_only_when_it_looks_different(tmp_path):
    from PIL import Image, ImageDraw

    picture = Image.new("RGB", (400, 300), "white")
    ImageDraw.Draw(picture).text((20, 20), "Projects", fill="black")
    picture.save(tmp_path / "a.png")
    picture.putpixel((5, 5), (0, 0, 0))  # one pixel: scaling noise
    picture.save(tmp_path / "b.png")
    ImageDraw.Draw(picture).rectangle((50, 50, 150, 100), fill="black")  # a real change
    picture.save(tmp_path / "c.png")
    committed = tmp_path / "docs" / "shot.png"
    assert update_doc_shot(tmp_path / "a.png", committed)
    assert not update_doc_shot(tmp_path / "b.png", committed)
    assert update_doc_shot(tmp_path / "c.png", committed)
    assert committed.read_bytes() == (tmp_path / "c.png").read_bytes()


def _labels_of(served, username: str) -> list[Label]:
    ws = open_workspace(served.workspace)
    try:
        with ws.session() as db:
            return list(db.scalars(select(Label).join(User).where(User.username == username)
                                   .order_by(Label.id)))
    finally:
        ws.dispose()


def test_the_whole_loop_in_a_real_browser(served, page):
    assert served.password, "serve must print a one-time admin password"
    page.goto(served.url + "/")
    assert "/login" in page.url
    shot(page, "01-login")
    page.fill("input[name=username]", "admin")
    page.fill("input[name=password]", "wrong")
    page.click("button[type=submit]")
    assert page.locator(".error").inner_text().startswith("Wrong")
    page.fill("input[name=username]", "admin")
    page.fill("input[name=password]", served.password)
    page.click("button[type=submit]")
    page.wait_for_selector("text=Projects")
    shot(page, "02-projects")

    page.goto(served.url + "/p/titanic-passengers")
    shot(page, "03-queue")
    before = page.locator("#this-round").count()
    assert before == 0
    page.goto(served.url + "/p/titanic-passengers/progress")
    start_total = int(page.locator("#total-labels").inner_text())

    # five table rows, by keyboard only
    page.goto(served.url + "/p/titanic-passengers/next")
    seen = []
    for k in range(5):
        page.wait_for_selector("table.record")
        seen.append(page.url)
        if k == 0:
            shot(page, "04-record")
        page.keyboard.press("2" if k % 2 else "1")
        page.keyboard.press("Enter")
        page.wait_for_url(lambda url, last=page.url: url != last)
    assert len(set(seen)) == 5
    mine = _labels_of(served, "admin")
    assert [lab.value for lab in mine] == ["died", "survived", "died", "survived", "died"]

    # an image: draw a box, move it, resize it, pick its class, submit
    page.goto(served.url + "/p/insulator-frames/next")
    page.wait_for_selector("#boxes")
    svg = page.locator("#boxes").bounding_box()
    width = int(page.locator("#image").get_attribute("width"))
    scale = svg["width"] / width
    x0, y0 = svg["x"] + 40 * scale, svg["y"] + 30 * scale
    page.mouse.move(x0, y0)
    page.mouse.down()
    page.mouse.move(x0 + 60 * scale, y0 + 50 * scale, steps=5)
    page.mouse.up()
    page.mouse.click(x0 + 30 * scale, y0 + 25 * scale)  # move: select it, drag its middle
    page.mouse.down()
    page.mouse.move(x0 + 50 * scale, y0 + 35 * scale, steps=5)
    page.mouse.up()
    corner = (x0 + 80 * scale, y0 + 60 * scale)  # resize: drag the bottom-right handle
    page.mouse.move(*corner)
    page.mouse.down()
    page.mouse.move(corner[0] + 30 * scale, corner[1] + 20 * scale, steps=5)
    page.mouse.up()
    page.keyboard.press("2")  # class 2 = broken: re-classes the box selected by the drags
    page.mouse.move(svg["x"] + 200 * scale, svg["y"] + 20 * scale)  # a second box, deleted
    page.mouse.down()
    page.mouse.move(svg["x"] + 240 * scale, svg["y"] + 60 * scale, steps=3)
    page.mouse.up()
    assert page.locator("#boxlist li").count() == 2
    page.mouse.click(svg["x"] + 220 * scale, svg["y"] + 40 * scale)  # select it first
    page.keyboard.press("Delete")
    assert page.locator("#boxlist li").count() == 1
    shot(page, "05-boxes")
    frame_url = page.url
    page.keyboard.press("Enter")
    page.wait_for_url(lambda url: url != frame_url)
    box_label = _labels_of(served, "admin")[-1]
    assert len(box_label.boxes) == 1
    box = box_label.boxes[0]
    assert box["label"] == "broken"
    assert box["x"] == pytest.approx(60, abs=2) and box["y"] == pytest.approx(40, abs=2)
    assert box["w"] == pytest.approx(90, abs=2) and box["h"] == pytest.approx(70, abs=2)

    page.goto(served.url + "/p/insulator-defects/next")
    page.wait_for_selector("#choices")
    page.keyboard.press("2")
    shot(page, "06-image-classify")

    # progress moved; retrain; a new model version and a new round appear
    page.goto(served.url + "/p/titanic-passengers/progress")
    assert int(page.locator("#this-round").inner_text()) == 5
    assert int(page.locator("#total-labels").inner_text()) == start_total + 5
    assert page.locator("#model-version").inner_text() == "v1"
    assert page.locator("#round-number").inner_text() == "1"
    shot(page, "07-progress-before")
    with page.expect_navigation():  # the form's POST and redirect, before any reload
        page.click("#retrain")
    for _ in range(60):
        page.reload()
        if page.locator("#model-version").inner_text() == "v2":
            break
        page.wait_for_timeout(500)
    assert page.locator("#model-version").inner_text() == "v2"
    assert page.locator("#round-number").inner_text() == "2"
    assert page.locator("svg.chart circle").count() == 2
    shot(page, "08-progress-after-retrain")
    page.goto(served.url + "/admin")
    shot(page, "09-admin")
    assert not page.errors, page.errors


def test_undo_reopens_the_last_label_for_editing(served, page):
    page.goto(served.url + "/p/titanic-passengers/next")
    page.wait_for_selector("table.record")
    first = page.url
    page.keyboard.press("1")
    page.keyboard.press("Enter")
    page.wait_for_url(lambda url: url != first)
    page.wait_for_selector("table.record")
    page.keyboard.press("z")
    page.wait_for_url(first)
    assert "version 1" in page.locator("#status").inner_text()
    page.keyboard.press("2")
    page.keyboard.press("Enter")
    page.wait_for_url(lambda url: url != first)
    uid = re.search(r"/items/([^/?]+)", first).group(1)
    ws = open_workspace(served.workspace)
    with ws.session() as db:
        item = db.scalar(select(Item).where(Item.uid == uid))
        label = db.scalar(select(Label).where(Label.item_id == item.id,
                                              Label.request_id.not_like("import-%")))
    ws.dispose()
    assert (label.value, label.version) == ("survived", 2)


def _me(served, **request) -> int:
    return httpx.get(served.url + "/api/me", timeout=10, **request).status_code


def test_the_admin_page_lists_and_revokes_an_api_token(served, page):
    page.goto(served.url + "/admin")
    before = page.locator("#tokens tr.token").count()
    page.click("text=Create an API token for me")
    token = page.locator("#secret").inner_text()
    bearer = {"Authorization": f"Bearer {token}"}
    assert _me(served, headers=bearer) == 200
    rows = page.locator("#tokens tr.token")
    assert rows.count() == before + 1
    newest = rows.last
    token_id = newest.get_attribute("data-token")
    assert token not in page.locator("#tokens").inner_text()  # listed, never shown again
    shot(page, "10-admin-tokens")
    newest.locator("button", has_text="Revoke").click()
    page.wait_for_url(served.url + "/admin")
    assert page.locator(f'#tokens tr[data-token="{token_id}"]').count() == 0
    assert _me(served, headers=bearer) == 401
    assert not page.errors, page.errors


def test_after_logging_out_the_saved_cookie_is_refused(served, page):
    saved = {c["name"]: c["value"] for c in page.context.cookies()}["alwild_session"]
    assert _me(served, cookies={"alwild_session": saved}) == 200
    page.goto(served.url + "/")
    page.click("form.logout button")
    page.wait_for_url(lambda url: "/login" in url)
    assert _me(served, cookies={"alwild_session": saved}) == 401
