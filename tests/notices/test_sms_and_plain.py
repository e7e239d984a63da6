"""Pure parts: SMS segment counting and the plain-language checker."""

import pytest

from notifications.notices.plain import check, sentences
from notifications.notices.sms import sms_length


@pytest.mark.parametrize(
    ("text", "encoding", "segments"),
    [
        ("", "GSM-7", 0),
        ("a" * 160, "GSM-7", 1),
        ("a" * 161, "GSM-7", 2),
        ("a" * 306, "GSM-7", 2),
        ("a" * 307, "GSM-7", 3),
        ("€" * 80, "GSM-7", 1),  # extension characters count twice
        ("€" * 81, "GSM-7", 2),
        ("Grüße aus Köln, ÆØÅ æøå", "GSM-7", 1),  # German and Norwegian letters are GSM-7
        ("ç" + "a" * 69, "UCS-2", 1),  # one non-GSM character switches the whole message
        ("ç" + "a" * 70, "UCS-2", 2),
        ("Καλημέρα" * 25, "UCS-2", 3),
        ("مرحبا" * 41, "UCS-2", 4),
        ("😀" * 35, "UCS-2", 1),  # an emoji is two UTF-16 units
    ],
)
def test_sms_length(text, encoding, segments):
    result = sms_length(text)
    assert (result.encoding, result.segments) == (encoding, segments)


def test_greek_sms_preview_counts_ucs2_and_warns_above_three_segments(api, incident):
    from incidents.models import Organization

    org = Organization.objects.get()
    org.legal_name = "Ελληνική Εταιρεία Ηλεκτρονικού Εμπορίου και Υπηρεσιών Πληρωμών " * 2
    org.save()
    drafted = (
        api["analyst"]
        .post(f"/api/v1/incidents/{incident}/notices/", {"languages": ["en", "el"]}, format="json")
        .json()
    )
    sms = (
        api["viewer"].get(f"/api/v1/notices/{drafted[0]['id']}/preview/?channel=sms&lang=el").json()
    )
    assert sms["sms"]["encoding"] == "UCS-2"
    assert sms["sms"]["segments"] > 3
    assert "segments" in sms["warnings"][0]
    en = api["viewer"].get(f"/api/v1/notices/{drafted[0]['id']}/preview/?channel=sms&lang=en")
    assert en.json()["sms"]["encoding"] == "UCS-2"  # the Greek organisation name


def test_sentences_split_on_arabic_question_mark_and_newlines():
    assert sentences("أين البيانات؟ لا نعرف.\nسطر جديد") == [
        "أين البيانات؟",
        "لا نعرف.",
        "سطر جديد",
    ]


def test_long_sentences_and_average():
    long = " ".join(["word"] * 26) + "."
    result = check([("b", long)], "en")
    kinds = [w["kind"] for w in result["warnings"]]
    assert "very_long_sentence" in kinds
    assert "average_sentence_length" in kinds
    medium = " ".join(["word"] * 22) + "."
    assert next(w["kind"] for w in check([("b", medium)], "en")["warnings"]) == "long_sentence"


def test_vague_qualifiers_only_from_three():
    two = check([("b", "Some data may be affected. We fixed it.")], "en")
    assert not [w for w in two["warnings"] if w["kind"] == "vague_qualifier"]
    three = check([("b", "Some data may be affected. It might be possible.")], "en")
    assert [w["sentence_index"] for w in three["warnings"] if w["kind"] == "vague_qualifier"] == [
        0,
        1,
    ]


@pytest.mark.parametrize(
    ("lang", "text", "passive"),
    [
        ("en", "Your data was stolen.", True),
        ("en", "Criminals stole your data.", False),
        ("de", "Ihre Daten wurden kopiert.", True),
        ("de", "Kriminelle haben Ihre Daten kopiert.", False),
        ("fr", "Vos données ont été copiées.", True),
        ("es", "Sus datos fueron copiados.", True),
        ("nb", "Opplysningene ble kopiert.", True),
        ("nb", "Kriminelle kopierte opplysningene.", False),
    ],
)
def test_passive_voice(lang, text, passive):
    result = check([("b", text)], lang)
    assert ("passive_voice" in [w["kind"] for w in result["warnings"]]) is passive


def test_passive_not_detectable_for_greek_and_arabic():
    assert check([("b", "Οι εγκληματίες πήραν δεδομένα.")], "el")["passive_detectable"] is False  # noqa: RUF001
    assert check([("b", "سُرقت البيانات.")], "ar")["passive_detectable"] is False


@pytest.mark.parametrize(
    ("lang", "text", "term"),
    [
        ("en", "We found malware and CVE-2024-1234 on a server.", "malware"),
        ("en", "We found CVE-2024-1234 on a server.", "CVE-2024-1234"),
        ("de", "Die Angreifer nutzten eine Schwachstelle.", "Angreifer"),
        ("fr", "Un rançongiciel a chiffré nos fichiers.", "rançongiciel"),
        ("nb", "En trusselaktør fikk tilgang.", "trusselaktør"),
        ("es", "Hubo una exfiltración de datos.", "exfiltración"),
        ("el", "Βρέθηκε κακόβουλο λογισμικό.", "κακόβουλο λογισμικό"),
        ("ar", "اكتشفنا ثغرة أمنية في النظام.", "ثغرة أمنية"),
    ],
)
def test_jargon_per_language(lang, text, term):
    messages = [
        w["message"] for w in check([("b", text)], lang)["warnings"] if w["kind"] == "jargon"
    ]
    assert any(term in m for m in messages), messages


def test_readability_targets_warn_only_below_target():
    easy = check([("b", "We lost your data. We are sorry. Change your password.")], "en")
    assert easy["readability"]["ok"] is True
    assert "readability" not in [w["kind"] for w in easy["warnings"]]
    hard = check(
        [
            (
                "b",
                "Unauthorised exfiltration necessitated comprehensive organisational "
                "remediation initiatives.",
            )
        ],
        "en",
    )
    assert hard["readability"]["ok"] is False
    assert "readability" in [w["kind"] for w in hard["warnings"]]
    assert check([("b", "حدث خرق للبيانات.")], "ar")["readability"]["target"] is None
