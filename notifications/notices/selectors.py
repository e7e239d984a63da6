"""Reads for notices: organisation-wide (one organisation per installation)."""

from django.db.models import Prefetch, QuerySet

from breachdesk.errors import DomainError
from incidents.models import Obligation

from .models import Notice, NoticeVersion


def notice_list() -> QuerySet[Notice]:
    return Notice.objects.select_related("incident", "approved_version").prefetch_related(
        Prefetch("obligations", queryset=Obligation.objects.select_related("rule").order_by("id"))
    )


def notices_of_incident(incident_id: int) -> QuerySet[Notice]:
    return notice_list().filter(incident_id=incident_id)


def notice_get(notice_id: int) -> Notice:
    try:
        return notice_list().get(pk=notice_id)
    except Notice.DoesNotExist as exc:
        raise DomainError("Notice not found.", code="not_found", status=404) from exc


def notice_current_version(notice: Notice) -> NoticeVersion:
    return notice.versions.order_by("-number").first()


def notice_version(notice: Notice, number: int | None) -> NoticeVersion:
    """A given version, or the current one when `number` is None."""
    if number is None:
        return notice_current_version(notice)
    version = notice.versions.filter(number=number).first()
    if version is None:
        raise DomainError(
            f"Notice {notice.pk} has no version {number}.", code="not_found", status=404
        )
    return version


def notice_by_token(token: str) -> Notice | None:
    return notice_list().filter(public_token=token).first()
