"""Topic models for the `topics` stage: gensim LDA and scikit-learn NMF behind one small interface.

A `Corpus` holds the pruned vocabulary (a gensim `Dictionary`) and the passages as bags of
term ids; `fit_model` fits LDA (gensim `LdaModel`, `LdaMulticore` when `workers` > 1) or NMF
(scikit-learn, on TF-IDF) and returns a `TopicModel`, which gives the topic-term matrix, the
passage-topic shares, its top terms, and saves and loads itself with the library's own
serialisation (gensim `save`, joblib for scikit-learn). A loaded model gives the same shares.
The measures the K sweep needs that do not read the texts (exclusivity, FREX, stability
matching) live here too; coherence, which reads the texts, is in `pipeline.topics`.

    >>> from pipeline.topics.models import build_corpus, fit_model
    >>> docs = [["tram", "bus", "metro", "gare"], ["parc", "arbre", "jardin", "square"]] * 20
    >>> corpus = build_corpus(docs, min_df=2, max_df=1.0)
    >>> model = fit_model(corpus, model="nmf", k=2, seed=1, passes=10, chunksize=100, workers=1)
    >>> sorted(sorted(terms) for terms in model.top_terms(4))
    [['arbre', 'jardin', 'parc', 'square'], ['bus', 'gare', 'metro', 'tram']]
    >>> float(model.transform(corpus.bows[:1]).max().round(2))
    1.0
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import joblib
import numpy as np
import scipy.sparse as sp
from gensim.corpora import Dictionary
from gensim.models import LdaModel, LdaMulticore
from scipy.optimize import linear_sum_assignment
from scipy.stats import rankdata
from sklearn.decomposition import NMF
from sklearn.feature_extraction.text import TfidfTransformer

from pipeline.io import write_json

log = logging.getLogger(__name__)

MODELS = ("lda", "nmf")
#: weight of exclusivity in FREX (0.5: harmonic mean of the two ECDFs, as in R's stm)
FREX_WEIGHT = 0.5
#: NMF iterations: enough for scikit-learn's coordinate descent to reach its tolerance
NMF_MAX_ITER = 500
#: passages per call of LDA inference, to bound memory on large corpora
INFER_CHUNK = 2000

# File names of a saved model inside its folder (models/topics/<lang>/).
META_FILE = "meta.json"
DICT_FILE = "dictionary.gensim"
LDA_FILE = "lda.gensim"
NMF_FILE = "nmf.joblib"


@dataclass(frozen=True)
class Corpus:
    """Passages as bags of term ids over a pruned vocabulary.

    Attributes:
        dictionary: the vocabulary (gensim `Dictionary`, ids 0..V-1).
        bows: one bag of `(term_id, count)` pairs per kept passage.
        kept: indices (into the term lists given to `build_corpus`) of the kept passages, i.e.
            those with at least one term left after pruning.
    """

    dictionary: Dictionary
    bows: list[list[tuple[int, int]]]
    kept: np.ndarray

    @property
    def n_terms(self) -> int:
        return len(self.dictionary)


def bows_to_csr(bows: Sequence[Sequence[tuple[int, int]]], n_terms: int) -> sp.csr_matrix:
    """Stack gensim bags of words into a float64 CSR matrix (rows: bags, columns: term ids)."""
    indptr = np.zeros(len(bows) + 1, dtype=np.int64)
    indptr[1:] = np.cumsum([len(b) for b in bows])
    flat = [pair for bow in bows for pair in bow]
    ids = np.fromiter((i for i, _ in flat), dtype=np.int64, count=len(flat))
    cts = np.fromiter((c for _, c in flat), dtype=np.float64, count=len(flat))
    return sp.csr_matrix((cts, ids, indptr), shape=(len(bows), n_terms))


def build_corpus(term_lists: Sequence[Sequence[str]], *, min_df: int, max_df: float) -> Corpus:
    """Prune the vocabulary and turn term lists into bags of ids.

    Args:
        term_lists: one list of terms per passage, in a fixed order (the ids depend on it).
        min_df: drop terms found in fewer passages than this.
        max_df: drop terms found in more than this share of passages.

    Returns:
        The corpus; passages left with no term are not in `bows` (see `Corpus.kept`).
    """
    if min_df < 1 or not 0 < max_df <= 1:
        raise ValueError(f"min_df must be >= 1 and max_df in (0, 1]; got {min_df}, {max_df}")
    dictionary = Dictionary(term_lists)
    dictionary.filter_extremes(no_below=min_df, no_above=max_df, keep_n=None)
    bows, kept = [], []
    for i, terms in enumerate(term_lists):
        bow = dictionary.doc2bow(terms)
        if bow:
            bows.append(bow)
            kept.append(i)
    return Corpus(dictionary=dictionary, bows=bows, kept=np.asarray(kept, dtype=np.int64))


class TopicModel:
    """A fitted LDA or NMF model over a `Corpus` vocabulary.

    Use `fit_model` to make one and `TopicModel.load` to read one back.

    Attributes:
        kind: "lda" or "nmf".
        dictionary: the vocabulary the model was fitted on.
        seed: the seed of the fit (also seeds LDA's inference, so shares are reproducible).
        estimator: the gensim `LdaModel`, or the scikit-learn `NMF`.
        tfidf: the fitted `TfidfTransformer` (NMF only).
    """

    def __init__(self, kind: str, dictionary: Dictionary, estimator, seed: int,
                 tfidf: TfidfTransformer | None = None):
        self.kind = kind
        self.dictionary = dictionary
        self.estimator = estimator
        self.seed = seed
        self.tfidf = tfidf

    @property
    def k(self) -> int:
        return int(self.estimator.num_topics if self.kind == "lda"
                   else self.estimator.n_components_)

    def topic_term(self) -> np.ndarray:
        """K × V matrix: each row a topic's distribution over the vocabulary (sums to 1).

        For NMF the rows of `components_` are normalised to sum to 1.
        """
        if self.kind == "lda":
            return self.estimator.get_topics().astype(np.float64)
        comp = np.asarray(self.estimator.components_, dtype=np.float64)
        sums = comp.sum(axis=1, keepdims=True)
        return np.divide(comp, sums, out=np.zeros_like(comp), where=sums > 0)

    def top_term_ids(self, n: int) -> np.ndarray:
        """K × n term ids, highest weight first (ties broken by term id, so stable)."""
        return top_ids(self.topic_term(), n)

    def top_terms(self, n: int) -> list[list[str]]:
        """The n highest-weight terms of each topic."""
        id2token = self.dictionary
        return [[id2token[int(i)] for i in row] for row in self.top_term_ids(n)]

    def transform(self, bows: Sequence[Sequence[tuple[int, int]]]) -> np.ndarray:
        """Topic shares of passages: an n × K matrix whose rows sum to 1.

        LDA: the normalised variational Dirichlet parameters (what gensim's
        `get_document_topics` returns, batched). Their random start is drawn from a generator
        seeded with the model's seed, so the same bags give the same shares, before and after
        `save`/`load`. NMF: the rows of `NMF.transform` on TF-IDF, normalised; a passage the
        model cannot place keeps a row of zeros.
        """
        if len(bows) == 0:
            return np.zeros((0, self.k))
        if self.kind == "lda":
            lda = self.estimator
            saved_state = lda.random_state
            lda.random_state = np.random.RandomState(self.seed)
            try:
                gammas = [lda.inference(list(bows[i:i + INFER_CHUNK]))[0]
                          for i in range(0, len(bows), INFER_CHUNK)]
            finally:
                lda.random_state = saved_state
            weights = np.vstack(gammas).astype(np.float64)
        else:
            assert self.tfidf is not None  # an NMF model is saved and loaded with its weighting
            x = self.tfidf.transform(bows_to_csr(bows, len(self.dictionary)))
            weights = np.asarray(self.estimator.transform(x), dtype=np.float64)
        sums = weights.sum(axis=1, keepdims=True)
        return np.divide(weights, sums, out=np.zeros_like(weights), where=sums > 0)

    def save(self, folder: str | Path, extra: dict | None = None) -> Path:
        """Save into `folder` (created) with the library's own format, plus `meta.json`.

        Files: `dictionary.gensim`, then `lda.gensim` (+ gensim's side files) or `nmf.joblib`
        (the NMF and its TF-IDF weighting), and `meta.json` (kind, K, seed and `extra`).
        Earlier model files in the folder are removed first, so a folder never mixes two fits.
        """
        folder = Path(folder)
        clear_saved(folder)
        folder.mkdir(parents=True, exist_ok=True)
        self.dictionary.save(str(folder / DICT_FILE))
        if self.kind == "lda":
            self.estimator.save(str(folder / LDA_FILE))
        else:
            joblib.dump({"nmf": self.estimator, "tfidf": self.tfidf}, folder / NMF_FILE)
        meta = {"kind": self.kind, "k": self.k, "seed": self.seed, **(extra or {})}
        write_json(meta, folder / META_FILE)
        return folder

    @classmethod
    def load(cls, folder: str | Path) -> TopicModel:
        """Load a model saved with `save`.

        Raises:
            FileNotFoundError: naming the folder, when it holds no saved model.
        """
        folder = Path(folder)
        meta_path = folder / META_FILE
        if not meta_path.exists():
            raise FileNotFoundError(f"{folder}: no saved topic model ({META_FILE} missing)")
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        dictionary = Dictionary.load(str(folder / DICT_FILE))
        if meta["kind"] == "lda":
            return cls("lda", dictionary, LdaModel.load(str(folder / LDA_FILE)), meta["seed"])
        saved = joblib.load(folder / NMF_FILE)
        return cls("nmf", dictionary, saved["nmf"], meta["seed"], tfidf=saved["tfidf"])


def clear_saved(folder: Path) -> None:
    """Remove the files a saved model is made of (and nothing else) from `folder`."""
    if not folder.is_dir():
        return
    for path in folder.iterdir():
        if path.name in (META_FILE, NMF_FILE) or path.name.startswith((DICT_FILE, LDA_FILE)):
            path.unlink()


def fit_model(corpus: Corpus, *, model: str, k: int, seed: int, passes: int, chunksize: int,
              workers: int, rows: Sequence[int] | np.ndarray | None = None) -> TopicModel:
    """Fit one topic model.

    LDA is gensim's `LdaModel(corpus, num_topics=k, id2word, passes, chunksize,
    random_state=seed, eval_every=None)` with gensim's other defaults (`LdaMulticore` with
    `workers` processes when `workers` > 1); perplexity logging is off because it costs a pass
    per log line. Gensim's default chunksize (2000) makes one update per pass on a corpus of a
    few thousand passages, too few to converge in 10 passes; chunks of about 100 passages
    recover planted topics more reliably and sooner. NMF is
    scikit-learn's `NMF(k, init="nndsvda", random_state=seed)` on TF-IDF (`TfidfTransformer`
    defaults: smooth idf, l2 norm).

    Args:
        corpus: the bags of words and vocabulary.
        model: "lda" or "nmf".
        k: number of topics.
        seed: random seed of the fit.
        passes: LDA passes over the corpus (unused by NMF, which runs to convergence).
        chunksize: passages per LDA online update (unused by NMF).
        workers: LDA worker processes; 1 fits in this process. `LdaMulticore` merges its
            workers' updates in the order they finish, so its topics vary slightly from run
            to run: keep 1 for reproducible topics.
        rows: fit on these passages only (the stability fits' subsamples); default all.

    Returns:
        The fitted model.
    """
    if model not in MODELS:
        raise ValueError(f"topics.model must be one of {MODELS}; got {model!r}")
    if k < 2:
        raise ValueError(f"a topic model needs at least 2 topics; got k={k}")
    bows = corpus.bows if rows is None else [corpus.bows[i] for i in rows]
    if model == "lda":
        common = dict(corpus=bows, num_topics=k, id2word=corpus.dictionary, passes=passes,
                      chunksize=chunksize, random_state=seed, eval_every=None)
        lda = (LdaMulticore(workers=workers, **common) if workers > 1 else LdaModel(**common))
        return TopicModel("lda", corpus.dictionary, lda, seed)
    tfidf = TfidfTransformer()
    x = tfidf.fit_transform(bows_to_csr(bows, corpus.n_terms))
    nmf = NMF(n_components=k, init="nndsvda", random_state=seed, max_iter=NMF_MAX_ITER)
    nmf.fit(x)
    return TopicModel("nmf", corpus.dictionary, nmf, seed, tfidf=tfidf)


# --- measures that read only the topic-term matrix ------------------------------------------


def top_ids(topic_term: np.ndarray, n: int) -> np.ndarray:
    """K × n column indices of the n largest values of each row, largest first.

    Ties are broken by the lower index, so the result never depends on sort internals.
    """
    n = min(n, topic_term.shape[1])
    # A stable sort keeps tied terms in id order.
    return np.argsort(-topic_term, axis=1, kind="stable")[:, :n]


def frex(topic_term: np.ndarray, *, weight: float = FREX_WEIGHT) -> np.ndarray:
    """FREX score of every term in every topic (Bischof & Airoldi 2012; R's stm).

    FREX = 1 / (w / ECDF(exclusivity) + (1 - w) / ECDF(frequency)), where frequency is the
    term's weight in the topic, exclusivity that weight over the term's total weight across
    topics, and ECDF ranks a value among the topic's vocabulary (1 for the highest). With
    w = 0.5 it is the harmonic mean of the two ranks, so a term must be both frequent in the
    topic and rare in the others to score high.

    Args:
        topic_term: K × V non-negative matrix, rows summing to 1.
        weight: w, the weight of exclusivity.

    Returns:
        K × V matrix of scores in (0, 1].
    """
    totals = topic_term.sum(axis=0, keepdims=True)
    excl = np.divide(topic_term, totals, out=np.zeros_like(topic_term), where=totals > 0)
    n_terms = topic_term.shape[1]
    excl_ecdf = rankdata(excl, axis=1, method="max") / n_terms
    freq_ecdf = rankdata(topic_term, axis=1, method="max") / n_terms
    return 1.0 / (weight / excl_ecdf + (1 - weight) / freq_ecdf)


def exclusivity(top: np.ndarray) -> float:
    """Mean share of a topic's top terms that are top terms of no other topic.

    Args:
        top: K × n term ids (the top terms of each topic).
    """
    k, n = top.shape
    if k < 2 or n == 0:
        return float("nan")
    ids, counts = np.unique(top, return_counts=True)
    unique_ids = ids[counts == 1]
    return float(np.isin(top, unique_ids).sum() / (k * n))


def overlap_matrix(top_a: np.ndarray, top_b: np.ndarray) -> np.ndarray:
    """Ka × Kb matrix: share of topic a's top terms that are among topic b's (same n)."""
    n = top_a.shape[1]
    vocab = np.union1d(top_a.ravel(), top_b.ravel())
    a = np.zeros((len(top_a), len(vocab)))
    b = np.zeros((len(top_b), len(vocab)))
    np.put_along_axis(a, np.searchsorted(vocab, top_a), 1.0, axis=1)
    np.put_along_axis(b, np.searchsorted(vocab, top_b), 1.0, axis=1)
    return a @ b.T / n


def match_topics(top_a: np.ndarray, top_b: np.ndarray) -> tuple[np.ndarray, np.ndarray, float]:
    """Pair topics of two fits one to one so that their top terms overlap most (Hungarian).

    Args:
        top_a, top_b: Ka × n and Kb × n term ids (or any comparable labels).

    Returns:
        (rows, cols, mean_overlap): topic `rows[i]` of a is paired with topic `cols[i]` of b;
        `mean_overlap` is the mean share of shared top terms over the pairs (1: identical).
    """
    overlap = overlap_matrix(top_a, top_b)
    rows, cols = linear_sum_assignment(overlap, maximize=True)
    return rows, cols, float(overlap[rows, cols].mean())
