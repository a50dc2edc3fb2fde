"""The act's text is untrusted: only the sanitizer's allow-list ever reaches a page."""

from __future__ import annotations

import re
from pathlib import Path

import psutil
import pytest
from deliberations.render import ALLOWED_ATTRIBUTES, ALLOWED_TAGS, RenderError, markdown_to_html, sanitize
from hypothesis import given
from hypothesis import strategies as st
from lxml import html

from .conftest import Site

SCHEMES = ("http:", "https:", "mailto:", "tel:")

HOSTILE = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    '<a href="javascript:alert(1)">x</a>',
    '<a href="JaVaScRiPt:alert(1)">x</a>',
    '<a href="jav&#x09;ascript:alert(1)">x</a>',
    '<a href="&#106;avascript:alert(1)">x</a>',
    '<a href=" javascript:alert(1)">x</a>',
    '<a href="vbscript:msgbox(1)">x</a>',
    '<a href="data:text/html,<script>alert(1)</script>">x</a>',
    "[lien](javascript:alert(1))",
    '[lien](javascript&#58;alert(1) "titre")',
    "<https://evil.example/x> <javascript:alert(1)>",
    '<iframe src="https://evil.example/"></iframe>',
    "<style>body { display: none }</style>",
    '<p style="background: url(https://tracker.example/p.gif)">x</p>',
    "<svg><script>alert(1)</script></svg>",
    "<svg onload=alert(1)><circle r=1 /></svg>",
    '<svg><a xlink:href="javascript:alert(1)"><text>x</text></a></svg>',
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    '<math href="javascript:alert(1)">x</math>',
    '<object data="x.swf"></object><embed src="x.swf">',
    '<form action="https://evil.example/"><input name=x><button>ok</button></form>',
    '<base href="https://evil.example/">',
    '<meta http-equiv="refresh" content="0;url=https://evil.example/">',
    '<link rel="stylesheet" href="https://evil.example/x.css">',
    '<div onmouseover="alert(1)">x</div>',
    '<details open ontoggle="alert(1)"><summary>x</summary></details>',
    '<noscript><p title="</noscript><img src=x onerror=alert(1)>"></noscript>',
    "<template><script>alert(1)</script></template>",
    "<xmp><script>alert(1)</script></xmp>",
    "<!--><script>alert(1)</script>-->",
    '<a href="https://ok.example/" target="_blank" onclick="alert(1)">x</a>',
    "![pixel](https://tracker.example/p.gif)",
    'Paragraphe\n{: onclick="alert(1)" style="color:red" }',
    '<video src="https://evil.example/v.mp4" poster="https://evil.example/p.jpg"></video>',
    '<table background="https://evil.example/bg.gif"><tr><td>x</td></tr></table>',
]


def assert_allowed(fragment: str) -> None:
    """Every element, attribute and link of ``fragment`` is on the allow-list."""
    for el in html.fragments_fromstring(f"<div>{fragment}</div>")[0].iter():
        if not isinstance(el.tag, str):
            continue
        assert el.tag == "div" or el.tag in ALLOWED_TAGS | {"h1"}, el.tag
        allowed = ALLOWED_ATTRIBUTES.get(el.tag, set()) | ALLOWED_ATTRIBUTES["*"] | {"rel"}
        for name, value in el.attrib.items():
            assert name in allowed, (el.tag, name)
            if name == "href":
                scheme = value.split(":", 1)[0].lower() + ":" if ":" in value.split("/")[0] else ""
                assert not scheme or scheme in SCHEMES, value


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_markup_never_reaches_a_page(text):
    out = markdown_to_html(text)
    assert_allowed(out)
    # In the markup: as text, « javascript:alert(1) » is only words on the page.
    lowered = re.sub(r">[^<]*<", "><", out).lower()
    for needle in ("<script", "javascript:", "vbscript:", "onerror", "onclick", "onload", "<iframe",
                   "<style", "<svg", "<math", "<img", "style=", "<form", "<base", "<meta", "<link"):
        assert needle not in lowered, (needle, out)


def test_the_text_keeps_its_structure():
    out = markdown_to_html("## Article 1\n\nLe **Bureau** décide :\n\n1. d'adhérer ;\n2. de payer.\n\n"
                           "| Poste | Montant |\n|---|---|\n| Cotisation | 675 € |\n\n"
                           "[Légifrance](https://www.legifrance.gouv.fr/)")
    doc = html.fragment_fromstring(out, create_parent="div")
    assert [h.text for h in doc.iter("h3")] == ["Article 1"]  # under the page's « Texte intégral »
    assert len(doc.findall(".//ol/li")) == 2
    assert doc.find(".//table//td").text == "Cotisation"
    link = doc.find(".//a")
    assert link.get("href") == "https://www.legifrance.gouv.fr/"
    assert link.get("rel") == "noopener noreferrer nofollow"


def test_github_flavoured_markdown():
    out = markdown_to_html("Voir www.legifrance.gouv.fr ou mairie@ville.fr ; ~~ancien~~ nouveau, ~200 €.\n\n"
                           "- [ ] non coché\n")
    doc = html.fragment_fromstring(out, create_parent="div")
    assert [a.get("href") for a in doc.iter("a")] == ["http://www.legifrance.gouv.fr",
                                                      "mailto:mairie@ville.fr"]
    assert [d.text for d in doc.iter("del")] == ["ancien"]  # a single ~ means « about »
    assert "~200 €" in doc.text_content()
    assert "[ ] non coché" in doc.text_content()  # no task lists: an act has no check boxes


def test_footnotes_follow_the_text_and_link_both_ways():
    doc = html.fragment_fromstring(markdown_to_html("Le Bureau décide[^1].\n\n[^1]: Voir l'annexe.\n"),
                                   create_parent="div")
    call, back = doc.iter("a")
    assert doc.find(".//p").text_content() == "Le Bureau décide1."
    assert doc.xpath("//hr/following-sibling::ol/li")[0].text_content().strip() == "Voir l’annexe. ↩"
    assert doc.xpath(f"//*[@id='{call.get('href')[1:]}']") and doc.xpath(f"//*[@id='{back.get('href')[1:]}']")


def test_french_quotes_in_the_text_only():
    out = markdown_to_html(r"""Le "Bureau" décide d'un `"code"` et d'un [lien](https://x.fr "titre \"a\"")."""
                           "\n\nCité tel quel : “quoted”.")
    doc = html.fragment_fromstring(out, create_parent="div")
    first, second = doc.iter("p")
    assert first.text_content() == "Le «\u00a0Bureau\u00a0» décide d’un \"code\" et d’un lien."
    assert doc.find(".//code").text == '"code"'
    assert doc.find(".//a").get("title") == 'titre "a"'
    assert second.text_content() == "Cité tel quel : “quoted”."  # typed curly quotes stay as typed


@pytest.mark.parametrize("text", [">" * 100_000 + " x", "".join("  " * i + "- x\n" for i in range(300)),
                                  "<div>" * 50_000, "<b>" * 50_000])
def test_deep_nesting_is_refused(text):
    with pytest.raises(RenderError, match="nested too deeply"):
        markdown_to_html(text)


@pytest.mark.parametrize(("text", "message"), [
    ('"\'' * 200_000, "600,002 characters without a paragraph break or markup, too many of them « » & or"),
    ("&" * 200_000, "characters without a paragraph break"),
    ("x[^1]" * 100_000 + "\n\n[^1]: note\n", "characters of HTML (at most 20,000,000); look for footnote"),
])
def test_text_the_sanitizer_would_take_minutes_over_is_refused(text, message):
    with pytest.raises(RenderError, match=re.escape(message)):
        markdown_to_html(text)


def test_a_long_text_in_paragraphs_is_shown():
    paragraph = "« Le Bureau » décide & approuve\u00a0: " * 200
    doc = html.fragment_fromstring(markdown_to_html(f"{paragraph}\n\n" * 100), create_parent="div")
    assert len(doc.findall("p")) == 100


def test_a_hundred_levels_are_shown():
    doc = html.fragment_fromstring(markdown_to_html("> " * 100 + "x"), create_parent="div")
    assert len(doc.xpath("//blockquote")) == 100


@pytest.mark.parametrize("text", ["[" * 100_000, "*_`[<&" * 20_000, "[a](" * 30_000, "`" * 100_000 + "a",
                                  "|a|\n|-|\n" + "|x|\n" * 20_000, "<" * 100_000])
def test_pathological_text_is_converted(text):
    assert markdown_to_html(text)


def test_converting_keeps_no_memory():
    process = psutil.Process()
    text = (Path(__file__).parent.parent / "content").rglob("*.md").__next__().read_text() * 3
    for _ in range(200):
        markdown_to_html(text)
    before = process.memory_info().rss
    for _ in range(5000):
        markdown_to_html(text)
    # Left unfreed, the tree and the HTML of 5 000 texts would take over 100 MB.
    assert process.memory_info().rss - before < 20_000_000


def test_an_act_with_hostile_text_builds_and_passes_the_self_check(site: Site):
    site.add(body="\n\n".join(HOSTILE))
    result = site.build()
    assert result.code == 0, result.err
    page = html.fromstring(site.page("deliberations/22-b-0183").encode())
    assert not page.xpath("//script | //iframe | //style | //img | //object | //embed | //base"
                          " | //*[local-name()='svg' or local-name()='math']"
                          " | //@*[starts-with(name(), 'on')] | //@style")
    text = page.xpath("//section[@class='act-text']")[0]
    assert "lien" in text.text_content()
    assert not text.xpath(".//form | .//input | .//button")


MARKUP = st.sampled_from(["<", ">", "/", "=", '"', "'", "&", "#", ";", ":", "!", "-", "[", "]", "(",
                          ")", "*", "`", "\n", " ", "a", "x"])
PIECES = st.sampled_from(["script", "svg", "math", "style", "img", "iframe", "onerror", "onload",
                          "href", "src", "javascript", "data", "style", "a", "p", "table", "td",
                          "<!--", "-->", "<![CDATA[", "]]>", "&#x6a;", "&Tab;", "{:", "}"])


@given(st.lists(st.one_of(MARKUP, PIECES), max_size=80).map("".join))
def test_sanitizer_output_stays_on_the_allow_list(text):
    assert_allowed(sanitize(text))
    assert_allowed(markdown_to_html(text))
