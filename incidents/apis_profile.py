"""The organisation's legal profile: the authority registry and the organisation itself.

Views authenticate, authorise, parse, call one service or selector, serialise.
"""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import generics, serializers
from rest_framework.exceptions import NotFound
from rest_framework.response import Response
from rest_framework.views import APIView

from breachdesk.api.permissions import has_perm
from incidents import selectors
from incidents.filters import AuthorityFilter
from incidents.models import Authority, Organization
from incidents.models.organization import OrgRole
from incidents.rules import authorities as registry_data
from incidents.rules import regions
from incidents.services import organization as organization_services
from incidents.services.authorities import SYNCED_FIELDS

CanViewAuthorities = has_perm("incidents.view_authority")


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


class OrganizationInputSerializer(serializers.Serializer):
    """Shape and types only; the service checks codes against ISO, the registry, the vocab."""

    legal_name = serializers.CharField(max_length=200)
    role = serializers.ChoiceField(choices=OrgRole.choices)
    country = serializers.CharField(max_length=2)
    lead_authority = serializers.CharField(
        max_length=registry_data.CODE_MAX_LENGTH, allow_blank=True
    )
    has_eu_establishment = serializers.BooleanField(allow_null=True)
    eu_representative_country = serializers.CharField(max_length=2, allow_blank=True)
    dpo_name = serializers.CharField(max_length=200, allow_blank=True)
    dpo_email = serializers.EmailField(allow_blank=True)
    dpo_phone = serializers.CharField(max_length=32, allow_blank=True)
    sectors = serializers.ListField(child=serializers.CharField(), allow_empty=True)
    languages = serializers.ListField(child=serializers.CharField(), allow_empty=True)

    def validate(self, attrs):
        unknown = sorted(set(self.initial_data) - set(self.fields))
        if unknown:
            raise serializers.ValidationError({unknown[0]: ["Unknown field."]})
        return attrs


class LeadAuthoritySerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    url = serializers.CharField(source="report_url")


class OrganizationOutputSerializer(serializers.ModelSerializer):
    eu_establishment = serializers.SerializerMethodField(
        help_text="has_eu_establishment, or derived from country when it is null."
    )
    lead_authority_detail = serializers.SerializerMethodField()

    class Meta:
        model = Organization
        fields = [
            *organization_services.EDITABLE_FIELDS,
            "eu_establishment",
            "lead_authority_detail",
            "updated_at",
        ]

    def get_eu_establishment(self, org: Organization) -> bool:
        if org.has_eu_establishment is not None:
            return org.has_eu_establishment
        return org.country in regions.EEA_MEMBER_STATES

    @extend_schema_field(LeadAuthoritySerializer(allow_null=True))
    def get_lead_authority_detail(self, org: Organization) -> dict | None:
        authority = Authority.objects.filter(code=org.lead_authority).first()
        return LeadAuthoritySerializer(authority).data if authority else None


class OrganizationUpdateOutputSerializer(OrganizationOutputSerializer):
    """The profile after the change, the changed fields (old -> new) and, per open incident
    re-planned, the obligations added, removed, re-timed and re-addressed (authority)."""

    changes = serializers.JSONField(read_only=True)
    replanned = serializers.JSONField(read_only=True)

    class Meta(OrganizationOutputSerializer.Meta):
        fields = [*OrganizationOutputSerializer.Meta.fields, "changes", "replanned"]


class OrganizationApi(APIView):
    """The organisation profile: everyone may read it; admin and DPO may change it."""

    def get_permissions(self):
        if self.request.method == "PATCH":
            return [has_perm("incidents.change_organization")()]
        return [has_perm("incidents.view_organization")()]

    @extend_schema(responses=OrganizationOutputSerializer)
    def get(self, request):
        org = selectors.organization_current()
        if org is None:
            raise NotFound("No organisation profile yet: PATCH it with legal_name and country.")
        return Response(OrganizationOutputSerializer(org).data)

    @extend_schema(
        request=OrganizationInputSerializer, responses=OrganizationUpdateOutputSerializer
    )
    def patch(self, request):
        data = OrganizationInputSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        result = organization_services.organization_update(
            actor=request.user, changes=dict(data.validated_data)
        )
        body = OrganizationOutputSerializer(result.organization).data
        return Response({**body, "changes": result.changes, "replanned": result.replanned})
