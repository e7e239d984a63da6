"""What a campaign sends: one rendition per channel and language, filled per recipient.

A rendition's texts carry `{{field}}` placeholders (name and the import's merge fields).
The source is the campaign's approved notice version when it has one, else the campaign's
own `content` ({language: {subject, text, html, sms}}).
"""

import re
from collections.abc import Mapping

from breachdesk.errors import DomainError
from notifications.models import Campaign, Rendition

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


def normalise(text: str) -> str:
    """`{{ name }}` -> `{{name}}`, so the provider substitutes exact tokens."""
    return PLACEHOLDER.sub(lambda m: token(m.group(1)), text or "")


def fill(text: str, values: Mapping[str, str]) -> str:
    """Replace placeholders with the recipient's values (missing values become empty)."""
    return PLACEHOLDER.sub(lambda m: str(values.get(m.group(1), "")), text)


def recipient_values(contact: Mapping | None) -> dict[str, str]:
    if not contact:
        return {}
    return {"name": contact.get("name", ""), **contact.get("fields", {})}


def _source_texts(campaign: Campaign, channel: str, language: str) -> tuple[dict, str]:
    """(texts, source label) for one channel and language; falls back to the default language."""
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
        text, html = normalise(texts.get("text", "")), normalise(texts.get("html", ""))
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
            "fields": placeholders(subject, text, html),
            "source": source,
        },
    )
    return rendition
