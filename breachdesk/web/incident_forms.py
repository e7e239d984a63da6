"""Incident forms: the facts grouped as a DPO thinks, each group citing the law it serves,
and the risk facts as plain questions (the wizard). Services validate and decide."""

from django import forms
from django.contrib.auth import get_user_model

from incidents.risk import vocab
from incidents.vectors import LABELS as VECTOR_LABELS
from incidents.vectors import VECTORS


def _choices(values: tuple[str, ...], *, blank: str | None = "Not known yet") -> list:
    options = [(v, v.replace("_", " ").capitalize()) for v in values]
    return ([("", blank)] if blank is not None else []) + options


class CountriesField(forms.CharField):
    """ISO codes typed as 'DE, AT, US-CA'; the service checks them."""

    def to_python(self, value):
        text = super().to_python(value) or ""
        return [part.strip().upper() for part in text.replace(";", ",").split(",") if part.strip()]

    def prepare_value(self, value):
        return ", ".join(value) if isinstance(value, list) else value


def when(label: str, help_text: str) -> forms.DateTimeField:
    return forms.DateTimeField(
        label=label,
        required=False,
        help_text=help_text,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )


class FactGroup:
    def __init__(self, title: str, law: str, fields: tuple[str, ...]):
        self.title, self.law, self.fields = title, law, fields


FACT_GROUPS = (
    FactGroup(
        "What happened",
        "Art. 33(3)(a) GDPR: describe the nature of the breach.",
        (
            "title",
            "summary",
            "vector",
            "occurred_from",
            "occurred_to",
            "detected_at",
            "contained_at",
        ),
    ),
    FactGroup(
        "Awareness: when the clock started",
        "Art. 33(1) GDPR: notify within 72 hours of becoming aware. EDPB Guidelines 9/2022 "
        "para. 31: aware = a reasonable degree of certainty that a security incident "
        "compromised personal data.",
        ("aware_at", "aware_basis", "aware_at_reason", "classified_major_at"),
    ),
    FactGroup(
        "Whose data, how much, where",
        "Art. 33(3)(a) GDPR: categories and approximate number of data subjects and records; "
        "the countries decide which authorities and other laws apply.",
        (
            "countries",
            "subjects_count",
            "subjects_min",
            "subjects_max",
            "records_count",
            "records_min",
            "records_max",
        ),
    ),
    FactGroup(
        "Consequences and measures",
        "Art. 33(3)(c) and (d) GDPR: likely consequences; measures taken or proposed, "
        "including to mitigate possible adverse effects.",
        ("likely_consequences", "measures_taken", "measures_proposed", "assignee"),
    ),
)


def _count(label: str, help_text: str = "") -> forms.IntegerField:
    return forms.IntegerField(label=label, required=False, min_value=0, help_text=help_text)


class IncidentFactsForm(forms.Form):
    title = forms.CharField(max_length=200, help_text="A short name colleagues will recognise.")
    summary = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 3}), help_text="What is known now."
    )
    vector = forms.ChoiceField(
        label="How it happened",
        choices=[("", "Not recorded")] + [(v, VECTOR_LABELS[v]) for v in VECTORS],
        required=False,
        help_text="Shapes the notice's \u201cwhat happened\u201d sentence and the filing's "
        "nature of the breach; must fit the cause (EDPB Guidelines 01/2021 scenarios).",
    )
    occurred_from = when("Breach started", "Best estimate; leave empty if unknown.")
    occurred_to = when("Breach ended", "Empty while it may still be going on.")
    detected_at = when("Detected", "When a system or person first noticed something.")
    contained_at = when("Contained", "When the breach was stopped.")
    aware_at = when(
        "Became aware",
        "Starts every legal clock. Changing it later re-times them and needs a reason.",
    )
    aware_basis = forms.CharField(
        label="Why then",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="What gave a reasonable degree of certainty at that moment (recorded).",
    )
    classified_major_at = when(
        "Classified as major (DORA)",
        "Financial entities: the DORA initial report is due 4 hours later (at the latest 24 "
        "hours after becoming aware).",
    )
    aware_at_reason = forms.CharField(
        label="Reason for changing the awareness time",
        required=False,
        help_text="Only when correcting an awareness time already set (Art. 33(5) record).",
    )
    countries = CountriesField(
        label="Countries and regions",
        required=False,
        help_text="ISO codes separated by commas, e.g. DE, AT, US-CA.",
    )
    subjects_count = _count("People affected", "Best figure; or give a range below.")
    subjects_min = _count("People affected, at least")
    subjects_max = _count("People affected, at most", "Thresholds use the upper figure.")
    records_count = _count("Records affected")
    records_min = _count("Records affected, at least")
    records_max = _count("Records affected, at most")
    likely_consequences = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))
    measures_taken = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))
    measures_proposed = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))
    assignee = forms.ModelChoiceField(
        label="Owner",
        queryset=get_user_model().objects.filter(is_active=True).order_by("username"),
        required=False,
        empty_label="Unassigned",
    )

    def grouped(self):
        return [(group, [self[name] for name in group.fields]) for group in FACT_GROUPS]


class NewIncidentForm(forms.Form):
    title = IncidentFactsForm.base_fields["title"]
    summary = IncidentFactsForm.base_fields["summary"]
    vector = IncidentFactsForm.base_fields["vector"]
    detected_at = IncidentFactsForm.base_fields["detected_at"]
    aware_at = IncidentFactsForm.base_fields["aware_at"]
    aware_basis = IncidentFactsForm.base_fields["aware_basis"]
    countries = IncidentFactsForm.base_fields["countries"]


# ---------------------------------------------------------------------------- the wizard


def _pick(label: str, values: tuple[str, ...], help_text: str) -> forms.ChoiceField:
    return forms.ChoiceField(
        label=label,
        choices=_choices(values),
        required=False,
        help_text=help_text,
        widget=forms.RadioSelect,
    )


def _many(label: str, values: tuple[str, ...], help_text: str) -> forms.MultipleChoiceField:
    return forms.MultipleChoiceField(
        label=label,
        choices=_choices(values, blank=None),
        required=False,
        help_text=help_text,
        widget=forms.CheckboxSelectMultiple,
    )


def _yes_no(label: str, help_text: str) -> forms.TypedChoiceField:
    return forms.TypedChoiceField(
        label=label,
        choices=[("", "Not known yet"), ("true", "Yes"), ("false", "No")],
        coerce=lambda v: v == "true",
        empty_value=None,
        required=False,
        help_text=help_text,
        widget=forms.RadioSelect,
    )


class KindStep(forms.Form):
    title = "What kind of breach is it?"
    law = "EDPB Guidelines 9/2022 para. 15: confidentiality, integrity and availability breaches."
    breach_types = _many(
        "Which security properties were lost?",
        vocab.BREACH_TYPES,
        "Confidentiality: seen by someone who should not. Integrity: altered. "
        "Availability: lost or unreachable.",
    )
    cause = _pick("What caused it?", vocab.CAUSES, "Malice usually raises the likelihood of harm.")


class DataStep(forms.Form):
    title = "What data is involved?"
    law = "Art. 9 and 10 GDPR (special categories, criminal records); ENISA 2013 DPC scores."
    data_categories = _many(
        "Which kinds of personal data?", vocab.DATA_CATEGORIES, "Tick all that apply."
    )
    credentials_protection = _pick(
        "If passwords were involved, how were they stored?",
        vocab.CREDENTIALS_PROTECTION,
        "Only matters when credentials are among the data.",
    )


class PeopleStep(forms.Form):
    title = "Whose data, and how identifiable?"
    law = "EDPB Guidelines 9/2022 para. 112: vulnerable people and ease of identification."
    subject_categories = _many(
        "Who are the people affected?", vocab.SUBJECT_CATEGORIES, "Tick all that apply."
    )
    identifiability = _pick(
        "How easily can the people be identified from the data?",
        vocab.IDENTIFIABILITY,
        "Direct: names or IDs; negligible: practically impossible.",
    )
    subjects_count = _count("About how many people?", "A best estimate is better than nothing.")
    records_count = _count("About how many records?")


class ExposureStep(forms.Form):
    title = "Who could see or use the data?"
    law = "Art. 34(3)(a) GDPR: data unintelligible to others (e.g. encrypted) may exempt."
    exposure = _pick(
        "How far did the data go?",
        vocab.EXPOSURE,
        "From 'none' (no one saw it) to 'published' (anyone can).",
    )
    data_protection = _pick(
        "Was the data encrypted or pseudonymised?",
        vocab.DATA_PROTECTION,
        "Encryption only helps if the key was not compromised too.",
    )


class ImpactStep(forms.Form):
    title = "Was data lost, unavailable or altered?"
    law = "EDPB Guidelines 9/2022 para. 19-24: availability and integrity breaches."
    availability_impact = _pick(
        "Could the data not be reached for a while?", vocab.AVAILABILITY_IMPACT, ""
    )
    availability_hours = forms.FloatField(label="For how many hours?", required=False, min_value=0)
    backup_available = _yes_no("Is there a usable backup?", "")
    integrity_impact = _pick("Was data altered?", vocab.INTEGRITY_IMPACT, "")


class ContextStep(forms.Form):
    title = "Context and what has been done"
    law = "Art. 34(3)(b) GDPR: measures that make high risk no longer likely may exempt; "
    law += "Art. 34(3)(c): disproportionate effort allows a public communication instead."
    sensitive_context = _yes_no(
        "Does the context reveal something sensitive?",
        "E.g. a customer list of a clinic or of a debt collector.",
    )
    mitigations = _many(
        "What has already been done to limit harm?", vocab.MITIGATIONS, "Tick all that apply."
    )
    contact_effort = _pick("Could each person be contacted individually?", vocab.CONTACT_EFFORT, "")


WIZARD_STEPS = (KindStep, DataStep, PeopleStep, ExposureStep, ImpactStep, ContextStep)


class OverrideForm(forms.Form):
    risk_level = forms.ChoiceField(
        label="Risk level you decide",
        choices=_choices(vocab.RISK_LEVELS, blank=None),
        widget=forms.RadioSelect,
        help_text="Unlikely: no notification. Risk: notify the authority (Art. 33). "
        "High: also tell the people affected (Art. 34).",
    )
    communication_mode = forms.ChoiceField(
        label="How to tell the people affected",
        choices=[("", "As the method suggests"), *_choices(vocab.COMMUNICATION_MODES, blank=None)],
        required=False,
    )
    justification = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=20000,
        help_text="Required: recorded in the register and the audit trail (Art. 33(5)).",
    )


class TransitionForm(forms.Form):
    to = forms.CharField(widget=forms.HiddenInput)
    comment = forms.CharField(
        label="Reason or comment",
        required=False,
        max_length=20000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Required when dismissing or judging not notifiable (Art. 33(5) register).",
    )


class CommentForm(forms.Form):
    text = forms.CharField(
        label="Add a comment", widget=forms.Textarea(attrs={"rows": 3}), max_length=20000
    )
