"""A synthetic scenario with many planning areas: the toy council (``scenarios/toy_council``) copied N times.

Usage::

    python benchmarks/many_areas.py 1000 /tmp/many      # writes /tmp/many/many_areas.yaml and its tables
    placeplan validate /tmp/many/many_areas.yaml

    from many_areas import write_many_areas
    path = write_many_areas(1000, folder)                 # the scenario file's path

Each copy ``k`` of Toyshire is one "town" with the toy's 3 official planning areas (2 primary, 1 secondary),
its 2 secondary sub-areas, 6 schools and 2 capital projects, with codes, school ids and names made unique
(``8881001`` becomes ``888`` + 4 digits from a counter; school ``100001`` becomes ``1xxxxx``; "North" becomes
"North 12"). Pupils, rolls, capacity and housing are the toy's own rows, copied. Births stay one
authority-wide series (the toy's, times the copies) with each copy's shares divided by the copies, so every
copy projects what the toy projects, except that each copy's housing (+0 to 6 homes a year) and net
capacity (+0 to 30 places a school) differ a little, so that copies do not draw identical charts (the report
draws a figure asked for twice only once). Square planning-area polygons on a grid (and the grid's outline)
are written as GeoJSON, so the report draws its maps too.

``areas`` asks for that many official planning areas; the copies are ``ceil(areas / 3)``, so the scenario has
``3 * copies`` official areas (``planning_area_count``). The output depends only on ``areas`` and ``draws``
(deterministic: same arguments, same bytes).
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path

import pandas as pd
import yaml

ROOT = Path(__file__).resolve().parents[1]
TOY = ROOT / "scenarios" / "toy_council.yaml"
TOY_TABLES = ROOT / "scenarios" / "toy_council"
AREAS_PER_COPY = 3  # official planning areas in one copy of the toy: North, South (primary), Toyshire (secondary)
SQUARE_M = 5_000  # side of a primary planning area's square [m]
ORIGIN = (300_000, 200_000)  # south-west corner of the grid [m, EPSG:27700]

AREA_COLUMNS = ("planning_area", "parent", "primary_planning_area", "secondary_planning_area", "sub_area")
SCHOOL_COLUMNS = ("school_id",)
NAMED_TABLES = ("planning_areas", "schools")
COPIED_TABLES = ("planning_areas", "schools", "capacity", "school_nor", "pupils", "housing")


def copies_for(areas: int) -> int:
    """Copies of the toy council needed for at least ``areas`` official planning areas."""
    if areas < 1:
        raise ValueError(f"areas must be at least 1, not {areas}")
    return math.ceil(areas / AREAS_PER_COPY)


def planning_area_count(areas: int) -> int:
    """Official planning areas (primary and secondary) in the scenario ``write_many_areas(areas, ...)`` writes."""
    return AREAS_PER_COPY * copies_for(areas)


def _read(name: str) -> pd.DataFrame:
    return pd.read_csv(TOY_TABLES / f"{name}.csv", dtype=str, keep_default_na=False)


def _code_maps(copies: int) -> list[dict[str, str]]:
    """Per copy: toy code -> unique code, for planning areas, sub-areas, school ids and LAESTABs."""
    toy_areas = _read("planning_areas")
    toy_schools = _read("schools")
    official = [c for c, kind in zip(toy_areas["planning_area"], toy_areas["kind"]) if kind == "official"]
    subs = [c for c, kind in zip(toy_areas["planning_area"], toy_areas["kind"]) if kind != "official"]
    maps = []
    for k in range(copies):
        codes = {}
        for i, code in enumerate(official):  # 888 + 4 digits: 0001.. secondary, 1001.. primary would collide
            codes[code] = f"{code[:3]}{1 + k * len(official) + i:04d}" if copies * len(official) < 10_000 \
                else f"{code[:3]}-{k}-{i}"
        for code in subs:
            codes[code] = f"{code}{k + 1}"
        for i, (sid, estab) in enumerate(zip(toy_schools["school_id"], toy_schools["laestab"])):
            codes[sid] = f"{sid[0]}{k * len(toy_schools) + i + 1:05d}"
            codes[estab] = f"{estab[:3]}{k * len(toy_schools) + i + 1:04d}"
        maps.append(codes)
    return maps


def _copy_table(name: str, maps: list[dict[str, str]]) -> pd.DataFrame:
    toy = _read(name)
    parts = []
    for k, codes in enumerate(maps):
        part = toy.copy()
        for column in (*AREA_COLUMNS, *SCHOOL_COLUMNS, "laestab"):
            if column in part.columns:
                part[column] = part[column].map(lambda v: codes.get(v, v))
        if name in NAMED_TABLES:
            part["name"] = part["name"] + f" {k + 1}"
        if name == "capacity":  # each copy a little different, so that no two copies draw the same charts
            part["net_capacity"] = [str(int(v) + 3 * (k % 11)) for v in part["net_capacity"]]
        if name == "housing":
            part["dwellings"] = [f"{float(v) + k % 7:.1f}" for v in part["dwellings"]]
        parts.append(part)
    return pd.concat(parts, ignore_index=True)


def _squares(copies: int) -> tuple[list[tuple[float, float]], int]:
    """South-west corner of each copy's 2-square cell (10 km x 5 km) on a near-square grid, and its columns."""
    columns = math.ceil(math.sqrt(copies / 2)) or 1  # cells are twice as wide as tall
    return [(ORIGIN[0] + (k % columns) * 2 * SQUARE_M, ORIGIN[1] + (k // columns) * SQUARE_M)
            for k in range(copies)], columns


def _geometry(maps: list[dict[str, str]], toy_areas: pd.DataFrame):
    """Planning-area polygons (the secondary area is its two primary squares) and the grid's outline, WGS84."""
    import geopandas as gpd
    from shapely.geometry import box

    corners, columns = _squares(len(maps))
    primary = [c for c, p, kind in zip(toy_areas["planning_area"], toy_areas["phase"], toy_areas["kind"])
               if p == "primary" and kind == "official"]
    secondary = [c for c, p, kind in zip(toy_areas["planning_area"], toy_areas["phase"], toy_areas["kind"])
                 if p == "secondary" and kind == "official"]
    rows = []
    for (x, y), codes in zip(corners, maps):
        for i, code in enumerate(primary):
            rows.append({"planning_area": codes[code], "geometry": box(x + i * SQUARE_M, y, x + (i + 1) * SQUARE_M,
                                                                      y + SQUARE_M)})
        for code in secondary:
            rows.append({"planning_area": codes[code], "geometry": box(x, y, x + 2 * SQUARE_M, y + SQUARE_M)})
    areas = gpd.GeoDataFrame(rows, crs="EPSG:27700").to_crs("OGC:CRS84")
    rows_used = math.ceil(len(maps) / columns)
    outline = gpd.GeoDataFrame({"la_code": ["888"]}, geometry=[
        box(ORIGIN[0], ORIGIN[1], ORIGIN[0] + columns * 2 * SQUARE_M, ORIGIN[1] + rows_used * SQUARE_M)],
        crs="EPSG:27700").to_crs("OGC:CRS84")
    return areas, outline, corners


def _school_points(schools: pd.DataFrame, maps: list[dict[str, str]], corners, toy_schools: pd.DataFrame):
    """Each school at its toy offset inside its copy's cell (toy coordinates relative to their bounding box)."""
    east = pd.to_numeric(toy_schools["easting"])
    north = pd.to_numeric(toy_schools["northing"])
    fx = (east - east.min()) / max(east.max() - east.min(), 1) * 0.8 + 0.1
    fy = (north - north.min()) / max(north.max() - north.min(), 1) * 0.8 + 0.1
    n = len(toy_schools)
    for k, (x, y) in enumerate(corners):
        rows = slice(k * n, (k + 1) * n)
        schools.loc[schools.index[rows], "easting"] = [f"{x + f * 2 * SQUARE_M:.0f}" for f in fx]
        schools.loc[schools.index[rows], "northing"] = [f"{y + f * SQUARE_M:.0f}" for f in fy]
    return schools


def write_many_areas(areas: int, folder: Path, *, draws: int | None = None) -> Path:
    """Write a scenario with at least ``areas`` official planning areas into ``folder``; returns the YAML path.

    ``draws``: Monte Carlo draws of the scenario (default the toy's, 200).
    """
    folder = Path(folder)
    tables = folder / "many_areas"
    tables.mkdir(parents=True, exist_ok=True)
    copies = copies_for(areas)
    maps = _code_maps(copies)
    for name in COPIED_TABLES:
        table = _copy_table(name, maps)
        if name == "schools":
            table = _school_points(table, maps, _squares(copies)[0], _read("schools"))
        table.to_csv(tables / f"{name}.csv", index=False, lineterminator="\n")
    births = _read("births")
    births["births"] = [f"{float(b) * copies:.1f}" for b in births["births"]]
    births.to_csv(tables / "births.csv", index=False, lineterminator="\n")
    shares = _copy_table("birth_shares", maps)
    shares["share"] = [repr(float(s) / copies) for s in shares["share"]]
    shares.to_csv(tables / "birth_shares.csv", index=False, lineterminator="\n")
    _read("pupil_yields").to_csv(tables / "pupil_yields.csv", index=False, lineterminator="\n")
    polygons, outline, _ = _geometry(maps, _read("planning_areas"))
    (tables / "planning_areas.geojson").write_text(polygons.to_json(drop_id=True), encoding="utf-8")
    (tables / "boundary.geojson").write_text(outline.to_json(drop_id=True), encoding="utf-8")

    config = yaml.safe_load(TOY.read_text(encoding="utf-8"))
    config["meta"].update(name="many_areas", title=f"Many-areas benchmark ({AREAS_PER_COPY * copies} planning areas)")
    if draws is not None:
        config["meta"]["draws"] = int(draws)
    config["planning_areas"] = {"table": "many_areas/planning_areas.csv",
                                "geometry": "many_areas/planning_areas.geojson",
                                "boundary": "many_areas/boundary.geojson"}
    config["schools"] = {"table": "many_areas/schools.csv", "capacity": "many_areas/capacity.csv",
                         "nor": "many_areas/school_nor.csv"}
    config["pupils"] = {"table": "many_areas/pupils.csv"}
    config["births"] = {"table": "many_areas/births.csv", "shares": "many_areas/birth_shares.csv"}
    config["housing"] = {"table": "many_areas/housing.csv", "yields": "many_areas/pupil_yields.csv"}
    projects = {}
    for k, codes in enumerate(maps):
        for key, project in config["capital_projects"].items():
            copy = json.loads(json.dumps(project, default=str))
            copy["school_id"] = codes[str(project["school_id"])]
            copy["name"] = f"{project['name']} ({k + 1})"
            projects[f"{key}_{k + 1}"] = copy
    config["capital_projects"] = projects
    config.pop("overrides", None)  # they name the toy's own projects and sites
    config.pop("scenarios", None)
    path = folder / "many_areas.yaml"
    path.write_text("# Generated by benchmarks/many_areas.py: the toy council copied "
                    f"{copies} times.\n" + yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("areas", type=int, help="official planning areas wanted (rounded up to a multiple of 3)")
    parser.add_argument("folder", type=Path, help="folder to write many_areas.yaml and its tables into")
    parser.add_argument("--draws", type=int, default=None, help="Monte Carlo draws (default the toy's 200)")
    args = parser.parse_args(argv)
    path = write_many_areas(args.areas, args.folder, draws=args.draws)
    print(f"{path}: {planning_area_count(args.areas)} planning areas ({copies_for(args.areas)} copies of the toy)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
