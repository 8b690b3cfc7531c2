"""dvc.yaml, written from the stage catalog: `python -m pipeline dvc` (`--check` compares).

Each stage's command, dependencies (data, the lexicon named in params.yaml, its own package and
the core modules), params blocks and outputs come from `pipeline.catalog`, so moving a file or
adding an input is one edit there; a test checks that the committed dvc.yaml is what this writes.
"""

from __future__ import annotations

from pathlib import Path

import yaml

from pipeline.catalog import CORE_CODE, STAGES, Layout, Stage

HEADER = """\
# The study's pipeline for `dvc repro`, written by `python -m pipeline dvc` from the stage table
# in pipeline/catalog.py: edit that table, not this file (a test checks that they agree).
# `python -m pipeline run` runs the same graph without DVC.

"""

# Templates in .dvc/plots/ draw one line per firm (frame shares, with their intervals) and one
# per language (K sweep); `dvc plots show` writes dvc_plots/index.html.
PLOTS = [
    {"frame_shares": {"template": "frame_shares", "x": "year",
                      "y": {"reports/plots/frame_shares.csv": "share"},
                      "title": "Frame shares over years (first side of each opposition)"}},
    {"k_sweep_coherence": {"template": "k_sweep", "x": "k",
                           "y": {"reports/plots/k_sweep.csv": "c_npmi"},
                           "title": "Topic-model sweep - c_npmi coherence by K"}},
    {"k_sweep_stability": {"template": "k_sweep", "x": "k",
                           "y": {"reports/plots/k_sweep.csv": "stability"},
                           "title": "Topic-model sweep - stability by K"}},
]


def _stage_entry(stage: Stage, lexicon: str) -> dict:
    entry: dict = {"cmd": " ".join(["python", "-m", f"pipeline.{stage.name}",
                                    *stage.command(Layout(Path("."))), *stage.dvc_flags])}
    if stage.always_changed:
        entry["always_changed"] = True
    entry["deps"] = [lexicon if d == "lexicon" else d for d in stage.deps] + \
        list(stage.code) + list(CORE_CODE)
    entry["params"] = list(stage.params)
    entry["outs"] = [out.path if out.cache and not out.persist else
                     {out.path: {k: v for k, v in (("persist", out.persist),
                                                   ("cache", out.cache))
                                 if v != (k == "cache")}}
                     for out in stage.outs]
    if stage.metrics:
        entry["metrics"] = [{m: {"cache": False}} for m in stage.metrics]
    return entry


def dvc_yaml(lexicon: str = "frames.yaml") -> str:
    """The text of dvc.yaml, the lexicon dependency being the file params.yaml names."""
    parts = [HEADER]
    parts.append("stages:\n")
    for stage in STAGES.values():
        notes = "".join(f"  # {line}\n" for line in stage.notes)
        body = yaml.safe_dump({stage.name: _stage_entry(stage, lexicon)}, sort_keys=False,
                              width=100, allow_unicode=True)
        parts.append(notes + "".join(f"  {line}\n" for line in body.splitlines()) + "\n")
    parts.append("# Templates in .dvc/plots/ draw one line per firm (frame shares, with their "
                 "intervals) and one\n# per language (K sweep); `dvc plots show` writes "
                 "dvc_plots/index.html.\n")
    parts.append(yaml.safe_dump({"plots": PLOTS}, sort_keys=False, width=100))
    return "".join(parts)
