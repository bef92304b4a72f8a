"""One loader that never crashes (issue 13 item 2): every unusable input is a named problem (exit 2),
and what Notepad and Excel write by default loads."""

import re
import time
from pathlib import Path

import pytest

from placeplan.cli import main
from placeplan.scenario.columns import BIRTH_SHARES, CAPACITY
from placeplan.scenario.tables import read_csv_text, typed_table

TOY_TITLE = "Toyshire Council (example)"


def _validate(path: Path, capsys, *args: str) -> tuple[int, str, str]:
    code = main(["validate", str(path), *args])
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err + captured.out
    return code, captured.out, captured.err


def _folder(toy_copy: Path) -> Path:
    return toy_copy.parent / "toy_council"


# --- YAML: bytes and encodings ---------------------------------------------------------------------

@pytest.mark.parametrize("encode", [
    lambda text: b"\xef\xbb\xbf" + text.encode("utf-8"),
    lambda text: text.encode("utf-16"),  # Notepad's "Unicode": little-endian with a BOM
    lambda text: b"\xfe\xff" + text.encode("utf-16-be"),
], ids=["utf8-bom", "utf16-le", "utf16-be"])
def test_yaml_in_unicode_with_a_bom_loads(toy_copy: Path, capsys, encode):
    toy_copy.write_bytes(encode(toy_copy.read_text(encoding="utf-8")))
    code, out, _ = _validate(toy_copy, capsys)
    assert code == 0 and "is valid" in out and "note" not in out


def test_yaml_in_cp1252_loads_with_a_note(toy_copy: Path, capsys):
    text = toy_copy.read_text(encoding="utf-8").replace(TOY_TITLE, "Toyshire Council \u2013 caf\u00e9")
    toy_copy.write_bytes(text.encode("cp1252"))
    code, out, _ = _validate(toy_copy, capsys)
    assert code == 0, out
    assert "1 note (not problems)" in out
    assert re.search(r"toy_council\.yaml: not UTF-8 \(byte 0x96 on line 5\); read as Windows-1252", out), out


def test_binary_yaml_is_a_named_problem(toy_copy: Path, capsys):
    toy_copy.write_bytes(bytes(range(256)))
    code, _, err = _validate(toy_copy, capsys)
    assert code == 2 and "toy_council.yaml: contains NUL bytes: not a text file" in err


@pytest.mark.parametrize("text, expected", [
    ("", "empty file (expected a mapping of sections"),
    ("# only a comment\n", "empty file (expected a mapping of sections"),
    ("- meta\n- schools\n", "a list at the top level (expected a mapping of sections"),
    ("just words\n", "a single value at the top level (expected a mapping of sections"),
    ("meta: {name: x}\n3: x\n", "key 3: not a section name"),
    ("a: 1\n---\nb: 2\n", "line 2, column 1: not valid YAML: but found another document"),
])
def test_unusable_yaml_shapes_are_named(tmp_path: Path, capsys, text, expected):
    path = tmp_path / "odd.yaml"
    path.write_text(text)
    code, _, err = _validate(path, capsys)
    assert code == 2 and expected in err, err


def test_a_scalar_where_a_section_is_expected(toy_copy: Path, capsys):
    text = toy_copy.read_text().replace("pupils:\n  table: toy_council/pupils.csv", "pupils: 7")
    toy_copy.write_text(text)
    code, _, err = _validate(toy_copy, capsys)
    assert code == 2 and "toy_council.yaml, pupils: Input should be a valid dictionary" in err, err


# --- YAML: keys, dates, tags, limits ---------------------------------------------------------------

def test_duplicate_key_names_both_lines(toy_copy: Path, capsys):
    toy_copy.write_text(toy_copy.read_text().replace("  seed: 1\n", "  seed: 1\n  seed: 2\n"))
    code, _, err = _validate(toy_copy, capsys)
    assert code == 2
    assert "toy_council.yaml, line 11, key meta.seed: 'seed' is given twice (first on line 10" in err, err


def test_a_project_given_twice_is_refused(toy_copy: Path, capsys):
    text = toy_copy.read_text()
    start = text.index("  south_primary_expansion:\n")
    block = text[start:text.index("  oak_special_annex:\n")]
    toy_copy.write_text(text.replace(block, block + block, 1))
    code, _, err = _validate(toy_copy, capsys)
    assert code == 2
    first = text[:start].count("\n") + 1
    second = first + block.count("\n")
    assert (f"line {second}, key capital_projects.south_primary_expansion: 'south_primary_expansion' is given "
            f"twice (first on line {first}") in err, err


def test_merge_keys_are_not_duplicates(tmp_path: Path):
    from placeplan.scenario.yaml_read import parse_yaml

    assert parse_yaml("base: &b {x: 1, y: 2}\nc:\n  <<: *b\n  x: 3\n")["c"] == {"x": 3, "y": 2}


def test_impossible_date_is_named(toy_copy: Path, capsys):
    toy_copy.write_text(toy_copy.read_text().replace("programme_date: 2026-01-01", "programme_date: 2026-13-45"))
    code, _, err = _validate(toy_copy, capsys)
    assert code == 2
    assert "toy_council.yaml, line 12: '2026-13-45' is not a real date (expected YYYY-MM-DD" in err, err


def test_python_tag_is_a_named_problem(tmp_path: Path, capsys):
    path = tmp_path / "tagged.yaml"
    path.write_text("meta:\n  name: !!python/name:os.system\n")
    code, _, err = _validate(path, capsys)
    assert code == 2 and "tagged.yaml, line 2: not valid YAML for a scenario: the tag !!python/name:os.system" in err


def test_deep_nesting_is_refused_quickly(tmp_path: Path, capsys):
    path = tmp_path / "deep.yaml"
    path.write_text("meta: " + "[" * 10_000 + "\n")
    started = time.perf_counter()
    code, _, err = _validate(path, capsys)
    assert time.perf_counter() - started < 10
    assert code == 2 and "deep.yaml, line 1: nested more than 100 levels deep" in err, err


def test_alias_bomb_is_refused_quickly(tmp_path: Path, capsys):
    lines = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    lines += [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 9) + "]" for i in range(1, 10)]
    path = tmp_path / "bomb.yaml"
    path.write_text("\n".join(lines) + "\n")
    started = time.perf_counter()
    code, _, err = _validate(path, capsys)
    assert time.perf_counter() - started < 10
    assert code == 2 and "values once its *aliases are expanded" in err, err


def test_a_number_too_long_for_python_is_named(toy_copy: Path, capsys):
    toy_copy.write_text(toy_copy.read_text().replace("seed: 1\n", "seed: 1" + "0" * 5000 + "\n"))
    code, _, err = _validate(toy_copy, capsys)
    assert code == 2 and "toy_council.yaml, line 10: a number 5,001 characters long" in err, err


# --- --set -----------------------------------------------------------------------------------------

@pytest.mark.parametrize("value, expected", [
    ("[unclosed", "--set meta.title: the value '[unclosed' cannot be used: not valid YAML"),
    ("!!python/object/apply:os.system ['true']", "--set meta.title: the value \"!!python/object/apply:os.system"),
    ("2026-13-45", "'2026-13-45' is not a real date"),
])
def test_set_values_that_are_not_plain_yaml(toy_copy: Path, capsys, value, expected):
    code, _, err = _validate(toy_copy, capsys, "--set", f"meta.title={value}")
    assert code == 2 and expected in err, err


# --- CSV tables ------------------------------------------------------------------------------------

def test_optional_columns_may_be_absent(toy_copy: Path, capsys):
    path = _folder(toy_copy) / "capacity.csv"
    rows = [line.split(",") for line in path.read_text().splitlines()]
    # (pan is left in: a blank pan at a school with a capital project trips checks_capital, issue noted)
    keep = [i for i, name in enumerate(rows[0]) if name not in ("pan_source", "note")]
    path.write_text("\n".join(",".join(row[i] for i in keep) for row in rows) + "\n")
    code, out, err = _validate(toy_copy, capsys)
    assert code == 0, err
    df, problems = typed_table(read_csv_text(path, "c.csv")[0], CAPACITY, "c.csv")
    assert problems == [] and df["note"].isna().all() and list(df.columns) == list(CAPACITY.column_names)


def test_extra_columns_are_a_note_not_a_problem(toy_copy: Path, capsys):
    path = _folder(toy_copy) / "capacity.csv"
    lines = path.read_text().splitlines()
    path.write_text("\n".join([lines[0] + ",officer_comment"] + [line + ",checked" for line in lines[1:]]) + "\n")
    code, out, _ = _validate(toy_copy, capsys)
    assert code == 0
    assert "capacity.csv: column 'officer_comment' not used (not among the expected columns: school_id" in out


def test_blank_rows_inside_a_table_are_skipped_and_rows_keep_their_numbers(tmp_path: Path):
    path = tmp_path / "c.csv"
    path.write_text("school_id,provision,net_capacity,as_of_year,source\n"
                    "1,primary,210,2022,council\n"
                    ",,,,\n"
                    "\n"
                    "2,primary,lots,2022,council\n")
    raw, problems = read_csv_text(path, "c.csv")
    assert problems == [] and len(raw) == 2
    df, problems = typed_table(raw, CAPACITY, "c.csv")
    assert [str(p) for p in problems] == ["c.csv, row 5, column net_capacity: 'lots' is not valid (expected a whole "
                                          "number <= 10000 [places])"]
    assert list(df.index) == [0, 3]  # spreadsheet row - 2, for the checks; load_scenario renumbers from 0


def test_header_names_in_capitals_with_spaces_are_accepted(toy_copy: Path, capsys):
    path = _folder(toy_copy) / "schools.csv"
    header, rest = path.read_text().split("\n", 1)
    path.write_text(header.upper().replace(",", " , ") + "\n" + rest)
    code, out, err = _validate(toy_copy, capsys)
    assert code == 0 and "6 schools" in out, err


def test_schools_without_kind_is_a_named_problem(toy_copy: Path, capsys):
    path = _folder(toy_copy) / "schools.csv"
    rows = [line.split(",") for line in path.read_text().splitlines()]
    drop = rows[0].index("kind")
    path.write_text("\n".join(",".join(c for i, c in enumerate(row) if i != drop) for row in rows) + "\n")
    code, _, err = _validate(toy_copy, capsys)
    assert code == 2
    assert "schools.csv, header: missing column kind (expected columns: school_id" in err, err


def test_excel_thousands_and_percent(tmp_path: Path):
    path = tmp_path / "c.csv"
    path.write_text('school_id,provision,net_capacity,as_of_year,source\n1,secondary,"1,234",2022,council\n')
    df, problems = typed_table(read_csv_text(path, "c.csv")[0], CAPACITY, "c.csv")
    assert problems == [] and df["net_capacity"].tolist() == [1234]
    path.write_text("planning_area,share\n8881001,40%\n8881002, 60 %\n")
    df, problems = typed_table(read_csv_text(path, "b.csv")[0], BIRTH_SHARES, "b.csv")
    assert problems == [] and df["share"].tolist() == pytest.approx([0.4, 0.6])
    path.write_text('school_id,provision,net_capacity,as_of_year,source\n1,secondary,50%,2022,council\n')
    _, problems = typed_table(read_csv_text(path, "c.csv")[0], CAPACITY, "c.csv")
    assert [p.where for p in problems] == ["row 2, column net_capacity"]  # a percentage is not a place count


def test_excel_crlf_and_bom_load(toy_copy: Path, capsys):
    path = _folder(toy_copy) / "capacity.csv"
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes().replace(b"\n", b"\r\n"))
    code, out, err = _validate(toy_copy, capsys)
    assert code == 0 and "7 capacity" in " ".join(out.split()), err  # the console wraps long lines


def test_utf16_csv_loads(toy_copy: Path, capsys):
    path = _folder(toy_copy) / "schools.csv"
    path.write_bytes(path.read_text().encode("utf-16"))
    code, out, err = _validate(toy_copy, capsys)
    assert code == 0 and "note" not in out, err


def test_cp1252_csv_loads_with_a_note(toy_copy: Path, capsys):
    path = _folder(toy_copy) / "schools.csv"
    path.write_bytes(path.read_text().replace("North Primary", "N\u00f6rth Primary").encode("cp1252"))
    code, out, err = _validate(toy_copy, capsys)
    assert code == 0, err
    assert "schools.csv: not UTF-8 (byte 0xf6 on line 2); read as Windows-1252" in out


def test_cp1252_note_reaches_stderr_for_other_commands(toy_copy: Path, capsys, tmp_path: Path):
    from placeplan.cli import _load, build_parser
    from rich.console import Console

    path = _folder(toy_copy) / "schools.csv"
    path.write_bytes(path.read_text().replace("North Primary", "N\u00f6rth Primary").encode("cp1252"))
    args = build_parser().parse_args(["run", str(toy_copy)])
    assert _load(args, Console(stderr=True)) is not None
    assert "note: " in capsys.readouterr().err


@pytest.mark.parametrize("name", ["capacity.csv", "schools.csv", "planning_areas.csv", "pupils.csv", "births.csv"])
def test_header_only_tables_do_not_crash(toy_copy: Path, capsys, name):
    path = _folder(toy_copy) / name
    path.write_text(path.read_text().split("\n", 1)[0] + "\n")
    code, _, _ = _validate(toy_copy, capsys)
    assert code in (0, 2)


@pytest.mark.parametrize("content, expected", [
    (b"", "capacity.csv: empty file or blank first row"),
    (bytes(range(256)) * 4, "capacity.csv: not a readable CSV table: contains NUL bytes"),
    (b"school_id,school_id,provision\n1,1,primary\n", "capacity.csv, header: column 'school_id' appears twice"),
])
def test_unreadable_csv_is_named(toy_copy: Path, capsys, content, expected):
    (_folder(toy_copy) / "capacity.csv").write_bytes(content)
    code, _, err = _validate(toy_copy, capsys)
    assert code == 2 and expected in err, err
