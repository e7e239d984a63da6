"""No workspace page runs a number of queries that grows with the register."""

from datetime import UTC, datetime, timedelta

import pytest

from incidents.models import Assessment, Incident, Obligation, Party
from incidents.services.incidents import incident_create

pytestmark = pytest.mark.django_db
START = datetime(2026, 1, 1, tzinfo=UTC)


@pytest.fixture
def thousand_incidents(users, org):
    """1,000 incidents with obligations and assessments, bulk-inserted for speed, next to
    one made by the service (whose rule versions and obligation rows are copied)."""
    model = incident_create(
        actor=users["analyst"],
        data={"title": "Model", "aware_at": START, "countries": ["DE"]},
        now=START,
    )
    template = model.obligations.first()
    incidents = Incident.objects.bulk_create(
        Incident(
            reference=f"BD-Q-{i:05d}",
            title=f"Incident {i}",
            status=("triage", "assessing", "notifiable", "closed")[i % 4],
            status_changed_at=START,
            created_at=START + timedelta(hours=i),
            updated_at=START,
            aware_at=START + timedelta(hours=i),
            assignee=users["analyst"] if i % 2 else None,
        )
        for i in range(1000)
    )
    Obligation.objects.bulk_create(
        Obligation(
            incident=incident,
            rule=template.rule,
            rule_code=template.rule_code,
            regime=template.regime,
            jurisdiction=template.jurisdiction,
            audience=template.audience,
            recipient=template.recipient,
            citation=template.citation,
            confidence=template.confidence,
            status="pending" if i % 3 else "met",
            deadline_kind="hard",
            clock_started_at=incident.aware_at,
            due_at=incident.aware_at + timedelta(hours=72),
            met_at=None if i % 3 else incident.aware_at + timedelta(hours=30),
            created_at=START,
            updated_at=START,
        )
        for i, incident in enumerate(incidents)
    )
    Assessment.objects.bulk_create(
        Assessment(
            incident=incident,
            version=1,
            kind="computed",
            risk_level="risk",
            notify_authority=True,
            communicate_subjects=False,
            communication_mode="none",
            computed={},
            facts={},
            facts_hash="x",
            method_version="1",
            created_at=START,
        )
        for incident in incidents[::2]
    )
    return incidents


@pytest.mark.parametrize(
    "url",
    ["/", "/register/", "/register/?open=1&overdue=1", "/register/?status=triage&page=3"],
)
def test_list_pages_run_a_bounded_number_of_queries(
    web, thousand_incidents, django_assert_max_num_queries, url
):
    with django_assert_max_num_queries(15):
        response = web["dpo"].get(url)
    assert response.status_code == 200


def test_incident_page_runs_a_bounded_number_of_queries(
    web, thousand_incidents, django_assert_max_num_queries
):
    with django_assert_max_num_queries(25):
        response = web["dpo"].get(f"/incidents/{thousand_incidents[5].pk}/")
    assert response.status_code == 200


def test_dashboard_shows_the_fifty_most_urgent(web, thousand_incidents):
    rows = web["viewer"].get("/").context["incidents"]
    assert len(rows) == 50
    dues = [row.next_due for row in rows]
    assert dues == sorted(dues)


@pytest.fixture
def thousand_parties():
    return Party.objects.bulk_create(
        Party(
            kind=("customer", "processor", "sub_processor")[i % 3],
            name=f"Party {i:04d}",
            created_at=START,
            updated_at=START,
        )
        for i in range(1000)
    )


@pytest.mark.parametrize(
    "url", ["/parties/", "/parties/?page=7", "/authorities/", "/authorities/?kind=dpa&page=2"]
)
def test_parties_and_authorities_run_a_bounded_number_of_queries(
    web, org, thousand_parties, django_assert_max_num_queries, url
):
    with django_assert_max_num_queries(12):
        response = web["dpo"].get(url)
    assert response.status_code == 200
    assert response.context["page"].object_list


def test_organisation_page_runs_a_bounded_number_of_queries(
    web, org, thousand_parties, django_assert_max_num_queries
):
    with django_assert_max_num_queries(12):
        assert web["dpo"].get("/organisation/").status_code == 200
