"""The scenario reference in docs/ is generated from the models and must be current."""

from placeplan.scenario.reference import DOCS, render_json_schema, render_reference


def test_reference_doc_is_current():
    committed = (DOCS / "scenario-reference.md").read_text(encoding="utf-8")
    assert committed == render_reference(), "run: python -m placeplan.scenario.reference"


def test_json_schema_is_current():
    committed = (DOCS / "scenario.schema.json").read_text(encoding="utf-8")
    assert committed == render_json_schema(), "run: python -m placeplan.scenario.reference"


def test_reference_names_every_table_column():
    from placeplan.scenario.columns import ALL_TABLES

    text = render_reference()
    for spec in ALL_TABLES:
        for column in spec.columns:
            assert f"| `{column.name}` |" in text
