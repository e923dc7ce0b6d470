"""Every code block of the documentation runs, so the pages cannot rot.

Each page's blocks run in order, in a fresh temporary folder, sharing state within the
page: a ``python`` block is executed in one namespace per page; a ``bash`` block holds
``alwild ...`` commands (one per line, ``\\`` continues a line, ``#`` starts a comment),
each run through the CLI's entry point, ``alwild.cli.main``. Other fences (``text``,
``yaml``...) are not code to run.

A comment on the line just before a fence changes how it runs:

- ``<!-- docs-test: skip (REASON) -->``: not run (a server that runs until stopped, an
  install); the reason is required and shows in the page source.
- ``<!-- docs-test: append ARGS -->``: ARGS are added to every ``alwild`` command of the
  block, to run the page's real command with smaller settings (fewer seeds).
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import shlex
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"
RUN = ("python", "bash")
FENCE = re.compile(r"^```(\w*)\s*$")
MARK = re.compile(r"^<!--\s*docs-test:\s*(skip|append)\s*(.*?)\s*-->\s*$")


@dataclass
class Block:
    page: str
    line: int  # 1-based line of the opening fence
    lang: str
    code: str
    skip: str | None = None  # the reason, if marked skip
    append: str = ""


def blocks_of(path: Path) -> list[Block]:
    """The fenced blocks of a Markdown page, with the marker just above each."""
    lines = path.read_text().splitlines()
    name = str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else path.name
    out, i = [], 0
    while i < len(lines):
        m = FENCE.match(lines[i])
        if not m:
            i += 1
            continue
        start, lang = i, m.group(1)
        j = i + 1
        while j < len(lines) and lines[j].strip() != "```":
            j += 1
        block = Block(name, start + 1, lang, "\n".join(lines[i + 1:j]))
        mark = MARK.match(lines[start - 1]) if start else None
        if mark and mark.group(1) == "skip":
            block.skip = mark.group(2).strip("() ")
        elif mark:
            block.append = mark.group(2)
        out.append(block)
        i = j + 1
    return out


def pages() -> list[Path]:
    return sorted(p for p in DOCS.rglob("*.md") if any(b.lang in RUN for b in blocks_of(p)))


def commands_of(block: Block) -> list[list[str]]:
    """The argument lists of a shell block's commands (comments and blanks dropped)."""
    joined = re.sub(r"\\\n", " ", block.code)
    commands = []
    for line in joined.splitlines():
        words = shlex.split(line, comments=True)
        if words:
            commands.append(words)
    return commands


def run_shell(block: Block) -> None:
    """Run each ``alwild`` command of the block through the CLI's entry point
    (``alwild.cli.main``, what the installed ``alwild`` script calls), in this process."""
    from alwild.cli import main

    for words in commands_of(block):
        assert words[0] == "alwild", (
            f"{block.page}:{block.line}: only `alwild ...` commands run in a bash block; "
            f"mark the block `<!-- docs-test: skip (REASON) -->` for {words[0]!r}")
        argv = [*words[1:], *shlex.split(block.append)]
        out = io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
            try:
                code = main(argv)
            except SystemExit as exit_:  # argparse refusing the arguments
                code = exit_.code
        assert code in (0, None), (
            f"{block.page}:{block.line}: {shlex.join(words)} exited {code}\n"
            f"{out.getvalue()[-4000:]}")


def test_the_pages_have_runnable_blocks_and_few_skips():
    found = {str(p.relative_to(ROOT)) for p in pages()}
    assert {"docs/quickstart.md", "docs/tutorials/simulate.md"} <= found
    every = [b for p in DOCS.rglob("*.md") for b in blocks_of(p) if b.lang in RUN]
    skipped = [b for b in every if b.skip is not None]
    assert all(b.skip for b in skipped), "a skip marker needs its reason"
    assert len(skipped) <= len(every) // 3, [f"{b.page}:{b.line}" for b in skipped]


def test_the_parser_reads_markers_and_continued_lines(tmp_path):
    page = tmp_path / "p.md"
    page.write_text("text\n<!-- docs-test: skip (a server) -->\n```bash\nalwild serve w\n```\n"
                    "<!-- docs-test: append --seeds 2 -->\n```bash\nalwild simulate iris \\\n"
                    "    --budget 5   # small\n```\n```text\nnot code\n```\n")
    shell, other, text = blocks_of(page)
    assert shell.skip == "a server" and other.append == "--seeds 2" and text.lang == "text"
    assert commands_of(other) == [["alwild", "simulate", "iris", "--budget", "5"]]


@pytest.mark.parametrize("page", pages(), ids=lambda p: str(p.relative_to(DOCS)))
def test_every_block_of_the_page_runs(page, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    namespace = {"__name__": "__docs__"}
    environment = dict(os.environ)  # a page may set variables (an endpoint): undone after
    try:
        for block in blocks_of(page):
            if block.lang not in RUN or block.skip is not None:
                continue
            if block.lang == "python":
                code = compile("\n" * (block.line) + block.code, block.page, "exec")
                exec(code, namespace)
            else:
                run_shell(block)
    finally:
        os.environ.clear()
        os.environ.update(environment)
