"""Variants, exemptions, editing rules, permissions and plain-language warnings."""


def test_massachusetts_residents_get_their_own_variant_without_the_nature_of_the_breach(
    api, notice_org, clock
):
    from tests.notices.conftest import INCIDENT

    body = {**INCIDENT, "countries": ["US-CA", "US-MA"], "residents": {"US-CA": 900, "US-MA": 50}}
    incident = api["analyst"].post("/api/v1/incidents/", body, format="json").json()["id"]
    api["analyst"].post(f"/api/v1/incidents/{incident}/assessments/")
    drafted = api["analyst"].post(f"/api/v1/incidents/{incident}/notices/", {}, format="json")
    assert drafted.status_code == 201, drafted.content
    by_variant = {n["variant"]: n for n in drafted.json()}
    assert set(by_variant) == {"", "without: not_affected_count, not_nature_of_breach"}
    ma = by_variant["without: not_affected_count, not_nature_of_breach"]
    assert [o["rule"] for o in ma["obligations"]] == ["us-ma-93h-individuals"]
    text = api["viewer"].get(f"/api/v1/notices/{ma['id']}/preview/?channel=email&lang=en")
    text = text.json()["text"]
    assert "What Happened" not in text
    assert "Criminals got into one of our systems" not in text
    assert "You have the right to get a police report" in text
    assert "A security freeze is free." in text
    ca = by_variant[""]
    ca_text = api["viewer"].get(f"/api/v1/notices/{ca['id']}/preview/?channel=email&lang=en")
    assert "What Happened" in ca_text.json()["text"]
    again = api["analyst"].post(f"/api/v1/incidents/{incident}/notices/", {}, format="json")
    assert again.status_code == 409
    assert sorted(again.json()["notices"]) == sorted(n["id"] for n in drafted.json())


def test_art_34_3_c_exemption_makes_the_public_page_the_default_channel(api, notice_org, clock):
    from tests.notices.conftest import INCIDENT

    body = {**INCIDENT, "contact_effort": "disproportionate_effort"}
    incident = api["analyst"].post("/api/v1/incidents/", body, format="json").json()["id"]
    assessed = api["analyst"].post(f"/api/v1/incidents/{incident}/assessments/").json()
    assert assessed["communication_mode"] == "public"
    drafted = api["analyst"].post(f"/api/v1/incidents/{incident}/notices/", {}, format="json")
    assert drafted.status_code == 201, drafted.content
    version = drafted.json()[0]["current_version"]
    assert version["content"]["exemptions"] == ["art34_3_c"]
    assert version["content"]["channels"] == ["page"]
    gdpr = next(
        c for c in version["checks"]["completeness"] if c["rule"] == "eu-gdpr-34-individuals"
    )
    assert gdpr["exemptions"] == ["art34_3_c"]


def test_viewer_cannot_draft_or_edit_and_strangers_get_401(api, incident, drafted):
    notice_id = drafted[0]["id"]
    assert api["viewer"].post(f"/api/v1/incidents/{incident}/notices/", {}).status_code == 403
    patch = api["viewer"].patch(f"/api/v1/notices/{notice_id}/", {"channels": ["page"]})
    assert patch.status_code == 403
    assert api["anonymous"].get(f"/api/v1/notices/{notice_id}/").status_code == 401
    assert api["viewer"].get("/api/v1/notices/999999/").status_code == 404


def test_bad_edits_are_400_naming_the_field_and_write_nothing(api, drafted):
    notice_id = drafted[0]["id"]
    cases = [
        ({"blocks": {"cause": {"en": "x"}}}, "blocks.cause"),
        ({"blocks": {"what_happened": {"fr": "Texte"}}}, "blocks.what_happened"),
        ({"blocks": {"what_happened": {"en": "x" * 5001}}}, "blocks.what_happened.en"),
        ({"languages": ["de", "nb"]}, "languages"),
        ({"languages": ["en", "tlh"]}, "languages"),
        ({"channels": ["fax"]}, "channels"),
        ({"contact": {"fax": "123"}}, "contact.fax"),
        ({"not_determined": ["cause"]}, "not_determined"),
        ({"advice": [{"text": {}}]}, "advice[0]"),
    ]
    for body, field in cases:
        response = api["analyst"].patch(f"/api/v1/notices/{notice_id}/", body, format="json")
        assert response.status_code == 400, (body, response.content)
        assert response.json()["field"] == field, (body, response.json())
    versions = api["viewer"].get(f"/api/v1/notices/{notice_id}/versions/").json()
    assert [v["number"] for v in versions] == [1]


def test_author_edits_advice_contact_and_languages(api, drafted):
    notice = drafted[0]
    advice = notice["current_version"]["content"]["advice"]
    edited = [
        {**advice[0], "text": {"en": "Call us only on the number printed on your bank card."}},
        {"text": {"en": "Watch your mailbox for a letter from us with a new customer number."}},
    ]
    response = api["analyst"].patch(
        f"/api/v1/notices/{notice['id']}/",
        {
            "based_on": 1,
            "advice": edited,
            "contact": {"toll_free": "0800 123 456", "website": "https://shop.example/breach"},
            "languages": ["en", "de", "nb", "fr"],
        },
        format="json",
    )
    assert response.status_code == 200, response.content
    content = response.json()["current_version"]["content"]
    assert [a["id"] for a in content["advice"]] == [advice[0]["id"], "custom:2"]
    assert content["advice"][0]["sources"] == advice[0]["sources"]
    assert content["advice"][0]["edited"] is True
    assert content["languages"] == ["en", "de", "nb", "fr"]
    text = (
        api["viewer"]
        .get(f"/api/v1/notices/{notice['id']}/preview/?channel=email&lang=en")
        .json()["text"]
    )
    assert "Call us only on the number printed on your bank card." in text
    assert "Toll-free: 0800 123 456" in text
    fr = api["viewer"].get(f"/api/v1/notices/{notice['id']}/preview/?channel=email&lang=fr")
    assert fr.json()["subject"].startswith("Avis de violation de données")
    warnings = response.json()["current_version"]["checks"]["language_warnings"]
    assert any(w["language"] == "fr" and w["block"] == "what_you_can_do" for w in warnings)


def test_dpo_cannot_approve_an_incomplete_notice(api, drafted):
    notice_id = drafted[0]["id"]
    api["analyst"].patch(
        f"/api/v1/notices/{notice_id}/", {"blocks": {"likely_consequences": None}}, format="json"
    )
    refused = api["dpo"].post(
        f"/api/v1/notices/{notice_id}/approve/", {"version": 2}, format="json"
    )
    assert refused.status_code == 422
    assert "likely_consequences" in refused.json()["detail"]
    stale = api["dpo"].post(f"/api/v1/notices/{notice_id}/approve/", {"version": 1}, format="json")
    assert stale.status_code == 409
    assert stale.json()["current_version"] == 2


def test_plain_language_warnings_point_at_their_sentence(api, drafted):
    notice_id = drafted[0]["id"]
    sentence = (
        "Our database was accessed by a threat actor who exploited a vulnerability and "
        "exfiltrated hashed passwords."
    )
    response = api["analyst"].patch(
        f"/api/v1/notices/{notice_id}/",
        {"blocks": {"what_happened": {"en": f"{sentence} We fixed it."}}},
        format="json",
    )
    plain = response.json()["current_version"]["checks"]["plain_language"]
    warnings = [w for w in plain["en"]["warnings"] if w["block"] == "what_happened"]
    kinds = {w["kind"] for w in warnings}
    assert {"jargon", "passive_voice"} <= kinds
    assert all(w["sentence"] == sentence for w in warnings)
    assert all(w["sentence_index"] == 0 for w in warnings)
    jargon = sorted(w["message"] for w in warnings if w["kind"] == "jargon")
    assert any("threat actor" in m and "criminals" in m for m in jargon)
    assert plain["en"]["readability"]["formula"] == "Flesch Reading Ease"
    assert plain["de"]["readability"]["formula"] == "Flesch-Amstad"
    assert plain["nb"]["readability"]["formula"] == "LIX"
    # Warnings never block: the DPO can still approve.
    approved = api["dpo"].post(
        f"/api/v1/notices/{notice_id}/approve/", {"version": 2}, format="json"
    )
    assert approved.status_code == 200
