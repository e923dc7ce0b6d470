"""The documentation site: it builds strictly and offline, its strategy reference is the
registry, and the app's pictures are the ones the browser test takes."""

from __future__ import annotations

import importlib.util
import os
import re
import subprocess
import sys

import pytest

from alwild.strategies import aliases_of, available_strategies
from tests.docs.test_tutorials import DOCS, ROOT

pytest.importorskip("mkdocs", reason="the docs extra is missing (pip install 'alwild[docs]')")
yaml = pytest.importorskip("yaml")


def _hook():
    spec = importlib.util.spec_from_file_location("docs_reference_hook",
                                                  DOCS / "hooks" / "reference.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    out = tmp_path_factory.mktemp("site")
    done = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir",
                           str(out)], cwd=ROOT, capture_output=True, text=True, timeout=300,
                          env={**os.environ, "NO_MKDOCS_2_WARNING": "1"})
    assert done.returncode == 0, done.stderr[-4000:]
    return out


def test_the_strategy_table_has_one_row_per_registered_strategy():
    table = _hook().strategy_table()
    names = re.findall(r"^\| `([^`]+)` \|", table, re.M)
    assert names == available_strategies()
    for name in available_strategies():
        row = next(line for line in table.splitlines() if line.startswith(f"| `{name}` |"))
        assert all(f"`{alias}`" in row for alias in aliases_of(name)), name


def test_the_table_says_what_the_checks_say():
    rows = {r["name"]: r for r in _hook().strategy_rows()}
    assert rows["entropy"]["works_with"]["classifier"]
    assert not rows["vote_entropy"]["works_with"]["classifier"]
    assert rows["vote_entropy"]["works_with"]["committee"]
    assert rows["max_EI"]["works_with"] == {"classifier": False, "committee": False,
                                            "regressor with std": True, "MC samples": False}
    assert not rows["random"]["needs_model"]
    assert rows["entropy"]["dask"] == "yes, per row" and rows["badge"]["dask"] == "no"
    assert "two_stage" in rows["cluster_margin"]["dask"]
    assert rows["margin"]["family"] == "alwild.strategies.uncertainty"


def test_the_built_site_lists_every_strategy_and_shows_the_figures(site):
    page = (site / "reference" / "strategies" / "index.html").read_text()
    for name in available_strategies():
        assert f"<code>{name}</code>" in page, name
    figures = sorted(p.name for p in (site / "img" / "reproduce").glob("*.png"))
    assert figures == sorted(p.name for p in (ROOT / "benchmarks" / "reproduce").glob("*.png"))
    assert figures and all(f in (site / "tutorials" / "reproduce" / "index.html").read_text()
                           for f in figures)


def test_the_site_loads_nothing_from_the_network(site):
    config = yaml.safe_load((ROOT / "mkdocs.yml").read_text())
    assert config["theme"]["font"] is False
    for html in site.rglob("*.html"):
        text = html.read_text()
        assert "fonts.googleapis" not in text and "fonts.gstatic" not in text, html
        assert not re.search(r'<(script|link)[^>]+(src|href)="(https?:)?//', text), html


def test_the_app_pictures_are_the_browser_tests_screenshots():
    from tests.app.web.test_browser import DOC_SHOTS, DOCS_SHOTS
    from tests.app.web.test_labelling_browser import DOC_SHOTS as LABELLING_SHOTS

    assert DOCS_SHOTS == DOCS / "img" / "app"
    page = (DOCS / "tutorials" / "app.md").read_text()
    shown = set(re.findall(r"\.\./img/app/([\w-]+\.png)", page))
    assert shown == {*DOC_SHOTS.values(), *LABELLING_SHOTS.values()}
    missing = [name for name in sorted(shown) if not (DOCS_SHOTS / name).is_file()]
    assert not missing, (f"screenshots missing from docs/img/app/: {missing}; run "
                         "tests/app/web/test_browser.py and test_labelling_browser.py (they "
                         "write them) and commit them")


def test_every_strategy_family_has_its_api_section():
    from pathlib import Path

    from alwild.strategies import FAMILIES

    page = (Path(__file__).parents[2] / "docs" / "api" / "strategies.md").read_text()
    missing = [m.__name__ for m in FAMILIES if f"::: {m.__name__}\n" not in page]
    assert not missing, f"docs/api/strategies.md lacks {missing}"


def _nav_pages(node) -> set[str]:
    if isinstance(node, str):
        return {node}
    items = node.values() if isinstance(node, dict) else node
    return set().union(*(_nav_pages(item) for item in items))


def test_every_page_is_in_the_nav_and_every_nav_entry_is_a_page():
    config = yaml.safe_load((ROOT / "mkdocs.yml").read_text())
    in_nav = _nav_pages(config["nav"])
    pages = {str(p.relative_to(DOCS)) for p in DOCS.rglob("*.md")
             if p.relative_to(DOCS).parts[0] != "hooks"}
    assert pages - in_nav == set(), "pages missing from mkdocs.yml's nav"
    assert in_nav - pages == set(), "nav entries without a page"


def test_the_readme_keeps_the_two_commands_and_points_into_the_site():
    readme = (ROOT / "README.md").read_text()
    first_block = re.search(r"```bash\n(.*?)```", readme, re.S).group(1).splitlines()
    assert [line.split("#")[0].strip() for line in first_block] == ["make demo", "make test"]
    makefile = (ROOT / "Makefile").read_text()
    for target in ("demo", "test", "docs"):
        assert re.search(rf"^{target}:", makefile, re.M), f"the Makefile lacks `{target}`"
    assert "make docs" in readme and "site/index.html" in readme
    assert ".venv/bin/mkdocs serve" in readme
    links = re.findall(r"\]\((docs/[^)#]+)", readme)
    assert len(links) >= 5
    missing = [link for link in links if not (ROOT / link).is_file()]
    assert not missing, f"the README links to pages that do not exist: {missing}"
