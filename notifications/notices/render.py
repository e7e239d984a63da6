"""Renditions of a notice version: e-mail, SMS, letter (PDF), mail-merge CSV, public page.

The stable interface for sending (docs/notices.md): `render(version, channel, lang)` returns a
`Rendition`; per-recipient values are merge fields written `[[name]]` (document.MERGE_FIELDS),
which `merge(text, values)` fills (HTML-escaped where the text is HTML). Only an approved
version may be sent; `render()` itself renders any version so drafts can be previewed.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import datetime
from html import escape
from typing import Any

from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from breachdesk.errors import InvalidInput
from breachdesk.timeutils import now_utc
from incidents.rules.content import catalogue
from notifications.documents import MIN_POINTS, html_to_pdf

from .document import MERGE_FIELDS, Composed, compose, merge_field
from .models import CHANNELS, LANGUAGES, NoticeVersion
from .sms import MAX_SEGMENTS, sms_length

RENDER_CHANNELS = (*CHANNELS, "csv")


@dataclass
class Rendition:
    """One channel of one version in one language. Unused fields stay empty."""

    channel: str
    lang: str
    version: int
    approved: bool
    subject: str = ""
    text: str = ""
    html: str = ""
    sms_text: str = ""
    sms: dict[str, Any] = field(default_factory=dict)
    pdf: bytes = b""
    csv: str = ""
    warnings: list[str] = field(default_factory=list)
    merge_fields: tuple[str, ...] = MERGE_FIELDS

    def to_dict(self) -> dict[str, Any]:
        return {
            "channel": self.channel,
            "language": self.lang,
            "version": self.version,
            "approved": self.approved,
            "subject": self.subject,
            "text": self.text,
            "html": self.html,
            "sms_text": self.sms_text,
            "sms": self.sms,
            "warnings": self.warnings,
            "merge_fields": [merge_field(name) for name in self.merge_fields],
        }


def merge(text: str, values: dict[str, str], *, html: bool = False) -> str:
    """Fill the merge fields of a rendered text with one recipient's values."""
    for name in MERGE_FIELDS:
        value = values.get(name, "")
        text = text.replace(merge_field(name), escape(value) if html else value)
    return text


def public_url(version: NoticeVersion, lang: str | None = None) -> str:
    base = settings.BREACHDESK_BASE_URL.rstrip("/")
    url = base + reverse("notice-page", args=[version.notice.public_token])
    return f"{url}?lang={lang}" if lang else url


def _date_of_notice(version: NoticeVersion) -> datetime:
    return version.approved_at or now_utc()


def _composed(version: NoticeVersion, lang: str) -> Composed:
    if lang not in version.languages:
        raise InvalidInput(
            f"This notice has no {lang!r} version; its languages are "
            f"{', '.join(version.languages)}.",
            field="lang",
        )
    if lang in (version.frozen or {}):
        composed = Composed.from_dict(version.frozen[lang])  # the text the DPO approved
    else:
        composed = compose(version.content, lang, date_of_notice=_date_of_notice(version))
    composed.sms_url = public_url(version, lang)
    return composed


def _context(version: NoticeVersion, composed: Composed, **extra: Any) -> dict[str, Any]:
    return {
        "doc": composed,
        "version": version,
        "min_points": catalogue()["fmt_min_10pt"].min_points or MIN_POINTS,
        "page_url": composed.sms_url,
        **extra,
    }


def _plain_text(composed: Composed) -> str:
    lines = [
        composed.title.upper(),
        composed.organisation,
        composed.date_line,
        "",
        composed.salutation,
        "",
    ]
    for section in composed.sections:
        lines += [section.heading, "-" * len(section.heading)]
        for paragraph in section.paragraphs:
            if paragraph.text:
                lines.append(paragraph.text)
            lines += [f"- {item}" for item in paragraph.items]
            lines.append("")
        if not section.paragraphs:
            lines.append("")
    return "\n".join(line for line in lines).strip() + "\n"


def render_email(version: NoticeVersion, lang: str) -> Rendition:
    composed = _composed(version, lang)
    with translation.override(lang):
        subject = _("%(title)s: %(organisation)s") % {
            "title": composed.title,
            "organisation": composed.organisation,
        }
        html = render_to_string("notices/email.html", _context(version, composed))
    return Rendition(
        "email",
        lang,
        version.number,
        version.is_approved,
        subject=subject,
        text=_plain_text(composed),
        html=html,
    )


def render_sms(version: NoticeVersion, lang: str) -> Rendition:
    composed = _composed(version, lang)
    with translation.override(lang):
        text = _(
            "%(organisation)s: we had a data breach that involves your data. "
            "Read what happened and what to do: %(url)s"
        ) % {"organisation": composed.organisation, "url": composed.sms_url}
    length = sms_length(text)
    warnings = []
    if length.segments > MAX_SEGMENTS:
        warnings.append(
            f"The SMS needs {length.segments} {length.encoding} segments (more than "
            f"{MAX_SEGMENTS}): shorten the organisation name or the link."
        )
    return Rendition(
        "sms",
        lang,
        version.number,
        version.is_approved,
        sms_text=text,
        text=text,
        sms=length.to_dict(),
        warnings=warnings,
    )


def letter_html(version: NoticeVersion, lang: str, *, sample: bool = False) -> str:
    composed = _composed(version, lang)
    with translation.override(lang):
        return render_to_string("notices/letter.html", _context(version, composed, sample=sample))


def render_letter(version: NoticeVersion, lang: str, *, sample: bool = False) -> Rendition:
    html = letter_html(version, lang, sample=sample)
    pdf = html_to_pdf(html)
    return Rendition("letter", lang, version.number, version.is_approved, html=html, pdf=pdf)


def render_page(version: NoticeVersion, lang: str, *, published: bool = False) -> Rendition:
    composed = _composed(version, lang)
    others = [code for code in version.languages if code != lang]
    with translation.override(lang):
        html = render_to_string(
            "notices/page.html",
            _context(version, composed, published=published, other_languages=others),
        )
    return Rendition("page", lang, version.number, version.is_approved, html=html)


def render_csv(version: NoticeVersion, lang: str | None = None) -> Rendition:
    """Mail-merge CSV of the letter fields: one row per language, merge fields as columns."""
    languages = [lang] if lang else list(version.languages)
    composed_all = [_composed(version, code) for code in languages]
    width = max(len(c.sections) for c in composed_all)
    header = ["language", "direction", *MERGE_FIELDS, "title", "organisation", "date", "salutation"]
    for index in range(1, width + 1):
        header += [f"heading_{index}", f"body_{index}"]
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    for composed in composed_all:
        row = [
            composed.lang,
            "rtl" if composed.rtl else "ltr",
            *(merge_field(n) for n in MERGE_FIELDS),
        ]
        row += [composed.title, composed.organisation, composed.date_line, composed.salutation]
        for section in composed.sections:
            body = []
            for paragraph in section.paragraphs:
                if paragraph.text:
                    body.append(paragraph.text)
                body += [f"- {item}" for item in paragraph.items]
            row += [section.heading, "\n".join(body)]
        row += [""] * (len(header) - len(row))
        writer.writerow(row)
    return Rendition("csv", lang or "*", version.number, version.is_approved, csv=buffer.getvalue())


def render(version: NoticeVersion, channel: str, lang: str) -> Rendition:
    """The stable entry point for previews and for sending."""
    if channel not in RENDER_CHANNELS:
        raise InvalidInput(f"channel must be one of {', '.join(RENDER_CHANNELS)}.", field="channel")
    if lang not in LANGUAGES:
        raise InvalidInput(f"lang must be one of {', '.join(LANGUAGES)}.", field="lang")
    if channel == "email":
        return render_email(version, lang)
    if channel == "sms":
        return render_sms(version, lang)
    if channel == "letter":
        return render_letter(version, lang)
    if channel == "csv":
        return render_csv(version, lang)
    return render_page(version, lang, published=version.notice.published_at is not None)


def sample_copy(version: NoticeVersion, lang: str = "en") -> bytes:
    """The sample an attorney general asks for: the letter with no personal data at all
    (merge fields show as placeholders, no recipient address), marked as a sample."""
    return render_letter(version, lang, sample=True).pdf
