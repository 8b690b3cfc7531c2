"""The preprocess stage: passages → lemmatised sentences and bags of terms.

    stage.py      the stage: `preprocess_passages()` and `main`
    lemmatize.py  spaCy or simplemma lemmas, token by token
    words.py      which lemmas are words: the model's tables and simplemma's dictionary together
    forms.py      the lexicon's words keep their lemma in every inflected form
    pool.py       worker processes that load the models once
    phrases.py    learned and lexicon phrases, and the bags of terms
"""
