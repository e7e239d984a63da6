"""Real objects for every path parameter of the API: an assessed high-risk incident, its
authority duty, filing, notice, campaign and import, an alert, a party, an authority, a
calendar feed token. Used by the schema fuzzing and by the file-download checks, which walk
every operation of the schema."""

from datetime import timedelta

from django.test import Client
from django.utils import timezone

from incidents.models import Authority, Obligation
from incidents.services.assessments import assessment_compute
from incidents.services.incidents import incident_create
from incidents.services.lifecycle import incident_transition
from incidents.services.parties import party_create
from notifications.campaigns.services import campaign_create, campaign_import_rows
from notifications.filings.services import filing_create
from notifications.notices.services import notice_draft
from notifications.services import calendar_token_rotate


def _facts(now) -> dict:
    """A high-risk breach known for a day: authority and individuals' duties, notices."""
    return {
        "title": "Fuzz target: shop customer database copied",
        "aware_at": now - timedelta(hours=24),
        "detected_at": now - timedelta(hours=26),
        "countries": ["DE", "NO"],
        "residents": {"DE": 4000, "NO": 1200},
        "breach_types": ["confidentiality"],
        "cause": "malicious_external",
        "data_categories": ["contact", "credentials", "payment_card"],
        "credentials_protection": "weak_hash",
        "subject_categories": ["customers"],
        "identifiability": "direct",
        "exposure": "exfiltrated",
        "data_protection": "none",
    }


class World:
    """The objects the operation's path names, built on first use."""

    def __init__(self, dpo, integration_token: str):
        self.dpo = dpo
        self.integration_token = integration_token
        self._ids: dict[str, object] = {}

    def _once(self, name: str, build):
        if name not in self._ids:
            self._ids[name] = build()
        return self._ids[name]

    def incident(self) -> int:
        def build() -> int:
            now = timezone.now()
            incident = incident_create(actor=self.dpo, data=_facts(now))
            incident_transition(incident_id=incident.pk, actor=self.dpo, to="assessing")
            assessment_compute(incident_id=incident.pk, actor=self.dpo)
            return incident.pk

        return self._once("incident", build)

    def obligation(self) -> int:
        """The authority duty (GDPR Art. 33)."""
        return self._once(
            "obligation",
            lambda: (
                Obligation.objects.filter(
                    incident_id=self.incident(), audience="supervisory_authority"
                )
                .order_by("pk")
                .values_list("pk", flat=True)[0]
            ),
        )

    def filing(self) -> int:
        return self._once(
            "filing",
            lambda: (
                filing_create(
                    incident_id=self.incident(),
                    obligation_id=self.obligation(),
                    phase="initial",
                    actor=self.dpo,
                ).pk
            ),
        )

    def notice(self) -> int:
        return self._once(
            "notice", lambda: notice_draft(incident_id=self.incident(), actor=self.dpo)[0].pk
        )

    def _campaign(self) -> tuple[int, int]:
        def build() -> tuple[int, int]:
            campaign = campaign_create(
                incident_id=self.incident(),
                actor=self.dpo,
                name="Fuzz notice",
                channels=["email"],
                content={"en": {"subject": "Notice", "text": "Dear {{ name }}, ..."}},
            )
            run = campaign_import_rows(
                campaign_id=campaign.pk,
                rows=[{"email": "r@example.com", "name": "R"}],
                actor=self.dpo,
            )
            return campaign.pk, run.pk

        return self._once("campaign", build)

    def alert(self) -> int:
        def build() -> int:
            response = Client().post(
                "/api/v1/alerts/generic/",
                data={"title": "Disk full", "dedup_key": "disk/1", "status": "firing"},
                content_type="application/json",
                headers={"Authorization": f"Bearer {self.integration_token}"},
            )
            assert response.status_code == 202, response.content
            return response.json()["alert"]

        return self._once("alert", build)

    def party(self) -> int:
        return self._once(
            "party",
            lambda: (
                party_create(
                    actor=self.dpo,
                    data={"kind": "customer", "name": "Kunde AG", "notice_hours": 36},
                ).pk
            ),
        )

    def path_parameters(self, path: str, generated: dict) -> dict:
        """Real values for the path's parameters (those it has; the rest stay generated)."""
        values = dict(generated)
        owner = path.split("/")[3]  # /api/v1/<owner>/...
        by_owner = {
            "incidents": self.incident,
            "alerts": self.alert,
            "filings": self.filing,
            "notices": self.notice,
            "obligations": self.obligation,
            "parties": self.party,
            "campaigns": lambda: self._campaign()[0],
        }
        if "id" in values and owner in by_owner:
            values["id"] = by_owner[owner]()
        if "seq" in values:
            values["seq"] = 1
        if "import_id" in values:
            values["import_id"] = self._campaign()[1]
        if "source" in values:
            values["source"] = "generic"
        if "code" in values and owner == "authorities":
            values["code"] = Authority.objects.order_by("code").values_list("code", flat=True)[0]
        if "token" in values and owner == "calendar":
            values["token"] = self._once(
                "calendar", lambda: calendar_token_rotate(user=self.dpo)[1]
            )
        return values
