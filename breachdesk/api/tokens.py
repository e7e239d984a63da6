"""The API token endpoint: a username and password, plus the current TOTP code for the
accounts that sign in to the workspace with a second factor (DPO, admin, superusers).

A token is as strong as the sign-in it replaces, so the token endpoint applies the web
sign-in's rule (`breachdesk.web.twofactor.second_factor_required`). A wrong code gets the
same answer as a wrong password and counts as a failed login for the lockout (django-axes),
like a wrong code on `/login/verify/`; django-otp also refuses codes from a device for a
doubling number of seconds after each wrong one, and accepts each code only once.

A token issued with a right code is recorded as such (`web.TokenVerification`); a token of
such an account without that record (issued before the code was asked, or while the account
needed none) is refused on every request (`breachdesk.api.authentication`), and the next
token obtained with a code is a new key.
"""

from django.contrib.auth.signals import user_login_failed
from rest_framework import serializers
from rest_framework.authtoken import serializers as authtoken
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.throttling import AnonRateThrottle

from breachdesk.web import twofactor

WRONG_CREDENTIALS = "Unable to log in with provided credentials."
CODE_NEEDED = (
    "This account signs in with a second factor: send the current 6-digit code of its "
    "authenticator app as otp_code (an account without one enrols at /login/ first)."
)


class AuthTokenSerializer(authtoken.AuthTokenSerializer):
    """DRF's serializer (same name, so the schema's AuthToken components keep theirs)."""

    otp_code = serializers.CharField(
        required=False,
        allow_blank=True,
        write_only=True,
        max_length=16,
        help_text="The current TOTP code; required for DPO and admin accounts and superusers.",
    )

    def validate(self, attrs):
        attrs = super().validate(attrs)  # the password (and the lockout) first
        user = attrs["user"]
        attrs["second_factor_verified"] = False
        if not twofactor.second_factor_required(user):
            return attrs
        code = attrs.get("otp_code")
        if not code:
            raise serializers.ValidationError({"otp_code": [CODE_NEEDED]})
        device = twofactor.confirmed_device(user)
        if device is None or twofactor.verify(device, code) is not None:
            user_login_failed.send(
                sender=__name__,
                credentials={"username": user.get_username()},
                request=self.context.get("request"),
            )
            raise serializers.ValidationError(WRONG_CREDENTIALS, code="authorization")
        attrs["second_factor_verified"] = True
        return attrs


class TokenObtainApi(ObtainAuthToken):
    """Exchange a username and password (and, for DPO and admin accounts, the current TOTP
    code as `otp_code`) for an API token (lockout after repeated failures)."""

    serializer_class = AuthTokenSerializer
    throttle_classes = [AnonRateThrottle]
    parser_classes = api_settings.DEFAULT_PARSER_CLASSES  # the API's JSON parser only

    def post(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        token = twofactor.api_token_issue(
            user=serializer.validated_data["user"],
            second_factor_verified=serializer.validated_data["second_factor_verified"],
        )
        return Response({"token": token.key})
