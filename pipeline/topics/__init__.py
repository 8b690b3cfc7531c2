"""The topics stage: bags of terms → topic models, topic tables and prevalence.

    stage.py       the stage: the K sweep, topic descriptions, `fit_topics()` and `main`
    models.py      LDA (gensim) and NMF (scikit-learn) behind one interface
    prevalence.py  topic shares by firm, year and firm × year, with bootstrap intervals
    names.py       proper nouns kept out of the topic models' bags
"""
