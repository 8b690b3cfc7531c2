"""The scrape stage: sources.txt → WARC captures and the fetches table.

    stage.py     the stage: `scrape()` and `main`
    manifest.py  what is held: fetches.parquet, each run's journal, the run lock
    run.py       one run: its jobs, what it records, its summary
    live.py      live pages and web-archive years over HTTP
    replay.py    the same jobs answered from existing WARC files
    fetch.py     polite asynchronous HTTP fetching into WARC records
    responses.py what a response says: content type (declared and sniffed), size, waits, errors
    robots.py    robots.txt rules
    crawl.py     URL normalisation, scope and link extraction
    wayback.py   web-archive lookups (CDX API, replay URLs)
"""
