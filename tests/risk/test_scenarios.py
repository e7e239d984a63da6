"""Regulator-published breach examples, and BreachDesk variants of them, as a table.

Sources of the expected outcomes:
- "01/2021 Case NN": EDPB Guidelines 01/2021 on Examples regarding Personal Data Breach
  Notification, v2.0 (14 Dec 2021), CASE No. NN and its table "Actions necessary".
- "9/2022 Annex B": EDPB Guidelines 9/2022 (v2.0), Annex B, table of examples.
- "variant": a BreachDesk scenario derived from the named case or guideline by changing the
  one fact stated in the reason; its expectation follows the guideline cited, not the engine.

Each row: facts -> risk level, notify authority, communicate subjects, mode, exemptions.
"""

from typing import NamedTuple

import pytest

from incidents.risk import Facts, assess


class Outcome(NamedTuple):
    risk_level: str
    notify_authority: bool
    communicate_subjects: bool
    communication_mode: str
    exemptions: tuple[str, ...]


UNLIKELY = Outcome("unlikely", False, False, "none", ())
UNLIKELY_ENCRYPTED = Outcome("unlikely", False, False, "none", ("art34_3_a",))
RISK = Outcome("risk", True, False, "none", ())
HIGH = Outcome("high", True, True, "individual", ())
HIGH_PUBLIC = Outcome("high", True, True, "public", ("art34_3_c",))
HIGH_MITIGATED = Outcome("high", True, False, "none", ("art34_3_b",))

# Facts shared by most rows: what a DPO would record once the facts are established.
KNOWN = {"identifiability": "direct", "data_protection": "none", "sensitive_context": False}

SCENARIOS = [
    # --- EDPB Guidelines 01/2021: ransomware ------------------------------------------------
    pytest.param(
        Facts(
            **KNOWN | {"data_protection": "encrypted_key_safe"},
            breach_types=("availability", "confidentiality"),
            cause="malicious_external",
            data_categories=("identity", "contact", "employment"),
            subject_categories=("customers", "employees"),
            subjects_count=40,
            exposure="none",
            availability_impact="restored_quickly",
            availability_hours=4,
            backup_available=True,
            integrity_impact="none",
        ),
        UNLIKELY_ENCRYPTED,
        "01/2021 Case 01: encrypted at rest, key safe, no exfiltration, restored from backup in"
        " a few hours: internal documentation only (paras 20-25)",
        id="edpb-01-ransomware-backup-encrypted-no-exfiltration",
    ),
    pytest.param(
        Facts(
            **KNOWN,
            breach_types=("availability",),
            cause="malicious_external",
            data_categories=("identity", "contact", "employment"),
            subject_categories=("customers", "employees"),
            subjects_count=40,
            exposure="none",
            availability_impact="restored_quickly",
            availability_hours=4,
            backup_available=True,
            integrity_impact="none",
        ),
        UNLIKELY,
        "variant of 01/2021 Case 01 without encryption at rest: the risk came from the lack of"
        " availability only, restored in hours with minor consequences (paras 21-22)",
        id="variant-01-ransomware-backup-unencrypted-availability-only",
    ),
    pytest.param(
        Facts(
            **KNOWN,
            breach_types=("availability",),
            cause="malicious_external",
            data_categories=("identity", "contact", "employment"),
            subject_categories=("customers", "employees"),
            subjects_count=40,
            exposure="none",
            availability_impact="prolonged",
            availability_hours=120,
            backup_available=False,
            integrity_impact="none",
        ),
        RISK,
        "01/2021 Case 02: no backup, restored from paper over 5 working days, no exfiltration:"
        " notify the SA, no communication",
        id="edpb-02-ransomware-without-backup",
    ),
    pytest.param(
        Facts(
            **KNOWN,
            breach_types=("availability",),
            cause="malicious_external",
            data_categories=("identity", "health"),
            subject_categories=("patients", "employees"),
            subjects_count=5000,
            exposure="none",
            availability_impact="prolonged",
            availability_hours=48,
            backup_available=True,
            integrity_impact="none",
            mitigations=("data_restored_from_backup",),
        ),
        HIGH,
        "01/2021 Case 03: hospital, restored from backup after 2 working days, treatment delayed:"
        " notify the SA and the patients",
        id="edpb-03-hospital-ransomware-two-days",
    ),
    pytest.param(
        Facts(
            **KNOWN,
            breach_types=("availability", "confidentiality"),
            cause="malicious_external",
            data_categories=("identity", "contact", "government_id", "payment_card"),
            subject_categories=("customers", "employees"),
            subjects_count=5000,
            exposure="exfiltrated",
            availability_impact="permanent",
            backup_available=False,
            integrity_impact="none",
        ),
        HIGH,
        "01/2021 Case 04: transport company, ID card numbers and card data exfiltrated, backup"
        " encrypted too: notify the SA and the data subjects",
        id="edpb-04-ransomware-with-exfiltration-no-backup",
    ),
    # --- EDPB Guidelines 01/2021: data exfiltration attacks ---------------------------------
    pytest.param(
        Facts(
            **KNOWN,
            breach_types=("confidentiality",),
            cause="malicious_external",
            data_categories=("identity", "contact", "education", "employment"),
            subject_categories=("job_applicants",),
            subjects_count=213,
            exposure="exfiltrated",
        ),
        HIGH,
        "01/2021 Case 05: malicious code captured 213 job application forms (CV data, no special"
        " categories): notify the SA and the applicants",
        id="edpb-05-job-applications-exfiltrated",
    ),
    pytest.param(
        Facts(
            **KNOWN | {"identifiability": "difficult"},
            breach_types=("confidentiality",),
            cause="malicious_external",
            data_categories=("credentials", "online_identifiers"),
            credentials_protection="strong_salted_hash",
            subject_categories=("customers",),
            subjects_count=1200,
            exposure="exfiltrated",
        ),
        UNLIKELY,
        "01/2021 Case 06: SQL injection, salted strong hashes and pseudonymous usernames of 1 200"
        " users: internal documentation only",
        id="edpb-06-strong-salted-hashes-exfiltrated",
    ),
    pytest.param(
        Facts(
            **KNOWN,
            breach_types=("confidentiality",),
            cause="malicious_external",
            data_categories=(
                "identity",
                "government_id",
                "online_identifiers",
                "credentials",
                "financial",
            ),
            credentials_protection="plaintext",
            subject_categories=("customers",),
            subjects_count=100_000,
            exposure="exfiltrated",
            mitigations=("credentials_reset",),
        ),
        HIGH,
        "01/2021 Case 07: credential stuffing on a bank, identity data and fiscal codes leaked,"
        " 2 000 accounts entered; passwords reset but still notify SA and data subjects",
        id="edpb-07-credential-stuffing-bank",
    ),
    # --- EDPB Guidelines 01/2021: internal human risk source -------------------------------
    pytest.param(
        Facts(
            **KNOWN,
            breach_types=("confidentiality",),
            cause="malicious_insider",
            data_categories=("identity", "contact"),
            subject_categories=("customers",),
            exposure="known_untrusted_recipient",
        ),
        RISK,
        "01/2021 Case 08: an employee copied client contact data for his new business: the"
        " controller cannot consider the risk low; notify the SA, no communication required",
        id="edpb-08-insider-exfiltration-contact-data",
    ),
    pytest.param(
        Facts(
            **KNOWN,
            breach_types=("confidentiality",),
            cause="accidental_internal",
            data_categories=("identity", "contact"),
            subject_categories=("customers",),
            subjects_count=24,
            exposure="known_trusted_recipient",
            mitigations=("recipient_deleted_or_returned",),
        ),
        UNLIKELY,
        "01/2021 Case 09: file sent by mistake to an insurance agent bound by professional"
        " secrecy, who deleted it: internal documentation only",
        id="edpb-09-misdirected-email-trusted-recipient",
    ),
    pytest.param(
        Facts(
            **KNOWN,
            breach_types=("confidentiality",),
            cause="accidental_internal",
            data_categories=("identity", "contact", "financial"),
            subject_categories=("customers",),
            subjects_count=15,
            exposure="known_trusted_recipient",
            mitigations=("recipient_deleted_or_returned",),
        ),
        UNLIKELY,
        "01/2021 Case 09 as published: the insurance agent bound by professional secrecy saw"
        " other customers' files, financial details included, reported it and deleted them: no"
        " notification (the exposure is removed, paras 92-95)",
        id="edpb-09-trusted-recipient-deleted-financial-data",
    ),
    pytest.param(
        Facts(
            **KNOWN,
            breach_types=("confidentiality",),
            cause="malicious_external",
            data_categories=("credentials", "online_identifiers"),
            credentials_protection="strong_salted_hash",
            subject_categories=("customers",),
            subjects_count=1200,
            exposure="exfiltrated",
        ),
        UNLIKELY,
        "01/2021 Case 06 as published: SQL injection took usernames and strongly salted"
        " password hashes only; the credentials stay protected, nothing usable was disclosed:"
        " no notification (paras 61-64)",
        id="edpb-06-usernames-and-strong-salted-hashes-only",
    ),
    # --- EDPB Guidelines 01/2021: lost or stolen devices and paper -------------------------
    pytest.param(
        Facts(
            **KNOWN | {"data_protection": "encrypted_key_safe"},
            breach_types=("confidentiality",),
            cause="malicious_external",
            data_categories=("identity", "education"),
            subject_categories=("children",),
            subjects_count=60,
            exposure="unknown_recipients",
            availability_impact="none",
            backup_available=True,
            mitigations=("device_remote_wiped",),
        ),
        UNLIKELY_ENCRYPTED,
        "01/2021 Case 10: stolen tablets with children's data, state-of-the-art encryption,"
        " backup available, wiped remotely: internal documentation only",
        id="edpb-10-stolen-encrypted-tablets-children",
    ),
    pytest.param(
        Facts(
            **KNOWN,
            breach_types=("confidentiality",),
            cause="malicious_external",
            data_categories=("identity", "contact"),
            subject_categories=("customers",),
            subjects_count=100_000,
            exposure="unknown_recipients",
            availability_impact="none",
            backup_available=True,
        ),
        HIGH,
        "01/2021 Case 11: stolen notebook without password, names, addresses and dates of birth"
        " of more than 100 000 customers: notify the SA and the customers",
        id="edpb-11-stolen-unencrypted-laptop",
    ),
    pytest.param(
        Facts(
            **KNOWN,
            breach_types=("confidentiality", "availability"),
            cause="malicious_external",
            data_categories=("identity", "health"),
            subject_categories=("patients",),
            subjects_count=150,
            exposure="unknown_recipients",
            availability_impact="permanent",
            backup_available=False,
        ),
        HIGH,
        "01/2021 Case 12: paper logbook of a drug-rehabilitation centre stolen, no copy: notify"
        " the SA and the patients",
        id="edpb-12-stolen-paper-files-health",
    ),
    # --- EDPB Guidelines 01/2021: mispostal ------------------------------------------------
    pytest.param(
        Facts(
            **KNOWN,
            breach_types=("confidentiality",),
            cause="accidental_internal",
            data_categories=("identity", "contact"),
            subject_categories=("customers",),
            subjects_count=2,
            exposure="known_untrusted_recipient",
            mitigations=("recipient_deleted_or_returned",),
        ),
        UNLIKELY,
        "01/2021 Case 13: two shoe orders and packing bills swapped, then recalled: internal"
        " documentation only",
        id="edpb-13-swapped-packing-bills-recalled",
    ),
    pytest.param(
        Facts(
            **KNOWN,
            breach_types=("confidentiality",),
            cause="accidental_internal",
            data_categories=("identity", "contact", "government_id"),
            subject_categories=("other",),
            subjects_count=60_000,
            exposure="known_untrusted_recipient",
        ),
        HIGH,
        "01/2021 Case 14: job seekers' social security numbers e-mailed to all 60 000 of them:"
        " notify the SA and the data subjects",
        id="edpb-14-social-security-numbers-mass-email",
    ),
    pytest.param(
        Facts(
            **KNOWN,
            breach_types=("confidentiality",),
            cause="technical_fault",
            data_categories=("identity", "contact"),
            subject_categories=("customers",),
            subjects_count=1,
            exposure="known_untrusted_recipient",
        ),
        RISK,
        "01/2021 Case 16: enveloping machine put another policyholder's car-insurance letter in"
        " an envelope: notify the SA, no communication",
        id="edpb-16-insurance-letter-mix-up",
    ),
    # --- EDPB Guidelines 01/2021: social engineering ---------------------------------------
    pytest.param(
        Facts(
            **KNOWN,
            breach_types=("confidentiality", "integrity"),
            cause="malicious_external",
            data_categories=("identity", "contact", "government_id", "behavioural", "financial"),
            subject_categories=("customers",),
            subjects_count=1,
            exposure="exfiltrated",
            integrity_impact="altered_recoverable",
        ),
        HIGH,
        "01/2021 Case 17: impostor had a customer's billing e-mail changed and received his"
        " invoices: notify the SA and the data subject",
        id="edpb-17-identity-theft-telecom",
    ),
    pytest.param(
        Facts(
            **KNOWN,
            breach_types=("confidentiality",),
            cause="malicious_external",
            data_categories=("identity", "contact", "financial", "communications_content"),
            subject_categories=("customers", "employees"),
            exposure="exfiltrated",
        ),
        HIGH,
        "01/2021 Case 18: mailbox rules forwarded payment and bank-detail e-mails to an"
        " attacker for months: notify the SA and the data subjects",
        id="edpb-18-email-exfiltration",
    ),
    # --- EDPB Guidelines 9/2022, Annex B ---------------------------------------------------
    pytest.param(
        Facts(
            **KNOWN | {"data_protection": "encrypted_key_safe"},
            breach_types=("confidentiality",),
            cause="malicious_external",
            data_categories=("identity", "contact", "financial"),
            subject_categories=("customers",),
            exposure="unknown_recipients",
            availability_impact="none",
            backup_available=True,
        ),
        UNLIKELY_ENCRYPTED,
        "9/2022 Annex B (and II.D para 77): encrypted backup USB key stolen, key safe, backups"
        " exist: not notifiable",
        id="annexb-stolen-encrypted-usb-backup",
    ),
    pytest.param(
        Facts(
            **KNOWN,
            breach_types=("availability",),
            cause="technical_fault",
            data_categories=("identity", "contact"),
            subject_categories=("customers",),
            subjects_count=5000,
            exposure="none",
            availability_impact="restored_quickly",
            availability_hours=0.1,
            backup_available=True,
        ),
        UNLIKELY,
        "9/2022 Annex B: power outage of several minutes at a call centre: recordable, not"
        " notifiable",
        id="annexb-brief-power-outage",
    ),
    pytest.param(
        Facts(
            **KNOWN,
            breach_types=("availability",),
            cause="malicious_external",
            data_categories=("identity", "contact"),
            subject_categories=("customers",),
            subjects_count=3000,
            exposure="none",
            availability_impact="permanent",
            backup_available=False,
        ),
        RISK,
        "9/2022 Annex B: ransomware, no backup, data cannot be restored, no exfiltration: notify"
        " the SA (loss of availability); tell subjects only if the data is sensitive",
        id="annexb-ransomware-data-lost-for-good",
    ),
    pytest.param(
        Facts(
            **KNOWN,
            breach_types=("confidentiality",),
            cause="accidental_internal",
            data_categories=("identity", "contact", "financial"),
            subject_categories=("customers",),
            subjects_count=1,
            exposure="known_untrusted_recipient",
        ),
        HIGH,
        "9/2022 Annex B: a customer received another customer's bank statement: notify the SA;"
        " a full statement enables fraud (para 51), so the high-risk branch applies",
        id="annexb-bank-statement-to-wrong-customer",
    ),
    pytest.param(
        Facts(
            **KNOWN,
            breach_types=("confidentiality",),
            cause="malicious_external",
            data_categories=("online_identifiers", "credentials", "behavioural"),
            subject_categories=("customers",),
            subjects_count=50_000,
            exposure="published",
        ),
        HIGH,
        "9/2022 Annex B: marketplace usernames, passwords and purchase history published by an"
        " attacker: notify the SA and the data subjects",
        id="annexb-marketplace-credentials-published",
    ),
    pytest.param(
        Facts(
            **KNOWN,
            breach_types=("confidentiality",),
            cause="technical_fault",
            data_categories=("identity", "contact"),
            subject_categories=("customers",),
            subjects_count=2000,
            exposure="unknown_recipients",
        ),
        RISK,
        "9/2022 Annex B: hosting flaw let any user see other users' account details: notify the"
        " SA; no communication if no high risk",
        id="annexb-authorisation-flaw-account-details",
    ),
    pytest.param(
        Facts(
            **KNOWN,
            breach_types=("availability",),
            cause="malicious_external",
            data_categories=("identity", "health"),
            subject_categories=("patients",),
            subjects_count=20_000,
            exposure="none",
            availability_impact="prolonged",
            availability_hours=30,
            backup_available=True,
        ),
        HIGH,
        "9/2022 Annex B: hospital medical records unavailable for 30 hours after a cyber-attack:"
        " notify the SA and the patients",
        id="annexb-hospital-records-unavailable-30-hours",
    ),
    pytest.param(
        Facts(
            **KNOWN,
            breach_types=("confidentiality",),
            cause="accidental_internal",
            data_categories=("identity", "contact", "education"),
            subject_categories=("students",),
            subjects_count=1500,
            exposure="known_untrusted_recipient",
        ),
        RISK,
        "9/2022 Annex B: students' data sent to a mailing list of 1 000+ recipients: notify the"
        " SA; tell students depending on the data (identity, contact, course data: no high risk)",
        id="annexb-student-data-to-wrong-mailing-list",
    ),
    pytest.param(
        Facts(
            **KNOWN,
            breach_types=("confidentiality",),
            cause="accidental_internal",
            data_categories=("contact",),
            subject_categories=("customers",),
            subjects_count=800,
            exposure="known_untrusted_recipient",
        ),
        RISK,
        "9/2022 Annex B: marketing e-mail with all addresses in the To/CC field: notify the SA",
        id="annexb-marketing-email-cc-not-bcc",
    ),
    # --- BreachDesk variants built from the guidelines -------------------------------------
    pytest.param(
        Facts(
            **KNOWN,
            breach_types=("confidentiality",),
            cause="malicious_external",
            data_categories=("online_identifiers", "credentials"),
            credentials_protection="plaintext",
            subject_categories=("customers",),
            subjects_count=20_000,
            exposure="exfiltrated",
        ),
        HIGH,
        "variant of 01/2021 Case 06 with plaintext passwords and e-mail logins: usable"
        " credentials in malicious hands (para 51; 9/2022 III.B password-reset advice)",
        id="variant-06-plaintext-password-dump",
    ),
    pytest.param(
        Facts(
            **KNOWN,
            breach_types=("confidentiality",),
            cause="malicious_external",
            data_categories=("online_identifiers", "credentials"),
            credentials_protection="plaintext",
            subject_categories=("customers",),
            subjects_count=20_000,
            exposure="exfiltrated",
            mitigations=("credentials_reset",),
        ),
        HIGH_MITIGATED,
        "variant of the plaintext dump: all passwords reset before misuse, so the high risk is no"
        " longer likely to materialise (Art. 34(3)(b)); the SA is still notified",
        id="variant-plaintext-dump-passwords-reset",
    ),
    pytest.param(
        Facts(
            **KNOWN,
            breach_types=("confidentiality",),
            cause="accidental_internal",
            data_categories=("identity", "contact", "health"),
            subject_categories=("patients",),
            subjects_count=1,
            exposure="known_untrusted_recipient",
        ),
        HIGH,
        "variant of 01/2021 Case 16 with a diagnosis in the letter: special-category data in"
        " untrusted hands (9/2022 para 102): notify the SA and the patient",
        id="variant-misdirected-letter-health-data",
    ),
    pytest.param(
        Facts(
            **KNOWN,
            breach_types=("confidentiality",),
            cause="accidental_internal",
            data_categories=("identity", "contact", "health"),
            subject_categories=("patients",),
            subjects_count=1,
            exposure="known_untrusted_recipient",
            mitigations=("recipient_deleted_or_returned",),
        ),
        HIGH_MITIGATED,
        "variant: the health letter was returned unopened; the controller acted before the"
        " recipient could use it (Art. 34(3)(b); 9/2022 III.D)",
        id="variant-misdirected-health-letter-returned",
    ),
    pytest.param(
        Facts(
            **KNOWN,
            breach_types=("confidentiality",),
            cause="accidental_internal",
            data_categories=("identity", "health"),
            subject_categories=("patients",),
            subjects_count=1,
            exposure="internal_unauthorised",
        ),
        RISK,
        "variant: a nurse opened the wrong patient's file by mistake; stays with staff bound by"
        " secrecy (9/2022 IV.B trusted recipient) but health data (para 102): notify the SA",
        id="variant-health-record-opened-internally-by-mistake",
    ),
    pytest.param(
        Facts(
            **KNOWN,
            breach_types=("confidentiality",),
            cause="malicious_external",
            data_categories=("identity", "contact", "trade_union"),
            subject_categories=("employees",),
            subjects_count=400,
            exposure="published",
        ),
        HIGH,
        "variant: trade-union membership list published by an attacker: special categories"
        " (9/2022 para 102) beyond control",
        id="variant-published-trade-union-membership",
    ),
    pytest.param(
        Facts(
            **KNOWN,
            breach_types=("confidentiality",),
            cause="malicious_external",
            data_categories=("identity", "education", "health"),
            subject_categories=("children", "students"),
            subjects_count=900,
            exposure="exfiltrated",
        ),
        HIGH,
        "variant: school pupils' records with health notes exfiltrated: children (9/2022 IV.B)"
        " and special categories (para 102)",
        id="variant-childrens-records-exfiltrated",
    ),
    pytest.param(
        Facts(
            **KNOWN,
            breach_types=("confidentiality",),
            cause="accidental_internal",
            data_categories=("identity", "education"),
            subject_categories=("children",),
            subjects_count=25,
            exposure="known_untrusted_recipient",
        ),
        RISK,
        "variant of 9/2022 Annex B student mailing: a class's names and marks e-mailed to"
        " another parent: children raise severity (ENISA A2) but the data is simple: SA only",
        id="variant-class-list-to-wrong-parent",
    ),
    pytest.param(
        Facts(
            **KNOWN,
            breach_types=("confidentiality",),
            cause="malicious_external",
            data_categories=("identity", "payment_card"),
            subject_categories=("customers",),
            subjects_count=8000,
            exposure="published",
        ),
        HIGH,
        "variant of 01/2021 Case 04: full card data dumped online: fraud (9/2022 para 51;"
        " ENISA Annex 1 full card data = 4)",
        id="variant-payment-card-dump",
    ),
    pytest.param(
        Facts(
            **KNOWN,
            breach_types=("confidentiality",),
            cause="technical_fault",
            data_categories=("identity", "contact", "education", "employment"),
            subject_categories=("job_applicants",),
            subjects_count=5000,
            exposure="unknown_recipients",
        ),
        RISK,
        "variant of 01/2021 Case 05: careers-site CV database left open by misconfiguration, no"
        " attacker seen: CV profiles exposed (notify the SA), no malice or fraud data",
        id="variant-cv-database-misconfigured",
    ),
    pytest.param(
        Facts(
            **KNOWN,
            breach_types=("confidentiality",),
            cause="malicious_external",
            data_categories=("identity", "contact", "health"),
            subject_categories=("patients",),
            subjects_count=50,
            exposure="unknown_recipients",
            availability_impact="none",
            backup_available=True,
            mitigations=("device_remote_wiped",),
        ),
        HIGH_MITIGATED,
        "variant of 01/2021 Case 11 with health data, wiped remotely before it was accessed:"
        " Art. 34(3)(b); the SA is still notified",
        id="variant-stolen-laptop-health-remote-wiped",
    ),
    pytest.param(
        Facts(
            **KNOWN | {"data_protection": "encrypted_key_compromised"},
            breach_types=("confidentiality",),
            cause="malicious_external",
            data_categories=("identity", "health"),
            subject_categories=("patients",),
            subjects_count=300,
            exposure="unknown_recipients",
            availability_impact="none",
            backup_available=True,
        ),
        HIGH,
        "variant of 01/2021 Case 10 with the password taped to the laptop: a compromised key"
        " gives no protection (9/2022 II.D, para 77)",
        id="variant-stolen-laptop-key-compromised",
    ),
    pytest.param(
        Facts(
            **KNOWN,
            breach_types=("availability",),
            cause="malicious_external",
            data_categories=("identity", "health"),
            subject_categories=("patients",),
            subjects_count=20_000,
            exposure="none",
            availability_impact="restored_quickly",
            availability_hours=3,
            backup_available=True,
        ),
        RISK,
        "variant of 01/2021 Case 03 restored in 3 hours: only minor consequences (Case 01"
        " para 22), but health data makes damage likely (9/2022 para 102): SA only",
        id="variant-hospital-outage-restored-in-hours",
    ),
    pytest.param(
        Facts(
            **KNOWN,
            breach_types=("integrity",),
            cause="technical_fault",
            data_categories=("identity", "health"),
            subject_categories=("patients",),
            subjects_count=200,
            exposure="none",
            integrity_impact="altered_unrecoverable",
        ),
        HIGH,
        "variant: a faulty update corrupted medication records beyond recovery (ENISA Annex 3"
        " +0.5; 9/2022 IV.B permanence; para 102)",
        id="variant-health-records-corrupted-unrecoverably",
    ),
    pytest.param(
        Facts(
            **KNOWN,
            breach_types=("confidentiality", "availability"),
            cause="malicious_external",
            data_categories=("identity", "health"),
            subject_categories=("patients",),
            subjects_count=150,
            exposure="unknown_recipients",
            availability_impact="permanent",
            backup_available=False,
            contact_effort="disproportionate_effort",
        ),
        HIGH_PUBLIC,
        "variant of 01/2021 Case 12 where the contact details were in the stolen logbook: public"
        " communication instead (Art. 34(3)(c))",
        id="variant-stolen-logbook-contacts-lost-public-notice",
    ),
    pytest.param(
        Facts(),
        RISK,
        "nothing known yet: when in doubt, notify the SA and complete it in phases (9/2022 IV.B;"
        " GDPR Art. 33(4))",
        id="nothing-known-yet",
    ),
]


@pytest.mark.parametrize(("facts", "expected", "reason"), SCENARIOS)
def test_scenario_outcome(facts: Facts, expected: Outcome, reason: str) -> None:
    result = assess(facts)
    actual = Outcome(
        result.risk_level,
        result.notify_authority,
        result.communicate_subjects,
        result.communication_mode,
        result.exemptions,
    )
    assert actual == expected, f"{reason}\n" + "\n".join(
        f"  [{line.effect}] {line.factor}: {line.explanation}" for line in result.rationale
    )


@pytest.mark.parametrize(("facts", "expected", "reason"), SCENARIOS)
def test_scenario_reason_cites_its_source(facts: Facts, expected: Outcome, reason: str) -> None:
    assert any(source in reason for source in ("01/2021", "9/2022", "Art. 3")), reason


def test_suite_is_large_enough() -> None:
    assert len(SCENARIOS) >= 30
