"""The contrasts stage: sentences and bags → keyness, frames, shifts, concordances.

    stage.py    the stage: `score_contrasts()` and `main`
    keyness.py  log-odds with informative Dirichlet prior, G², Lafon specificities
    frames.py   frame matching and frame shares with bootstrap intervals
    kwic.py     concordances
    ca.py       correspondence analysis
"""
