"""The compiled catalogues cover every template string in every language, and the advice
library's translations name real steps."""

import pytest
from django.utils import translation
from django.utils.translation import gettext

from notifications.notices import strings
from notifications.notices.document import TEMPLATE_TEXT
from notifications.notices.library import advice_library, advice_translations
from notifications.notices.models import LANGUAGES

TRANSLATED = [lang for lang in LANGUAGES if lang != "en"]


def template_strings():
    out = [strings.TITLE, strings.GENERIC_CONSEQUENCE, strings.GENERIC_MEASURES_TAKEN]
    out.append(strings.GENERIC_MEASURES_PROPOSED)
    for table in (
        strings.HEADINGS,
        strings.DATA_CATEGORY_LABELS,
        strings.CREDENTIALS_PROTECTION,
        strings.CAUSES,
        strings.EXPOSURES,
        strings.CONSEQUENCES,
        strings.MITIGATIONS,
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
