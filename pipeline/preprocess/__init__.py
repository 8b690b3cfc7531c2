"""The preprocess stage: passages → lemmatised sentences and bags of terms.

    stage.py      the stage: `preprocess_passages()` and `main`
    lemmatize.py  spaCy or simplemma lemmas, token by token
    phrases.py    learned and lexicon phrases, and the bags of terms
"""
