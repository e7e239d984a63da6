"""SMS length: GSM-7 or UCS-2 encoding and the number of segments (notice-content.md §4).

GSM-7 fits 160 characters in one segment and 153 per segment when split; one character
outside the GSM 03.38 basic and extension tables switches the whole message to UCS-2
(70, then 67 per segment, counted in UTF-16 code units). Extension characters count twice.
Source: Twilio "How long can a message be?" and "What is UCS-2 character encoding?".
"""

from __future__ import annotations

from dataclasses import dataclass

GSM7_BASIC = (
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞ\x1bÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENSION = "^{}\\[~]|€\f"
_BASIC = frozenset(GSM7_BASIC)
_EXTENSION = frozenset(GSM7_EXTENSION)

#: A notice SMS over this many segments gets a warning (product rule: keep it to 1-2).
MAX_SEGMENTS = 3


@dataclass(frozen=True)
class SmsLength:
    encoding: str  # "GSM-7" or "UCS-2"
    units: int  # septets (GSM-7) or UTF-16 code units (UCS-2)
    segments: int
    non_gsm_characters: tuple[str, ...]

    def to_dict(self) -> dict:
        return {
            "encoding": self.encoding,
            "units": self.units,
            "segments": self.segments,
            "non_gsm_characters": list(self.non_gsm_characters),
        }


def sms_length(text: str) -> SmsLength:
    """Encoding and segment count of `text` as a carrier would send it."""
    outside = tuple(dict.fromkeys(ch for ch in text if ch not in _BASIC and ch not in _EXTENSION))
    if not outside:
        units = sum(2 if ch in _EXTENSION else 1 for ch in text)
        single, multi, encoding = 160, 153, "GSM-7"
    else:
        units = len(text.encode("utf-16-le")) // 2
        single, multi, encoding = 70, 67, "UCS-2"
    if units == 0:
        segments = 0
    elif units <= single:
        segments = 1
    else:
        segments = -(-units // multi)
    return SmsLength(encoding, units, segments, outside)
