"""Token authentication that keeps the second factor: DRF's token check, plus a refusal of a
token of a DPO, admin or superuser account that was not issued after a right TOTP code (one
obtained before the token endpoint asked for the code, or while the account needed none)."""

from rest_framework import authentication, exceptions

from breachdesk.web import twofactor

UNVERIFIED = (
    "This token was issued without the second factor that this account now needs (DPO, "
    "admin or superuser): obtain a new token at POST /api/v1/auth/token/ with username, "
    "password and the current authenticator code as otp_code."
)


class TokenNotVerified(exceptions.AuthenticationFailed):
    default_detail = UNVERIFIED
    default_code = "token_not_verified"


class TokenAuthentication(authentication.TokenAuthentication):
    def authenticate_credentials(self, key):
        user, token = super().authenticate_credentials(key)
        if not twofactor.api_token_accepted(token):
            raise TokenNotVerified()
        return user, token
