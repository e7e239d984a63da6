"""Take contact details out of provider texts before they are stored (pure, no Django).

Provider answers quote the address they refused: a SendGrid bounce's `reason` reads e.g.
"550 5.1.1 <ann@example.com>: Recipient address rejected". Those texts land in columns that
are not encrypted and are kept after a campaign's contact data is purged (receipts, the
error of a delivery or message), so every e-mail address and E.164 phone number in them is
replaced by a placeholder.
"""

import re

PLACEHOLDER = "<recipient>"
# An e-mail address as providers quote it (anything around an @ up to a space, bracket,
# quote or separator); and a phone number in international form (a plus, then 7 to 15
# digits, maybe grouped). SMTP status codes ("550 5.1.1") have no plus and are kept.
_EMAIL = re.compile(r"[^\s<>()\[\]\"',;:]+@[^\s<>()\[\]\"',;:]+")
_PHONE = re.compile(r"\+\d(?:[\s().-]?\d){6,14}")


def redact_contacts(text: str) -> str:
    """The text with every e-mail address and international phone number replaced."""
    if not text or ("@" not in text and "+" not in text):
        return text
    return _PHONE.sub(PLACEHOLDER, _EMAIL.sub(PLACEHOLDER, text))
