import base64
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django_otp.plugins.otp_totp.models import TOTPDevice

from breachdesk.timeutils import now_utc
from breachdesk.web.twofactor import api_token_issue
from incidents.intake.models import Integration
from incidents.intake.services import integration_create, integration_rotate_token
from incidents.models import Incident, Organization
from incidents.roles import roles_sync
from incidents.services.assessments import assessment_compute
from incidents.services.incidents import incident_create
from incidents.services.lifecycle import incident_transition
from incidents.services.parties import party_create

DEMO_USERS = (
    # username, role group, password (demo only: refused outside DEBUG unless --force)
    ("admin", "admin", "breachdesk-admin"),
    ("dpo", "dpo", "breachdesk-dpo"),
    ("analyst", "analyst", "breachdesk-analyst"),
    ("viewer", "viewer", "breachdesk-viewer"),
)
# DPO and admin accounts sign in with a TOTP code too. The demo accounts share the RFC 6238
# test secret so that a newcomer can add it to any authenticator app, or print the current
# code with `python manage.py totp_code dpo` (DEBUG only). Never use this outside a demo.
DEMO_TOTP_KEY = "3132333435363738393031323334353637383930"  # RFC 6238 test vector
DEMO_TOTP_SECRET = base64.b32encode(bytes.fromhex(DEMO_TOTP_KEY)).decode()  # as apps want it


class Command(BaseCommand):
    help = "Load a demo organisation, users (admin, dpo, analyst, viewer) and realistic incidents."

    def add_arguments(self, parser):
        parser.add_argument("--force", action="store_true", help="Allow outside DEBUG.")

    def handle(self, *args, force=False, **options):
        if not settings.DEBUG and not force:
            raise CommandError(
                "seed_demo creates well-known passwords; use it in dev only "
                "(or pass --force on a throw-away instance)."
            )
        roles_sync()
        users = {}
        user_model = get_user_model()
        for username, group, password in DEMO_USERS:
            user, _ = user_model.objects.get_or_create(
                username=username, defaults={"email": f"{username}@demo.breachdesk.local"}
            )
            user.set_password(password)
            user.is_staff = True
            user.is_superuser = group == "admin"
            user.save()
            user.groups.set([Group.objects.get(name=group)])
            if group in settings.BREACHDESK_2FA_GROUPS:
                TOTPDevice.objects.filter(user=user).delete()
                TOTPDevice.objects.create(
                    user=user, name="Demo authenticator", key=DEMO_TOTP_KEY, confirmed=True
                )
            users[username] = user
        Organization.objects.get_or_create(
            defaults=dict(
                legal_name="Nordlicht Gesundheit GmbH (demo)",
                role="both",  # controller for its patients, processor for partner practices
                country="DE",
                lead_authority="DE-BE",
                dpo_name="Dr. Jana Weber",
                dpo_email="dpo@demo.breachdesk.local",
                dpo_phone="+4930123456",
                sectors=["nis2_important"],
                languages=["de", "en"],
            )
        )
        if not Incident.objects.exists():
            with transaction.atomic():  # all demo incidents or none
                self._incidents(users)
        # The demo enrolled the dpo's authenticator itself (above), so the token it prints
        # counts as issued with the second factor (a DPO token without it is refused).
        token = api_token_issue(user=users["dpo"], second_factor_verified=True)
        alerts_token = self._integration()
        self.stdout.write(self.style.SUCCESS("Demo data ready."))
        for username, group, password in DEMO_USERS:
            self.stdout.write(f"  login {username:<8} password {password:<20} role {group}")
        self.stdout.write(
            f"  dpo and admin also need a TOTP code: add the secret {DEMO_TOTP_SECRET} to an\n"
            "    authenticator app, or print the current code with "
            "`.venv/bin/python manage.py totp_code dpo`"
        )
        self.stdout.write(f"  API token (dpo): {token.key}")
        self.stdout.write(
            f"  Alert intake token (integration demo-monitoring, generic): {alerts_token}\n"
            f"    curl -X POST {settings.BREACHDESK_BASE_URL}/api/v1/alerts/generic/ "
            f"-H 'Authorization: Bearer {alerts_token}' -H 'Content-Type: application/json' "
            """-d '{"title": "Backup bucket made public", "labels": {"personal_data": "true"}}'"""
        )

    def _integration(self) -> str:
        """A generic-source integration for trying alert intake; a fresh token on every run
        (only its hash is stored, so the previous one cannot be printed again)."""
        existing = Integration.objects.filter(name="demo-monitoring").first()
        if existing is None:
            return integration_create(name="demo-monitoring", source="generic").token
        return integration_rotate_token(integration_id=existing.pk).token

    def _incidents(self, users):
        now = now_utc()
        dpo, analyst = users["dpo"], users["analyst"]
        self._processor_incident(dpo, analyst, now)
        self._multi_authority_incident(dpo, analyst, now)
        ransomware = incident_create(
            actor=analyst,
            now=now - timedelta(hours=20),
            data=dict(
                title="Ransomware on the patient-records file server",
                role="controller",
                summary="Files on fs-02 encrypted; attacker note claims exfiltration.",
                detected_at=now - timedelta(hours=22),
                aware_at=now - timedelta(hours=20),
                aware_basis="Forensics confirmed encryption of the patient-records share.",
                countries=["DE", "US-CA"],
                residents={"DE": 12000, "US-CA": 800},
                subjects_count=12800,
                records_count=40000,
                breach_types=["availability", "confidentiality"],
                cause="malicious_external",
                vector="ransomware",
                data_categories=["identity", "contact", "health"],
                subject_categories=["patients"],
                identifiability="direct",
                exposure="exfiltrated",
                data_protection="none",
                availability_impact="prolonged",
                availability_hours=30,
                backup_available=True,
                integrity_impact="none",
                sensitive_context=True,
                mitigations=["access_revoked"],
                contact_effort="individual_contact_possible",
                assignee=analyst,
                likely_consequences="Disclosure of health data; identity fraud.",
                measures_taken="Server isolated, credentials rotated, restore from backup started.",
            ),
        )
        incident_transition(incident_id=ransomware.pk, actor=analyst, to="assessing")
        assessment_compute(incident_id=ransomware.pk, actor=analyst)
        incident_transition(
            incident_id=ransomware.pk,
            actor=dpo,
            to="notifiable",
            comment="High risk: health data exfiltrated.",
        )

        email = incident_create(
            actor=analyst,
            now=now - timedelta(days=3),
            data=dict(
                title="Payroll spreadsheet e-mailed to the wrong colleague",
                role="controller",
                detected_at=now - timedelta(days=3),
                aware_at=now - timedelta(days=3),
                aware_basis="Recipient reported it the same morning.",
                countries=["DE"],
                subjects_count=40,
                breach_types=["confidentiality"],
                cause="accidental_internal",
                vector="misdirected_email",
                data_categories=["identity", "employment"],
                integrity_impact="none",
                availability_impact="none",
                sensitive_context=False,
                contact_effort="individual_contact_possible",
                subject_categories=["employees"],
                identifiability="direct",
                exposure="known_trusted_recipient",
                data_protection="none",
                mitigations=["recipient_deleted_or_returned"],
            ),
        )
        incident_transition(incident_id=email.pk, actor=analyst, to="assessing")
        assessment_compute(incident_id=email.pk, actor=analyst)
        incident_transition(
            incident_id=email.pk,
            actor=dpo,
            to="not_notifiable",
            comment="Trusted internal recipient confirmed deletion in writing.",
        )

        incident_create(
            actor="integration:demo-alertmanager",
            source="alert",
            now=now - timedelta(minutes=40),
            data=dict(
                title="Unusual outbound transfer from the CRM database (alert)",
                detected_at=now - timedelta(minutes=41),
                countries=["DE", "AT"],
                tags=["alert", "exfiltration"],
            ),
        )

        laptop = incident_create(
            actor=analyst,
            now=now - timedelta(days=10),
            data=dict(
                title="Sales laptop stolen from a car (full-disk encrypted)",
                role="controller",
                detected_at=now - timedelta(days=10),
                aware_at=now - timedelta(days=10),
                aware_basis="Employee reported the theft.",
                countries=["DE"],
                subjects_count=900,
                breach_types=["confidentiality"],
                cause="malicious_external",
                vector="stolen_device",
                data_categories=["identity", "contact"],
                subject_categories=["customers"],
                identifiability="direct",
                exposure="unknown_recipients",
                data_protection="encrypted_key_safe",
                backup_available=True,
                mitigations=["device_remote_wiped"],
            ),
        )
        incident_transition(incident_id=laptop.pk, actor=analyst, to="assessing")
        assessment_compute(incident_id=laptop.pk, actor=analyst)

        phishing = incident_create(
            actor=analyst,
            now=now - timedelta(days=1),
            data=dict(
                title="Phishing report: suspicious login page (not personal data)",
                role="controller",
                detected_at=now - timedelta(days=1),
            ),
        )
        incident_transition(
            incident_id=phishing.pk,
            actor=analyst,
            to="dismissed",
            comment="Phishing page reported; no personal data was entered.",
        )

    def _processor_incident(self, dpo, analyst, now):
        """A breach at our backup sub-processor involving a customer's data: we act as
        processor, owe the customer the Art. 33(2) notice and its contract's 36-hour clock."""
        practice = party_create(
            actor=dpo,
            now=now,
            data=dict(
                kind="customer",
                name="Praxisverbund Mitte eG (demo customer)",
                contact_name="Tobias Krüger",
                email="datenschutz@praxisverbund.example",
                phone="+4930555010",
                language="de",
                notice_hours=36,
                contract_reference="AVV 2024-07 § 8 (2)",
            ),
        )
        backup = party_create(
            actor=dpo,
            now=now,
            data=dict(
                kind="sub_processor",
                name="Fjord Backup AS (demo sub-processor)",
                contact_name="Ingrid Berg",
                email="security@fjordbackup.example",
            ),
        )
        told_at = now - timedelta(hours=6)
        incident = incident_create(
            actor=analyst,
            now=now - timedelta(hours=5),
            data=dict(
                title="Sub-processor backup bucket readable without login (customer data)",
                summary="Fjord Backup reported a misconfigured bucket holding appointment "
                "exports of Praxisverbund Mitte.",
                role="processor",
                controllers=[practice],
                source_party=backup,
                source_notified_at=told_at,
                detected_at=told_at,
                countries=["DE"],
                subjects_count=3100,
                breach_types=["confidentiality"],
                cause="accidental_third_party",
                vector="supplier_breach",
                data_categories=["identity", "contact", "health"],
                subject_categories=["patients"],
                identifiability="direct",
                exposure="unknown_recipients",
                data_protection="none",
                assignee=analyst,
            ),
        )
        incident_transition(incident_id=incident.pk, actor=analyst, to="assessing")

    def _multi_authority_incident(self, dpo, analyst, now):
        """People in Germany, France, California and New York: the lead authority (GDPR
        one-stop shop), the German CSIRT (NIS2) and two attorneys general each get a duty."""
        incident = incident_create(
            actor=analyst,
            now=now - timedelta(hours=30),
            data=dict(
                title="Appointment portal: customer accounts taken over (credential stuffing)",
                detected_at=now - timedelta(hours=31),
                aware_at=now - timedelta(hours=30),
                aware_basis="Fraud team confirmed logins from a botnet into real accounts.",
                role="controller",
                countries=["DE", "FR", "US-CA", "US-NY"],
                residents={"DE": 5200, "FR": 700, "US-CA": 640, "US-NY": 560},
                subjects_count=7100,
                breach_types=["confidentiality", "integrity"],
                cause="malicious_external",
                vector="intrusion",
                data_categories=["identity", "contact", "credentials"],
                credentials_protection="strong_salted_hash",
                subject_categories=["customers"],
                identifiability="direct",
                exposure="exfiltrated",
                data_protection="none",
                mitigations=["credentials_reset"],
                assignee=analyst,
            ),
        )
        incident_transition(incident_id=incident.pk, actor=analyst, to="assessing")
        assessment = assessment_compute(incident_id=incident.pk, actor=analyst)
        if assessment.notify_authority:
            incident_transition(
                incident_id=incident.pk,
                actor=dpo,
                to="notifiable",
                comment="Accounts of customers in four jurisdictions taken over.",
            )
