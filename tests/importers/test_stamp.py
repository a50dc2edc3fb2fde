"""The ACTES stamp, in the wordings transmission software prints."""

from datetime import date, datetime

from deliberations.importers import stamp

SEED_STAMP = ("Accusé de réception - Ministère de l'intérieur ID : 059-200093201-20220408-lmc100000090231-DE "
              "Acte certifié exécutoire Envoi préfecture le 15/04/2022 Retour préfecture le 15/04/2022\n\n"
              "Publié le 15/04/2022\n\n22-B-0183")


def test_ministry_wording_on_one_line():
    found = stamp.read(SEED_STAMP)
    assert found.actes_id == "059-200093201-20220408-lmc100000090231-DE"
    assert found.dates == {"sent": date(2022, 4, 15), "received": date(2022, 4, 15),
                           "published": date(2022, 4, 15)}
    assert found.text.split() == ["22-B-0183"]


def test_envoye_recu_wording_with_a_time_of_publication():
    found = stamp.read("Envoyé en préfecture le 16/05/2023\nReçu en préfecture le 17/05/2023\n"
                       "Publié le 18/05/2023 à 10h30\nID : 062-216200001-20230510-DEL2023_087-DE\nObjet : x")
    assert found.actes_id == "062-216200001-20230510-DEL2023_087-DE"
    assert found.dates == {"sent": date(2023, 5, 16), "received": date(2023, 5, 17),
                           "published": datetime(2023, 5, 18, 10, 30)}
    assert found.text.split() == ["Objet", ":", "x"]


def test_teletransmission_wording():
    found = stamp.read("Date de télétransmission : 05/12/2022\nDate de réception préfecture : 06/12/2022")
    assert found.dates == {"sent": date(2022, 12, 5), "received": date(2022, 12, 6)}
    assert not found.text.strip()


def test_stamp_glued_to_a_line_of_the_act_by_pdf_extraction():
    found = stamp.read("Envoyé en préfecture le 12/05/2023 COMMUNE DE TESTVILLE "
                       "Reçu en préfecture le 12/05/2023")
    assert found.dates == {"sent": date(2023, 5, 12), "received": date(2023, 5, 12)}
    assert found.text == "COMMUNE DE TESTVILLE"


def test_the_acts_own_sentences_are_not_stamp():
    text = ("Vu l'arrêté\npublié le 3 mars 2021 au recueil des actes administratifs ;\n"
            "l'arrêté publié le 3 mars 2021")
    found = stamp.read(text)
    assert found.dates == {}
    assert found.text == text


def test_a_date_cut_from_its_label_and_a_blank_publication():
    found = stamp.read("Reçu en préfecture le\n12/05/2023\nPublié le\n")
    assert found.dates == {"received": date(2023, 5, 12)}
    assert not found.text.strip()


def test_impossible_or_conflicting_dates_are_left_out_and_said():
    found = stamp.read("Envoi préfecture le 31/02/2022\nPublié le 15/04/2022\nPublié le 16/04/2022")
    assert found.dates == {}
    assert any("transmission.sent" in n and "31/02/2022" in n for n in found.notes)
    assert any(n.startswith("published: the stamp gives several dates") for n in found.notes)
