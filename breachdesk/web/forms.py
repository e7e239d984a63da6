"""Forms of the workspace: shapes and labels only; services decide what is allowed."""

from django import forms

from breachdesk.web.models import UserPreference, time_zone_choices


class LoginForm(forms.Form):
    username = forms.CharField(
        max_length=150,
        widget=forms.TextInput(attrs={"autocomplete": "username", "autofocus": True}),
    )
    password = forms.CharField(
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"})
    )


class CodeForm(forms.Form):
    code = forms.CharField(
        label="Six-digit code from your authenticator app",
        max_length=10,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}
        ),
    )


class PreferenceForm(forms.ModelForm):
    time_zone = forms.ChoiceField(
        choices=time_zone_choices,
        help_text="Deadlines and timestamps are shown in this zone. They are stored in UTC.",
    )

    class Meta:
        model = UserPreference
        fields = ["time_zone"]
