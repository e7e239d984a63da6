"""The organisation's legal profile: the authority registry (and, later, the organisation).

Views authenticate, authorise, parse, call one service or selector, serialise.
"""

import django_filters
from django.db.models import Q
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from breachdesk.api.permissions import has_perm
from incidents import selectors
from incidents.models import Authority
from incidents.rules import authorities as registry_data
from incidents.services.authorities import SYNCED_FIELDS

CanViewAuthorities = has_perm("incidents.view_authority")


class AuthorityFilter(django_filters.FilterSet):
    jurisdiction = django_filters.CharFilter(
        method="filter_jurisdiction",
        label="ISO country or subdivision; a country (US) also finds its subdivisions (US-CA)",
    )
    region = django_filters.ChoiceFilter(choices=registry_data.REGIONS)
    kind = django_filters.ChoiceFilter(choices=registry_data.KINDS)
    q = django_filters.CharFilter(method="filter_text", label="Code or name contains")

    class Meta:
        model = Authority
        fields: list[str] = []

    def filter_jurisdiction(self, queryset, name, value):
        code = value.strip().upper()
        query = Q(jurisdiction=code)
        if "-" not in code:
            query |= Q(jurisdiction__startswith=f"{code}-")
        return queryset.filter(query)

    def filter_text(self, queryset, name, value):
        value = value.strip()
        return queryset.filter(
            Q(code__icontains=value) | Q(name__icontains=value) | Q(name_native__icontains=value)
        )


class AuthorityOutputSerializer(serializers.ModelSerializer):
    report_url = serializers.CharField(read_only=True)
    local_edits = serializers.ListField(child=serializers.CharField(), read_only=True)

    class Meta:
        model = Authority
        fields = [
            "code",
            *SYNCED_FIELDS,
            "report_url",
            "local_edits",
            "retired_at",
            "updated_at",
        ]


class AuthorityListApi(generics.ListAPIView):
    """The authority registry: every recipient an obligation can name."""

    permission_classes = [CanViewAuthorities]
    serializer_class = AuthorityOutputSerializer
    filterset_class = AuthorityFilter

    def get_queryset(self):
        return selectors.authority_list()


class AuthorityDetailApi(APIView):
    permission_classes = [CanViewAuthorities]

    @extend_schema(responses=AuthorityOutputSerializer)
    def get(self, request, code: str):
        authority = get_object_or_404(Authority, code__iexact=code.strip())
        return Response(AuthorityOutputSerializer(authority).data)
