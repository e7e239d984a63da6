"""The one hash of filing content: SHA-256 of canonical JSON (sorted keys, no spaces, UTF-8)."""

import hashlib
import json
from typing import Any


def content_hash(value: Any) -> str:
    data = json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(data.encode()).hexdigest()
