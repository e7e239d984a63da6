"""One version's content, in one language, as an ordered list of sections.

Every rendition (e-mail, letter, page, mail-merge CSV, SMS) is built from `compose()`, so the
prescribed format holds by construction: the title "Notice of Data Breach" and California's
headings come from incidents/rules/content (fmt_title_notice_of_data_breach,
fmt_ca_headings), in that order, followed by "Other Important Information" (the model form's
block) before "For More Information". A heading is dropped only when a prohibition of the
variant forbids its content (Massachusetts: not_nature_of_breach).

Author text falls back to the default language where a language has none; each paragraph
records the language it is actually in, so renditions can mark it (lang attribute) and the
drafter sees a warning (see `language_warnings`).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from django.utils import formats, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from breachdesk.timeutils import parse_aware
from incidents.rules.content import catalogue

from . import strings
from .drafting import OTHER_LANGUAGE, unread_countries
from .library import us_contacts
from .models import RTL_LANGUAGES

#: Author-written blocks (fed_by "user"): text per language, with fallback.
AUTHOR_BLOCKS = (
    "what_happened",
    "law_enforcement_delay",
    "likely_consequences",
    "measures_taken",
    "measures_proposed",
    "credit_monitoring_offer",
    "services_offered",
    "reasons_for_delay",
)

#: Fixed template blocks and their text (counsel-approved wording, translated).
TEMPLATE_TEXT = {
    "password_reset": gettext_noop(
        "Change your password and security questions here and on every other account "
        "where you use the same password."
    ),
    "vigilance_advice": gettext_noop(
        "Review your account statements and check your free credit reports for activity "
        "you do not recognise."
    ),
    "fraud_alert_freeze_statement": gettext_noop(
        "You can get information about fraud alerts and security freezes from the Federal "
        "Trade Commission and the credit bureaus listed here."
    ),
    "security_freeze_instructions": gettext_noop(
        "A security freeze is free. Ask each credit bureau for it separately, online, by "
        "phone or by mail. Give your full name, address, date of birth and Social Security "
        "number."
    ),
    "police_report_right": gettext_noop(
        "You have the right to get a police report about this breach. If you are a victim of "
        "identity theft, you can file a police report and get a copy."
    ),
    "fcra_rights": gettext_noop(
        "The Fair Credit Reporting Act gives you rights, such as a free copy of your credit "
        "report and correction of wrong information. See www.consumerfinance.gov."
    ),
    "right_to_complain": gettext_noop(
        "You have the right to complain to a data protection authority."
    ),
    "state_agency_contact": gettext_noop(
        "For help with identity theft, contact the Federal Trade Commission or your state "
        "Attorney General."
    ),
}

#: Which element codes each section shows, in order (codes not in the version are skipped).
SECTIONS: tuple[tuple[str, tuple[str, ...]], ...] = (
    (
        "what_happened",
        ("what_happened", "date_of_breach", "date_discovered", "law_enforcement_delay"),
    ),
    ("information", ("data_involved", "likely_consequences")),
    (
        "doing",
        (
            "measures_taken",
            "measures_proposed",
            "credit_monitoring_offer",
            "services_offered",
            "reasons_for_delay",
        ),
    ),
    (
        "you_can_do",
        (
            "what_you_can_do",
            "password_reset",
            "vigilance_advice",
            "credit_bureaus",
            "ftc_contact",
            "fraud_alert_freeze_statement",
            "security_freeze_instructions",
            "police_report_right",
            "fcra_rights",
            "state_agency_contact",
        ),
    ),
    ("other", ("phishing", "right_to_complain")),
    ("more", ("contact_point",)),
)

_HEADING_OF_SECTION = {
    "what_happened": 0,
    "information": 1,
    "doing": 2,
    "you_can_do": 3,
    "more": 4,
}

#: Merge fields the sending step fills per recipient (docs/notices.md).
MERGE_FIELDS = ("name",)


def merge_field(name: str) -> str:
    return f"[[{name}]]"


@dataclass
class Paragraph:
    code: str
    text: str = ""
    lang: str = ""
    items: list[str] = field(default_factory=list)
    fallback: bool = False


@dataclass
class Section:
    key: str
    heading: str
    paragraphs: list[Paragraph]


@dataclass
class Composed:
    lang: str
    rtl: bool
    title: str
    organisation: str
    date_line: str
    salutation: str
    sections: list[Section]
    contact_lines: list[str]
    sms_url: str = ""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Composed:
        sections = [
            Section(s["key"], s["heading"], [Paragraph(**p) for p in s["paragraphs"]])
            for s in data["sections"]
        ]
        return cls(**{**data, "sections": sections})


def _headings() -> tuple[str, ...]:
    return catalogue()["fmt_ca_headings"].headings


def _title() -> str:
    return catalogue()["fmt_title_notice_of_data_breach"].text or strings.TITLE


def _date(value: str | None) -> str:
    if not value:
        return ""
    moment: datetime = parse_aware(value, field="date")
    return formats.date_format(moment.date(), "DATE_FORMAT")


def author_text(content: dict[str, Any], code: str, lang: str) -> tuple[str, str, bool]:
    """(text, its language, fell back?) for an author block in `lang`."""
    texts = content.get("blocks", {}).get(code) or {}
    text = (texts.get(lang) or "").strip()
    if text:
        return text, lang, False
    default = content.get("default_language", "en")
    text = (texts.get(default) or "").strip()
    return text, default, bool(text)


def advice_text(step: dict[str, Any], lang: str, default: str) -> tuple[str, str, bool]:
    """(text, its language, fell back?) of an advice step or phishing line."""
    texts = step.get("text", {})
    for candidate in (lang, default, "en"):
        text = (texts.get(candidate) or "").strip()
        if text:
            return text, candidate, candidate != lang
    return "", lang, False


def advice_for_language(content: dict[str, Any], lang: str) -> list[dict[str, Any]]:
    """Advice steps for readers of `lang`: steps for every country, plus those for the
    countries whose people read this language (content["audiences"])."""
    countries = {c.split("-")[0] for c in content.get("audiences", {}).get(lang, [])}
    out = []
    for step in content.get("advice", []):
        wanted = set(step.get("countries") or ["ALL"])
        if "ALL" in wanted or not countries or wanted & countries:
            out.append(step)
    return out


def contact_lines(content: dict[str, Any]) -> list[str]:
    contact = content.get("contact", {})
    lines = []
    if contact.get("name"):
        lines.append(contact["name"])
    labels = (
        ("email", _("E-mail")),
        ("phone", _("Phone")),
        ("toll_free", _("Toll-free")),
        ("website", _("Website")),
        ("postal_address", _("Address")),
    )
    for key, label in labels:
        if contact.get(key):
            lines.append(f"{label}: {contact[key]}")
    return lines


def _registry_items(code: str) -> list[str]:
    registry = us_contacts()
    if code == "credit_bureaus":
        return [
            f"{b['name']}: {b['phone']}, {b['address']}, {b['website']}"
            for b in registry["credit_bureaus"]
        ]
    ftc = registry["ftc"]
    return [f"{ftc['name']}: {ftc['phone']}, {ftc['address']}, {ftc['website']}"]


def _paragraph(content: dict[str, Any], code: str, lang: str) -> Paragraph | None:
    facts = content.get("facts", {})
    default = content.get("default_language", "en")
    if code in AUTHOR_BLOCKS:
        if code in content.get("not_determined", []):
            return None
        text, used, fallback = author_text(content, code, lang)
        return Paragraph(code, text, used, fallback=fallback) if text else None
    if code == "date_of_breach":
        start, end = _date(facts.get("occurred_from")), _date(facts.get("occurred_to"))
        if start and end and start != end:
            text = _("It happened between %(start)s and %(end)s.") % {"start": start, "end": end}
        elif start or end:
            text = _("It happened on %(date)s.") % {"date": start or end}
        else:
            return None
        return Paragraph(code, text, lang)
    if code == "date_discovered":
        when = _date(facts.get("discovered_at"))
        return (
            Paragraph(code, _("We found out on %(date)s.") % {"date": when}, lang) if when else None
        )
    if code == "data_involved":
        categories = facts.get("data_categories", [])
        items = [
            _(strings.DATA_CATEGORY_LABELS[c])
            for c in categories
            if c in strings.DATA_CATEGORY_LABELS
        ]
        if not items:
            return None
        text = _("The breach involved the following information about you:")
        protection = facts.get("credentials_protection")
        paragraph = Paragraph(code, text, lang, items=items)
        if "credentials" in categories and protection in strings.CREDENTIALS_PROTECTION:
            paragraph.items.append(_(strings.CREDENTIALS_PROTECTION[protection]))
        return paragraph
    if code == "what_you_can_do":
        items, any_fallback = [], False
        for step in advice_for_language(content, lang):
            text, _used, fallback = advice_text(step, lang, default)
            any_fallback = any_fallback or fallback
            if text:
                items.append(text)
        if not items:
            return None
        return Paragraph(
            code, _("We recommend that you:"), lang, items=items, fallback=any_fallback
        )
    if code in ("credit_bureaus", "ftc_contact"):
        lead = (
            _("You can contact the nationwide credit bureaus:")
            if code == "credit_bureaus"
            else _("You can contact the Federal Trade Commission:")
        )
        return Paragraph(code, lead, lang, items=_registry_items(code))
    if code == "phishing":
        lines = [advice_text(line, lang, default)[0] for line in content.get("phishing", [])]
        lines = [line for line in lines if line]
        if not lines:
            return None
        return Paragraph(code, _("How to spot a fake message:"), lang, items=lines)
    if code in TEMPLATE_TEXT:
        return Paragraph(code, _(TEMPLATE_TEXT[code]), lang)
    if code == "contact_point":
        lines = contact_lines(content)
        lead = _("If you have questions, contact us:")
        return Paragraph(code, lead, lang, items=lines) if lines else None
    return None


def compose(
    content: dict[str, Any], lang: str, *, date_of_notice: datetime | None = None
) -> Composed:
    """The document in `lang`, with the prescribed title and headings in order."""
    shown = set(content.get("elements", [])) | {"phishing", "contact_point"}
    prohibited = set(content.get("prohibited", []))
    if "not_nature_of_breach" in prohibited:
        shown -= {"what_happened", "date_of_breach", "date_discovered", "law_enforcement_delay"}
    with translation.override(lang):
        headings = _headings()
        sections: list[Section] = []
        for key, codes in SECTIONS:
            if key == "what_happened" and "not_nature_of_breach" in prohibited:
                continue
            paragraphs = [
                p for code in codes if code in shown and (p := _paragraph(content, code, lang))
            ]
            index = _HEADING_OF_SECTION.get(key)
            heading = _(headings[index]) if index is not None else _(strings.HEADINGS[key])
            if paragraphs or index is not None:
                sections.append(Section(key, heading, paragraphs))
        date_text = (
            formats.date_format(date_of_notice.date(), "DATE_FORMAT") if date_of_notice else ""
        )
        organisation = content.get("organisation", {}).get("name", "")
        return Composed(
            lang=lang,
            rtl=lang in RTL_LANGUAGES,
            title=_(_title()),
            organisation=organisation,
            date_line=date_text,
            salutation=_("Dear %(name)s,") % {"name": merge_field("name")},
            sections=sections,
            contact_lines=contact_lines(content),
        )


def language_warnings(content: dict[str, Any]) -> list[dict[str, Any]]:
    """Where a recipient language has no author text and the default language is shown."""
    default = content.get("default_language", "en")
    titles = {code: catalogue()[code].title for code in AUTHOR_BLOCKS if code in catalogue()}
    out = []
    for lang, countries in unread_countries(content).items():
        wanted = sorted({OTHER_LANGUAGE.get(c.split("-")[0].upper(), "?") for c in countries})
        out.append(
            {
                "language": lang,
                "block": "languages",
                "countries": countries,
                "message": f"People in {', '.join(countries)} get this notice in {lang}, which "
                f"they may not read (their language: {', '.join(wanted)}; BreachDesk has no "
                "text in it). Have it translated before sending (EDPB Guidelines 9/2022 III.C).",
            }
        )
    for lang in content.get("languages", []):
        if lang == default:
            continue
        for code in AUTHOR_BLOCKS:
            if code not in content.get("elements", []) or code in content.get("not_determined", []):
                continue
            _text, used, fallback = author_text(content, code, lang)
            if fallback:
                out.append(
                    {
                        "language": lang,
                        "block": code,
                        "message": f"No {lang} text for \u201c{titles.get(code, code)}\u201d: "
                        f"the {used} text is shown instead.",
                    }
                )
        missing = [
            s["id"]
            for s in advice_for_language(content, lang)
            if not (s.get("text", {}).get(lang) or "").strip()
        ]
        if missing:
            out.append(
                {
                    "language": lang,
                    "block": "what_you_can_do",
                    "message": f"{len(missing)} advice step(s) have no {lang} text: the "
                    f"{default} text is shown instead ({', '.join(missing)}).",
                }
            )
    return out


def plain_blocks(content: dict[str, Any], lang: str) -> list[tuple[str, str]]:
    """The text written in `lang` as (block, text) pairs, for the plain-language check
    (text shown from the fallback language is checked in that language, not here)."""
    composed = compose(content, lang)
    skip = {"credit_bureaus", "ftc_contact", "contact_point", "what_you_can_do"}
    out: list[tuple[str, str]] = []
    for section in composed.sections:
        for paragraph in section.paragraphs:
            if paragraph.lang != lang or paragraph.code in skip:
                continue
            if paragraph.text:
                out.append((paragraph.code, paragraph.text))
            out += [(f"{paragraph.code}[{i}]", item) for i, item in enumerate(paragraph.items)]
    for step in advice_for_language(content, lang):
        text = (step.get("text", {}).get(lang) or "").strip()
        if text:
            out.append((f"advice:{step['id']}", text))
    return out
