"""What a campaign sends: one rendition per channel and language, filled per recipient.

A rendition's texts carry `{{field}}` placeholders (name and the import's merge fields);
in HTML they are `{{field__html}}`, filled with the HTML-escaped value. The source is the
campaign's approved notice version (`notices.render`, whose `[[field]]` merge fields become
placeholders), else the campaign's own `content` ({language: {subject, text, html, sms}}).
"""

import re
from collections.abc import Mapping
from html import escape

from breachdesk.errors import DomainError
from notifications.models import Campaign, Rendition
from notifications.notices.document import merge_field
from notifications.notices.render import render

PLACEHOLDER = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}")


def placeholders(*texts: str) -> list[str]:
    """The merge fields the texts use, in order of first use."""
    seen: dict[str, None] = {}
    for text in texts:
        for match in PLACEHOLDER.finditer(text or ""):
            seen.setdefault(match.group(1), None)
    return list(seen)


def token(field: str) -> str:
    """The literal placeholder as it appears in a stored rendition (SendGrid substitutes it)."""
    return "{{" + field + "}}"


HTML_SUFFIX = "__html"


def normalise(text: str, *, html: bool = False) -> str:
    """`{{ name }}` -> `{{name}}` (`{{name__html}}` in HTML), exact tokens to substitute."""
    suffix = HTML_SUFFIX if html else ""
    return PLACEHOLDER.sub(lambda m: token(m.group(1) + suffix), text or "")


def fill(text: str, values: Mapping[str, str]) -> str:
    """Replace placeholders with the recipient's values (missing values become empty)."""
    return PLACEHOLDER.sub(lambda m: str(values.get(m.group(1), "")), text)


def recipient_values(contact: Mapping | None) -> dict[str, str]:
    if not contact:
        return {}
    return {"name": contact.get("name", ""), **contact.get("fields", {})}


def substitutions(fields: list[str], values: Mapping[str, str], *, html: bool) -> dict[str, str]:
    """SendGrid substitutions for one recipient: plain tokens, and escaped ones for HTML."""
    out = {token(f): str(values.get(f, "")) for f in fields}
    if html:
        out.update({token(f + HTML_SUFFIX): escape(str(values.get(f, ""))) for f in fields})
    return out


def notice_language(languages: list[str], wanted: str, default: str) -> str:
    """The recipient's language if the notice has it, else its base language, else default."""
    for candidate in (wanted, wanted.split("-")[0], default, default.split("-")[0]):
        if candidate in languages:
            return candidate
    return languages[0]


def _notice_texts(campaign: Campaign, channel: str, language: str) -> tuple[dict, str]:
    version = campaign.notice_version
    chosen = notice_language(list(version.languages), language, campaign.default_language)
    rendition = render(version, channel, chosen)
    texts = {
        "subject": rendition.subject,
        "text": rendition.text,
        "html": rendition.html,
        "sms": rendition.sms_text,
    }
    # [[name]] (the notice's merge fields) -> {{name}} (the campaign's placeholders)
    for field in rendition.merge_fields:
        for key, value in texts.items():
            texts[key] = value.replace(merge_field(field), token(field))
    return texts, f"notice-version:{version.pk}:{chosen}"


def _source_texts(campaign: Campaign, channel: str, language: str) -> tuple[dict, str]:
    """(texts, source label) for one channel and language; falls back to the default language."""
    if campaign.notice_version_id:
        return _notice_texts(campaign, channel, language)
    content = campaign.content or {}
    chosen = language if language in content else campaign.default_language
    texts = content.get(chosen)
    if not isinstance(texts, dict):
        raise DomainError(
            f"The campaign has no {channel} text in {language!r} or its default language "
            f"{campaign.default_language!r}.",
            field="content",
            status=409,
        )
    return texts, f"campaign:{chosen}"


def rendition_for(*, campaign: Campaign, channel: str, language: str) -> Rendition:
    """The stored rendition for (channel, language), created once from the source."""
    existing = Rendition.objects.filter(
        campaign=campaign, channel=channel, language=language
    ).first()
    if existing is not None:
        return existing
    texts, source = _source_texts(campaign, channel, language)
    if channel == "sms":
        subject, text, html = "", normalise(texts.get("sms") or texts.get("text", "")), ""
    else:
        subject = normalise(texts.get("subject", ""))
        text = normalise(texts.get("text", ""))
        html = normalise(texts.get("html", ""), html=True)
    if not text.strip():
        raise DomainError(
            f"The {channel} text in {language!r} is empty.", field="content", status=409
        )
    rendition, _ = Rendition.objects.get_or_create(
        campaign=campaign,
        channel=channel,
        language=language,
        defaults={
            "subject": subject[:300],
            "text": text,
            "html": html,
            "fields": placeholders(subject, text, normalise(texts.get("html", ""))),
            "source": source,
        },
    )
    return rendition
