"""Matplotlib figures rendered as inline SVG for the self-contained reports.

Every function takes plain lists or DataFrames and returns an `Svg`: markup ready to be placed
in an HTML page (no XML prolog, no external reference, ids made unique per figure) with a
`<title>` and `<desc>` that screen readers announce. Text stays text (`svg.fonttype: none`),
so the page's own fonts render it and nothing is fetched.

    >>> svg = ca_map([("a", 0.5, 0.1), ("b", -0.4, 0.2)], [("t", 0.1, -0.3, True)],
    ...              shares=(0.6, 0.4), title="Map")
    >>> svg.startswith("<svg") and "<title" in svg
    True

The other charts (heat maps, dots with intervals, values over years, model-selection curves)
are drawn without matplotlib, in `charts.py`; matplotlib draws the correspondence maps, whose
labels are placed by measuring them.

Figures use the object-oriented `matplotlib.figure.Figure` (no pyplot state), so rendering is
safe to repeat and leaves no open figures behind.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import io
import json
import logging
import re
from collections.abc import Iterator, Sequence
from html import escape
from pathlib import Path
from typing import Any

import matplotlib
import numpy as np
from markupsafe import Markup
from matplotlib.figure import Figure

# Colour-blind-safe palette (Okabe & Ito) for series; the heat map uses a sequential map.
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442",
           "#000000")
MUTED = "#6b6b6b"  # grey text and marks: 5.3:1 on white (WCAG AA for text)
# Topic lines: Okabe and Ito's colour-blind-safe colours (no red/green pair, unlike tab10),
# without the two lightest, and two of Paul Tol's: every line at least 3:1 against white.
TOPIC_PALETTE = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#000000", "#882255", "#999933",
                 "#332288")
AA_TEXT = 4.5  # WCAG AA contrast for normal text


def luminance(colour: str) -> float:
    """WCAG relative luminance of a colour (`#rrggbb` or any matplotlib colour)."""
    rgb = matplotlib.colors.to_rgb(colour)
    lin = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in rgb]
    return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]


def contrast(a: str, b: str) -> float:
    """WCAG contrast ratio of two colours (1 to 21)."""
    la, lb = sorted((luminance(a), luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def ink_on(background: str) -> str:
    """Black or white, whichever reads better on `background`."""
    return "#000000" if contrast("#000000", background) >= contrast("#ffffff", background) \
        else "#ffffff"

RC: dict[Any, Any] = {
    "svg.fonttype": "none",          # text as <text>: the browser's fonts, nothing fetched
    "font.family": "sans-serif",
    "font.size": 9,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.titlesize": 10,
    "axes.titleweight": "bold",
    "text.usetex": False,
}

class Svg(Markup):
    """Inline SVG markup (a `Markup`, so Jinja2 inserts it without escaping it again)."""


def plain(text: object) -> str:
    """Label text as matplotlib must receive it: `$` would start math mode."""
    return str(text).replace("\\", "\\\\").replace("$", r"\$")


def render(fig: Figure, *, title: str, desc: str = "") -> Svg:
    """Serialise a figure to inline SVG with an accessible title and description.

    Args:
        fig: the figure (discarded afterwards).
        title: short text alternative, read by screen readers and shown on hover.
        desc: longer description (what the axes and marks mean).

    Returns:
        The `<svg>` element.
    """
    buf = io.StringIO()
    with matplotlib.rc_context({**RC, "svg.hashsalt": "city-discourse"}):
        fig.savefig(buf, format="svg",
                    metadata={"Date": None, "Creator": None, "Format": None, "Type": None})
    text = buf.getvalue()
    text = text[text.index("<svg"):]
    text = re.sub(r"\s*<metadata>.*?</metadata>", "", text, flags=re.S)
    # Ids unique per figure yet the same from run to run, so unchanged data gives unchanged pages.
    n = hashlib.sha1((title + "\0" + desc + "\0" + text).encode("utf-8")).hexdigest()[:8]
    text = _unique_ids(text, f"f{n}-")
    tid, did = f"f{n}-title", f"f{n}-desc"
    head = (f'<title id="{tid}">{escape(title)}</title>'
            + (f'<desc id="{did}">{escape(desc)}</desc>' if desc else ""))
    labelled = f'role="img" aria-labelledby="{tid}' + (f' {did}"' if desc else '"')
    text = re.sub(r"<svg\b", f'<svg class="fig" {labelled}', text, count=1)
    text = re.sub(r"(<svg\b[^>]*>)", lambda m: m.group(1) + head, text, count=1)
    # The natural size (width/height in pt) is kept: CSS only shrinks a figure to fit the page
    # (max-width: 100%), so its text never grows larger than the page's own.
    return Svg(text)


def _unique_ids(svg: str, prefix: str) -> str:
    """Prefix every id (and every reference to it) so several figures can share a page."""
    ids = set(re.findall(r'\bid="([^"]+)"', svg))
    if not ids:
        return svg
    svg = re.sub(r'\bid="([^"]+)"', lambda m: f'id="{prefix}{m.group(1)}"', svg)
    return re.sub(r"#([\w.\-]+)(?=[\")])",
                  lambda m: f"#{prefix}{m.group(1)}" if m.group(1) in ids else m.group(0), svg)


# --- the figure cache ------------------------------------------------------------------------
# A figure is drawn from its arguments only, so a hash of them (with this module's source and
# matplotlib's version) names its SVG: an unchanged figure is read back, not redrawn.

log = logging.getLogger(__name__)
_CODE = hashlib.sha256(Path(__file__).read_bytes() + matplotlib.__version__.encode()).hexdigest()
_cache: dict = {"folder": None, "hits": 0, "misses": 0}


@contextlib.contextmanager
def cached_figures(folder: Path | None) -> Iterator[dict]:
    """Within the block, figures are looked up in (and added to) `folder` (None: no cache).
    Yields the counts of hits and misses."""
    saved = dict(_cache)
    _cache.update(folder=folder, hits=0, misses=0, used=set())
    if folder is not None:
        folder.mkdir(parents=True, exist_ok=True)
    try:
        yield _cache
    finally:
        if folder is not None:
            log.info("figures: %d drawn, %d from the cache", _cache["misses"], _cache["hits"])
            # the cache holds the last report's figures only
            for old in folder.glob("*.svg"):
                if old.name not in _cache["used"]:
                    old.unlink()
        _cache.update(saved)


def _jsonable(value: object) -> object:
    if isinstance(value, np.ma.MaskedArray):
        return {"data": value.filled(np.nan).tolist(), "mask": np.ma.getmaskarray(value).tolist()}
    if isinstance(value, np.ndarray | np.generic):
        return value.tolist()
    return str(value)


def cached(draw):
    """Serve `draw`'s SVG from the cache when it was drawn before with the same arguments."""

    @functools.wraps(draw)
    def wrapper(*args, **kwargs):
        folder = _cache["folder"]
        if folder is None:
            return draw(*args, **kwargs)
        blob = json.dumps([draw.__name__, _CODE, args, kwargs], default=_jsonable,
                          sort_keys=True, ensure_ascii=False)
        path = folder / f"{hashlib.sha256(blob.encode()).hexdigest()[:32]}.svg"
        _cache["used"].add(path.name)
        if path.exists():
            _cache["hits"] += 1
            return Svg(path.read_text(encoding="utf-8"))
        _cache["misses"] += 1
        svg = draw(*args, **kwargs)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(str(svg), encoding="utf-8")
        tmp.replace(path)
        return svg

    return wrapper


def _new_figure(width: float, height: float) -> Figure:
    with matplotlib.rc_context(RC):
        return Figure(figsize=(width, height), layout="constrained")


@cached
def ca_map(rows: Sequence[tuple[str, float, float]],
           columns: Sequence[tuple[str, float, float, bool]], *, shares: tuple[float, float],
           title: str, desc: str = "", row_kind: str = "firms",
           column_kind: str = "terms") -> Svg:
    """Symmetric map of a correspondence analysis: rows and columns on the first two axes.

    Both axes are drawn to the same scale (a distance means the same in every direction) and
    labelled with their share of the inertia. Every row is labelled; columns flagged for a
    label are labelled where the label overlaps no other, the others are small grey marks
    (their coordinates stay in the tables beside the map).

    Args:
        rows: (label, dim1, dim2) per row point (firms), drawn as blue dots.
        columns: (label, dim1, dim2, labelled) per column point (terms or domains), most
            important first: labels are placed in this order.
        shares: share of the total inertia of axes 1 and 2 (0-1).
        title: the figure's text alternative.
        desc: longer description.
        row_kind: what the rows are, for the legend.
        column_kind: what the columns are, for the legend.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    xs = np.array([r[1] for r in rows] + [c[1] for c in columns], dtype=float)
    ys = np.array([r[2] for r in rows] + [c[2] for c in columns], dtype=float)
    with matplotlib.rc_context(RC):
        width, height, box = 7.0, 5.6, (0.09, 0.09, 0.88, 0.84)
        fig = Figure(figsize=(width, height))
        FigureCanvasAgg(fig)  # a renderer to measure labels with, before the SVG is written
        ax = fig.add_axes(box)
        # One scale on both axes (inches per unit), so that distances read alike in every
        # direction; a margin leaves room for labels at the edges.
        box_w, box_h = box[2] * width, box[3] * height
        span_x = max(float(np.ptp(xs)) if len(xs) else 0.0, 1e-9)
        span_y = max(float(np.ptp(ys)) if len(ys) else 0.0, 1e-9)
        unit = 1.2 * max(span_x / box_w, span_y / box_h)
        mid_x = (float(xs.max()) + float(xs.min())) / 2 if len(xs) else 0.0
        mid_y = (float(ys.max()) + float(ys.min())) / 2 if len(ys) else 0.0
        ax.set_xlim(mid_x - unit * box_w / 2, mid_x + unit * box_w / 2)
        ax.set_ylim(mid_y - unit * box_h / 2, mid_y + unit * box_h / 2)
        ax.axhline(0, color="#cfcfcf", lw=0.8, zorder=0)
        ax.axvline(0, color="#cfcfcf", lw=0.8, zorder=0)
        ax.set_xlabel(f"Axis 1 ({shares[0]:.1%} of inertia)")
        ax.set_ylabel(f"Axis 2 ({shares[1]:.1%} of inertia)")
        ax.tick_params(labelsize=7, colors=MUTED)
        for spine in ax.spines.values():
            spine.set_color("#cfcfcf")
        labelled = [c for c in columns if c[3]]
        quiet = [c for c in columns if not c[3]]
        if quiet:
            ax.plot([c[1] for c in quiet], [c[2] for c in quiet], "^", color="#c8c8c8", ms=3.5,
                    ls="none", label=plain(f"{column_kind} (not labelled)"))
        if labelled:
            ax.plot([c[1] for c in labelled], [c[2] for c in labelled], "^", color=PALETTE[5],
                    ms=5, ls="none", label=plain(column_kind))
        ax.plot([r[1] for r in rows], [r[2] for r in rows], "o", color=PALETTE[0], ms=7,
                ls="none", label=plain(row_kind))
        ax.legend(fontsize=7, frameon=False, loc="upper left", bbox_to_anchor=(0.0, 1.07),
                  ncols=3, borderaxespad=0.0)
        renderer = fig.canvas.get_renderer()  # type: ignore[attr-defined]  # Agg's, untyped
        frame = ax.get_window_extent(renderer)
        # Labels keep clear of the firms and of the labelled columns; grey marks may be covered.
        shown = [(r[1], r[2]) for r in rows] + [(c[1], c[2]) for c in labelled]
        marks = [matplotlib.transforms.Bbox.from_bounds(px - 3, py - 3, 6, 6)
                 for px, py in (ax.transData.transform(xy) for xy in shown)]
        placed: list = []
        for label, x, y in _merge_close(ax, rows):
            _place_label(ax, renderer, frame, placed, marks, label, x, y, force=True,
                         color=PALETTE[0], fontsize=8.5, fontweight="bold")
        for label, x, y, _ in labelled:
            _place_label(ax, renderer, frame, placed, marks, label, x, y, force=False,
                         color="#8a3b00", fontsize=7.5)
        return render(fig, title=title, desc=desc)


def _merge_close(ax, rows: Sequence[tuple[str, float, float]], *, pixels: float = 7.0):
    """Row points drawn on top of each other share one label ("a · b") instead of two that
    would have to be placed apart from their dot."""
    groups: list[list] = []
    for label, x, y in rows:
        px, py = ax.transData.transform((x, y))
        for g in groups:
            if abs(g[0][1] - px) <= pixels and abs(g[0][2] - py) <= pixels:
                g.append((label, px, py, x, y))
                break
        else:
            groups.append([(label, px, py, x, y)])
    return [(" · ".join(m[0] for m in g), g[0][3], g[0][4]) for g in groups]


# Offsets (points) tried around a point for its label, nearest first: right, left, above, below.
_OFFSETS = [(dx * r, dy * r) for r in (1.0, 2.2, 3.4) for dx, dy in
            ((5, -3), (-5, -3), (0, 5), (0, -11), (5, 4), (-5, 4), (5, -10), (-5, -10))]


def _place_label(ax, renderer, frame, placed: list, marks: list, label: str, x: float, y: float,
                 *, force: bool, **style) -> bool:
    """Put a label near (x, y) where it stays in the axes and overlaps no placed label and no
    other point's mark.

    Returns:
        Whether the label was drawn. A forced label (a firm) that fits nowhere is drawn at the
        first place that stays in the axes, else at the first place tried.
    """
    px, py = ax.transData.transform((x, y))
    own = (round(px - 3, 6), round(py - 3, 6))
    pad = 1.5 * ax.figure.dpi / 72.0
    fallback = None
    for dx, dy in _OFFSETS:
        ha = "left" if dx > 0 else "right" if dx < 0 else "center"
        far = abs(dx) + abs(dy) > 15  # a label set apart gets a thin line to its point
        text = ax.annotate(plain(label), (x, y), xytext=(dx, dy), textcoords="offset points",
                           ha=ha, va="bottom", annotation_clip=False,
                           arrowprops={"arrowstyle": "-", "color": "#b0b0b0", "lw": 0.5,
                                       "shrinkA": 1, "shrinkB": 3} if far else None, **style)
        # The text's box, and for a label set apart the span to its point, which is what the
        # connecting line covers: measuring the line itself (a clipped path) cost more than
        # every other part of the map.
        text.update_positions(renderer)  # places the text (its offset), not yet the line
        box = matplotlib.text.Text.get_window_extent(text, renderer)
        if far:
            box = matplotlib.transforms.Bbox.union(
                [box, matplotlib.transforms.Bbox.from_bounds(px, py, 0, 0)])
        box = box.padded(pad)
        inside = (box.x0 >= frame.x0 and box.x1 <= frame.x1 and box.y0 >= frame.y0
                  and box.y1 <= frame.y1)
        clash = any(box.overlaps(b) for b in placed) or any(
            box.overlaps(m) for m in marks if (round(m.x0, 6), round(m.y0, 6)) != own)
        if inside and not clash:
            if fallback is not None:
                fallback[0].remove()
            placed.append(box)
            return True
        if force and (fallback is None or (inside and not fallback[2])):
            if fallback is not None:
                fallback[0].remove()
            fallback = (text, box, inside)
            continue
        text.remove()
    if fallback is not None:
        placed.append(fallback[1])
        return True
    return False
