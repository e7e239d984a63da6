"""The authority registry in the database: sync, local edits, API, admin, rules_check."""

import copy
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from incidents.models import AuditEntry, Authority, Organization
from incidents.rules.authorities import read_document
from incidents.selectors import authority_registry
from incidents.services.authorities import authorities_sync, authority_save
from tests.conftest import ROLES, make_user, sign_in_verified

pytestmark = pytest.mark.django_db
URL = "/api/v1/authorities/"


def _codes(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [row["code"] for row in response.json()["results"]]


def test_migrate_loaded_the_shipped_registry() -> None:
    shipped = {a["code"] for a in read_document()["authorities"]}
    assert set(Authority.objects.values_list("code", flat=True)) == shipped
    assert len(shipped) == 135


def test_sync_is_idempotent() -> None:
    report = authorities_sync()
    assert not report.changed
    assert report.kept_local == {}


def test_local_edit_survives_a_resync_while_other_fields_follow_the_file() -> None:
    cnil = Authority.objects.get(code="FR-CNIL")
    cnil.breach_report_url = "https://notifications.cnil.fr/new-form"
    cnil.save()
    document = copy.deepcopy(read_document())
    raw = next(a for a in document["authorities"] if a["code"] == "FR-CNIL")
    raw["breach_report_url"] = "https://www.cnil.fr/shipped-next-release"
    raw["notes"] = "Shipped note of the next release."

    report = authorities_sync(document=document)

    cnil.refresh_from_db()
    assert cnil.breach_report_url == "https://notifications.cnil.fr/new-form"
    assert cnil.notes == "Shipped note of the next release."
    assert report.updated == ["FR-CNIL"]
    assert report.kept_local == {"FR-CNIL": ["breach_report_url"]}
    assert cnil.local_edits == ["breach_report_url"]


def test_entry_removed_from_the_file_is_retired_and_restored_when_it_returns() -> None:
    document = copy.deepcopy(read_document())
    full = copy.deepcopy(document)
    document["authorities"] = [a for a in document["authorities"] if a["code"] != "OM-MTCIT"]
    assert authorities_sync(document=document).retired == ["OM-MTCIT"]
    assert "OM-MTCIT" not in {e.code for e in authority_registry().entries}
    assert authorities_sync(document=full).restored == ["OM-MTCIT"]
    assert Authority.objects.get(code="OM-MTCIT").retired_at is None


def test_entry_added_locally_is_never_touched_by_sync() -> None:
    Authority.objects.create(
        code="MU-DPO", name="Data Protection Office (Mauritius)", jurisdiction="MU",
        region="middle_east_africa", kind="dpa",
    )  # fmt: skip
    report = authorities_sync()
    assert not report.changed
    assert Authority.objects.get(code="MU-DPO").retired_at is None


def test_admin_edit_is_audited_old_to_new(users) -> None:
    ico = Authority.objects.get(code="GB-ICO")
    old = ico.website
    ico.website = "https://ico.org.uk/new"
    authority_save(authority=ico, actor=users["admin"], changed=["website"])
    entry = AuditEntry.objects.get(action="authority.changed")
    assert entry.object_id == "GB-ICO"
    assert entry.data == {"website": {"old": old, "new": "https://ico.org.uk/new"}}


def test_admin_change_form_saves_through_the_service(client) -> None:
    import json

    from django.contrib.auth import get_user_model
    from django.forms.models import model_to_dict

    root = get_user_model().objects.create_superuser("root", "root@example.test", "pw")
    sign_in_verified(client, root)
    ico = Authority.objects.get(code="GB-ICO")
    url = f"/admin/incidents/authority/{ico.pk}/change/"
    page = client.get(url)
    assert page.status_code == 200
    assert b"Edited here (kept on re-sync)" in page.content
    form = {
        key: json.dumps(value) if isinstance(value, list | dict) or value is None else value
        for key, value in model_to_dict(ico).items()
        if key not in ("id", "shipped", "synced_at", "updated_at", "retired_at")
    }
    form["threshold"] = "null"
    form["notes"] = "Edited in the admin."
    response = client.post(url, form)
    assert response.status_code == 302, response.content[:2000]
    ico.refresh_from_db()
    assert ico.notes == "Edited in the admin."
    assert ico.local_edits == ["notes"]
    entry = AuditEntry.objects.get(action="authority.changed", object_id="GB-ICO")
    assert entry.actor == "user:root"
    assert entry.data["notes"]["new"] == "Edited in the admin."
    assert not authorities_sync().changed  # the edit stays


def test_registry_selector_uses_database_edits() -> None:
    Authority.objects.filter(code="DE-BE").update(jurisdiction="DE-BB")
    assert authority_registry().get("DE-BE").jurisdiction == "DE-BB"


def test_long_codes_fit_the_organisation_profile() -> None:
    org = Organization.objects.create(
        legal_name="Fjord Cloud AS", country="NO", lead_authority="NO-DATATILSYNET"
    )
    org.full_clean()
    org.refresh_from_db()
    assert org.lead_authority == "NO-DATATILSYNET"


def test_every_role_can_read_and_anonymous_cannot(api) -> None:
    for role in ROLES:
        assert api[role].get(URL).status_code == 200, role
        assert api[role].get(URL + "IE-DPC/").status_code == 200, role
    assert api["anonymous"].get(URL).status_code == 401


def test_machine_principals_cannot_read(db) -> None:
    from tests.conftest import client_for

    robot = make_user("integration", username="robot")
    assert client_for(robot).get(URL).status_code == 403


@pytest.mark.parametrize(
    ("query", "expected_subset", "excluded"),
    [
        ("jurisdiction=US-CA", {"US-CA-AG"}, {"US-FTC", "US-NY-AG"}),
        ("jurisdiction=us", {"US-CA-AG", "US-FTC", "US-NY-DFS"}, {"FR-CNIL"}),
        ("jurisdiction=DE", {"DE-BFDI", "DE-BY", "DE-BY-PUB", "DE-BSI"}, {"DK-DATATILSYNET"}),
        ("region=eea_efta", {"NO-DATATILSYNET", "NO-NKOM", "IS-PERSONUVERND"}, {"SE-IMY"}),
        ("kind=attorney_general", {"US-CA-AG", "US-TX-AG"}, {"US-FTC", "FR-CNIL"}),
        ("q=datatilsynet", {"NO-DATATILSYNET", "DK-DATATILSYNET"}, {"SE-IMY"}),
        ("region=eu&kind=csirt", {"DE-BSI", "FR-ANSSI"}, {"NO-NSM", "FR-CNIL"}),
    ],
)
def test_filters(api, query, expected_subset, excluded) -> None:
    codes = set(_codes(api["viewer"].get(f"{URL}?{query}&page_size=500")))
    assert expected_subset <= codes
    assert not excluded & codes


def test_region_counts_through_the_api(api) -> None:
    counts = {}
    for region in ("eu", "eea_efta", "europe_other", "us", "americas", "asia_pacific",
                   "middle_east_africa"):  # fmt: skip
        counts[region] = api["viewer"].get(f"{URL}?region={region}").json()["count"]
    assert counts == {
        "eu": 51, "eea_efta": 5, "europe_other": 3, "us": 53, "americas": 3,
        "asia_pacific": 11, "middle_east_africa": 9,
    }  # fmt: skip


def test_bad_filter_is_a_400_naming_the_field(api) -> None:
    response = api["viewer"].get(URL + "?region=mars")
    assert response.status_code == 400
    assert "region" in response.json()["errors"]


def test_detail_by_code_is_case_insensitive_and_complete(api) -> None:
    body = api["viewer"].get(URL + "no-datatilsynet/").json()
    assert body["code"] == "NO-DATATILSYNET"
    assert body["kind"] == "dpa"
    assert body["jurisdiction"] == "NO"
    assert body["languages"] == ["no", "en"]
    assert body["channels"] == ["online_form", "email"]
    assert body["report_url"].startswith("https://www.datatilsynet.no/")
    assert body["sources"]
    assert api["viewer"].get(URL + "XX-NONE/").status_code == 404


def test_rules_check_reports_gaps_and_passes() -> None:
    out = StringIO()
    call_command("rules_check", stdout=out)
    text = out.getvalue()
    assert "known gap eu-eidas-19a-supervisory-body" in text
    assert "partial eu-nis2-23-4a-early-warning: authority named in 5 of 27" in text
    assert "135 authorities OK" in text


def test_rules_check_fails_when_a_rule_has_no_authority(tmp_path) -> None:
    import json
    import shutil

    from incidents.rules import RULES_DIR

    for path in RULES_DIR.iterdir():
        shutil.copy(path, tmp_path / path.name)
    document = read_document()
    document["authorities"] = [a for a in document["authorities"] if a["code"] != "OM-MTCIT"]
    (tmp_path / "authorities.json").write_text(json.dumps(document), encoding="utf-8")
    err = StringIO()
    with pytest.raises(CommandError, match="1 rule"):
        call_command("rules_check", str(tmp_path), stdout=StringIO(), stderr=err)
    assert "om-pdpl-er-30-mtcit: no registry entry is competent for it" in err.getvalue()
