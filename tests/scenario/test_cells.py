"""Reading single cells: Dutch and English numbers, flags, encodings and separators."""

from __future__ import annotations

from pathlib import Path

import pytest

from budgetopt.scenario.io import decode, load_instance, parse_csv_text, sniff_delimiter
from budgetopt.scenario.validate import decimal_style, parse_bool, parse_number, text_of

from .conftest import VALID


@pytest.mark.parametrize(
    ("text", "style", "expected"),
    [
        ("0,75", "dot", 0.75),
        ("0.75", "comma", 0.75),
        ("1.234,56", "dot", 1234.56),
        ("1,234.56", "comma", 1234.56),
        ("1.234.567", "dot", 1234567.0),
        ("1 234,5", "comma", 1234.5),
        ("1.500", "comma", 1500.0),
        ("1.500", "dot", 1.5),
        ("1,500", "comma", 1.5),
        ("1,500", "dot", 1500.0),
        ("0.750", "comma", 0.75),
        ("-3", "dot", -3.0),
        ("1e-3", "dot", 0.001),
        ("€ 780", "dot", 780.0),
        ("72%", "dot", 0.72),
        (" 12 ", "dot", 12.0),
    ],
)
def test_numbers(text: str, style: str, expected: float) -> None:
    assert parse_number(text, style) == pytest.approx(expected, rel=1e-15)


@pytest.mark.parametrize("text", ["", "abc", "1.2.3", "1.23,4", "1,2,3", "€", "nan", "inf",
                                  "12-3", "0x10"])
def test_not_numbers(text: str) -> None:
    assert parse_number(text) is None


@pytest.mark.parametrize(
    ("texts", "dutch", "expected"),
    [
        (["1.500", "0,75"], False, "comma"),
        (["1.500", "0.75"], True, "dot"),
        (["1.500", "2.000"], True, "comma"),
        (["1.500", "2.000"], False, "dot"),
        (["1,234.5"], True, "dot"),
        (["12", "13"], True, "comma"),
    ],
)
def test_decimal_style_from_the_column(texts: list[str], dutch: bool, expected: str) -> None:
    assert decimal_style(texts, dutch=dutch) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [("true", True), ("FALSE", False), ("1", True), ("0", False), ("Yes", True), ("no", False),
     ("ja", True), ("NEE", False), ("waar", True), ("Onwaar", False), (True, True), (0, False),
     (1.0, True), ("2", None), ("misschien", None), (2, None)],
)
def test_flags(value: object, expected: bool | None) -> None:
    assert parse_bool(value) is expected


@pytest.mark.parametrize(("value", "expected"), [(12.0, "12"), (0.5, "0.5"), (True, "true"),
                                                 (" GM01 ", "GM01"), (None, ""), (7, "7")])
def test_text_of_cells(value: object, expected: str) -> None:
    assert text_of(value) == expected


def test_encodings() -> None:
    text = "level;name\n3;Residentiële zorg\n"
    assert decode(text.encode("utf-8-sig")) == text
    assert decode(text.encode("utf-8")) == text
    assert decode(text.encode("cp1252")) == text
    assert decode(text.encode("utf-16")) == text


@pytest.mark.parametrize(("header", "delimiter"), [("a,b,c", ","), ("a;b;c", ";"),
                                                   ("a\tb\tc", "\t"), ('"x;y",b', ","),
                                                   ("a", ",")])
def test_sniff_delimiter(header: str, delimiter: str) -> None:
    assert sniff_delimiter(header + "\n1,2,3\n") == delimiter


def test_row_numbers_count_blank_lines_and_skip_them() -> None:
    table, problems = parse_csv_text("need_id,name\n\nA,x\n,\nB,y\n", name="needs",
                                     file="needs.csv")
    assert problems == []
    assert table.rows == [3, 5]
    assert table.cells == [["A", "B"], ["x", "y"]]


def test_windows_1252_file_loads(tmp_path: Path) -> None:
    folder = tmp_path / "cp1252"
    folder.mkdir()
    for path in VALID.iterdir():
        (folder / path.name).write_bytes(path.read_text(encoding="utf-8").encode("cp1252"))
    levels = load_instance(folder)["levels"]
    assert levels["name"].iloc[2] == "Residentiële zorg"


def test_unknown_language_is_refused_before_reading() -> None:
    with pytest.raises(ValueError, match="lang"):
        load_instance(VALID, lang="fr")
