"""Interactive views drawn as plain inline SVG: a term-association scatter per firm (in the
spirit of scattertext) and an inter-topic map with a relevance slider (in the spirit of
LDAvis). The SVG is complete without JavaScript (every point a link with its title); the
page's inline script only adds the search box, the highlight and the slider.

    svg = term_scatter(keyness_rows, links={"smart_city": "#kwic-term-fr-smart_city"},
                       title="Lumidia against all other firms (French)")
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
from markupsafe import Markup, escape

from pipeline.report.format import term as readable

MAX_POINTS = 400  # terms drawn on a scatter: all ranked terms, then the most frequent
N_LABELS = 12  # ranked terms labelled on a scatter
W, H, PAD = 640, 380, 46  # scatter size and margin (px of the viewBox)
MAP = 360  # topic map size (px of the viewBox)
TERMS_JSON = 30  # terms per topic handed to the relevance slider


def _scale(values: np.ndarray, lo: float, hi: float) -> np.ndarray:
    vmin, vmax = float(np.min(values)), float(np.max(values))
    span = (vmax - vmin) or 1.0
    return lo + (values - vmin) / span * (hi - lo)


def term_scatter(rows: pd.DataFrame, *, links: dict[str, str], title: str) -> Markup | None:
    """Frequency in the firm (x, log scale) against distinctiveness (y: binary log ratio,
    firm against the rest) for one firm and language; ranked terms in colour, each point
    linking to its concordance lines when it has some.

    Args:
        rows: keyness rows of comparison firm_vs_rest for one firm and language.
        links: term → href of its concordance lines.
        title: the figure's text alternative.
    """
    r = rows[rows["count_a"] > 0]
    if r.empty:
        return None
    ranked = r["rank"].notna() & (r["log_ratio_cons"] > 0)
    r = pd.concat([r[ranked], r[~ranked].sort_values("count_a", ascending=False)]
                  ).head(max(MAX_POINTS, int(ranked.sum())))
    ranked = r["rank"].notna() & (r["log_ratio_cons"] > 0)
    per10k = r["count_a"].to_numpy(float) / max(1, int(r["total_a"].iloc[0])) * 10_000
    x = _scale(np.log10(per10k), PAD, W - 12)
    lr = np.clip(r["log_ratio"].to_numpy(float), -8, 8)
    y = _scale(-lr, 12, H - PAD)
    parts = [f'<svg class="fig scatter" viewBox="0 0 {W} {H}" role="img" '
             f'aria-label="{escape(title)}"><title>{escape(title)}</title>',
             f'<line x1="{PAD}" y1="{H - PAD}" x2="{W - 12}" y2="{H - PAD}" class="axis"/>',
             f'<line x1="{PAD}" y1="12" x2="{PAD}" y2="{H - PAD}" class="axis"/>']
    zero = float(np.interp(0, [-lr.max(), -lr.min()], [12, H - PAD])) if lr.max() > lr.min() \
        else H / 2
    parts.append(f'<line x1="{PAD}" y1="{zero:.1f}" x2="{W - 12}" y2="{zero:.1f}" class="grid"/>')
    parts.append(f'<text x="{(W + PAD) / 2}" y="{H - 10}" class="lab" text-anchor="middle">'
                 "frequency in the firm (per 10,000 terms, log scale) →</text>")
    parts.append(f'<text x="14" y="{(H - PAD) / 2}" class="lab" text-anchor="middle" '
                 f'transform="rotate(-90 14 {(H - PAD) / 2})">more the firm\'s ↑ (log ratio)'
                 "</text>")
    key = ranked.to_numpy()
    order = np.argsort(key, kind="stable")  # ranked terms drawn last, on top
    labelled = set(r[ranked].sort_values("rank").head(N_LABELS)["term"])
    terms, ca, cb = r["term"].tolist(), r["count_a"].tolist(), r["count_b"].tolist()
    lrs = r["log_ratio"].tolist()
    for n in order:
        word = readable(terms[n])
        tip = (f"{word}: {int(ca[n])} in the firm, {int(cb[n])} in the rest, "
               f"log ratio {lrs[n]:.2f}")
        cls = "pt key" if key[n] else "pt"
        dot = (f'<circle cx="{x[n]:.1f}" cy="{y[n]:.1f}" r="{4 if key[n] else 2.5}" '
               f'class="{cls}" data-term="{escape(word.lower())}"><title>{escape(tip)}</title>'
               "</circle>")
        href = links.get(terms[n])
        parts.append(f'<a href="{escape(href)}">{dot}</a>' if href else dot)
        if terms[n] in labelled:  # labels near the right edge end at their dot
            end = x[n] > W - 140
            anchor = ' text-anchor="end"' if end else ""
            parts.append(f'<text x="{x[n] + (-5 if end else 5):.1f}" y="{y[n] - 5:.1f}" '
                         f'class="term"{anchor}>{escape(word)}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))


def _mds(d: np.ndarray) -> np.ndarray:
    """Classical multidimensional scaling of a distance matrix to two dimensions."""
    n = len(d)
    if n < 3:
        return np.column_stack([np.arange(n, dtype=float), np.zeros(n)])
    j = np.eye(n) - 1.0 / n
    b = -0.5 * j @ (d ** 2) @ j
    vals, vecs = np.linalg.eigh(b)
    top = np.argsort(vals)[::-1][:2]
    return vecs[:, top] * np.sqrt(np.clip(vals[top], 0, None))


def _js(p: np.ndarray, q: np.ndarray) -> float:
    """Jensen–Shannon distance (base 2) of two distributions."""
    m = (p + q) / 2

    def kl(a):
        ok = a > 0
        return float(np.sum(a[ok] * np.log2(a[ok] / m[ok])))

    return float(np.sqrt(max(0.0, (kl(p) + kl(q)) / 2)))


def topic_map(terms: pd.DataFrame, shares: dict[int, float], names: dict[int, str],
              anchors: dict[int, str], *, title: str) -> dict | None:
    """The inter-topic map of one model: topics placed by the Jensen–Shannon distance of
    their term distributions (classical scaling), circles sized by prevalence, each a link to
    its topic's block; and the data the relevance slider ranks terms with.

    Args:
        terms: topic_terms rows of one language ranked `by` prob (term weights per topic).
        shares: topic → its mean share over all documents.
        names: topic → its name; anchors: topic → fragment id of its block on the page.
        title: the map's text alternative.

    Returns:
        {"svg": the map, "data": JSON text for the slider (escape it where it goes)}.
    """
    topics = sorted(set(terms["topic"].astype(int)))
    if len(topics) < 2:
        return None
    vocab = sorted(set(terms["term"]))
    col = {t: n for n, t in enumerate(vocab)}
    phi = np.zeros((len(topics), len(vocab)))
    for n, t in enumerate(topics):
        part = terms[terms["topic"] == t]
        phi[n, [col[w] for w in part["term"]]] = part["weight"].to_numpy(float)
    phi /= phi.sum(axis=1, keepdims=True).clip(min=1e-12)
    d = np.array([[_js(a, b) for b in phi] for a in phi])
    xy = _mds(d)
    px = _scale(xy[:, 0], 46, MAP - 46) if np.ptp(xy[:, 0]) else np.full(len(topics), MAP / 2)
    py = _scale(xy[:, 1], 46, MAP - 46) if np.ptp(xy[:, 1]) else np.full(len(topics), MAP / 2)
    size = np.array([shares.get(t, 0.0) for t in topics])
    radius = 8 + 30 * np.sqrt(size / max(size.max(), 1e-12))
    parts = [f'<svg class="fig topicmap" viewBox="0 0 {MAP} {MAP}" role="img" '
             f'aria-label="{escape(title)}"><title>{escape(title)}</title>',
             f'<rect x="0.5" y="0.5" width="{MAP - 1}" height="{MAP - 1}" class="frame"/>']
    for n in np.argsort(-radius):
        t = topics[n]
        tip = f"topic {names[t]}: {shares.get(t, 0.0) * 100:.1f} % of the text"
        parts.append(f'<a href="#{escape(anchors[t])}" data-topic="{t}">'
                     f'<circle cx="{px[n]:.1f}" cy="{py[n]:.1f}" r="{radius[n]:.1f}" '
                     f'class="topic"><title>{escape(tip)}</title></circle>'
                     f'<text x="{px[n]:.1f}" y="{py[n] + 4:.1f}" text-anchor="middle">{t}</text>'
                     "</a>")
    parts.append("</svg>")
    weights = np.array([shares.get(t, 0.0) for t in topics])
    if not weights.sum():  # no overall shares: topics weigh alike
        weights = np.ones(len(topics))
    marginal = (weights[:, None] * phi).sum(axis=0)
    marginal /= marginal.sum()
    data = {"topics": [
        {"topic": t, "name": names[t], "href": f"#{anchors[t]}",
         "terms": [[readable(vocab[j]), float(phi[n, j]), float(marginal[j])]
                   for j in np.argsort(-phi[n])[:TERMS_JSON] if phi[n, j] > 0]}
        for n, t in enumerate(topics)]}
    # JSON for a data- attribute: the template's autoescaping makes it safe there
    return {"svg": Markup("".join(parts)), "data": json.dumps(data, ensure_ascii=False)}
