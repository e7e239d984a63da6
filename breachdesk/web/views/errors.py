"""Turn a refused operation into words on the page, naming the field when there is one."""

from django import forms
from django.core.exceptions import ValidationError

from breachdesk.errors import DomainError

# What a service raises when it refuses: shown on the page, never a 500.
Refused = (DomainError, ValidationError)


def attach(form: forms.Form, exc: DomainError | ValidationError) -> None:
    if isinstance(exc, ValidationError):
        if hasattr(exc, "error_dict"):
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            form.add_error(None, exc.messages)
        return
    field = exc.field if exc.field in form.fields else None
    form.add_error(field, exc.message)


def message_of(exc: DomainError | ValidationError) -> str:
    if isinstance(exc, ValidationError):
        return " ".join(exc.messages)
    return exc.message
