"""The simulate command's extra tables (alwild.sim.scenario_commands), read cell by cell."""

from __future__ import annotations

import pandas as pd

from alwild.sim.scenario_commands import auto_arms_table


def _cells(table) -> dict[str, list[str]]:
    return {str(column.header): list(column.cells) for column in table.columns}


def test_auto_arms_are_shares_of_every_seed_a_cold_start_counted_as_such():
    """A seed still in its cold start at a label count (no class pair labelled yet) is one
    of the seeds there: at 3 labels, two seeds' coreset and one seed's cold start are 67%
    and 33%, not coreset 100% of the seeds that had left it."""
    curves = pd.DataFrame({
        "strategy": ["auto"] * 9 + ["margin"] * 2,
        "seed": [0, 0, 0, 1, 1, 1, 2, 2, 2, 0, 0],
        "labels": [2, 3, 4] * 3 + [2, 3],
        "used": [None, "auto:coreset", "auto:margin",
                 None, "auto:coreset", "auto:random",
                 None, "cold_start:diversity", "auto:margin",
                 None, "margin"],
    })
    cells = _cells(auto_arms_table(curves))
    assert cells == {"labels": ["3", "4"], "coreset": ["67%", "0%"],
                     "margin": ["0%", "67%"], "random": ["0%", "33%"],
                     "cold start": ["33%", "0%"]}


def test_no_auto_arm_no_table():
    curves = pd.DataFrame({"strategy": ["margin"] * 2, "seed": [0, 0], "labels": [2, 3],
                           "used": [None, "cold_start:diversity"]})
    assert auto_arms_table(curves) is None
    assert auto_arms_table(curves.drop(columns="used")) is None
