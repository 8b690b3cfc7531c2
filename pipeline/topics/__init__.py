"""The topics stage: bags of terms → topic models, topic tables and prevalence.

    stage.py   the stage: the K sweep, `fit_topics()` and `main`
    models.py  LDA (gensim) and NMF (scikit-learn) behind one interface
"""
