"""The report's charts written directly as SVG: dots with intervals, values over years (one
panel or a grid of panels on shared axes), model-selection curves and heat maps.

Drawing these through matplotlib cost most of a cold report (a figure, a layout engine and a
renderer per chart, over a hundred on the demo) for marks that are a few lines and circles.
Here each chart is a string built in one pass: the same marks, colours and accessible
`<title>`/`<desc>` as the matplotlib figures (`figures.py` keeps the correspondence maps),
text kept as text, sizes in points.

    >>> svg = interval_chart([("a <b>", 0.4, 0.3, 0.5, True)], title="Share", xlabel="share")
    >>> svg.startswith('<svg class="fig"') and "a &lt;b&gt;" in svg and "40%" in svg
    True
"""

from __future__ import annotations

import functools
import hashlib
import math
import numbers
from collections.abc import Sequence
from html import escape
from typing import Any

from matplotlib import colormaps
from matplotlib.colors import to_hex
from matplotlib.font_manager import FontProperties, findfont, get_font
from matplotlib.ticker import MaxNLocator

from pipeline.report.figures import MUTED, PALETTE, Svg, ink_on

PT = 72.0  # points per inch: sizes are given in inches, as for the matplotlib figures
INK = "#1d1d1f"
GRID = "#e5e5e5"
FONT = 9.0  # points, as the matplotlib figures' rc
SMALL = 7.0  # legends
Series = dict[str, Any]  # {"label", "years", "values", "lows", "highs", "enough", "colour"}


@functools.lru_cache(maxsize=1)
def _font_path() -> str:
    return findfont(FontProperties(family=["sans-serif"]))


@functools.lru_cache(maxsize=4096)
def text_width(text: str, size: float = FONT, bold: bool = False) -> float:
    """Width in points of `text` set in the sans-serif font matplotlib would use (the browser's
    may differ a little: margins keep a few points of slack)."""
    font = get_font(_font_path())
    font.set_size(size, 72)
    font.set_text(text, 0.0)
    width = font.get_width_height()[0] / 64.0
    return width * (1.06 if bold else 1.0)


def _f(v: float) -> str:
    return f"{v:.1f}".rstrip("0").rstrip(".")


def _text(x: float, y: float, text: str, *, anchor: str = "start", size: float = FONT,
          fill: str = INK, extra: str = "") -> str:
    # dy .35em centres the text on y (dominant-baseline is not honoured everywhere)
    return (f'<text x="{_f(x)}" y="{_f(y)}" dy=".35em" text-anchor="{anchor}" '
            f'font-size="{_f(size)}" fill="{fill}"{extra}>{escape(str(text))}</text>')


def _line(x1: float, y1: float, x2: float, y2: float, colour: str, width: float = 1.0,
          extra: str = "") -> str:
    return (f'<line x1="{_f(x1)}" y1="{_f(y1)}" x2="{_f(x2)}" y2="{_f(y2)}" '
            f'stroke="{colour}" stroke-width="{_f(width)}"{extra}/>')


def _wrap(width: float, height: float, body: list[str], *, title: str, desc: str) -> Svg:
    """The `<svg>` element: natural size in points, accessible name, ids unique per chart."""
    inner = "".join(body)
    n = hashlib.sha1((title + "\0" + desc + "\0" + inner).encode("utf-8")).hexdigest()[:8]
    tid, did = f"c{n}-title", f"c{n}-desc"
    labelled = tid + (f" {did}" if desc else "")
    head = (f'<svg class="fig" role="img" aria-labelledby="{labelled}" '
            f'xmlns="http://www.w3.org/2000/svg" width="{_f(width)}pt" height="{_f(height)}pt" '
            f'viewBox="0 0 {_f(width)} {_f(height)}" font-family="sans-serif">'
            f'<title id="{tid}">{escape(title)}</title>'
            + (f'<desc id="{did}">{escape(desc)}</desc>' if desc else "")
            + f'<rect width="{_f(width)}" height="{_f(height)}" fill="#ffffff"/>')
    return Svg(head + inner + "</svg>")


def _finite(v: Any) -> bool:
    return isinstance(v, numbers.Real) and math.isfinite(float(v))


def _num(v: Any) -> float | None:
    """The value as a float, or None when it is missing or not finite."""
    return float(v) if _finite(v) else None


def _limits(values: Sequence[Any], fixed: tuple[float | None, float | None] | None
            ) -> tuple[float, float]:
    """Axis limits: the fixed ends, the others from the data with a 5 % margin."""
    lo_fixed, hi_fixed = fixed if fixed else (None, None)
    data = [v for v in values if _finite(v)] or [0.0, 1.0]
    lo, hi = min(data), max(data)
    pad = 0.05 * ((hi - lo) or abs(hi) or 1.0)
    lo = lo_fixed if lo_fixed is not None else lo - pad
    hi = hi_fixed if hi_fixed is not None else hi + pad
    if hi <= lo:
        hi = lo + 1.0
    return lo, hi


def _ticks(lo: float, hi: float, n: int = 5) -> list[float]:
    ticks = MaxNLocator(nbins=n, steps=[1, 2, 2.5, 5, 10]).tick_values(lo, hi)
    return [float(t) for t in ticks if lo - 1e-9 <= t <= hi + 1e-9]


def _tick_label(v: float, ticks: list[float], percent: bool) -> str:
    """A tick's label, with as many decimals as the ticks need to be written exactly (0.925
    must not read 0.93), the same for every tick of the axis."""
    scale = 100.0 if percent else 1.0
    digits = next((d for d in range(7) if all(
        abs(round(t * scale, d) - t * scale) < 1e-9 for t in ticks)), 6)
    return f"{v * scale:,.{digits}f}" + ("%" if percent else "")


# --- dots with intervals -------------------------------------------------------------------


def interval_chart(items: Sequence[tuple[str, float | None, float | None, float | None, bool]],
                   *, title: str, xlabel: str, desc: str = "", xlim: tuple[float, float] | None
                   = None, percent: bool = True, width: float = 6.0) -> Svg:
    """Horizontal dot-and-whisker chart: one row per item with its 95 % interval.

    Args:
        items: (label, value, ci_low, ci_high, enough) per row, top to bottom. Rows that are
            not `enough` are drawn hollow and grey and labelled "too little text".
        title: the figure's text alternative.
        xlabel: axis label.
        desc: longer description.
        xlim: fixed axis limits (shares: (0, 1)).
        percent: format the axis as percentages.
        width: figure width in inches.
    """
    w = width * PT
    h = max(1.4, 0.6 + 0.32 * len(items)) * PT
    left = max([text_width(str(i[0])) for i in items] or [0.0]) + 14
    left = min(left, w * 0.55)
    top, right, bottom = 6.0, 12.0, 34.0
    x0, x1, y0, y1 = left, w - right, top, h - bottom
    values = [v for i in items for v in i[1:4]]
    lo, hi = _limits(values, xlim)
    ticks = _ticks(lo, hi)

    def sx(v: float) -> float:
        return x0 + (v - lo) / (hi - lo) * (x1 - x0)

    n = max(1, len(items))
    step = (y1 - y0) / (n + 0.4)  # as matplotlib's ylim of -0.7 to n - 0.3

    def sy(k: int) -> float:
        return y0 + (k + 0.7) * step

    body = [_line(sx(t), y0, sx(t), y1, GRID, 0.6) for t in ticks]
    body += [_line(x0, y1, x1, y1, INK, 0.8), _line(x0, y0, x0, y1, INK, 0.8)]
    for t in ticks:
        body.append(_line(sx(t), y1, sx(t), y1 + 3.5, INK, 0.8))
        body.append(_text(sx(t), y1 + 10, _tick_label(t, ticks, percent), anchor="middle"))
    body.append(_text((x0 + x1) / 2, h - 8, xlabel, anchor="middle"))
    for k, (label, value, low, high, enough) in enumerate(items):
        y = sy(k)
        body.append(_line(x0 - 3.5, y, x0, y, INK, 0.8))
        body.append(_text(x0 - 6, y, label, anchor="end"))
        v, a, b = _num(value), _num(low), _num(high)
        if v is None:
            body.append(_text(sx(lo) + 4, y, "no data", size=8, fill=MUTED))
            continue
        colour = PALETTE[0] if enough else MUTED
        if a is not None and b is not None:
            body.append(_line(sx(max(lo, a)), y, sx(min(hi, b)), y, colour, 1.6))
        x = sx(min(max(v, lo), hi))
        body.append(f'<circle cx="{_f(x)}" cy="{_f(y)}" r="3" fill="'
                    f'{colour if enough else "#ffffff"}" stroke="{colour}" stroke-width="1"/>')
        if not enough:
            far = x + 6 + text_width("too little text", SMALL) > x1
            body.append(_text(x - 6 if far else x + 6, y - 6, "too little text", size=SMALL,
                              fill=MUTED, anchor="end" if far else "start"))
    return _wrap(w, h, body, title=title, desc=desc)


# --- values over years ---------------------------------------------------------------------


def _arrays(s: Series) -> list[tuple[float, float, float, float, bool]]:
    years = list(s["years"])
    k = len(years)
    values = list(s["values"])
    lows = list(s.get("lows", [None] * k))
    highs = list(s.get("highs", [None] * k))
    enough = list(s.get("enough", [True] * k))
    return [(float(years[i]), values[i], lows[i], highs[i], bool(enough[i])) for i in range(k)]


def _all_values(series: Sequence[Series]) -> list[float]:
    out: list[float] = []
    for s in series:
        for _, v, lo, hi, _ in _arrays(s):
            out += [x for x in (v, lo, hi) if _finite(x)]
    return out


class _Frame:
    """One panel's plotting box and its scales."""

    def __init__(self, box: tuple[float, float, float, float], xr: tuple[float, float],
                 yr: tuple[float, float]) -> None:
        self.x0, self.y0, self.x1, self.y1 = box
        self.xr, self.yr = xr, yr

    def x(self, v: float) -> float:
        return self.x0 + (v - self.xr[0]) / (self.xr[1] - self.xr[0]) * (self.x1 - self.x0)

    def y(self, v: float) -> float:
        v = min(max(v, self.yr[0]), self.yr[1])
        return self.y1 - (v - self.yr[0]) / (self.yr[1] - self.yr[0]) * (self.y1 - self.y0)


def _year_ticks(years: Sequence[float]) -> tuple[list[int], tuple[float, float]]:
    ys = sorted({int(y) for y in years})
    if not ys:
        return [], (0.0, 1.0)
    step = max(1, math.ceil(len(ys) / 8))
    return ys[::step], (ys[0] - 0.5, ys[-1] + 0.5)


def _panel(f: _Frame, series: Sequence[Series], *, xticks: list[int], yticks: list[float],
           percent: bool, xlabels: bool, ylabels: bool) -> list[str]:
    """Grid, axes, ticks and the series of one panel."""
    body = [_line(f.x0, f.y(t), f.x1, f.y(t), GRID, 0.6) for t in yticks]
    body += [_line(f.x0, f.y1, f.x1, f.y1, INK, 0.8), _line(f.x0, f.y0, f.x0, f.y1, INK, 0.8)]
    for t in xticks:
        body.append(_line(f.x(t), f.y1, f.x(t), f.y1 + 3.5, INK, 0.8))
        if xlabels:
            body.append(_text(f.x(t), f.y1 + 10, str(t), anchor="middle"))
    for v in yticks:
        body.append(_line(f.x0 - 3.5, f.y(v), f.x0, f.y(v), INK, 0.8))
        if ylabels:
            body.append(_text(f.x0 - 6, f.y(v), _tick_label(v, yticks, percent), anchor="end"))
    for n, s in enumerate(series):
        colour = s.get("colour") or PALETTE[n % len(PALETTE)]
        pts = _arrays(s)
        ok = [p for p in pts if p[4] and _finite(p[1])]
        if ok:
            path = " ".join(f"{_f(f.x(p[0]))},{_f(f.y(float(p[1])))}" for p in ok)
            body.append(f'<polyline points="{path}" fill="none" stroke="{colour}" '
                        'stroke-width="1.4" stroke-linejoin="round"/>')
            for year, value, low, high, _ in ok:
                if _finite(low) and _finite(high):
                    body.append(_line(f.x(year), f.y(float(low)), f.x(year), f.y(float(high)),
                                      colour, 1.0, ' stroke-opacity=".7"'))
                body.append(f'<circle cx="{_f(f.x(year))}" cy="{_f(f.y(float(value)))}" r="2" '
                            f'fill="{colour}"/>')
        for year, value, _, _, enough in pts:
            if enough or not _finite(value):
                continue
            # Too little text: marked ×, never joined to the known points as if it were known.
            cx, cy, r = f.x(year), f.y(float(value)), 2.5
            body.append(f'<path d="M{_f(cx - r)},{_f(cy - r)}L{_f(cx + r)},{_f(cy + r)}'
                        f'M{_f(cx - r)},{_f(cy + r)}L{_f(cx + r)},{_f(cy - r)}" '
                        f'stroke="{colour}" stroke-opacity=".6" stroke-width="1"/>')
    return body


def _legend_entry(x: float, y: float, label: str, colour: str) -> list[str]:
    return [_line(x, y, x + 14, y, colour, 1.4),
            f'<circle cx="{_f(x + 7)}" cy="{_f(y)}" r="2" fill="{colour}"/>',
            _text(x + 18, y, label, size=SMALL)]


def _ylabel(x: float, y: float, text: str) -> str:
    return (f'<text transform="translate({_f(x)},{_f(y)}) rotate(-90)" text-anchor="middle" '
            f'dy=".35em" font-size="{_f(FONT)}" fill="{INK}">{escape(text)}</text>')


def time_series(series: Sequence[Series], *, title: str, ylabel: str, desc: str = "",
                ylim: tuple[float | None, float | None] | None = None, percent: bool = True,
                width: float = 6.0, height: float = 2.8) -> Svg:
    """Values over years with 95 % intervals (vertical bars); weak years marked with ×.

    Args:
        series: one dict per line: label, years, values, lows, highs, enough (lists).
        title: the figure's text alternative.
        ylabel: axis label.
        desc: longer description.
        ylim: fixed axis limits.
        percent: format the y axis as percentages.
        width: figure width in inches.
        height: figure height in inches.
    """
    w, h = width * PT, height * PT
    yr = _limits(_all_values(series), ylim)
    yticks = _ticks(*yr)
    xticks, xr = _year_ticks([y for s in series for y in s["years"]])
    tick_w = max([text_width(_tick_label(t, yticks, percent)) for t in yticks] or [0.0])
    labels = [str(s["label"]) for s in series] if len(series) > 1 else []
    legend_w = (max(text_width(label, SMALL) for label in labels) + 26) if labels else 0.0
    legend_w = min(legend_w, w * 0.45)
    f = _Frame((tick_w + 24, 8.0, w - 10 - legend_w, h - 22), xr, yr)
    body = _panel(f, series, xticks=xticks, yticks=yticks, percent=percent, xlabels=True,
                  ylabels=True)
    body.append(_ylabel(8, (f.y0 + f.y1) / 2, ylabel))
    for n, (s, label) in enumerate(zip(series, labels, strict=False)):
        colour = s.get("colour") or PALETTE[n % len(PALETTE)]
        body += _legend_entry(f.x1 + 10, f.y0 + 4 + 11 * n, label, colour)
    return _wrap(w, h, body, title=title, desc=desc)


def small_multiples(panels: Sequence[tuple[str, Sequence[Series]]], *, title: str, ylabel: str,
                    desc: str = "", ylim: tuple[float | None, float | None] | None = None,
                    percent: bool = True, ncols: int = 3) -> Svg:
    """One panel per firm on shared axes, so years and levels compare at a glance.

    Args:
        panels: (panel title, series) per panel; series as in `time_series`.
        title: the figure's text alternative.
        ylabel: y-axis label (left column only).
        desc: longer description.
        ylim: fixed y limits (shared by every panel).
        percent: format the y axis as percentages.
        ncols: panels per row.
    """
    n = max(1, len(panels))
    ncols = min(ncols, n)
    nrows = math.ceil(n / ncols)
    every = [s for _, series in panels for s in series]
    yr = _limits(_all_values(every), ylim)
    yticks = _ticks(*yr)
    xticks, xr = _year_ticks([y for s in every for y in s["years"]])
    # the legend: every series label once, in order, with its colour in its first panel
    seen: dict[str, str] = {}
    for _, series in panels:
        for k, s in enumerate(series):
            seen.setdefault(str(s["label"]), s.get("colour") or PALETTE[k % len(PALETTE)])
    longest = max((len(label) for label in seen), default=0)
    per_row = min(1 if longest > 48 else 2 if longest > 24 else 4, max(1, len(seen)))
    legend_rows = math.ceil(len(seen) / per_row) if len(seen) > 1 else 0
    tick_w = max([text_width(_tick_label(t, yticks, percent)) for t in yticks] or [0.0])
    left = tick_w + 24
    w = (2.6 * ncols + 0.6) * PT
    cell_w = (w - left - 8) / ncols
    cell_h = 2.0 * PT
    legend_h = 11.0 * legend_rows + (8 if legend_rows else 0)
    h = nrows * cell_h + 18 + legend_h
    body: list[str] = []
    for k, (name, series) in enumerate(panels):
        row, col = divmod(k, ncols)
        x0 = left + col * cell_w
        y0 = row * cell_h + 18
        f = _Frame((x0, y0, x0 + cell_w - 14, y0 + cell_h - 36), xr, yr)
        last_row = row == nrows - 1 or k + ncols >= len(panels)
        body.append(_text((f.x0 + f.x1) / 2, y0 - 9, name, anchor="middle",
                          extra=' font-weight="bold"'))
        body += _panel(f, series, xticks=xticks, yticks=yticks, percent=percent,
                       xlabels=last_row, ylabels=col == 0)
        if not any(len(s["years"]) for s in series):
            body.append(_text((f.x0 + f.x1) / 2, (f.y0 + f.y1) / 2, "no data", anchor="middle",
                              fill=MUTED))
        if col == 0:
            body.append(_ylabel(8, (f.y0 + f.y1) / 2, ylabel))
    if legend_rows:
        entry_w = max(text_width(label, SMALL) for label in seen) + 30
        top = nrows * cell_h + 18 + 6
        start = max(4.0, (w - entry_w * per_row) / 2)
        for k, (label, colour) in enumerate(seen.items()):
            r, c = divmod(k, per_row)
            body += _legend_entry(start + c * entry_w, top + 11 * r, label, colour)
    return _wrap(w, h, body, title=title, desc=desc)


# --- model selection -----------------------------------------------------------------------


def sweep_chart(ks: Sequence[int], metrics: dict[str, Sequence[float]], *, chosen: int | None,
                title: str, desc: str = "") -> Svg:
    """Model-selection curves: one panel per metric against K, the chosen K marked.

    Args:
        ks: the K values.
        metrics: metric name → value per K (NaN when not computed).
        chosen: the K the rule picked (dashed line), if any.
        title: the figure's text alternative.
        desc: longer description.
    """
    names = list(metrics) or [""]
    w = (1.9 * len(names) + 0.4) * PT
    h = 2.0 * PT
    cell = (w - 6) / len(names)
    xr = _limits([float(k) for k in ks], None)
    body: list[str] = []
    for n, name in enumerate(names):
        values = [_num(v) for v in metrics.get(name, [])]
        yr = _limits(values, None)
        yticks = _ticks(*yr, n=4)
        labels = [_tick_label(t, yticks, False) for t in yticks]
        left = max([text_width(t) for t in labels] or [0.0]) + 10
        x0 = n * cell + left + 4
        f = _Frame((x0, 18.0, (n + 1) * cell - 6, h - 28), xr, yr)
        body += [_line(f.x0, f.y1, f.x1, f.y1, INK, 0.8), _line(f.x0, f.y0, f.x0, f.y1, INK, 0.8)]
        for k in ks:
            body.append(_line(f.x(k), f.y1, f.x(k), f.y1 + 3.5, INK, 0.8))
            body.append(_text(f.x(k), f.y1 + 10, str(k), anchor="middle"))
        for t, label in zip(yticks, labels, strict=True):
            body.append(_line(f.x0 - 3.5, f.y(t), f.x0, f.y(t), INK, 0.8))
            body.append(_text(f.x0 - 6, f.y(t), label, anchor="end"))
        body.append(_text((f.x0 + f.x1) / 2, 8, name, anchor="middle",
                          extra=' font-weight="bold"'))
        body.append(_text((f.x0 + f.x1) / 2, h - 6, "K", anchor="middle"))
        if chosen is not None:
            body.append(_line(f.x(chosen), f.y0, f.x(chosen), f.y1, MUTED, 1.0,
                              ' stroke-dasharray="3.7 1.6"'))
        colour = PALETTE[n % len(PALETTE)]
        pts = [(f.x(k), f.y(v)) for k, v in zip(ks, values, strict=False) if v is not None]
        if pts:
            body.append(f'<polyline points="{" ".join(f"{_f(x)},{_f(y)}" for x, y in pts)}" '
                        f'fill="none" stroke="{colour}" stroke-width="1.5"/>')
            body += [f'<circle cx="{_f(x)}" cy="{_f(y)}" r="2" fill="{colour}"/>'
                     for x, y in pts]
    return _wrap(w, h, body, title=title, desc=desc)


# --- heat map ------------------------------------------------------------------------------


def heatmap(matrix: Any, *, rows: Sequence[str], cols: Sequence[str], title: str,
            desc: str = "", fmt: str = "{:.0%}", cbar_label: str = "",
            missing: Any = None) -> Svg:
    """A row × column heat map with each cell's value written in it.

    Args:
        matrix: values (NaN for no data), shape (len(rows), len(cols)).
        rows: row labels (e.g. firms with their number of documents).
        cols: column labels (e.g. topic labels), set at 35° above the columns.
        title: the figure's text alternative.
        desc: longer description.
        fmt: format of the value written in each cell.
        cbar_label: what the values are (written under the map).
        missing: boolean mask of cells resting on too little text (value in italics).
    """
    values = [[_num(v) for v in row] for row in matrix]
    found = [v for row in values for v in row if v is not None]
    vmax = max(found, default=1.0) or 1.0
    cmap = colormaps["Blues"]
    cell_w, cell_h = 0.85 * PT, 0.4 * PT
    left = max([text_width(str(r)) for r in rows] or [0.0]) + 12
    widths = [text_width(str(c)) for c in cols] or [0.0]
    sin, cos = math.sin(math.radians(35)), math.cos(math.radians(35))
    top = max(widths) * sin + 16
    # the last labels lean right, past the last column
    right = max([(k + 0.5) * cell_w + wd * cos for k, wd in enumerate(widths)] or [0.0])
    w = max(4.0 * PT, left + max(right, len(cols) * cell_w) + 8)
    h = top + len(rows) * cell_h + (22 if cbar_label else 8)
    body: list[str] = []
    for j, label in enumerate(cols):
        x, y = left + (j + 0.5) * cell_w, top - 6
        body.append(f'<text transform="translate({_f(x)},{_f(y)}) rotate(-35)" '
                    f'font-size="{_f(FONT)}" fill="{INK}">{escape(str(label))}</text>')
    for i, label in enumerate(rows):
        y = top + (i + 0.5) * cell_h
        body.append(_text(left - 6, y, str(label), anchor="end"))
        for j in range(len(cols)):
            x = left + j * cell_w
            v = values[i][j]
            if v is None:
                body.append(_text(x + cell_w / 2, y, "–", anchor="middle", fill=MUTED))
                continue
            shade = to_hex(cmap(min(max(v / vmax, 0.0), 1.0)))
            body.append(f'<rect x="{_f(x)}" y="{_f(top + i * cell_h)}" width="{_f(cell_w)}" '
                        f'height="{_f(cell_h)}" fill="{shade}" stroke="#ffffff" '
                        'stroke-width="1"/>')
            weak = missing is not None and bool(missing[i][j])
            body.append(_text(x + cell_w / 2, y, fmt.format(v), anchor="middle", size=8,
                              fill=ink_on(shade),
                              extra=' font-style="italic"' if weak else ""))
    if cbar_label:
        body.append(_text(left + len(cols) * cell_w / 2, h - 9,
                          f"{cbar_label} (value in each cell)", anchor="middle", fill=MUTED))
    return _wrap(w, h, body, title=title, desc=desc)
