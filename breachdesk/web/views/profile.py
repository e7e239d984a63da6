"""The organisation profile, the parties (customers, processors, sub-processors) and the
authority registry. Writes go through incidents/services (organization_update,
party_create/update/delete) with the permissions the API checks; everyone else reads."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from breachdesk.web.profile_forms import OrganisationForm, PartyForm
from breachdesk.web.views.access import workspace_view
from breachdesk.web.views.errors import Refused, attach, message_of
from incidents import selectors
from incidents.filters import AuthorityFilter
from incidents.models import Party
from incidents.models.party import PartyKind
from incidents.services import organization as organization_services
from incidents.services import parties as party_services

PAGE_SIZE = 50


def _require(request: HttpRequest, perm: str) -> None:
    if not request.user.has_perm(perm):
        raise PermissionDenied(f"Your role lacks {perm}.")


@workspace_view("incidents.view_organization")
def organisation_view(request: HttpRequest) -> HttpResponse:
    org = selectors.organization_current()
    can_change = request.user.has_perm("incidents.change_organization")
    form = None
    if can_change:
        initial = OrganisationForm.initial_from(org)
        form = OrganisationForm(request.POST or None, initial=initial)
    if request.method == "POST":
        _require(request, "incidents.change_organization")
        if form.is_valid():
            fields = form.changed_data if org is not None else list(form.cleaned_data)
            try:
                result = organization_services.organization_update(
                    actor=request.user, changes={name: form.cleaned_data[name] for name in fields}
                )
            except Refused as exc:
                attach(form, exc)
            else:
                replanned = len(result.replanned)
                messages.success(
                    request,
                    ("Profile saved" if result.changes else "Nothing changed")
                    + (f"; {replanned} open incident(s) re-planned." if replanned else "."),
                )
                return redirect("web:organisation")
    return render(
        request,
        "web/organisation.html",
        {"org": org, "form": form, "can_change": can_change},
        status=400 if form is not None and form.is_bound else 200,
    )


def _party_groups(page_rows) -> list[dict]:
    groups: dict[str, list[Party]] = {}
    for party in page_rows:
        groups.setdefault(party.kind, []).append(party)
    return [
        {"kind": kind, "label": label, "parties": groups[kind]}
        for kind, label in PartyKind.choices
        if kind in groups
    ]


@workspace_view("incidents.view_party")
def parties_view(request: HttpRequest) -> HttpResponse:
    can_add = request.user.has_perm("incidents.add_party")
    form = PartyForm(request.POST or None, initial={"active": True}) if can_add else None
    if request.method == "POST":
        _require(request, "incidents.add_party")
        if form.is_valid():
            try:
                party = party_services.party_create(actor=request.user, data=form.cleaned_data)
            except Refused as exc:
                attach(form, exc)
            else:
                messages.success(request, f"{party.name} added.")
                return redirect("web:parties")
    rows = Party.objects.order_by("kind", "name", "id")
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "web/parties.html",
        {
            "page": page,
            "groups": _party_groups(page.object_list),
            "form": form,
            "can_change": request.user.has_perm("incidents.change_party"),
        },
        status=400 if form is not None and form.is_bound else 200,
    )


def _party(pk: int) -> Party:
    party = Party.objects.filter(pk=pk).first()
    if party is None:
        raise Http404("No such party.")
    return party


@workspace_view("incidents.view_party")
def party_view(request: HttpRequest, pk: int) -> HttpResponse:
    party = _party(pk)
    can_change = request.user.has_perm("incidents.change_party")
    form = None
    if can_change:
        form = PartyForm(request.POST or None, initial=PartyForm.initial_from(party))
    if request.method == "POST":
        _require(request, "incidents.change_party")
        if form.is_valid():
            try:
                party_services.party_update(
                    party_id=pk,
                    actor=request.user,
                    changes={name: form.cleaned_data[name] for name in form.changed_data},
                )
            except Refused as exc:
                attach(form, exc)
            else:
                messages.success(request, "Saved." if form.changed_data else "Nothing changed.")
                return redirect("web:party", pk=pk)
    return render(
        request,
        "web/party.html",
        {
            "party": party,
            "form": form,
            "can_delete": request.user.has_perm("incidents.delete_party"),
        },
        status=400 if form is not None and form.is_bound else 200,
    )


@require_POST
@workspace_view("incidents.delete_party")
def party_delete(request: HttpRequest, pk: int) -> HttpResponse:
    party = _party(pk)
    try:
        party_services.party_delete(party_id=pk, actor=request.user)
    except Refused as exc:
        messages.error(request, message_of(exc))
        return redirect("web:party", pk=pk)
    messages.success(request, f"{party.name} deleted.")
    return redirect("web:parties")


@workspace_view("incidents.view_authority")
def authorities_view(request: HttpRequest) -> HttpResponse:
    filters = AuthorityFilter(request.GET or None, queryset=selectors.authority_list())
    jurisdiction = filters.form.fields["jurisdiction"]  # the API's label is a sentence
    jurisdiction.label, jurisdiction.help_text = "Jurisdiction", jurisdiction.label
    rows = filters.qs if filters.is_bound and filters.is_valid() else filters.queryset
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "web/authorities.html",
        {
            "filters": filters,
            "page": page,
            "query": query.urlencode(),
            "can_change": request.user.has_perm("incidents.change_authority"),
        },
    )
