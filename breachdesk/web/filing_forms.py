"""Filing forms: draft for an obligation and phase, edit the text elements, record the
submission (date, channel, the authority's reference)."""

from django import forms

from breachdesk.web.incident_forms import when
from notifications.filings.models import FilingChannel


class NewFilingForm(forms.Form):
    target = forms.ChoiceField(
        label="Obligation and phase",
        help_text="Each authority duty of this incident with the phases of its regime.",
    )

    def __init__(self, *args, choices: list[tuple[str, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["target"].choices = choices

    def target_values(self) -> tuple[int, str]:
        obligation, phase = self.cleaned_data["target"].split(":", 1)
        return int(obligation), phase


class SubmitFilingForm(forms.Form):
    submitted_at = when("Submitted at", "When it reached the authority (your time zone).")
    channel = forms.ChoiceField(label="Channel", choices=FilingChannel.choices)
    authority_reference = forms.CharField(
        label="Authority's reference",
        required=False,
        max_length=200,
        help_text="The case number the authority gave, if any.",
    )
    reasons_for_delay = forms.CharField(
        label="Reasons for the delay",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Required when filed after the deadline (Art. 33(1) GDPR: "
        "'accompanied by reasons for the delay').",
    )

    def clean_submitted_at(self):
        value = self.cleaned_data["submitted_at"]
        if value is None:
            raise forms.ValidationError("Give the date and time of the submission.")
        return value


class FollowUpForm(forms.Form):
    follow_up_by = when(
        "Further information will follow by",
        "Art. 33(4) GDPR: information may be provided in phases. An incomplete initial "
        "notification states what will follow (above) and by when.",
    )
