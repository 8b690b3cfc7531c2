"""htmldate, as `pipeline.extract.html` uses it: its private steps behind two named functions.

htmldate's `find_date` runs every step it has; the structured ones alone (a date in the URL,
the publication-date meta tags, JSON-LD, <abbr> dates) cost a tenth of its time and decide most
pages. They are private functions of htmldate (`htmldate.core`, `.extractors`, `.utils`,
`.validators`), so every import of them is here: a release that moves or changes them breaks
this module only, and then `structured_date` finds nothing (`STRUCTURED` is False) and the
caller falls back on `search_date`, htmldate's public `find_date`, a little slower.

    >>> from lxml import html
    >>> page = html.fromstring('<html><head><meta property="article:published_time" '
    ...                        'content="2019-03-14T09:00:00+01:00"></head><body/></html>')
    >>> structured_date(page, url="https://acme.example/fr/ville")
    '2019-03-14'
    >>> structured_date(page, url="https://acme.example/2018/05/02/ville")
    '2018-05-02'
"""

from __future__ import annotations

import htmldate

try:
    from htmldate.core import examine_abbr_elements as _examine_abbr_elements
    from htmldate.core import examine_header as _examine_header
    from htmldate.core import json_search as _json_search
    from htmldate.extractors import extract_url_date as _extract_url_date
    from htmldate.utils import Extractor as _Extractor
    from htmldate.validators import get_max_date as _get_max_date
    from htmldate.validators import get_min_date as _get_min_date

    # One options object for every page: htmldate caches its date checks per options. The
    # arguments: extensive_search off, the latest and earliest plausible dates, original_date
    # (the publication date, not the last modification), the output format.
    _OPTIONS = _Extractor(False, _get_max_date(None), _get_min_date(None), True, "%Y-%m-%d")
    STRUCTURED = True
except (ImportError, TypeError):  # a later htmldate moved or changed them
    STRUCTURED = False


def structured_date(tree, *, url: str | None) -> str | None:
    """The publication date (YYYY-MM-DD) from the page's structured sources, first found: the
    URL, the header's meta tags, JSON-LD, <abbr> elements. None when they give none, or when
    this htmldate lacks the steps (`STRUCTURED`).

    Args:
        tree: the page's parsed lxml tree.
        url: the page's URL.
    """
    if not STRUCTURED:
        return None
    return (_extract_url_date(url, _OPTIONS) or _examine_header(tree, _OPTIONS)
            or _json_search(tree, _OPTIONS) or _examine_abbr_elements(tree, _OPTIONS))


def search_date(tree, *, url: str | None) -> str | None:
    """The publication date (YYYY-MM-DD) by htmldate's whole search (`find_date` with
    `original_date`, without its extensive search): the structured sources, then the title,
    <time> elements and date patterns in the markup and text."""
    return htmldate.find_date(tree, url=url, extensive_search=False, original_date=True)
