"""MkDocs hook: the parts of the site that are generated from the code at build time.

- The strategy reference (``reference/strategies.md``): one row per registered strategy,
  read from the registry (:func:`alwild.strategies.available_strategies`,
  :func:`~alwild.strategies.get_strategy`, :func:`~alwild.strategies.aliases_of`). Its
  family is the module of ``alwild/strategies/`` that registers it; what it needs is found
  by running its own capability check (``strategy.check``) on a few small real models;
  whether it runs on Dask comes from its class (a ``TopKStrategy`` is scored partition by
  partition) or from the selections of ``alwild.scale.diversity``.
- Docstrings read well as Markdown: doctest examples (``>>>`` lines and their output)
  become code blocks, and Sphinx roles (``:class:`X` ``) become inline code.
- The reproduce figures: ``benchmarks/reproduce/*.png`` are added to the site as
  ``img/reproduce/*.png``, so the site shows the committed figures without a copy.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

from markdown.extensions import Extension
from markdown.preprocessors import Preprocessor
from mkdocs.plugins import event_priority

ROOT = Path(__file__).resolve().parents[2]
MARKER = "<!-- strategy-table -->"
FIGURES = ROOT / "benchmarks" / "reproduce"

# The probes: a short name for the column, and how to build a small real model of that kind.
PROBES = ("classifier", "committee", "regressor with std", "MC samples")

# Strategies that are not per-row scores but have a cluster form in alwild.scale.diversity.
DASK_SELECTIONS = {"cluster_margin": "two_stage", "coreset": "streaming_k_center"}


@cache
def probe_models() -> dict:
    """One small fitted model per kind of the table's "works with" columns."""
    import numpy as np
    from sklearn.gaussian_process import GaussianProcessRegressor
    from sklearn.linear_model import LogisticRegression

    from alwild.learners import ActiveLearner, Committee
    from alwild.models.ensemble import DeepEnsemble

    X = np.array([[0.0], [0.3], [2.0], [2.4]])
    y = np.array([0, 0, 1, 1])
    members = [ActiveLearner(LogisticRegression(), X_training=X, y_training=y)
               for _ in range(2)]
    return {
        "classifier": ActiveLearner(LogisticRegression(), X_training=X, y_training=y),
        "committee": Committee(members),
        "regressor with std": ActiveLearner(GaussianProcessRegressor(), X_training=X,
                                            y_training=y.astype(float)),
        "MC samples": ActiveLearner(DeepEnsemble(LogisticRegression(), n_members=2,
                                                 random_state=0), X_training=X, y_training=y),
    }


def family_of(name: str) -> str:
    """The family module of ``alwild.strategies`` whose source registers ``name``."""
    from alwild.strategies import FAMILIES

    homes = [m.__name__ for m in FAMILIES
             if re.search(rf'register\(\s*"{re.escape(name)}"', Path(m.__file__).read_text())]
    if len(homes) != 1:
        raise RuntimeError(f"strategy {name!r} is registered by {homes or 'no family module'}")
    return homes[0]


def works_with(strategy) -> dict[str, bool]:
    """Which probe models the strategy's own capability check accepts."""
    from alwild.errors import UserError

    out = {}
    for kind, model in probe_models().items():
        try:
            strategy.check(model)
        except UserError:
            out[kind] = False
        else:
            out[kind] = True
    return out


def dask_support(name: str, strategy) -> str:
    """How (and whether) ``alwild.scale`` runs the strategy on a cluster."""
    from alwild.scale import diversity
    from alwild.strategies import TopKStrategy

    if isinstance(strategy, TopKStrategy):
        return "yes, per row"
    if name in DASK_SELECTIONS:
        fn = getattr(diversity, DASK_SELECTIONS[name])
        return f"yes, `{fn.__name__}`"
    return "no"


def strategy_rows() -> list[dict]:
    """One record per registered strategy, in the registry's order."""
    from alwild.strategies import aliases_of, available_strategies, get_strategy

    rows = []
    for name in available_strategies():
        strategy = get_strategy(name)
        rows.append({
            "name": name,
            "aliases": aliases_of(name),
            "family": family_of(name),
            "needs_model": strategy.needs_model,
            "works_with": works_with(strategy),
            "dask": dask_support(name, strategy),
        })
    return rows


def strategy_table() -> str:
    """The strategy reference as a Markdown table."""
    head = ["name", "aliases", "family", *PROBES, "Dask"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for row in strategy_rows():
        family = row["family"].rsplit(".", 1)[-1]
        if row["needs_model"]:
            cells = ["yes" if row["works_with"][k] else "—" for k in PROBES]
        else:
            cells = ["any, or none"] * len(PROBES)
        aliases = ", ".join(f"`{a}`" for a in row["aliases"]) or "—"
        lines.append("| " + " | ".join([f"`{row['name']}`", aliases,
                                       f"[{family}][{row['family']}]",
                                       *cells, row["dask"]]) + " |")
    return "\n".join(lines)


ROLE = re.compile(r":(?:class|func|meth|mod|data|attr|exc|obj):`~?([^`]+)`")
FENCE = re.compile(r"^\s*(```|~~~)")


def doctests_as_code(lines: list[str]) -> list[str]:
    """Wrap each run of doctest lines (``>>>`` up to the next blank line) in a fence,
    and turn Sphinx roles outside fences into inline code."""
    out: list[str] = []
    in_fence = False
    i = 0
    while i < len(lines):
        line = lines[i]
        if FENCE.match(line):
            in_fence = not in_fence
        elif not in_fence and line.lstrip().startswith(">>>"):
            indent = line[: len(line) - len(line.lstrip())]
            block = []
            while i < len(lines) and lines[i].strip():
                block.append(lines[i][len(indent):] if lines[i].startswith(indent)
                             else lines[i].lstrip())
                i += 1
            out += ["", indent + "```pycon", *(indent + b for b in block), indent + "```", ""]
            continue
        out.append(line if in_fence else ROLE.sub(r"`\1`", line))
        i += 1
    return out


class _DoctestPreprocessor(Preprocessor):
    def run(self, lines):
        return doctests_as_code(lines)


class DoctestExtension(Extension):
    def extendMarkdown(self, md):  # noqa: N802 - Python-Markdown's name
        md.preprocessors.register(_DoctestPreprocessor(md), "alwild_doctests", 40)


@event_priority(100)  # before mkdocstrings reads the extensions
def on_config(config):
    config.markdown_extensions.append(DoctestExtension())
    return config


def on_files(files, config):
    """Add the committed reproduce figures to the site under ``img/reproduce/``."""
    from mkdocs.structure.files import File

    for png in sorted(FIGURES.glob("*.png")):
        files.append(File.generated(config, f"img/reproduce/{png.name}", abs_src_path=str(png)))
    return files


def on_page_markdown(markdown, page, config, files):
    if MARKER in markdown:
        return markdown.replace(MARKER, strategy_table())
    return markdown
