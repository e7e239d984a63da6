"""Roles are groups with permissions, kept in sync after every migrate."""

from django.contrib.auth.models import Group, Permission

VIEWER = [
    "incidents.view_incident",
    "notifications.view_campaign",
    "incidents.view_incidentevent",
    "incidents.view_assessment",
    "incidents.view_obligation",
    "incidents.view_organization",
    "incidents.view_authority",
    "incidents.view_ruleversion",
    "incidents.view_party",
    "incidents.view_internaltarget",
    "intake.view_alert",
    "intake.view_integration",
    "notices.view_notice",
    "notices.view_noticeversion",
    "filings.view_filing",
    "filings.view_filingversion",
    "filings.view_correspondence",
]
ANALYST = [
    *VIEWER,
    "incidents.add_incident",
    "incidents.change_incident",
    "incidents.triage_incident",
    "incidents.assess_incident",
    "notices.add_notice",
    "notices.change_notice",
    "filings.add_filing",
    "filings.change_filing",
    "filings.add_correspondence",
]
DPO = [
    *ANALYST,
    "incidents.decide_incident",
    "incidents.override_assessment",
    "incidents.manage_obligations",
    "incidents.export_register",
    "incidents.archive_incident",
    "incidents.view_auditentry",
    "incidents.change_organization",
    "incidents.add_party",
    "incidents.change_party",
    "incidents.delete_party",
    "incidents.change_internaltarget",
    "incidents.change_authority",
    "notifications.view_outboxmessage",
    "notifications.view_oncallcontact",
    "notifications.add_oncallcontact",
    "notifications.change_oncallcontact",
    "notifications.view_escalationladder",
    "notifications.change_escalationladder",
    "notifications.view_reminderattempt",
    "notices.approve_notice",
    "notifications.add_campaign",
    "notifications.send_campaign",
    "notifications.export_letters",
    "notifications.view_delivery",
    "notifications.view_importrun",
    "notifications.view_outboundmessage",
    "notifications.change_outboundmessage",  # settle a message whose outcome is unknown
    "notifications.view_receiptevent",
    "filings.submit_filing",
]
ADMIN_APPS = (
    "incidents",
    "intake",
    "notifications",
    "notices",
    "filings",
    "auth",
    "django_q",
    "authtoken",
    "axes",
)

ROLES: dict[str, list[str] | None] = {
    "viewer": VIEWER,
    "analyst": ANALYST,
    "dpo": DPO,
    "admin": None,  # every permission of ADMIN_APPS
    "integration": [],  # machine principals: alert intake only, no model permissions
}


def _permissions(names: list[str]) -> list[Permission]:
    wanted = {tuple(name.split(".", 1)) for name in names}
    return [
        p
        for p in Permission.objects.select_related("content_type")
        if (p.content_type.app_label, p.codename) in wanted
    ]


def roles_sync(**kwargs) -> None:
    """Create the role groups and set their permissions (idempotent)."""
    for name, perms in ROLES.items():
        group, _ = Group.objects.get_or_create(name=name)
        if perms is None:
            chosen = list(Permission.objects.filter(content_type__app_label__in=ADMIN_APPS))
        else:
            chosen = _permissions(perms)
        group.permissions.set(chosen)
