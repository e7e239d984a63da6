"""Attachments of a filing: the sample notice an attorney general asks for (issue 11)."""

from __future__ import annotations

from breachdesk.errors import DomainError
from notifications.filings.models import Filing
from notifications.filings.selectors import filing_content
from notifications.notices.models import NoticeVersion
from notifications.notices.render import sample_copy


def sample_notice_version(filing: Filing) -> NoticeVersion:
    """The approved notice version the filing names, checked against the hash it recorded."""
    named = filing_content(filing).get("notice_copy")
    if not isinstance(named, dict):
        raise DomainError("This filing attaches no sample notice.", field="notice_copy")
    version = NoticeVersion.objects.filter(
        notice_id=named.get("notice"), number=named.get("version")
    ).first()
    if version is None or version.content_hash != named.get("content_hash"):
        raise DomainError(
            "The notice version this filing names is missing or differs from what was filed.",
            field="notice_copy",
        )
    return version


def sample_notice_pdf(filing: Filing) -> bytes:
    """The sample copy (no personal data) in the filing's language where the notice has it."""
    version = sample_notice_version(filing)
    languages = list(version.languages) or ["en"]
    language = filing.language if filing.language in languages else languages[0]
    return sample_copy(version, language)
