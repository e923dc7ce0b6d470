"""How fast the model's suggestions appear when an item opens.

A detection project of ``--items`` distinct 320x180 frames with ``--per-item`` suggested
boxes each (written with ``replace_suggestions``, as the retrain does) in a SQLite
workspace, served by a real ``alwild serve`` on 127.0.0.1. Prints p50/p95 of:

1. ``suggestions_for`` alone (the one query the item page runs for them);
2. ``GET /p/SLUG/items/UID``, the whole item page (lease, label, score, suggestions), over HTTP;
3. in Debian's chromium (when Playwright and /usr/bin/chromium are there): from the start
   of the navigation to DOMContentLoaded, by which the suggestions are drawn (the page's
   script draws them synchronously; the run checks they are there).

The target is 300 ms from opening the item to the suggestions on screen. Usage::

    PYTHONPATH=. python benchmarks/suggestions_latency.py [--items 2000] [--per-item 8]
        [--opens 300] [--browser-opens 40]
"""

from __future__ import annotations

import argparse
import io
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

import httpx
import numpy as np
from PIL import Image
from sqlalchemy import select

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from alwild.app.services.ingest import store_image  # noqa: E402
from alwild.app.services.projects import create_project  # noqa: E402
from alwild.app.services.suggestions import (  # noqa: E402
    Suggestion,
    replace_suggestions,
    suggestions_for,
)
from alwild.app.store.orm import Item  # noqa: E402
from alwild.app.store.workspace import open_workspace  # noqa: E402
from tests.app.server_proc import Server, add_token_users  # noqa: E402

CLASSES = ["insulator", "broken", "pollution-flashover"]
CHROMIUM = "/usr/bin/chromium"


def frame(rng: np.random.Generator) -> bytes:
    pixels = rng.integers(0, 255, (180, 320, 3), dtype=np.uint8)
    out = io.BytesIO()
    Image.fromarray(pixels).save(out, "JPEG", quality=70)
    return out.getvalue()


def build(root: Path, n_items: int, per_item: int) -> tuple[str, list[str], str]:
    """The workspace; returns the project slug, the item uids and an annotator's token."""
    rng = np.random.default_rng(0)
    ws = open_workspace(root, create=True)
    with ws.session() as db, db.begin():
        project = create_project(db, "Latency", "detect", CLASSES, budget=10 * n_items)
        for k in range(n_items):
            store_image(ws, db, project, frame(rng), f"f{k:05d}.jpg", 0.0)
        db.flush()
        items = db.scalars(select(Item).where(Item.project_id == project.id)).all()
        by_item = {}
        for item in items:
            xy = rng.uniform(0, [280, 140], (per_item, 2))
            by_item[item.id] = [Suggestion(CLASSES[j % 3], float(rng.uniform(0.2, 0.99)),
                                           (float(x), float(y), 30.0, 30.0))
                                for j, (x, y) in enumerate(xy)]
        written = replace_suggestions(db, project.id, 1, by_item)
        slug, pid, uids = project.slug, project.id, [i.uid for i in items]
    (token,) = add_token_users(ws, pid, 1)
    print(f"workspace: {len(uids)} frames, {written} suggestion rows")
    ws.dispose()
    return slug, uids, token


def summary(name: str, ms: list[float]) -> None:
    q = statistics.quantiles(ms, n=20)
    print(f"{name:58s} p50 {statistics.median(ms):7.2f} ms   p95 {q[18]:7.2f} ms"
          f"   (n={len(ms)})")


def time_query(root: Path, uids: list[str], opens: int) -> list[float]:
    ws = open_workspace(root)
    with ws.session() as db:
        ids = list(db.scalars(select(Item.id)))
    out = []
    for item_id in random.Random(1).sample(ids, min(opens, len(ids))):
        with ws.session() as db:
            t = time.perf_counter()
            found = suggestions_for(db, item_id)
            out.append(1000 * (time.perf_counter() - t))
            assert found, "every item has suggestions"
    ws.dispose()
    return out


def time_pages(url: str, slug: str, uids: list[str], token: str, opens: int) -> list[float]:
    out = []
    with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {token}"},
                      timeout=30) as client:
        client.get(f"/p/{slug}/items/{uids[0]}")  # warm up
        for uid in random.Random(2).sample(uids, min(opens, len(uids))):
            t = time.perf_counter()
            resp = client.get(f"/p/{slug}/items/{uid}")
            out.append(1000 * (time.perf_counter() - t))
            assert resp.status_code == 200 and '"suggestions": [{' in resp.text, resp.text[:300]
    return out


def time_browser(url: str, slug: str, uids: list[str], token: str, opens: int) -> list[float]:
    from playwright.sync_api import sync_playwright

    out = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM,
                                    args=["--headless", "--no-sandbox", "--disable-gpu"])
        page = browser.new_context(viewport={"width": 1280, "height": 860},
                                   extra_http_headers={"Authorization": f"Bearer {token}"}
                                   ).new_page()
        page.goto(f"{url}/p/{slug}/items/{uids[-1]}")  # warm up (static files cached)
        for uid in random.Random(3).sample(uids, min(opens, len(uids))):
            page.goto(f"{url}/p/{slug}/items/{uid}", wait_until="domcontentloaded")
            drawn, ready = page.evaluate(
                "() => [document.querySelectorAll('#boxes g.suggestion').length,"
                " performance.getEntriesByType('navigation')[0].domContentLoadedEventEnd]")
            assert drawn > 0, "the suggestions were not drawn by DOMContentLoaded"
            out.append(ready)
        browser.close()
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--items", type=int, default=2000)
    ap.add_argument("--per-item", type=int, default=8)
    ap.add_argument("--opens", type=int, default=300)
    ap.add_argument("--browser-opens", type=int, default=40)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "ws"
        slug, uids, token = build(root, args.items, args.per_item)
        summary("suggestions_for (one query)", time_query(root, uids, args.opens))
        server = Server(root).start()
        try:
            summary("item page over HTTP (GET /p/SLUG/items/UID)",
                    time_pages(server.url, slug, uids, token, args.opens))
            if Path(CHROMIUM).exists() and args.browser_opens:
                try:
                    shown = time_browser(server.url, slug, uids, token, args.browser_opens)
                except ImportError:
                    print("chromium: skipped (playwright is not installed)")
                else:
                    summary("chromium: navigation start -> suggestions drawn", shown)
        finally:
            server.stop()


if __name__ == "__main__":
    main()
