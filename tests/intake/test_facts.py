"""Alert labels that carry incident facts, checked against the risk vocabulary."""

from incidents.intake.facts import facts_from_labels


def test_labels_map_to_incident_facts():
    result = facts_from_labels(
        {
            "personal_data": "true",
            "data_categories": "health, contact",
            "countries": "de,FR",
            "breach_types": "confidentiality",
            "subject_categories": "patients",
            "subjects_count": "1200",
            "records_count": "48_000",
            "alertname": "Exfil",
        }
    )
    assert result.personal_data is True
    assert result.facts == {
        "data_categories": ["health", "contact"],
        "countries": ["DE", "FR"],
        "breach_types": ["confidentiality"],
        "subject_categories": ["patients"],
        "subjects_count": 1200,
        "records_count": 48000,
    }
    assert result.problems == ()


def test_unknown_values_are_dropped_and_reported():
    result = facts_from_labels(
        {
            "data_categories": "health,dna,contact,contact",
            "countries": "DE,XX",
            "subjects_count": "many",
            "personal_data": "perhaps",
        }
    )
    assert result.facts == {"data_categories": ["health", "contact"], "countries": ["DE"]}
    assert result.personal_data is None
    assert result.problems == (
        "data_categories: unknown value(s) dna ignored",
        "countries: unknown code(s) XX ignored",
        "subjects_count: 'many' is not a whole number; ignored",
        "personal_data: 'perhaps' is not true/false",
    )


def test_no_fact_labels_no_facts():
    result = facts_from_labels({"alertname": "DiskFull", "personal_data": "no"})
    assert result.facts == {}
    assert result.personal_data is False


def test_subdivision_codes_are_regions_too():
    assert facts_from_labels({"countries": "US-CA"}).facts == {"countries": ["US-CA"]}
