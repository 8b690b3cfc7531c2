"""The report stage: every table → self-contained HTML pages and data exports.

    stage.py           the stage: `build_report()`, reading and writing, `main`
    study.py           the tables read and the lookups every page shares (`Study`)
    index.py firm.py topics.py shifts.py   one view model per page
    correspondence.py  the index's correspondence-analysis maps
    grids.py           frame × year grids of the set groups (index and firm pages)
    format.py          Jinja2 filters, safe links, anchors
    charts.py          charts written as SVG directly (heat maps, intervals, years, K sweep)
    figures.py         matplotlib figures as inline SVG (correspondence maps), the figure cache
    exports.py         the exported tables and their README
    templates/         Jinja2 pages, stylesheet and the table sorter
"""
