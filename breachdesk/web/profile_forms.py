"""Forms for the organisation profile and the parties: shapes and labels only; the services
in incidents/services/ (organization.py, parties.py) validate codes and decide."""

from django import forms

from incidents.models import Authority, Party
from incidents.models.organization import OrgRole
from incidents.rules import vocab
from incidents.services.parties import PARTY_FIELDS


class CodeListField(forms.CharField):
    """Codes typed as 'de, en'; the service checks them against ISO."""

    def to_python(self, value):
        text = super().to_python(value) or ""
        return [part.strip() for part in text.replace(";", ",").split(",") if part.strip()]

    def prepare_value(self, value):
        return ", ".join(value) if isinstance(value, list) else value


ESTABLISHMENT_CHOICES = [
    ("", "Derive it from the country of the main establishment"),
    ("yes", "Yes"),
    ("no", "No"),
]


def _establishment(value: str) -> bool | None:
    return {"yes": True, "no": False}.get(value)


class OrganisationForm(forms.Form):
    legal_name = forms.CharField(label="Legal name", max_length=200)
    role = forms.ChoiceField(
        label="Role",
        choices=OrgRole.choices,
        help_text="Controller, processor or both (Art. 4(7) and (8) GDPR): a processor tells "
        "its customers (Art. 33(2)), a controller the authority and the people.",
    )
    country = forms.CharField(
        label="Main establishment (country)",
        max_length=2,
        help_text="ISO 3166-1 alpha-2 code, e.g. DE. Decides the lead authority (Art. 56 GDPR).",
    )
    lead_authority = forms.ChoiceField(
        label="Lead supervisory authority",
        required=False,
        help_text="Registry code of the data-protection authority (Art. 56 GDPR).",
    )
    has_eu_establishment = forms.TypedChoiceField(
        label="Establishment in the EU/EEA",
        choices=ESTABLISHMENT_CHOICES,
        coerce=_establishment,
        empty_value=None,
        required=False,
        help_text="Art. 3(1) and 56 GDPR.",
    )
    eu_representative_country = forms.CharField(
        label="EU representative (member state)",
        max_length=2,
        required=False,
        help_text="Without an EU/EEA establishment: the member state of your EU representative, "
        "e.g. IE. Decides the NIS2 authority (Art. 26(3) NIS2).",
    )
    dpo_name = forms.CharField(label="DPO name", max_length=200, required=False)
    dpo_email = forms.EmailField(label="DPO e-mail", required=False)
    dpo_phone = forms.CharField(
        label="DPO phone", max_length=32, required=False, help_text="E.164, e.g. +4930123456."
    )
    sectors = forms.MultipleChoiceField(
        label="Sectors",
        choices=vocab.ENTITY_TYPES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Decide whether NIS2, DORA, HIPAA and other sector regimes apply.",
    )
    languages = CodeListField(
        label="Languages",
        required=False,
        help_text="ISO 639-1 codes separated by commas, e.g. de, en.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        dpas = Authority.objects.active().filter(kind="dpa").order_by("code")
        self.fields["lead_authority"].choices = [("", "None")] + [
            (a.code, f"{a.code} — {a.name}") for a in dpas.only("code", "name")
        ]

    @staticmethod
    def initial_from(org) -> dict:
        if org is None:
            return {}
        initial = {name: getattr(org, name) for name in OrganisationForm.base_fields}
        initial["has_eu_establishment"] = {True: "yes", False: "no"}.get(org.has_eu_establishment)
        return initial


class PartyForm(forms.Form):
    """The party's fields as the model labels them (PARTY_FIELDS, the service's list)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields.update(forms.fields_for_model(Party, fields=PARTY_FIELDS))
        self.fields["name"].label = "Name"
        self.fields["contact_name"].label = "Contact person"
        self.fields["email"].label = "E-mail"
        self.fields["phone"].label = "Phone"
        self.fields["language"].label = "Language"
        self.fields["notice_hours"].label = "Notice period (hours)"
        self.fields["contract_reference"].label = "Contract reference"
        self.fields["active"].label = "Active"
        self.fields["active"].help_text = "Inactive parties are kept for their incidents."

    @staticmethod
    def initial_from(party: Party) -> dict:
        return {name: getattr(party, name) for name in PARTY_FIELDS}
