"""The compiled catalogues cover every template string in every language, and the advice
library's translations name real steps."""

import pytest
from django.utils import translation
from django.utils.translation import gettext

from incidents.vectors import VECTORS
from notifications.notices import strings
from notifications.notices.document import TEMPLATE_TEXT
from notifications.notices.library import advice_library, advice_translations
from notifications.notices.models import LANGUAGES

TRANSLATED = [lang for lang in LANGUAGES if lang != "en"]


def template_strings():
    out = [strings.TITLE, strings.GENERIC_CONSEQUENCE, strings.GENERIC_MEASURES_TAKEN]
    out += [strings.GENERIC_MEASURES_PROPOSED, strings.SUPPLIER, strings.SUPPLIER_NAMED]
    for table in (
        strings.HEADINGS,
        strings.DATA_CATEGORY_LABELS,
        strings.CREDENTIALS_PROTECTION,
        strings.CAUSES,
        strings.EXPOSURES,
        strings.CONSEQUENCES,
        strings.MITIGATIONS,
        strings.VECTORS,
        strings.SUPPLIER_CAUSES,
        strings.SUPPLIER_ATTACKS,
        strings.VECTOR_CAUSE_DETAILS,
        strings.DEVICE_PROTECTION,
        TEMPLATE_TEXT,
    ):
        out += list(table.values())
    return out


@pytest.mark.parametrize("lang", TRANSLATED)
def test_every_template_string_is_translated_in_the_compiled_catalogue(lang):
    with translation.override(lang):
        untranslated = [s for s in template_strings() if gettext(s) == s]
    assert untranslated == []


@pytest.mark.parametrize("lang", TRANSLATED)
def test_advice_translations_name_real_steps_and_cover_every_universal_step(lang):
    library = advice_library()
    ids = {s.id for s in library["steps"]} | {p.id for p in library["phishing"]}
    translated = advice_translations(lang)
    assert set(translated) <= ids
    everywhere = {s.id for s in library["steps"] if "ALL" in s.countries}
    everywhere |= {p.id for p in library["phishing"]}
    assert everywhere <= set(translated)


def test_every_vector_with_its_own_sentence_is_a_recorded_vector():
    assert set(strings.VECTORS) | {"supplier_breach", "other", "unknown"} == set(VECTORS)
