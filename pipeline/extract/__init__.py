"""The extract stage: WARC captures → documents and passages.

    stage.py     the stage: `extract_documents()` and `main`
    cluster.py   batches of captures as tasks on a Dask cluster (executor: dask)
    html.py      main text and metadata of an HTML page (trafilatura)
    htmldates.py the publication date of a page (htmldate's steps, behind named functions)
    captures.py  the captures to extract, and their payloads read bounded from the WARCs
    pdf.py       text of a PDF, page by page, with its layout (pypdfium2)
    hyphens.py   words broken across lines, joined as the document writes them
    pdfium.py    the PDFium calls pdf.py makes, behind named functions
    language.py  language of paragraphs and documents
    dating.py    the year a document speaks for
    dedup.py     boilerplate paragraphs and near-duplicate documents
    passages.py  paragraphs and passages
"""
