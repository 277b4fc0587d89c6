"""Every seeded mistake stops ``budgetopt solve`` before anything is written."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from budgetopt.cli import main

from .test_validate import MISTAKES, Mutation, Where


@pytest.mark.parametrize(("mutate", "expected"), MISTAKES)
@pytest.mark.parametrize("lang", ["en", "nl"])
def test_solve_rejects_the_mistake_and_writes_nothing(valid_dir: Path, tmp_path: Path, lang: str,
                                                      mutate: Mutation, expected: list[Where]) -> None:
    mutate(valid_dir)
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["solve", str(valid_dir), "--out", str(out), "--lang", lang])
    assert result.exit_code == 2
    assert not out.exists()
    file = expected[0][1]
    assert file in result.stderr
    column = expected[0][3]
    if column is not None:
        assert column in result.stderr
    row = expected[0][2]
    if row is not None:
        assert f" {row}," in result.stderr
    assert ("invoer afgekeurd" if lang == "nl" else "input rejected") in result.stderr
