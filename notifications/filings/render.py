"""Renditions of a filing: the structured document (JSON), printable HTML and PDF.

`document()` is the single source: the snapshot frozen at submission is exactly this
document, and HTML/PDF are rendered from it, so what is printed is what was filed.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.template.loader import render_to_string

from breachdesk.errors import InvalidInput
from breachdesk.timeutils import iso
from incidents.rules import phases as phase_rules
from notifications.documents import html_to_pdf
from notifications.filings import labels
from notifications.filings.models import Filing
from notifications.filings.selectors import filing_changes, filing_content, filing_regime_phase

FORMAT = "breachdesk.filing/1"
# The shared page setup numbers pages "n / N" at the bottom centre; a filing says
# "Page n of N" in its own language at the bottom right (template), so the centre is cleared.
PAGE_CSS = "@page { @bottom-center { content: none; } }"


def _when(text: Any) -> str:
    """A timestamp as printed; a value that is not one (written by hand) is shown as it is."""
    if not text:
        return ""
    try:
        value = datetime.fromisoformat(str(text).replace("Z", "+00:00"))
    except ValueError:
        return str(text)
    return value.strftime("%Y-%m-%d %H:%M UTC")


def _number(value: Any) -> str:
    return (
        f"{value:,}"
        if isinstance(value, int | float) and not isinstance(value, bool)
        else str(value)
    )


def display(code: str, value: Any, language: str) -> str:
    """Human text of one element value in the filing's language."""
    if phase_rules.is_empty(value):
        return ""
    if isinstance(value, bool):
        return labels.text("yes" if value else "no", language)
    if isinstance(value, int | float):
        return f"{value:,}"
    if isinstance(value, str):
        if code.endswith("_datetime") and "T" in value:
            return _when(value)
        return value
    if isinstance(value, list):
        if value and isinstance(value[0], dict):
            return "; ".join(
                ", ".join(f"{v}" for v in row.values() if v not in (None, "")) for row in value
            )
        return ", ".join(str(v).replace("_", " ") for v in value)
    if isinstance(value, dict):
        return _display_object(code, value, language)
    return str(value)


def _display_object(code: str, value: dict[str, Any], language: str) -> str:
    if {"count", "min", "max"} & set(value):
        parts = []
        if value.get("count") is not None:
            parts.append(_number(value["count"]))
        if value.get("min") is not None or value.get("max") is not None:
            low = _number(value["min"]) if value.get("min") is not None else "?"
            high = _number(value["max"]) if value.get("max") is not None else "?"
            parts.append(f"({low} - {high})")
        return " ".join(parts)
    if code == "date_of_breach":
        return " - ".join(_when(v) for v in (value.get("from"), value.get("to")) if v)
    if code == "date_discovered":
        text = _when(value.get("aware_at"))
        return f"{text}: {value['basis']}" if value.get("basis") else text
    if code == "cross_border":
        yes_no = labels.text("yes" if value.get("cross_border") else "no", language)
        return f"{yes_no} ({', '.join(value.get('countries') or [])})"
    if code == "notice_copy":
        when = _when(value.get("approved_at"))
        digest = str(value.get("content_hash", ""))[:16]
        return (
            f"{value.get('attachment', '')}: notice {value.get('notice')} "
            f"v{value.get('version')}, {when}, SHA-256 {digest}…"
        )
    if code == "incident_reference":
        return " / ".join(str(v) for v in (value.get("ours"), value.get("authority")) if v)
    return "; ".join(f"{k.replace('_', ' ')}: {v}" for k, v in value.items() if v not in (None, ""))


def document(filing: Filing) -> dict[str, Any]:
    """The filing as structured data: header, every element with label and citation, changes."""
    if filing.snapshot is not None:
        return filing.snapshot
    regime, spec = filing_regime_phase(filing.obligation, filing.phase)
    language = filing.language
    content = filing_content(filing)
    extras = [phase_rules.DELAY_ELEMENT, phase_rules.TO_FOLLOW_ELEMENT]
    codes = list(dict.fromkeys([*spec.elements, *spec.recommended, *content, *extras]))
    elements = []
    for code in codes:
        value = content.get(code)
        if code in spec.elements:
            requirement, citation = "required", spec.elements[code]
        elif code in spec.recommended:
            requirement, citation = "recommended", spec.recommended[code]
        elif code == phase_rules.DELAY_ELEMENT:
            requirement, citation = "if_late", regime.delay_reasons_citation
        else:
            requirement, citation = "optional", ""
        if requirement in ("if_late", "optional") and phase_rules.is_empty(value):
            continue
        elements.append(
            {
                "code": code,
                "label": labels.element(code, language),
                "citation": citation,
                "requirement": requirement,
                "value": value,
                "display": display(code, value, language),
            }
        )
    from_filing = {
        "submitted_at": iso(filing.submitted_at),
        "channel": filing.channel,
        "authority_reference": filing.authority_reference,
        "late": filing.late,
        "late_by_seconds": filing.late_by_seconds,
        "due_at": iso(filing.due_at),
        "met_obligations": list(filing.met_obligations),
    }
    return {
        "format": FORMAT,
        "filing_id": filing.pk,
        "incident_reference": filing.incident.reference,
        "regime": regime.key,
        "regime_name": regime.name,
        "regime_citation": regime.citation,
        "phase": filing.phase,
        "phase_label": labels.phase(filing.phase, language, spec.label),
        "phase_citation": spec.citation,
        "obligation_rule": filing.obligation.rule_code,
        "obligation_citation": filing.obligation.citation,
        "recipient": filing.recipient,
        "recipient_details": filing.recipient_details,
        "version": filing.version,
        "language": language,
        "status": filing.status,
        "follow_up_by": iso(filing.follow_up_by),
        **from_filing,
        "content": content,
        "elements": elements,
        "changes": filing_changes(filing),
        "previous_filing_id": filing.previous_id,
    }


def relabel(doc: dict[str, Any], language: str) -> dict[str, Any]:
    """The same document with labels in another language (values are never translated)."""
    if language not in labels.LANGUAGES:
        raise InvalidInput(f"lang must be one of {', '.join(labels.LANGUAGES)}.", field="lang")
    elements = [
        {
            **element,
            "label": labels.element(element["code"], language),
            "display": display(element["code"], element["value"], language),
        }
        for element in doc["elements"]
    ]
    phase_label = labels.phase(doc["phase"], language, doc["phase_label"])
    return {**doc, "language": language, "elements": elements, "phase_label": phase_label}


def text(doc: dict[str, Any]) -> str:
    """Plain-text rendition (the body of an e-mail), labels in the document's language."""
    language = doc["language"]
    controller = doc["recipient_details"].get("audience") == "controller"
    lines = [
        labels.text("title_controller" if controller else "title", language),
        "",
        f"{labels.text('incident_reference', language)}: {doc['incident_reference']}",
        f"{labels.text('recipient', language)}: {doc['recipient']}",
        f"{labels.text('phase', language)}: {doc['phase_label']}",
        f"{labels.text('version', language)}: {doc['version']}",
        f"{labels.text('legal_basis', language)}: {doc['phase_citation']}",
    ]
    if doc.get("follow_up_by"):
        lines.append(f"{labels.text('follow_up_by', language)}: {_when(doc['follow_up_by'])}")
    for element in doc["elements"]:
        value = element["display"] or labels.text("not_provided", language)
        lines += ["", f"{element['label']} ({element['citation']})", value]
    if doc.get("changes"):
        lines += ["", labels.text("changes", language)]
        for change in doc["changes"]:
            before = display(change["element"], change["before"], language) or "-"
            after = display(change["element"], change["after"], language) or "-"
            lines.append(f"- {labels.element(change['element'], language)}: {before} -> {after}")
    return "\n".join(lines) + "\n"


def _css(text: str) -> str:
    """A string safe inside a CSS "..." in a <style> element (page header and footer)."""
    return text.replace("\\", "\\\\").replace('"', '\\"').replace("<", " ").replace("\n", " ")


def html(doc: dict[str, Any]) -> str:
    """Printable HTML of a document, labels in the document's language."""
    language = doc["language"]
    controller = doc["recipient_details"].get("audience") == "controller"
    words = {
        key: labels.text(key, language)
        for key in (
            "incident_reference",
            "recipient",
            "phase",
            "version",
            "submitted",
            "draft",
            "channel",
            "authority_reference",
            "legal_basis",
            "page",
            "of",
            "changes",
            "before",
            "after",
            "not_provided",
            "follow_up_by",
            "attachment",
        )
    }
    changes = [
        {
            **change,
            "label": labels.element(change["element"], language),
            "before_text": display(change["element"], change["before"], language),
            "after_text": display(change["element"], change["after"], language),
        }
        for change in doc.get("changes", [])
    ]
    return render_to_string(
        "filings/filing.html",
        {
            "doc": doc,
            "words": words,
            "title": labels.text("title_controller" if controller else "title", language),
            "submitted_at": _when(doc.get("submitted_at")),
            "follow_up_by": _when(doc.get("follow_up_by")),
            "changes": changes,
            "attachments": doc.get("attachments", []),
            "css": {
                "top_left": _css(f"{words['incident_reference']}: {doc['incident_reference']}"),
                "top_right": _css(f"{doc['phase_label']} · {words['version']} {doc['version']}"),
                "bottom_left": _css(
                    f"{words['submitted']} {_when(doc.get('submitted_at'))} ({doc['channel']})"
                    if doc.get("submitted_at")
                    else words["draft"]
                ),
                "page": _css(words["page"]),
                "of": _css(words["of"]),
            },
        },
    )


def pdf(doc: dict[str, Any]) -> bytes:
    """PDF of a document through the shared helper; header, stamp and "Page n of N" footer."""
    return html_to_pdf(html(doc), extra_css=PAGE_CSS)
