"""Campaign forms: shapes and labels only; notifications.campaigns.services decides."""

from django import forms

from notifications.channels.base import CHANNEL_KINDS

CHANNEL_LABELS = {"email": "E-mail", "sms": "SMS"}


class NewCampaignForm(forms.Form):
    name = forms.CharField(
        label="Name of the send-out",
        max_length=200,
        initial="Notice to the people affected",
    )
    channels = forms.MultipleChoiceField(
        label="Channels",
        widget=forms.CheckboxSelectMultiple,
        help_text="Each person is sent the notice once per channel they have an address for.",
    )
    default_language = forms.ChoiceField(
        label="Language for people without one",
        help_text="A person's own language is used when the notice has it.",
    )

    def __init__(self, *args, languages: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["channels"].choices = [(c, CHANNEL_LABELS.get(c, c)) for c in CHANNEL_KINDS]
        self.fields["channels"].initial = ["email"]
        self.fields["default_language"].choices = [(lang, lang) for lang in languages]


class ImportForm(forms.Form):
    file = forms.FileField(
        label="Recipient list (CSV)",
        help_text="Columns: email, phone, language, region (or country), name, address; any "
        "other column is a merge field. Bad rows are reported by line, never imported.",
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
    )


class StartForm(forms.Form):
    delay_reason = forms.CharField(
        label="Reason for the delay",
        required=False,
        max_length=20_000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Only if a duty this notice meets is past its deadline (or will be when the "
        "send-out completes): the duty is then met late with this reason. Without one it stays "
        "open for a DPO to meet by hand.",
    )
