"""params.yaml, typed: one model per block, holding each key's type, range, default and meaning.

A stage reads its block through `load_block`, which checks every key before any work is done:
an unknown (misspelt) key, a wrong type or a value out of range stops the run with a
`ParamsError` naming the file, the key, the value and what is allowed. Each stage's core
function takes its block's model. `python -m pipeline params` prints the table of every key from
these models, so the README's list cannot drift from the code.

    >>> ExtractParams(min_words=10).min_words
    10
    >>> check_block("extract", {"min_words": "thirty"}, where="params.yaml")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    pipeline.errors.ParamsError: params.yaml: extract.min_words: input should be a valid ...
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Annotated, Any, ClassVar, Literal, TypeVar, overload

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from pipeline.errors import ParamsError

PosInt = Annotated[int, Field(ge=1)]
Share = Annotated[float, Field(gt=0, le=1)]
# Which passages an analysis reads (see pipeline.subset): empty lists read them all.
Kind = Literal["page", "report"]
Family = Literal["strategy", "csr", "business", "governance", "risks", "financial", "other"]
KINDS_HELP = "read only passages of these source kinds (page, report); [] reads all"
FAMILIES_HELP = ("read only passages of sections of these families (strategy, csr, business, "
                 "governance, risks, financial, other); [] reads all")


class Block(BaseModel):
    """A params.yaml block: unknown keys are errors, values are frozen once read."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    name: ClassVar[str]  # the block's name in params.yaml


B = TypeVar("B", bound=Block)


class ClusterBlock(Block):
    """A block whose per-document work can run on a Dask cluster (`pipeline.executor`)."""

    executor: Literal["local", "dask"] = Field(
        "local", description="where the per-document work runs: local (this machine's process "
                             "pool) or dask (tasks on the dask.distributed cluster at "
                             "scheduler; same outputs)")
    scheduler: str | None = Field(
        None, pattern=r"^[a-z]+://\S+$",
        description="address of the dask scheduler, e.g. tcp://10.0.0.5:8786 (executor: dask)")

    @model_validator(mode="after")
    def _scheduler_for_dask(self) -> ClusterBlock:
        if self.executor == "dask" and not self.scheduler:
            raise ValueError("executor: dask needs scheduler: the address of a running dask "
                             "scheduler (tcp://HOST:8786)")
        return self


# --- one model per block --------------------------------------------------------------------

class ScrapeParams(Block):
    name = "scrape"

    user_agent: str = Field(
        "city-discourse/0.1 (research text-mining; +mailto:contact@example.org)",
        pattern=r"@|https?://",
        description="User-Agent sites see: names the crawler and gives a contact (an e-mail "
                    "address or a web page)")
    concurrency: PosInt = Field(8, description="requests in flight at once, all hosts together")
    per_host: PosInt = Field(2, description="requests in flight at once to one host")
    delay: float = Field(1.0, ge=0, description="seconds between two requests to one host "
                                                "(robots Crawl-delay wins if longer)")
    obey_robots: bool = Field(True, description="read robots.txt and skip what it disallows")
    connect_timeout: float = Field(10.0, gt=0, description="seconds to open a connection")
    read_timeout: float = Field(30.0, gt=0, description="seconds without a byte before a "
                                                        "request is abandoned")
    retries: int = Field(3, ge=0, description="extra attempts on timeouts, 429 and 5xx")
    backoff: float = Field(1.0, ge=0, description="first retry waits this many seconds, then "
                                                  "doubles (Retry-After wins)")
    max_redirects: int = Field(10, ge=0, description="redirects followed before giving up")
    max_retry_wait: float = Field(300.0, ge=0, description="a longer Retry-After (seconds) ends "
                                                           "the retries instead of waiting")
    max_bytes: PosInt = Field(50 * 1024 * 1024, description="a larger body is cut off and "
                                                            "recorded as too_large")
    max_decoded_bytes: PosInt = Field(
        50 * 1024 * 1024, description="a body the server compressed anyway (gzip, deflate) "
                                      "that inflates past this is cut off as too_large")
    request_deadline: float = Field(
        120.0, gt=0, description="seconds one request may take in all, robots.txt included, "
                                 "however slowly its bytes come")
    accept_types: list[str] = Field(
        ["text/html", "application/xhtml+xml", "application/pdf"], min_length=1,
        description="other content types are recorded as unsupported_type, not downloaded")
    warc_max_bytes: PosInt = Field(1 << 30, description="start a new WARC file past "
                                                                 "this size")
    wayback_url: str = Field("https://web.archive.org", pattern=r"^https?://",
                             description="web archive for archive= sources (CDX API + replay)")


class ExtractParams(ClusterBlock):
    name = "extract"

    min_words: int = Field(30, ge=0, description="a document with fewer words of text is "
                                                 "recorded as empty")
    boilerplate_share: Share = Field(0.5, description="a paragraph on at least this share of a "
                                                      "firm's pages is boilerplate")
    boilerplate_min_docs: PosInt = Field(4, description="... counted only for firms with at "
                                                        "least this many pages")
    near_duplicate: Share = Field(0.9, description="Jaccard similarity of word 5-gram shingles "
                                                   "from which a document duplicates an "
                                                   "earlier one of its firm")
    passage_words: int = Field(250, ge=20, description="passages of about this many words, cut "
                                                       "on paragraph or sentence ends")
    workers: PosInt = Field(2, description="processes for extraction (1 = in process)")
    max_bytes: PosInt = Field(50 * 1024 * 1024, description="a capture whose payload (inflated, "
                              "if the server compressed it) is larger is not read: status "
                              "too_large; bounds each capture's memory")
    date_by_capture: bool = Field(False, description="give a live capture that nothing dates "
                                                     "(no year= in sources.txt, no date in "
                                                     "the page or text) its capture year; by "
                                                     "default it is undated: counted, but kept "
                                                     "off every time axis")
    chrome_min_firms: PosInt = Field(3, description="a short line (12 words at most) "
                                                    "found word for word in documents of this "
                                                    "many firms is page chrome, removed like "
                                                    "the lines of pipeline/extract/chrome.yaml")
    table_share: Share = Field(0.5, description="a PDF paragraph with at least this share of "
                                                "numbers and signs among its tokens (half of "
                                                "it in rows without a sentence) is a table of "
                                                "figures: left out of the text")
    relevance_min_pages: PosInt = Field(40, description="a PDF of at least this many pages "
                                                        "keeps only its relevant sections (and "
                                                        "the paragraphs naming the subject); "
                                                        "shorter PDFs and web pages keep all")
    relevance_rate: float = Field(2.0, ge=0, description="a section is relevant when its "
                                                         "title names the subject, or its text "
                                                         "holds this many subject terms per "
                                                         "1,000 words ...")
    relevance_min_matches: PosInt = Field(3, description="... and at least this many")
    relevance_paragraph_matches: int = Field(3, ge=0, description="a paragraph of a section "
                                                                  "left out is kept when it "
                                                                  "names the subject this "
                                                                  "many times (0: never)")
    keep_all_sections: bool = Field(False, description="true: keep every section of every "
                                                       "document (still scored, and tables "
                                                       "still left out)")


class PreprocessParams(ClusterBlock):
    name = "preprocess"

    lemmatizer: Literal["spacy", "simplemma"] = Field(
        "spacy", description="spacy (parts of speech, best lemmas) or simplemma (faster, no "
                             "parts of speech: keep_pos is ignored)")
    batch_size: PosInt = Field(16, description="passages per nlp.pipe batch")
    n_process: PosInt = Field(2, description="worker processes for lemmatisation (1: in this "
                                             "process)")
    keep_pos: list[str] = Field(["NOUN", "PROPN", "ADJ", "VERB"],
                                description="universal parts of speech kept in the bags")
    stop_words: list[str] = Field([], description="extra stop lemmas, on top of spaCy's lists "
                                                  "and the corpus's firm ids")
    phrases_min_count: PosInt = Field(5, description="gensim Phrases: minimum count of a "
                                                     "two-word phrase")
    phrases_threshold: float = Field(0.5, gt=-1, le=1, description="gensim Phrases: NPMI "
                                                                   "threshold")


class TopicsParams(Block):
    name = "topics"

    model: Literal["lda", "nmf"] = Field("nmf", description="lda (gensim LdaModel) or nmf "
                                                            "(scikit-learn NMF on TF-IDF)")
    k: Literal["auto"] | Annotated[int, Field(ge=2)] = Field(
        "auto", description="auto: the K rule of the sweep; or a number of topics (forced)")
    k_grid: list[Annotated[int, Field(ge=2)]] = Field([4, 5, 6, 8, 10],
                                                      description="K values tried by the sweep")
    seed: int = Field(42, description="seed of the reference fits and of the bootstrap")
    stability_seeds: list[int] = Field([1, 2, 3], description="one more fit per seed and K")
    stability_sample: Share = Field(0.8, description="share of passages a stability fit sees")
    stability_floor: float = Field(0.6, ge=0, le=1, description="the K rule only picks a K at "
                                                                "least this stable")
    passes: PosInt = Field(10, description="LDA passes over the corpus")
    chunksize: PosInt = Field(100, description="passages per LDA online update")
    workers: PosInt = Field(1, description="processes per LDA fit")
    sweep_workers: PosInt = Field(2, description="processes running the sweep's fits")
    drop_names: bool = Field(True, description="leave proper nouns (place, person, company "
                                                "names: lemmas mostly tagged PROPN) and the "
                                                "phrases holding one out of the topic "
                                                "models' bags (never a word of a lexicon "
                                                "term); keyness and concordances keep them")
    min_df: PosInt = Field(3, description="drop terms in fewer passages than this")
    max_df: Share = Field(0.5, description="drop terms in more than this share of passages")
    min_passages: int = Field(30, ge=0, description="a language with fewer passages gets no "
                                                    "model")
    kinds: list[Kind] = Field([], description=KINDS_HELP)
    section_families: list[Family] = Field([], description=FAMILIES_HELP)
    n_top_terms: PosInt = Field(10, description="terms shown per topic")
    n_passages: int = Field(5, ge=0, description="representative passages shown per topic")
    n_bootstrap: int = Field(1000, ge=0, description="bootstrap resamples for prevalence "
                                                     "intervals (0: none)")
    min_tokens: int = Field(500, ge=0, description="topic trends leave out a firm-year with "
                                                   "fewer word tokens in the language (the "
                                                   "rule of contrasts.min_tokens)")
    min_years: int = Field(3, ge=2, description="a topic trend needs at least this many years "
                                                "with enough text (as contrasts.min_years)")
    min_firm_tokens: int = Field(2000, ge=0, description="a firm's topic profile resting on "
                                                         "fewer word tokens in the language is "
                                                         "flagged as too little text (as "
                                                         "contrasts.min_firm_tokens)")

    @model_validator(mode="after")
    def _grid_for_auto(self) -> TopicsParams:
        if self.k == "auto" and not self.k_grid:
            raise ValueError("k_grid must not be empty when k is auto")
        return self


class ContrastsParams(Block):
    name = "contrasts"

    alpha0: float = Field(1000.0, gt=0, description="total weight of the informative "
                                                    "Dirichlet prior")
    min_count: PosInt = Field(5, description="terms seen fewer times in both groups are not "
                                             "tested")
    fdr: float = Field(0.05, gt=0, lt=1, description="Benjamini-Hochberg false discovery rate")
    n_top: PosInt = Field(30, description="keyness terms kept per comparison and direction")
    kinds: list[Kind] = Field([], description=KINDS_HELP)
    section_families: list[Family] = Field([], description=FAMILIES_HELP)
    compare_kinds: bool = Field(True, description="keyness also compares reports with pages "
                                                   "(all firms, and each firm with both)")
    split_phrases: bool = Field(True, description="keyness counts the words of learned phrases "
                                                  "one by one")
    n_bootstrap: int = Field(1000, ge=0, description="bootstrap resamples for frame intervals "
                                                     "(0: none)")
    seed: int = Field(42, description="seed of the bootstrap")
    min_tokens: int = Field(500, ge=0, description="a firm-year with fewer word tokens is "
                                                   "reported as too little text")
    min_years: int = Field(3, ge=2, description="a trend needs at least this many years with "
                                                "enough text")
    min_firm_tokens: int = Field(2000, ge=0, description="a firm with fewer word tokens (all "
                                                         "years) is too little text: flagged, "
                                                         "not tested against the rest, left "
                                                         "off the maps")
    kwic_window: PosInt = Field(10, description="words of context on each side in "
                                                "concordances")
    presence_rate: float = Field(2.0, ge=0, description="a domain is present in a firm's offer "
                                                        "at this rate per 10,000 tokens...")
    presence_docs: PosInt = Field(2, description="... and in at least this many documents, "
                                                 "unless the firm names it significantly less "
                                                 "than the rest (versus)")
    ca_n_terms: PosInt = Field(30, description="each firm's top distinctive terms in the "
                                               "firm x term correspondence analysis")


class ReportParams(Block):
    name = "report"

    max_kwic: int = Field(50, ge=0, description="concordance lines shown per term on a firm "
                                                "page")
    n_terms: PosInt = Field(25, description="distinctive terms shown per firm and language")
    min_docs: PosInt = Field(3, description="a topic share resting on fewer documents is "
                                            "flagged as too little text")
    ca_labels: int = Field(25, ge=0, description="terms or domains labelled on a "
                                                 "correspondence-analysis map")


BLOCKS: dict[str, type[Block]] = {model.name: model for model in (
    ScrapeParams, ExtractParams, PreprocessParams, TopicsParams, ContrastsParams, ReportParams)}
LEXICON_KEY = "lexicon"  # top-level: the frame lexicon's path, read by several stages
DEFAULT_LEXICON = "frames.yaml"


# --- reading --------------------------------------------------------------------------------

def read_params(path: str | Path) -> dict[str, Any]:
    """The whole params file as a dict (not checked: see `load_block`)."""
    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ParamsError(f"{path}: params file not found") from None
    except UnicodeDecodeError:
        raise ParamsError(f"{path}: not a UTF-8 text file") from None
    except yaml.YAMLError as exc:
        raise ParamsError(f"{path}: not valid YAML: {exc}") from None
    if not isinstance(data, dict):
        raise ParamsError(f"{path}: expected a mapping of stage blocks")
    return data


def check_block(block: str, values: Any, *, where: str = "params") -> Block:
    """The model of one block, from its values; every problem named by its dotted key.

    Raises:
        ParamsError: `<where>: <block>.<key>: <what is wrong> (got <value>)`, one line per key.
    """
    if not isinstance(values, dict):
        raise ParamsError(f"{where}: the '{block}:' block must be a mapping of keys")
    try:
        return BLOCKS[block](**values)
    except ValidationError as exc:
        raise ParamsError(_describe(where, block, exc.errors())) from None


def _describe(where: str, block: str, errors: Sequence[Mapping[str, Any]]) -> str:
    """One line per key; the alternatives of a union (`k: auto or a number`) share a line."""
    lines: dict[str, list[str]] = {}
    for err in errors:
        # pydantic names a union's branches in the location (`k.literal['auto']`): keep the
        # key and list indices only.
        loc = [str(p) for i, p in enumerate(err["loc"]) if i == 0 or isinstance(p, int)]
        key = ".".join((block, *loc))
        if err["type"] == "extra_forbidden":
            known = ", ".join(BLOCKS[block].model_fields)
            lines[key] = [f"unknown key (the '{block}:' block knows: {known})"]
        elif not loc:  # a rule across keys (a model validator) says what is wrong itself
            lines[key] = [err["msg"].removeprefix("Value error, ")]
        else:
            lines.setdefault(key, []).append(f"{err['msg'][0].lower()}{err['msg'][1:]}")
            got = f" (got {err['input']!r})"
            if not lines[key][0].endswith(got):
                lines[key][0] += got
    return "\n".join(f"{where}: {key}: " + "; or ".join(reversed(msgs)) if len(msgs) > 1
                     else f"{where}: {key}: {msgs[0]}" for key, msgs in lines.items())


@overload
def load_block(path: str | Path, block: type[B]) -> B: ...
@overload
def load_block(path: str | Path, block: str) -> Block: ...
def load_block(path: str | Path, block: type[Block] | str) -> Block:
    """One stage's block of params.yaml, checked: the model the stage's core function takes.

    Args:
        path: the params file.
        block: the block's model (`ExtractParams`), or its name (`"extract"`).
    """
    name = block if isinstance(block, str) else block.name
    data = read_params(path)
    if name not in data:
        raise ParamsError(f"{path}: no '{name}:' block")
    return check_block(name, copy.deepcopy(data[name]), where=str(path))


def lexicon_path(path: str | Path) -> Path:
    """The frame lexicon named by `lexicon:` in the params file at `path` (default frames.yaml).

    A relative path names a file in the project folder (the params file's), as DVC runs there;
    the current folder is tried next so that `python -m pipeline.<stage>` works from anywhere.
    """
    value = read_params(path).get(LEXICON_KEY, DEFAULT_LEXICON)
    if not isinstance(value, str) or not value:
        raise ParamsError(f"{path}: {LEXICON_KEY}: expected the path of the frame lexicon "
                          f"(got {value!r})")
    lexicon = Path(value)
    if lexicon.is_absolute():
        return lexicon
    beside = Path(path).resolve().parent / lexicon
    return beside if beside.exists() or not lexicon.exists() else lexicon


def set_param(data: dict[str, Any], dotted: str, value: Any) -> None:
    """Set `scrape.delay`-style keys in a params dict (used by the demo and by benchmarks)."""
    *parents, leaf = dotted.split(".")
    node = data
    for key in parents:
        node = node.setdefault(key, {})
    node[leaf] = value


def write_params(data: dict[str, Any], path: str | Path) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return path


# --- documentation --------------------------------------------------------------------------

def params_table() -> str:
    """Every key of every block as a Markdown table: key, type, default, allowed, meaning."""
    rows = ["| key | type | default | allowed | meaning |", "|---|---|---|---|---|",
            f"| `{LEXICON_KEY}` | path | `{DEFAULT_LEXICON}` | a YAML file | the frame lexicon "
            "(read by preprocess, contrasts and report) |"]
    for block, model in BLOCKS.items():
        schema = model.model_json_schema()["properties"]
        for name, field in model.model_fields.items():
            rows.append(f"| `{block}.{name}` | {_type_name(schema[name])} | "
                        f"`{field.default}` | {_allowed(schema[name])} | "
                        f"{field.description} |")
    return "\n".join(rows)


def _type_name(prop: dict) -> str:
    if "anyOf" in prop:
        return " or ".join(_type_name(p) for p in prop["anyOf"])
    if "enum" in prop or "const" in prop:
        return "text"
    kind = prop.get("type", "")
    if kind == "array":
        return f"list of {_type_name(prop.get('items', {}))}"
    return {"integer": "whole number", "number": "number", "string": "text",
            "boolean": "true/false"}.get(kind, kind)


def _allowed(prop: dict) -> str:
    if "anyOf" in prop:
        return " or ".join(filter(None, (_allowed(p) for p in prop["anyOf"])))
    if "enum" in prop:
        return ", ".join(f"`{v}`" for v in prop["enum"])
    if "const" in prop:
        return f"`{prop['const']}`"
    if prop.get("type") == "array":
        inner = _allowed(prop.get("items", {}))
        return f"each {inner}" if inner else ""
    bounds = [f"{sign} {prop[k]}" for k, sign in (("exclusiveMinimum", ">"), ("minimum", "≥"),
                                                  ("exclusiveMaximum", "<"), ("maximum", "≤"))
              if k in prop]
    return " and ".join(bounds)
