"""sources.txt: every bad-line case is reported with its line number, and nothing passes."""

from __future__ import annotations

import pytest

from pipeline.sources import SourcesError, firm_names, firms, parse_sources, read_sources

GOOD = """\
# firm  kind  url  options
acme    page    https://acme.example/ville            archive=2016-2018 lang=fr
acme    report  https://acme.example/rapport-2019.pdf year=2019   # inline comment
bolt    page    https://bolt.example/smart#offre       depth=1 max_pages=5
"""


def test_parses_fields_and_options():
    sources = parse_sources(GOOD)
    assert [s.line for s in sources] == [2, 3, 4]
    assert sources[0].archive_years == (2016, 2017, 2018)
    assert sources[0].lang == "fr" and sources[0].live is True
    assert sources[1].kind == "report" and sources[1].year == 2019
    # a fragment is not a comment (the options after it are read); it is then dropped
    assert sources[2].url == "https://bolt.example/smart"
    assert (sources[2].depth, sources[2].max_pages) == (1, 5)
    assert firms(sources) == ["acme", "bolt"]


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        ("acme pag https://acme.example/a", "unknown kind 'pag'"),
        ("acme page acme.example/a", "malformed URL"),
        ("acme page ftp://acme.example/a", "malformed URL"),
        ("acme page https:///nohost", "no host"),
        ("acme page https://acme.example/a year=19", "bad year '19'"),
        ("acme page https://acme.example/a year=3019", "bad year '3019'"),
        ("acme page https://acme.example/a archive=2020-2016", "bad year range"),
        ("acme page https://acme.example/a colour=blue", "unknown option 'colour'"),
        ("acme page https://acme.example/a lang=de", "unknown lang 'de'"),
        ("acme page https://acme.example/a depth=9", "depth 9"),
        ("acme page https://acme.example/a live=no", "live=no needs archive"),
        ("acme page", "expected 'firm kind url"),
        ("Acme page https://acme.example/a", "bad firm id 'Acme'"),
        ("acme page https://acme.example/a year", "not key=value"),
    ],
)
def test_each_bad_line_is_named_with_its_number(line, reason):
    text = "acme page https://acme.example/ok\n\n" + line + "\n"
    with pytest.raises(SourcesError) as err:
        parse_sources(text, path="my_sources.txt")
    assert len(err.value.problems) == 1
    problem = err.value.problems[0]
    assert problem.startswith("my_sources.txt:3:"), problem
    assert reason in problem
    assert "nothing was fetched" in str(err.value)


def test_duplicate_url_names_both_lines():
    text = "a page https://x.example/p\nb page https://x.example/p\n"
    with pytest.raises(SourcesError) as err:
        parse_sources(text)
    assert err.value.problems == [
        "sources.txt:2: duplicate URL https://x.example/p (first on line 1)"
    ]


def test_urls_differing_by_fragment_or_case_are_one_source():
    text = ("a page https://x.example/Ville/p\n"
            "b page HTTPS://X.Example/Ville/p#haut\n"
            "c page https://x.example/ville/p\n")  # the path is case-sensitive: another page
    with pytest.raises(SourcesError) as err:
        parse_sources(text)
    assert err.value.problems == [
        "sources.txt:2: duplicate URL https://x.example/Ville/p (first on line 1)"
    ]
    sources = parse_sources("a page HTTP://Acme.example:8080/Fr/#top lang=fr\n")
    assert sources[0].url == "http://acme.example:8080/Fr/"  # fetched and recorded as such


def test_all_bad_lines_reported_at_once():
    text = "a pag https://x.example/1\nb page nope\nc page https://x.example/3 year=1\n"
    with pytest.raises(SourcesError) as err:
        parse_sources(text)
    assert [p.split(":")[1] for p in err.value.problems] == ["1", "2", "3"]


def test_empty_and_missing_files(tmp_path):
    with pytest.raises(SourcesError, match="no sources"):
        parse_sources("# only a comment\n\n")
    with pytest.raises(SourcesError, match="file not found"):
        read_sources(tmp_path / "absent.txt")


def test_repository_sources_file_is_valid():
    from tests.conftest import ROOT

    sources = read_sources(ROOT / "sources.txt")
    assert set(firms(sources)) == {"engie", "suez", "bouygues", "vinci", "eiffage", "thales",
                                   "orange", "atos"}


def test_a_byte_order_mark_is_not_part_of_the_first_firm_id(tmp_path):
    path = tmp_path / "sources.txt"
    path.write_bytes("\ufeffacme page https://a.example/x\n".encode())
    assert [s.firm for s in read_sources(path)] == ["acme"]


def test_a_control_character_in_a_url_is_named_with_its_line(tmp_path):
    path = tmp_path / "sources.txt"
    path.write_bytes(b"acme page https://a.example/x\nacme page https://a.example/y\x00z\n")
    with pytest.raises(SourcesError, match=r"sources\.txt:2: malformed URL .*control character"):
        read_sources(path)


def test_the_study_sources_file_parses_with_the_groups_annual_reports():
    """The project's own sources.txt: every line parses (a typo would stop a real run), the
    eight groups are there, and the registration documents found for them are `report` lines
    with their year and language."""
    from pathlib import Path

    path = Path(__file__).resolve().parents[1] / "sources.txt"
    sources = read_sources(path)
    assert sorted(firms(sources)) == ["atos", "bouygues", "eiffage", "engie", "orange", "suez",
                                      "thales", "vinci"]
    # the addresses issue 18 found in public pages: (firm, year, lang, end of the URL)
    expected = [("atos", 2018, "en", "atos-2018-registration-document.pdf"),
                ("vinci", 2022, "fr", "vinci-document-enregistrement-universel-2022.pdf"),
                ("vinci", 2023, "fr", "vinci-document-enregistrement-universel-2023.pdf"),
                ("vinci", 2024, "en", "vinci-2024-universal-registration-document.pdf"),
                ("eiffage", 2023, "en", "Eiffage_URD_2023_EN.pdf"),
                ("orange", 2023, "en", "Orange_2023_Universal_Registration_Document.pdf"),
                ("engie", 2022, "en", "annual%20consolidated%20financial%20statements.pdf"),
                ("engie", 2024, "en", "2024%20ESG%20at%20ENGIE.pdf"),
                ("bouygues", 2023, "en", "bouygues-csr-report-2023.pdf"),
                ("suez", 2013, "en", "ra-2013-en.pdf")]
    reports = {(s.firm, s.year, s.lang, s.url.rsplit("/", 1)[-1]) for s in sources
               if s.kind == "report"}
    for firm, year, lang, tail in expected:
        assert any(r[:3] == (firm, year, lang) and r[3].endswith(tail) for r in reports), tail
    for s in sources:
        if s.kind == "page" and s.archive_years:
            assert s.archive_years == tuple(range(2016, 2025)), s


def test_a_firm_display_name_may_be_quoted_and_given_once():
    text = ('acme page https://acme.example/a?name=x name="Acme  Eau & Co" lang=fr\n'
            "acme report https://acme.example/r.pdf year=2019\n"
            'acme page https://acme.example/b name="Acme Eau & Co"   # repeated, agrees\n'
            "bolt page https://bolt.example/ name=Bolt\n"
            "cato page https://cato.example/\n")
    sources = parse_sources(text)
    assert sources[0].url == "https://acme.example/a?name=x"  # a query's name= stays in the URL
    assert sources[0].lang == "fr" and sources[1].name is None
    # spaces inside the quotes are collapsed; firms without name= are left to the report
    assert firm_names(sources) == {"acme": "Acme Eau & Co", "bolt": "Bolt"}


@pytest.mark.parametrize(
    ("lines", "reason"),
    [
        (['acme page https://a.example/x name="Acme'], "unclosed quote"),
        (["acme page https://a.example/x name="], "empty name"),
        (['acme page https://a.example/x name=""'], "empty name"),
        (["acme page https://a.example/x name=A name=B"], "option 'name' given twice"),
        (["acme page https://a.example/x name=" + "x" * 81], "at most 80"),
        (["acme page https://a.example/x name=Acme", "acme page https://a.example/y name=Akme"],
         "firm 'acme' is named 'Akme' here but 'Acme' on line 1"),
        (["acme page https://a.example/x name=Acme", "bolt page https://b.example/y name=ACME"],
         "name 'ACME' is already firm 'acme''s (line 1)"),
    ],
)
def test_a_bad_display_name_is_named_with_its_line(lines, reason):
    with pytest.raises(SourcesError) as err:
        parse_sources("\n".join(lines) + "\n", path="s.txt")
    assert len(err.value.problems) == 1, err.value.problems
    assert err.value.problems[0].startswith(f"s.txt:{len(lines)}:")
    assert reason in err.value.problems[0]
