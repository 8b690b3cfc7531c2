"""The report stage: every table → self-contained HTML pages and data exports.

    stage.py     the stage: `build_report()` and `main`
    figures.py   matplotlib figures as inline SVG
    templates/   Jinja2 pages, stylesheet and the table sorter
"""
