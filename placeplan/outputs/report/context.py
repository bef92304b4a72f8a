"""Everything the template shows, gathered from the results once (charts and maps drawn here)."""

from __future__ import annotations


from placeplan.outputs.report import drawing, method, options, sections, summary
from placeplan.outputs.report.multiples import multiples_section
from placeplan.outputs.report.reliability import reliability_section
from placeplan.outputs.fmt import ay, num

TITLE_SUFFIX = "School places: sufficiency and capital programme"


def default_map_year(results) -> int:
    """Base year + 3, or the nearest projected year."""
    years = sorted(int(y) for y in results.sufficiency["academic_year"].unique())
    target = results.scenario.config.meta.base_year + 3
    if not years:
        return target
    return min(years, key=lambda y: (abs(y - target), y))


def long_date(date) -> str:
    """``1 December 2026``."""
    return f"{date.day} {date.strftime('%B %Y')}"


def pupil_data_note(results) -> str:
    """'pupil data to January 2026 (year-group census to January 2023; county totals after, year groups
    estimated for 2023/24 to 2025/26)'."""
    meta = results.scenario.config.meta
    estimated = results.run_info.get("estimated_years") or []
    text = f"pupil data to January {meta.base_year + 1}"
    if estimated:
        last = results.run_info.get("last_year_group_census", estimated[0] - 1)
        span = ay(estimated[0]) if len(estimated) == 1 else f"{ay(estimated[0])} to {ay(estimated[-1])}"
        text += (f" (year-group census to January {last + 1}; observed totals after it, year groups estimated "
                 f"for {span})")
    return text


def build_context(results, comparison=None, backtest=None, map_year: int | None = None) -> dict:
    """The report's content as plain data: text, tables (``blocks.Table``) and images (``blocks.Image``).

    Every chart and map is drawn once, after the content is gathered, in parallel where it pays
    (``drawing.batch``); the HTML and the PDF are rendered from this one context.
    """
    with drawing.batch() as finish:
        return finish(_context(results, comparison, backtest, map_year))


def _context(results, comparison, backtest, map_year) -> dict:
    meta = results.scenario.config.meta
    info = results.run_info
    year = map_year if map_year is not None else default_map_year(results)
    special = sections.specialist_section(results)
    parts = [("summary", "Summary for the DfE meeting"),
             ("maps", "Where places fall short: maps"),
             ("areas", "Planning areas: pupils against places")]
    school_part = _schools(results)
    if school_part:
        parts.append(("schools", "Sub-areas and schools"))
    parts.append(("programme", "Capital programme: what opens, and when"))
    if special is not None:
        parts.append(("specialist", "Specialist (SEND) places"))
    parts += [("options", "Options compared"), ("backtest", "Forecast accuracy (back-test)"),
              ("ledger", "How past forecasts did"), ("method", "Method, data and approximations"),
              ("appendix", "Appendix A: each area, year by year")]
    numbered = {key: (title if key == "appendix" else f"{i}. {title}") for i, (key, title) in enumerate(parts, start=1)}
    years = sorted(int(y) for y in results.sufficiency["academic_year"].unique())
    facts = [f"{meta.la_name} (LA {meta.la_code})", f"as at {long_date(meta.as_at)}", pupil_data_note(results),
             f"projected {ay(meta.base_year + 1)} to {ay(years[-1]) if years else '–'}",
             f"{num(info.get('draws'))} simulations, seed {info.get('seed')}",
             f"programme as at {long_date(meta.programme_date)}"]
    overrides = info.get("applied_overrides") or []
    if overrides:
        facts.append("overrides: " + ", ".join(str(o) for o in overrides))
    areas = sections.area_sections(results, draw=False)  # the figures are the small multiples (section 3)
    return {
        "title": meta.title,
        "subtitle": TITLE_SUFFIX,
        "facts": facts,
        "version": info.get("placeplan_version", ""),
        "contents": [(key, numbered[key]) for key, _ in parts],
        "heading": numbered,
        "summary": summary.summary_section(results, comparison, year),
        "maps": sections.maps_section(results, year),
        "areas": areas,
        "schools": school_part,
        "area_phases": _phases(areas),
        "multiples": multiples_section(results),
        "programme": sections.programme_section(results),
        "specialist": special,
        "options": options.options_section(comparison),
        "backtest": options.backtest_section(backtest),
        "ledger": sections.ledger_section(results, backtest),
        "reliability": reliability_section(results, backtest),
        "method": method.method_section(results, special is not None),
        "margin": f"{results.scenario.config.policy.operating_margin:.0%}",
        "map_year": ay(year),
    }


def _schools(results) -> dict | None:
    """Sub-area blocks and school tables, or None when the run has neither."""
    from placeplan.outputs.report.schools import project_sentences, school_table, sub_area_blocks

    subs = sub_area_blocks(results, draw=False) if not results.sub_area_sufficiency.empty else []
    tables = [t for t in (school_table(results, "secondary", False), school_table(results, "primary", True)) if t]
    projects = project_sentences(results)
    return {"sub_areas": subs, "tables": tables, "projects": projects} if subs or tables or projects else None


def _phases(areas: list[dict]) -> list[tuple[str, list[dict]]]:
    """Area sections grouped by phase, primary first."""
    groups: dict[str, list[dict]] = {}
    for area in areas:
        groups.setdefault(area["phase"], []).append(area)
    return list(groups.items())
