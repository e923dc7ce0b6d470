"""The progress page's learning curve plots the honest figure, with its baseline."""

from __future__ import annotations

import re

from alwild.app.services.training import train_project
from tests.app.conftest import login, make_setup


def test_the_curve_plots_balanced_accuracy_with_the_majority_line_under_it(
        sqlite_ws, tmp_path, client_for):
    s = make_setup(sqlite_ws, tmp_path, n=120, seed_labels=60)
    train_project(sqlite_ws, s.project_id)
    client = client_for(sqlite_ws)
    login(client, "boss", "boss-password-1")
    page = client.get(f"/p/{s.slug}/progress").text
    assert "balanced accuracy on the held-out" in page.split('id="curve-name"')[1][:80]
    line = re.search(r'<line class="baseline" id="curve-baseline"[^>]*y1="([\d.]+)"', page)
    zero = re.search(r'y1="([\d.]+)" y2="[\d.]+"></line>\s*<text class="tick"[^>]*>0\.00<', page)
    one = re.search(r'y1="([\d.]+)" y2="[\d.]+"></line>\s*<text class="tick"[^>]*>1\.00<', page)
    y0, y1, yb = float(zero.group(1)), float(one.group(1)), float(line.group(1))
    assert abs(yb - (y0 + 0.5 * (y1 - y0))) < 0.2      # the majority's 0.5, on the axis
    dot = re.search(r"<title>\d+ labels: ([\d.]+)</title>", page)
    assert dot is not None and float(dot.group(1)) != 0.0
