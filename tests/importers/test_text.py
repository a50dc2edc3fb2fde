"""The text of a stamped act → its facts and its text as clean Markdown."""

from datetime import date
from decimal import Decimal

import pytest
from deliberations.importers import layout, text
from deliberations.importers.draft import ImportFailed
from deliberations.render import markdown_to_html
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import html

from . import ACTS, MEL_BODIES


def parse(name: str, bodies=MEL_BODIES, **options):
    return text.parse((ACTS / name).read_text(encoding="utf-8"), name, bodies, **options)


def test_the_seed_imports_to_exactly_the_facts_it_states():
    draft = parse("seed-22-B-0183.txt")
    assert draft.fields == {
        "number": "22-B-0183",
        "title": "ADHESION AU CLUB INNOVATIONS ET CULTURE - CLIC FRANCE",
        "body": "bureau",
        "session": date(2022, 4, 8),
        "published": date(2022, 4, 15),
        "nature": "DE",
        "outcome": "adopted",
        "vote": {"unanimous": True},
        "transmission": {"actes_id": "059-200093201-20220408-lmc100000090231-DE",
                         "sent": date(2022, 4, 15), "received": date(2022, 4, 15)},
        "amounts": [{"value": Decimal("675"), "tax": "HT", "recurrence": "yearly",
                     "section": "fonctionnement",
                     "label": "d'autoriser le paiement de la cotisation d'un montant de 675 € HT pour une "
                              "durée de 12 mois en tant que collectivité publique"}],
        "repeals": ["22-B-0146"],
    }
    # The 655 € HT of the repealed act is not this act's amount, and the report says so.
    assert any("655" in note and "22-B-0146" in note for note in draft.notes)


def test_the_seeds_text_becomes_clean_markdown():
    draft = parse("seed-22-B-0183.txt")
    page = html.fromstring(markdown_to_html(draft.text))
    assert [h.text_content() for h in page.cssselect("h3")] == [
        "I. Rappel du contexte", "II. Objet de la délibération"]
    decisions = [li.text_content() for li in page.cssselect("ol > li")]
    assert len(decisions) == 3 and decisions[0].startswith("De rapporter la délibération n° 22-B-0146")
    assert len(page.cssselect("ul > li")) == 5  # the club's five activities, one list
    assert page.cssselect("strong")[-1].text_content() == "Résultat du vote : ADOPTÉ À L’UNANIMITÉ"
    for stamp_words in ("Accusé de réception", "ID :", "Publié le", "exécutoire", "22-B-0183",
                        "DELIBERATION DU BUREAU", "ADHESION AU CLUB"):
        assert stamp_words not in draft.text


def test_envoye_recu_wording_of_a_town_council_extracted_line_by_line():
    draft = parse("commune-envoye-recu.txt")
    f = draft.fields
    assert (f["number"], f["body"], f["session"], f["published"]) == (
        "DEL2023_087", "conseil", date(2023, 5, 10), date(2023, 5, 17))
    assert f["title"] == ("Rénovation énergétique de l'école Jules-Ferry - attribution du marché de "
                          "travaux et modification du plan de financement")
    assert f["transmission"] == {"actes_id": "062-216200001-20230510-DEL2023_087-DE",
                                 "sent": date(2023, 5, 16), "received": date(2023, 5, 16)}
    assert f["outcome"] == "adopted"
    assert f["vote"] == {"members": 29, "voters": 28, "for": 25, "against": 2, "abstention": 1}
    assert f["amends"] == ["DEL2022_140"] and "repeals" not in f
    # The sum the council decides comes first; the others keep their context.
    assert [(a["value"], a.get("tax")) for a in f["amounts"]] == [
        (Decimal("1250000.00"), "TTC"), (Decimal("1100000.00"), "TTC"), (Decimal("12500.50"), None)]
    assert f["amounts"][2]["label"].startswith("Considérant que l'étude thermique, financée à hauteur de")
    assert ("1. D'attribuer le marché de travaux à la société Bâtir Nord pour un montant de "
            "1 250 000,00 € TTC ;") in draft.text.splitlines()


def test_teletransmission_wording_rejected_act_and_a_session_without_year():
    bodies = {"conseil": "Conseil départemental", "commission-permanente": "Commission permanente"}
    draft = parse("departement-teletransmission.txt", bodies)
    f = draft.fields
    assert f["body"] == "commission-permanente"
    # « Séance du jeudi 1er décembre »: the year is the ACTES id's, whose decision date is that day.
    assert f["session"] == date(2022, 12, 1)
    assert f["transmission"]["sent"] == date(2022, 12, 5)
    assert f["transmission"]["received"] == date(2022, 12, 6)
    assert "published" not in f  # this stamp has no publication date
    assert f["outcome"] == "rejected"
    assert f["vote"] == {"for": 12, "against": 30, "abstention": 0}
    assert f["repeals"] == ["CP-2021-0456"]
    assert f["amounts"] == [
        {"value": Decimal("45000"), "tax": "HT", "section": "investissement",
         "label": "D'attribuer une subvention de 45 000 € HT à la commune de Bois-Joli, imputée en section "
                  "d'investissement"},
        {"value": Decimal("3200000"), "recurrence": "yearly",
         "label": "Le budget consacré à ce programme s'élève à 3,2 M€ par an"},
    ]


def test_what_cannot_be_found_is_left_out_and_said():
    draft = text.parse("N° 2023-12\nConseil municipal du 3 mai 2023\nObjet : Tarifs\nLe Conseil décide.",
                       "x.txt", {"conseil": "Conseil communautaire", "bureau": "Bureau"})
    assert draft.fields == {"number": "2023-12", "title": "Tarifs", "session": date(2023, 5, 3)}
    notes = " | ".join(draft.notes)
    assert "« Conseil municipal » is not one of the site's bodies" in notes
    assert "outcome: not found" in notes and "no ACTES stamp" in notes


def test_body_forced_from_the_command_line():
    draft = parse("seed-22-B-0183.txt", body="conseil")
    assert draft.fields["body"] == "conseil"
    assert any("the source names « BUREAU »" in note for note in draft.notes)


@pytest.mark.parametrize(("source", "reason"), [
    ("", "the text is empty"),
    ("Séance du 8 avril 2022\nObjet : sans numéro", "no act number"),
    ("22-B-0183\nObjet : sans séance", "no session date"),
])
def test_what_cannot_become_an_act_fails_with_a_reason(source, reason):
    with pytest.raises(ImportFailed, match=reason):
        text.parse(source, "x.txt", MEL_BODIES)


def test_a_session_without_year_is_not_guessed():
    with pytest.raises(ImportFailed, match="'1er décembre' has no year"):
        parse("syndicat-sans-annee.txt")


@pytest.mark.parametrize(("said", "bodies", "key"), [
    ("BUREAU", MEL_BODIES, "bureau"),
    ("Conseil métropolitain", MEL_BODIES, "conseil"),
    ("Conseil municipal", {"conseil": "Conseil municipal"}, "conseil"),
    ("COMMISSION PERMANENTE", {"cp": "Commission permanente", "conseil": "Conseil"}, "cp"),
    ("Conseil", {"conseil": "Conseil communautaire", "bureau": "Bureau"}, "conseil"),
    ("Conseil municipal", {"conseil": "Conseil communautaire"}, None),
    ("Comité syndical", MEL_BODIES, None),
])
def test_body_wording_to_a_key_of_bodies(said, bodies, key):
    draft = text.parse(f"2022-1\nSéance du 8 avril 2022\nDélibération du {said}\nObjet : x", "x", bodies)
    assert draft.fields.get("body") == key


# --- hostile input --------------------------------------------------------------------------------

STAMPED = ("Envoyé en préfecture le 16/05/2023\nID : 062-216200001-20230510-DEL2023_087-DE\n"
           "Délibération n° DEL2023_087\nSéance du 10 mai 2023\nObjet : {}\n{}\ndécide :\n1) {}\nAdopté")
pieces = st.text(st.characters(codec="utf-8"), max_size=300)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(pieces, st.builds(STAMPED.format, pieces, pieces, pieces)))
def test_any_text_gives_a_draft_or_the_projects_error(source):
    try:
        draft = text.parse(source, "x.txt", MEL_BODIES)
    except ImportFailed as e:
        assert e.reason
        return
    assert draft.fields["number"] and isinstance(draft.fields["session"], date)
    assert all(a["value"] >= 0 for a in draft.fields.get("amounts", []))


@settings(max_examples=300, deadline=None)
@given(st.text(st.characters(codec="utf-8", exclude_categories=["Cs"]), min_size=1, max_size=200))
def test_escaped_text_never_becomes_markup(line):
    page = html.fromstring(f"<div>{markdown_to_html(layout.escape(' '.join(line.split())))}</div>")
    assert {el.tag for el in page.iter()} <= {"div", "p", "a"}
    for link in page.iter("a"):  # a web or mail address is a link to the address it shows
        assert link.text_content() in link.get("href")
