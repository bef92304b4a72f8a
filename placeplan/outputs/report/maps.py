"""Maps of planning areas (geopandas, British National Grid) as PNG bytes.

The scenario names the files: ``planning_areas.geometry`` (polygons with a ``planning_area``
property) and ``planning_areas.boundary`` (the authority's outline), GeoJSON or GeoPackage in
any CRS (GeoJSON is WGS84); both are reprojected to EPSG:27700, as are school points given by
easting and northing. Reading these two files is the report's only I/O.
"""

from __future__ import annotations

import contextlib
import io
import math
from collections import defaultdict
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import geopandas as gpd
import matplotlib.patheffects as pe
import matplotlib.pyplot as plt
import pandas as pd
import shapely.geometry
from matplotlib.lines import Line2D
from matplotlib.patches import Patch, Rectangle

from placeplan.outputs.report import style
from placeplan.outputs.report.drawing import drawn

BNG = "EPSG:27700"
DPI = 200  # maps carry small text: twice the charts' resolution, so labels stay sharp in print
LABEL_PT = 7.2  # area labels, in points at the figure's own size (the PDF prints maps at that size)
SMALL = 0.1  # an area whose extent is under this share of the map's is labelled in the inset
SCHOOL_MARKERS = {"primary": ("o", "Primary school"), "secondary": ("s", "Secondary school"),
                  "all_through": ("D", "All-through school"), "special": ("^", "Special school or AP")}


@dataclass(frozen=True)
class Layers:
    """Polygons (with ``planning_area``) and outline, in EPSG:27700."""

    areas: gpd.GeoDataFrame
    boundary: gpd.GeoDataFrame | None


def read_layers(scenario) -> tuple[Layers | None, str]:
    """The scenario's map layers, or None and the reason they cannot be drawn.

    The files are read and reprojected once per process for each file's path, size and modification time
    (``_read_bng``); each call gets its own copies, so a caller may change them.
    """
    section = scenario.config.planning_areas
    if not section.geometry:
        return None, "The scenario names no planning-area polygons (planning_areas.geometry), so there are no maps."
    try:
        areas = _read_bng(*_file_key(scenario.file("planning_areas.geometry")))
    except Exception as exc:  # a broken map file must not stop the report
        return None, f"The planning-area polygons could not be read ({type(exc).__name__}), so there are no maps."
    if "planning_area" not in areas.columns or areas.empty:
        return None, "The planning-area polygons have no planning_area property, so there are no maps."
    areas = areas.copy()
    areas["planning_area"] = areas["planning_area"].astype(str)
    boundary = None
    if section.boundary:
        try:
            boundary = _read_bng(*_file_key(scenario.file("planning_areas.boundary"))).copy()
        except Exception:
            boundary = None
    return Layers(areas, boundary), ""


def _file_key(path) -> tuple[str, int, int]:
    """(resolved path, size [bytes], modification time [ns]): a changed file is read again."""
    path = Path(path).resolve()
    stat = path.stat()
    return str(path), stat.st_size, stat.st_mtime_ns


@lru_cache(maxsize=8)
def _read_bng(path: str, size: int, mtime_ns: int) -> gpd.GeoDataFrame:
    """A map file read and reprojected to EPSG:27700 (cached: callers copy before changing it)."""
    return _to_bng(gpd.read_file(path))


def _to_bng(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    if frame.crs is None:
        frame = frame.set_crs("OGC:CRS84")
    return frame.to_crs(BNG)


@dataclass(frozen=True)
class MapClass:
    """A legend class: its key in ``style.CLASS_STYLE`` or ``style.CHANCE_STYLE`` and its label."""

    key: str
    label: str


@drawn
def area_map(layers: Layers, codes: list[str], classes: dict[str, str], labels: dict[str, str],
             legend: list[MapClass], styles: dict[str, dict], schools: pd.DataFrame | None = None,
             width: float = 7.3, height: float = 6.4, legend_title: str = "") -> bytes:
    """Planning areas ``codes`` filled by class, labelled, with the outline and (optionally) school points.

    ``schools`` has easting, northing, places and phase (one row per school). ``width`` and ``height`` are
    inches at print size (the PDF shows the map at that size, text at its point size). Where two or more
    areas are too small to label in place (a city's areas), they are drawn again, enlarged and labelled,
    in an inset below the legend, and a box on the map marks where the inset is.
    """
    with plt.rc_context(style.RC):
        fig, ax = plt.subplots(figsize=(width, height))
        shown = layers.areas[layers.areas["planning_area"].isin(codes)].copy()
        shown["_area"] = shown.geometry.area
        shown = shown.sort_values("_area", ascending=False)  # small (and overlapping) areas on top
        _draw_areas(ax, shown, classes, styles)
        if layers.boundary is not None:
            layers.boundary.boundary.plot(ax=ax, color=style.INK, linewidth=1.2)
        handles = [Patch(facecolor=styles[c.key]["color"], hatch=styles[c.key].get("hatch") or None,
                         edgecolor=style.INK, linewidth=0.6, label=c.label) for c in legend]
        if schools is not None and not schools.empty:
            handles += _schools(ax, schools)
        bounds = (layers.boundary if layers.boundary is not None else shown).total_bounds
        pad = 0.03 * max(bounds[2] - bounds[0], bounds[3] - bounds[1])
        ax.set_xlim(bounds[0] - pad, bounds[2] + pad)
        ax.set_ylim(bounds[1] - pad, bounds[3] + pad)
        ax.set_aspect("equal")
        ax.set_axis_off()
        legend_box = ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.0, 1.0),
                               title=legend_title or None, title_fontproperties={"weight": "bold", "size": 7.5},
                               alignment="left", labelspacing=0.55, handlelength=2.0, handleheight=1.2,
                               borderaxespad=0.2)
        fig.subplots_adjust(left=0.01, right=0.66 if width > 5 else 0.5, top=0.99, bottom=0.01)
        small = _small_areas(shown, bounds, labels)
        inset = _inset(fig, ax, legend_box, shown, small, classes, styles) if len(small) >= 2 else None
        if inset is not None:
            _place_labels(fig, ax, shown[~shown["planning_area"].isin(small)], labels)
            _place_labels(fig, inset, shown[shown["planning_area"].isin(small)], labels)
        else:
            _place_labels(fig, ax, shown, labels)
        _scale_bar(ax)
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png", dpi=DPI, metadata={"Software": None}, bbox_inches="tight",
                    pad_inches=0.06)
        plt.close(fig)
        return buffer.getvalue()


def _draw_areas(ax, shown: gpd.GeoDataFrame, classes: dict[str, str], styles: dict[str, dict]) -> None:
    with _no_idle_draw(ax.figure):
        for row in shown.itertuples():
            key = classes.get(row.planning_area, "none")
            s = styles.get(key, style.CLASS_STYLE["none"])
            gpd.GeoSeries([row.geometry], crs=BNG).plot(ax=ax, facecolor=s["color"], edgecolor=style.INK,
                                                        linewidth=0.6, hatch=s.get("hatch") or None)


@contextlib.contextmanager
def _no_idle_draw(fig):
    """Skip the full redraw geopandas asks for after each ``plot`` (``canvas.draw_idle``): with one call per
    polygon it made drawing a map quadratic in areas. The figure is drawn when it is saved, as before."""
    canvas = fig.canvas
    canvas.draw_idle = lambda *args, **kwargs: None
    try:
        yield
    finally:
        del canvas.draw_idle  # the class's own method again


def _small_areas(shown: gpd.GeoDataFrame, bounds, labels: dict[str, str]) -> list[str]:
    """Labelled areas whose main part's width and height are both under ``SMALL`` of the map's extent."""
    extent = max(bounds[2] - bounds[0], bounds[3] - bounds[1])
    out = []
    for row in shown.itertuples():
        x0, y0, x1, y1 = _main_part(row.geometry).bounds
        if labels.get(row.planning_area) and max(x1 - x0, y1 - y0) < SMALL * extent:
            out.append(row.planning_area)
    return out


def _main_part(geom):
    """The largest polygon of a multipolygon (where its label goes), or the polygon."""
    return max(geom.geoms, key=lambda g: g.area) if geom.geom_type == "MultiPolygon" else geom


def _inset(fig, ax, legend_box, shown: gpd.GeoDataFrame, small: list[str], classes, styles):
    """An enlarged view of the small areas below the legend, and a box on the map where it is; the inset axes."""
    fig.draw_without_rendering()  # lays out text and axes (aspect) without rasterising; saving draws
    legend_bottom = fig.transFigure.inverted().transform(
        legend_box.get_window_extent(fig.canvas.get_renderer()))[0][1]
    left = ax.get_position().x1 + 0.01
    top = max(0.2, legend_bottom - 0.03)
    inset = fig.add_axes([left, 0.02, 0.99 - left, top - 0.02])
    part = shown[shown["planning_area"].isin(small)]
    x0, y0, x1, y1 = gpd.GeoSeries([_main_part(g) for g in part.geometry], crs=BNG).total_bounds
    pad = 0.25 * max(x1 - x0, y1 - y0)
    x0, y0, x1, y1 = x0 - pad, y0 - pad, x1 + pad, y1 + pad
    near = shown[shown.intersects(shapely.geometry.box(x0, y0, x1, y1))]
    _draw_areas(inset, near, classes, styles)
    inset.set_xlim(x0, x1)
    inset.set_ylim(y0, y1)
    inset.set_aspect("equal", adjustable="box")
    inset.set_xticks([])
    inset.set_yticks([])
    inset.set_xlabel("")
    inset.set_ylabel("")
    for spine in inset.spines.values():
        spine.set_visible(True)
        spine.set_color(style.INK)
        spine.set_linewidth(0.9)
    inset.set_title("The dashed box, enlarged", fontsize=7, loc="left", pad=2)
    ax.add_patch(Rectangle((x0, y0), x1 - x0, y1 - y0, fill=False, edgecolor=style.INK, linewidth=0.9,
                           linestyle="--", zorder=9))
    return inset


def _schools(ax, schools: pd.DataFrame) -> list:
    """School points sized by places (area proportional), marker by phase; returns legend handles."""
    schools = schools.dropna(subset=["easting", "northing"])
    top = max(float(schools["places"].max()), 1.0)
    scale = 160.0 / top  # the largest school is a marker of 160 pt^2
    handles = []
    for phase, (marker, label) in SCHOOL_MARKERS.items():
        rows = schools[schools["phase"] == phase] if phase != "special" else schools[
            ~schools["phase"].isin(["primary", "secondary", "all_through"])]
        if rows.empty:
            continue
        ax.scatter(rows["easting"], rows["northing"], s=(rows["places"].clip(lower=20) * scale), marker=marker,
                   facecolor="white", edgecolor=style.INK, linewidth=0.7, alpha=0.9, zorder=5)
        handles.append(Line2D([], [], marker=marker, linestyle="none", markerfacecolor="white",
                              markeredgecolor=style.INK, markersize=6, label=label))
    for size in _nice_sizes(top):
        handles.append(Line2D([], [], marker="o", linestyle="none", markerfacecolor="white", markeredgecolor=style.INK,
                              markersize=math.sqrt(size * scale), label=f"{size:,} places"))
    return handles


def _nice_sizes(top: float) -> list[int]:
    steps = [50, 100, 200, 250, 500, 1000, 1500, 2000, 2500, 5000]
    big = max([s for s in steps if s <= top] or [steps[0]])
    small = max([s for s in steps if s <= big / 4] or [steps[0]])
    return sorted({small, big})


def _place_labels(fig, ax, shown: gpd.GeoDataFrame, labels: dict[str, str]) -> None:
    """Label each area at a point inside it; move labels that would collide, with a leader line."""
    fig.draw_without_rendering()  # lays out text and axes (aspect) without rasterising; saving draws
    renderer = fig.canvas.get_renderer()
    axes_box = ax.get_window_extent(renderer)
    placed = _Placed()
    effects = [pe.withStroke(linewidth=2.4, foreground="white")]
    for row in shown.itertuples():  # large areas first: their labels rarely need moving
        text = labels.get(row.planning_area)
        if not text:
            continue
        geom = row.geometry
        if geom.geom_type == "MultiPolygon":
            geom = max(geom.geoms, key=lambda g: g.area)
        anchor = geom.representative_point()
        ax_xy = ax.transData.transform((anchor.x, anchor.y))
        label = ax.text(anchor.x, anchor.y, text, ha="center", va="center", fontsize=LABEL_PT, color=style.INK,
                        zorder=8, path_effects=effects, linespacing=1.05)
        box = label.get_window_extent(renderer).expanded(1.06, 1.1)
        best = None
        for radius in [0, 1, 1.6, 2.3, 3.1, 4, 5, 6.5, 8]:
            for k in range(16 if radius else 1):
                angle = 2 * math.pi * k / 16 + math.pi / 2
                dx = radius * box.height * math.cos(angle)
                dy = radius * box.height * math.sin(angle)
                candidate = box.translated(dx, dy)
                inside = (candidate.x0 >= axes_box.x0 and candidate.x1 <= axes_box.x1 and candidate.y0 >= axes_box.y0
                          and candidate.y1 <= axes_box.y1)
                if inside and not placed.overlaps(candidate):
                    best = (dx, dy, candidate)
                    break
            if best:
                break
        if best is None:
            best = (0.0, 0.0, box)
        dx, dy, candidate = best
        placed.add(candidate)
        if dx or dy:
            x, y = ax.transData.inverted().transform((ax_xy[0] + dx, ax_xy[1] + dy))
            label.set_position((x, y))
            ax.annotate("", xy=(anchor.x, anchor.y), xytext=(x, y), zorder=7,
                        arrowprops={"arrowstyle": "-", "color": style.INK, "linewidth": 0.6, "shrinkA": 6,
                                    "shrinkB": 0})
            ax.plot([anchor.x], [anchor.y], marker="o", markersize=1.8, color=style.INK, zorder=7)


class _Placed:
    """Label boxes placed so far [display pixels], bucketed on a grid so that a candidate is checked only
    against the boxes near it (checking every placed box made labelling quadratic in areas)."""

    CELL = 64.0  # grid cell [px]

    def __init__(self):
        self._cells: dict[tuple[int, int], list] = defaultdict(list)

    def _keys(self, box):
        c = self.CELL
        return [(i, j) for i in range(math.floor(box.x0 / c), math.floor(box.x1 / c) + 1)
                for j in range(math.floor(box.y0 / c), math.floor(box.y1 / c) + 1)]

    def add(self, box) -> None:
        for key in self._keys(box):
            self._cells[key].append(box)

    def overlaps(self, box) -> bool:
        """Whether ``box`` overlaps a placed box (``Bbox.overlaps``: boxes that share a cell are the only ones
        that can)."""
        return any(box.overlaps(other) for key in self._keys(box) for other in self._cells.get(key, ()))


def _scale_bar(ax) -> None:
    """A 10 km (or 1 km) scale bar in the lower left corner."""
    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    length = 10_000 if (x1 - x0) > 30_000 else 1_000
    x, y = x0 + 0.03 * (x1 - x0), y0 + 0.03 * (y1 - y0)
    ax.plot([x, x + length], [y, y], color=style.INK, linewidth=2.5, solid_capstyle="butt", zorder=9)
    ax.text(x + length / 2, y + 0.012 * (y1 - y0), f"{length // 1000} km", ha="center", va="bottom", fontsize=6.5,
            zorder=9)
