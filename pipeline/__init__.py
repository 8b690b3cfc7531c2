"""city-discourse: a reproducible text-mining pipeline that measures how firms talk about the city.

Stages, each a module runnable as `python -m pipeline.<stage>`:
scrape → extract → preprocess → topics / contrasts → report.
"""

__version__ = "0.1.0"
