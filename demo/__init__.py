"""The offline demo: a fictional study's site, its generator, its planted truth and a local server.

Not part of the installed package: run it from the repository's root folder.

    generate.py  writes site/ and truth.json from themed, framed sentences (seeded)
    server.py    serves site/ and a fake web archive on 127.0.0.1
    run.py       serves the site and runs every stage on it (`python -m demo`)
"""
