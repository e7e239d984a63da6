"""Small permission classes composed with & | ~ in the views."""

from rest_framework.permissions import BasePermission


def has_perm(codename: str) -> type[BasePermission]:
    """A permission class requiring one Django permission (e.g. "incidents.add_incident")."""

    class _HasPerm(BasePermission):
        message = f"Your role does not allow this (needs {codename})."

        def has_permission(self, request, view) -> bool:
            user = request.user
            return bool(user and user.is_authenticated and user.has_perm(codename))

    _HasPerm.__name__ = f"HasPerm[{codename}]"
    return _HasPerm
