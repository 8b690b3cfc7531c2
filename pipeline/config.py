"""Read `params.yaml`: one block per stage, with command-line overrides.

    >>> load_params("params.yaml", "topics")["seed"]  # doctest: +SKIP
    42
"""

from __future__ import annotations

import copy
import inspect
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import yaml


class ParamsError(ValueError):
    """params.yaml is missing, malformed, or lacks a block or key a stage needs."""


def read_params(path: str | Path) -> dict[str, Any]:
    """The whole params file as a dict."""
    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ParamsError(f"{path}: params file not found") from None
    except yaml.YAMLError as exc:
        raise ParamsError(f"{path}: not valid YAML: {exc}") from None
    if not isinstance(data, dict):
        raise ParamsError(f"{path}: expected a mapping of stage blocks")
    return data


def load_params(path: str | Path, block: str, keys: Iterable[str] | None = None,
                required: Iterable[str] = ()) -> dict[str, Any]:
    """One stage's block of params, plus the top-level `lexicon` path when present.

    Args:
        path: the params file.
        block: the stage's block name.
        keys: the keys the stage knows; when given, any other key is an error (a misspelt key
            would otherwise silently never take effect).
        required: the keys the block must hold.

    Raises:
        ParamsError: naming the file, the block and the key at fault.
    """
    data = read_params(path)
    if block not in data or not isinstance(data[block], dict):
        raise ParamsError(f"{path}: no '{block}:' block")
    if keys is not None:
        unknown = sorted(set(data[block]) - set(keys))
        if unknown:
            raise ParamsError(f"{path}: unknown key(s) {unknown} in the '{block}:' block "
                              f"(known: {', '.join(sorted(keys))})")
    missing = [key for key in required if key not in data[block]]
    if missing:
        raise ParamsError(f"{path}: missing key(s) {missing} in the '{block}:' block")
    params = copy.deepcopy(data[block])
    if "lexicon" in data:
        params.setdefault("lexicon", data["lexicon"])
    return params


def lexicon_path(value: str | Path, params_path: str | Path) -> Path:
    """Resolve `lexicon:` from params.yaml: beside the params file first, then from here.

    A relative path names a file in the project folder (the params file's), as DVC runs there;
    the current folder is tried next so that `python -m pipeline.<stage>` works from anywhere.
    """
    path = Path(value)
    if path.is_absolute():
        return path
    beside = Path(params_path).resolve().parent / path
    return beside if beside.exists() or not path.exists() else path


def set_param(data: dict[str, Any], dotted: str, value: Any) -> None:
    """Set `scrape.delay`-style keys in a params dict (used by the demo and by `--set`)."""
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


def keyword_params(func: Callable) -> list[str]:
    """The keyword-only arguments of a stage's core function: the keys of its params block."""
    return [name for name, p in inspect.signature(func).parameters.items()
            if p.kind is inspect.Parameter.KEYWORD_ONLY]
