"""Template text that comes from data files, marked for the translation catalogues.

`makemessages` finds strings in code and templates only; the headings (incidents/rules
content data), the data-category labels, the advice library and the phishing lines come from
data, so their English text is listed here with gettext_noop. tests/notices checks that this
list and the data files agree.
"""

from django.utils.translation import gettext_noop

TITLE = gettext_noop("Notice of Data Breach")

#: California's headings (incidents/rules/content/elements.toml, fmt_ca_headings) plus the
#: model form's "Other Important Information" block.
HEADINGS = {
    "what_happened": gettext_noop("What Happened"),
    "information": gettext_noop("What Information Was Involved"),
    "doing": gettext_noop("What We Are Doing"),
    "you_can_do": gettext_noop("What You Can Do"),
    "other": gettext_noop("Other Important Information"),
    "more": gettext_noop("For More Information"),
}

DATA_CATEGORY_LABELS = {
    "identity": gettext_noop("Name, date of birth or identity numbers"),
    "contact": gettext_noop("Contact details (e-mail address, phone number or postal address)"),
    "online_identifiers": gettext_noop("User names and account IDs"),
    "credentials": gettext_noop("Passwords"),
    "financial": gettext_noop("Bank account details"),
    "payment_card": gettext_noop("Payment card numbers"),
    "government_id": gettext_noop("Identity documents or their numbers"),
    "location": gettext_noop("Location data"),
    "behavioural": gettext_noop("What you bought or used"),
    "communications_content": gettext_noop("The content of messages"),
    "employment": gettext_noop("Employment records"),
    "education": gettext_noop("Education records"),
    "images": gettext_noop("Photos or scans"),
    "health": gettext_noop("Health information"),
    "genetic": gettext_noop("Genetic data"),
    "biometric": gettext_noop("Biometric data (fingerprints or face data)"),
    "racial_ethnic_origin": gettext_noop("Information about racial or ethnic origin"),
    "political_opinions": gettext_noop("Political opinions"),
    "religious_beliefs": gettext_noop("Religious or philosophical beliefs"),
    "trade_union": gettext_noop("Trade union membership"),
    "sex_life": gettext_noop("Information about sex life or sexual orientation"),
    "criminal_records": gettext_noop("Criminal records"),
}

CREDENTIALS_PROTECTION = {
    "plaintext": gettext_noop("We stored your password in a readable form."),
    "weak_hash": gettext_noop(
        "We stored your password in a scrambled form that criminals can turn back. "
        "Treat it as known."
    ),
    "strong_salted_hash": gettext_noop(
        "We stored your password in a strongly scrambled form that nobody can turn back."
    ),
}

CAUSES = {
    "malicious_external": gettext_noop("Criminals got into one of our systems without permission."),
    "malicious_insider": gettext_noop(
        "Someone who works for us used personal data without permission."
    ),
    "accidental_internal": gettext_noop("We made a mistake that exposed personal data."),
    "accidental_third_party": gettext_noop(
        "A mistake at one of our suppliers exposed personal data."
    ),
    "technical_fault": gettext_noop("A technical fault exposed personal data."),
    "unknown": gettext_noop("We are still finding out how it happened."),
}

EXPOSURES = {
    "exfiltrated": gettext_noop("They copied personal data and took it."),
    "published": gettext_noop("Someone published the data on the internet."),
    "unknown_recipients": gettext_noop("We do not know who saw the data."),
    "known_trusted_recipient": gettext_noop(
        "The data went to a recipient we know, who told us they deleted it."
    ),
}

CONSEQUENCES = {
    "credentials": gettext_noop("Someone could use your password to get into your account."),
    "payment_card": gettext_noop("Someone could use your card details to make payments."),
    "financial": gettext_noop("Someone could try to take money from your bank account."),
    "identity": gettext_noop("Someone could use your details to pretend to be you."),
    "government_id": gettext_noop("Someone could use your details to pretend to be you."),
    "health": gettext_noop("Other people could learn about your health."),
    "contact": gettext_noop("You could receive fake messages that look like they come from us."),
}
GENERIC_CONSEQUENCE = gettext_noop("You could receive fake messages that mention this breach.")

MITIGATIONS = {
    "credentials_reset": gettext_noop("We reset the passwords of all accounts involved."),
    "access_revoked": gettext_noop("We blocked the access that was used."),
    "device_remote_wiped": gettext_noop("We erased the lost device from a distance."),
    "data_restored_from_backup": gettext_noop("We restored the data from a backup."),
    "recipient_deleted_or_returned": gettext_noop(
        "The person who received the data deleted it or gave it back."
    ),
    "monitoring_in_place": gettext_noop("We are watching our systems closely for further misuse."),
}
GENERIC_MEASURES_TAKEN = gettext_noop(
    "We closed the gap and are investigating with security experts."
)
GENERIC_MEASURES_PROPOSED = gettext_noop(
    "We are improving our security to stop this from happening again."
)

#: How it happened (incidents/vectors.py). Vectors not listed ("other", "unknown") fall back
#: to the cause's sentence. Each sentence says who did what, in the active voice.
VECTORS = {
    "intrusion": gettext_noop("Criminals broke into one of our computer systems."),
    "ransomware": gettext_noop(
        "Criminals put harmful software on our systems. It locked our files, and they "
        "demanded money to unlock them."
    ),
    "phishing": gettext_noop(
        "Criminals sent a fake message to one of our staff and used it to get into our systems."
    ),
    "lost_device": gettext_noop(
        "We lost a device that held personal data, such as a laptop or a phone."
    ),
    "stolen_device": gettext_noop(
        "Someone stole a device of ours that held personal data, such as a laptop or a phone."
    ),
    "misdirected_email": gettext_noop(
        "We sent an e-mail with personal data to the wrong people by mistake."
    ),
    "misdirected_post": gettext_noop(
        "We sent a letter with personal data to the wrong address by mistake."
    ),
    "accidental_publication": gettext_noop(
        "By mistake, we made personal data visible to people who should not have seen it."
    ),
    "improper_disposal": gettext_noop(
        "We threw away documents or equipment without destroying the personal data on them first."
    ),
    "staff_misuse": gettext_noop(
        "Someone who works for us looked at or used personal data without permission."
    ),
}
#: A supplier's breach: where it happened (named when the incident names the party), then why.
SUPPLIER_NAMED = gettext_noop(
    "The breach happened at %(supplier)s, a company that handles personal data for us."
)
SUPPLIER = gettext_noop("The breach happened at a company that handles personal data for us.")
SUPPLIER_CAUSES = {
    "malicious_external": gettext_noop("Criminals got into that company's systems."),
    "malicious_insider": gettext_noop(
        "Someone who works there used personal data without permission."
    ),
    "accidental_third_party": gettext_noop("That company made a mistake."),
    "technical_fault": gettext_noop("A technical fault at that company caused it."),
}
#: An attack on the supplier named as the incident's source (after SUPPLIER_NAMED), so a
#: processor's ransomware does not read as our own systems being locked.
SUPPLIER_ATTACKS = {
    "intrusion": SUPPLIER_CAUSES["malicious_external"],
    "ransomware": gettext_noop(
        "Criminals put harmful software on that company's systems. It locked files, and they "
        "demanded money to unlock them."
    ),
    "phishing": gettext_noop(
        "Criminals sent a fake message to someone at that company and used it to get into "
        "its systems."
    ),
}
#: What the cause adds to a vector that already says how it happened.
VECTOR_CAUSE_DETAILS = {
    "accidental_third_party": gettext_noop("The mistake happened at one of our suppliers."),
    "technical_fault": gettext_noop("A technical fault caused it."),
    "malicious_insider": gettext_noop("Someone who works for us was involved."),
}
#: Whether the data on a lost, stolen or discarded device was locked (advice-library §1.27).
DEVICE_PROTECTION = {
    "none": gettext_noop("We had not protected the data with encryption."),
    "encrypted_key_safe": gettext_noop(
        "We had locked the data with strong encryption, and nobody else has the key."
    ),
    "encrypted_key_compromised": gettext_noop(
        "We had locked the data with encryption, but the key may be in the wrong hands too."
    ),
}
