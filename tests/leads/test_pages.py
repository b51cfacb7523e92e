"""Pages: pipeline, lead page with its Qualify button and poll endpoint, new lead, admin."""

import pytest

from leads.models import Lead, LeadAction, QualificationRun, RunStatus, Stage

pytestmark = pytest.mark.django_db


def test_pipeline_shows_each_leads_stage_and_latest_result(client, agent, lead_factory):
    lea = lead_factory(owner=agent, first_name="Lea", stage=Stage.LEAD)
    paul = lead_factory(owner=agent, first_name="Paul", stage=Stage.PROSPECT)
    lead_factory(first_name="Hidden")  # someone else's
    QualificationRun.objects.create(
        lead=paul, requested_by=agent, source="page", status=RunStatus.DONE,
        outcome=Stage.PROSPECT, score=87, reasons=["score 87 is above 60"],
    )  # fmt: skip
    QualificationRun.objects.create(lead=lea, requested_by=agent, source="page")
    client.force_login(agent)

    page = client.get("/leads/").text

    lea_row = page.split(f'href="/leads/{lea.pk}/"')[1].split("</tr>")[0]
    paul_row = page.split(f'href="/leads/{paul.pk}/"')[1].split("</tr>")[0]
    assert "Being qualified" in lea_row
    assert "87" in paul_row
    assert "Score 87 is above 60" in paul_row
    assert "Hidden" not in page
    assert 'href="?stage=prospect"' in page
    assert "Prospect: 1" in page
    prospects = client.get("/leads/?stage=prospect").text
    assert "Paul" in prospects
    assert f'href="/leads/{lea.pk}/"' not in prospects


def test_the_pipeline_searches_sorts_and_exports(client, agent, lead_factory):
    lead_factory(owner=agent, first_name="Zoe", last_name="Adams")
    lead_factory(owner=agent, first_name="Anna", last_name="Zeller")
    client.force_login(agent)
    page = client.get("/leads/?sort=name").text
    assert page.index("Zoe Adams") < page.index("Anna Zeller")
    assert "Anna" not in client.get("/leads/?q=adams").text
    export = client.get("/leads/?q=adams&export=csv")
    body = b"".join(export.streaming_content).decode()
    assert "Zoe Adams" in body
    assert "Zeller" not in body


def test_qualifying_many_from_the_pipeline_follows_them_on_one_page(
    client, agent, other_agent, lead_factory, monkeypatch
):
    from leads import tasks

    monkeypatch.setattr(tasks.qualify_run, "apply_async", lambda *a, **kw: None)
    mine = [lead_factory(owner=agent) for _ in range(3)]
    prospect = lead_factory(owner=agent, stage=Stage.PROSPECT)
    theirs = lead_factory(owner=other_agent)
    client.force_login(agent)

    response = client.post(
        "/leads/qualify/", {"leads": [*(lead.pk for lead in mine), prospect.pk, theirs.pk]}
    )

    assert response.status_code == 302
    assert response["Location"].startswith("/leads/qualify/progress/?runs=")
    assert QualificationRun.objects.filter(lead__in=mine).count() == 3
    assert not QualificationRun.objects.filter(lead=theirs).exists()
    page = client.get(response["Location"])
    assert "already a prospect" in page.text
    assert "0 of 3 finished" in page.text
    assert 'hx-trigger="every 2s' in page.text

    QualificationRun.objects.filter(lead__in=mine).update(
        status=RunStatus.DONE, outcome=Stage.PROSPECT, score=90
    )
    fragment = client.get(response["Location"], headers={"HX-Request": "true"}).text
    assert "<html" not in fragment
    assert "3 of 3 finished" in fragment
    assert "3 prospects" in fragment
    assert "hx-trigger" not in fragment  # done: the page stops asking


def test_pages_are_for_sales_and_staff(client, outsider, lead_factory):
    client.force_login(outsider)

    assert client.get("/leads/").status_code == 403
    assert client.get(f"/leads/{lead_factory().pk}/").status_code == 403


def test_anonymous_goes_to_login(client):
    response = client.get("/leads/")

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_the_qualify_button_starts_a_run_and_the_page_polls_it(client, agent, lead_factory):
    lead = lead_factory(owner=agent)
    client.force_login(agent)
    assert 'id="qualify"' in client.get(f"/leads/{lead.pk}/").text

    response = client.post(f"/leads/{lead.pk}/qualify/", follow=True)

    run = QualificationRun.objects.get()
    assert run.source == "page"
    assert "Qualification started" in response.text
    assert 'data-active="true"' in response.text
    # While the run is under way the badge says so (not the previous result), and the live
    # part asks for itself again.
    assert "Being qualified…" in response.text
    assert 'hx-trigger="every 500ms' in response.text
    fragment = client.get(f"/leads/{lead.pk}/", headers={"HX-Request": "true"}).text
    assert "<html" not in fragment
    assert 'id="lead-live"' in fragment
    for system in ("registry", "archives", "scoring"):
        assert f'data-check="{system}"' in fragment

    QualificationRun.objects.filter(pk=run.pk).update(
        status=RunStatus.DONE, outcome=Stage.REJECTED, score=12
    )
    Lead.objects.filter(pk=lead.pk).update(stage=Stage.REJECTED)
    fragment = client.get(f"/leads/{lead.pk}/", headers={"HX-Request": "true"}).text
    assert "hx-trigger" not in fragment  # decided: the page stops asking
    assert "Being qualified" not in fragment
    assert ">Rejected</span>" in fragment


def test_a_prospect_has_no_qualify_button(client, agent, lead_factory):
    lead = lead_factory(owner=agent, stage=Stage.PROSPECT)
    client.force_login(agent)

    page = client.get(f"/leads/{lead.pk}/").text

    assert 'id="qualify"' not in page
    assert "not qualified again" in page
    client.post(f"/leads/{lead.pk}/qualify/")
    assert not QualificationRun.objects.exists()


def test_someone_elses_lead_and_run_are_not_found(client, agent, lead_factory):
    lead = lead_factory()
    run = QualificationRun.objects.create(lead=lead, source="cli")
    client.force_login(agent)

    assert client.get(f"/leads/{lead.pk}/").status_code == 404
    assert client.post(f"/leads/{lead.pk}/qualify/").status_code == 404
    assert client.get(f"/leads/qualify/progress/?runs={run.pk}").text.count("data-run=") == 0


def test_new_lead_form_shows_field_errors(client, agent):
    client.force_login(agent)
    data = {
        "first_name": "Alice",
        "last_name": "Martin",
        "birth_date": "2999-01-01",
        "national_id": "2 84 05 75 116 045 15",
        "email": "alice@example.test",
        "phone": "+33 6 12 34 56 78",
    }

    page = client.post("/leads/new/", data).text

    assert page.count('class="errorlist') == 2
    assert "Must be between 1900-01-01 and today." in page
    assert "checksum" in page
    assert not Lead.objects.exists()

    response = client.post(
        "/leads/new/", {**data, "birth_date": "1984-05-12", "national_id": "2 84 05 75 116 045 14"}
    )
    lead = Lead.objects.get()
    assert response["Location"] == f"/leads/{lead.pk}/"
    assert lead.owner == agent


def test_admin_action_qualifies_the_selected_leads(client, lead_factory, user_factory):
    admin = user_factory(username="boss", is_staff=True, is_superuser=True)
    leads = [lead_factory(), lead_factory(), lead_factory(stage=Stage.PROSPECT)]
    client.force_login(admin)

    response = client.post(
        "/admin/leads/lead/",
        {"action": "qualify_selected", "_selected_action": [lead.pk for lead in leads]},
        follow=True,
    )

    assert QualificationRun.objects.filter(status=RunStatus.PENDING, source="admin").count() == 2
    assert "2 qualification(s) started" in response.text
    assert "already a prospect" in response.text


def test_dashboard_tile_counts(client, agent, lead_factory, outsider):
    lead_factory(owner=agent, stage=Stage.PROSPECT)
    lead_factory(owner=agent, stage=Stage.LEAD)
    client.force_login(agent)

    page = client.get("/").text

    tile = page.split('data-app="leads"')[1].split("</article>")[0]
    assert "<dt>Prospects</dt>" in tile
    assert (
        '<a class="stat-link" href="/leads/?stage=prospect" aria-label="Prospects: 1">1</a>' in tile
    )
    client.force_login(outsider)
    assert 'data-app="leads"' not in client.get("/").text


def test_an_unavailable_check_shows_its_sentence_and_the_reference_for_support(
    client, token_client, agent, lead_factory
):
    lead = lead_factory(owner=agent, stage=Stage.NEEDS_REVIEW)
    run = QualificationRun.objects.create(
        lead=lead,
        status=RunStatus.DONE,
        source="page",
        outcome=Stage.NEEDS_REVIEW,
        reasons=["the judicial archives did not answer (HTTP 503)"],
        reference="0f1e2d3c4b5a6978",
    )
    run.checks.create(system="registry", status="passed", latency_ms=312.4)
    run.checks.create(
        system="archives",
        status="unavailable",
        reason="the judicial archives did not answer (HTTP 503)",
        latency_ms=1520.0,
    )
    client.force_login(agent)

    page = client.get(f"/leads/{lead.pk}/").text
    api = token_client(agent).get(f"/api/leads/runs/{run.pk}/").json()

    row = page.split('data-check="archives"')[1].split("</tr>")[0]
    assert ">Unavailable</span>" in row
    assert ">1.5 s</td>" in row
    assert "The judicial archives did not answer (HTTP 503)" in row
    assert "reference for support <code>0f1e2d3c4b5a6978</code>" in row
    registry = page.split('data-check="registry"')[1].split("</tr>")[0]
    assert "reference" not in registry
    assert ">312 ms</td>" in registry
    assert ">Pending</span>" in page.split('data-check="scoring"')[1].split("</tr>")[0]
    assert "<li>The judicial archives did not answer (HTTP 503)</li>" in page
    assert api["reference"] == "0f1e2d3c4b5a6978"
    assert api["archives"]["reason"] == "the judicial archives did not answer (HTTP 503)"
    assert (api["registry"]["status"], api["registry"]["latency_ms"]) == ("passed", 312.4)
    assert api["scoring"] == {
        "status": "pending",
        "reason": "",
        "started_at": None,
        "finished_at": None,
        "latency_ms": None,
    }


def test_the_admin_shows_each_runs_checks_and_finds_runs_a_system_missed(
    client, lead_factory, manager
):
    manager.is_staff = True
    manager.save(update_fields=["is_staff"])
    down = QualificationRun.objects.create(
        lead=lead_factory(), status=RunStatus.DONE, source="api", outcome=Stage.NEEDS_REVIEW
    )
    down.checks.create(system="registry", status="passed", latency_ms=300)
    down.checks.create(
        system="archives",
        status="unavailable",
        reason="the judicial archives did not answer (HTTP 503)",
    )
    fine = QualificationRun.objects.create(
        lead=lead_factory(), status=RunStatus.DONE, source="api", outcome=Stage.PROSPECT
    )
    fine.checks.create(system="archives", status="passed")
    client.force_login(manager)

    listing = client.get("/admin/leads/qualificationrun/?unavailable=archives")
    change = client.get(f"/admin/leads/qualificationrun/{down.pk}/change/")

    assert listing.status_code == change.status_code == 200
    assert f"/admin/leads/qualificationrun/{down.pk}/change/" in listing.text
    assert f"/admin/leads/qualificationrun/{fine.pk}/change/" not in listing.text
    assert "National registry: Passed · Judicial archives: Unavailable" in listing.text
    assert "the judicial archives did not answer (HTTP 503)" in change.text


def test_the_lead_history_reads_labels_not_codes(client, agent):
    from leads.services import lead_create, lead_update

    lead = lead_create(
        actor=agent,
        first_name="Alice",
        last_name="Martin",
        birth_date="1984-05-12",
        national_id="2 84 05 75 116 045 14",
        email="alice@example.test",
        phone="+33 6 12 34 56 78",
    )
    lead_update(lead_id=lead.pk, actor=agent, phone="+33 1 00 00 00 00")
    client.force_login(agent)

    page = client.get(f"/leads/{lead.pk}/").text

    history = page.split('class="timeline"')[1].split("</ol>")[0]
    assert history.count('data-action="leads.lead_created"') == 1
    assert '<div class="timeline-action">Lead updated</div>' in history
    assert '<div class="timeline-action">Lead created</div>' in history
    assert "leads.lead_" not in history.replace('data-action="leads.lead_', "")
    assert '<span class="field-name">Phone</span>' in history
    assert '<span class="field-name">Birth date</span>: <span class="from">—</span> → ' in history
    assert "12 May 1984" in history
    assert '<span class="field-name">Stage</span>: <span class="from">—</span> → ' in history
    assert '<span class="to">Lead</span>' in history


def test_the_lead_page_shows_dates_durations_and_labels_for_people(client, agent, lead_factory):
    import datetime as dt

    lead = lead_factory(owner=agent, birth_date=dt.date(1984, 5, 12), stage=Stage.NEEDS_REVIEW)
    at = dt.datetime(2026, 11, 20, 9, 5, 7, tzinfo=dt.UTC)  # 10:05:07 in Paris (CET)
    earlier = QualificationRun.objects.create(
        lead=lead,
        status=RunStatus.DONE,
        source="cli",
        outcome=Stage.REJECTED,
        score=42,
        created_at=at,
        started_at=at,
        finished_at=at + dt.timedelta(milliseconds=715),
    )
    latest = QualificationRun.objects.create(
        lead=lead,
        status=RunStatus.DONE,
        source="page",
        requested_by=agent,
        outcome=Stage.NEEDS_REVIEW,
        created_at=at + dt.timedelta(days=200),  # summer time: CEST
    )
    client.force_login(agent)

    page = client.get(f"/leads/{lead.pk}/").text

    assert '<span id="lead-stage" class="badge badge-muted">Needs review</span>' in page
    assert "<dd>12 May 1984</dd>" in page
    assert '<strong id="run-status">Needs review</strong>' in page
    assert '<span data-field="requested-at">8 Jun 2027, 11:05:07 CEST</span>' in page
    assert "by sales-ann (Lead page)" in page
    row = page.split(f"<tr><td>{earlier.pk}</td>")[1].split("</tr>")[0]
    assert row == "<td>20 Nov 2026, 10:05:07 CET</td><td>Rejected</td><td>42</td><td>715 ms</td>"
    assert latest.pk != earlier.pk
    for raw in ("needs_review", "2026-11-20", "1984-05-12"):
        assert f">{raw}<" not in page


# --- one submit shows every field's message; leads are edited from their page -----------------


def test_four_bad_fields_show_four_messages_in_one_submit(client, agent):
    client.force_login(agent)
    data = {
        "first_name": "",  # the form refuses it
        "last_name": "Martin",
        "birth_date": "1850-01-01",  # the service refuses it
        "national_id": "2 84 05 75 116 045 15",  # the service: checksum
        "email": "not-an-email",  # the form refuses it
        "phone": "+33 6 12 34 56 78",
    }

    page = client.post("/leads/new/", data).text

    assert page.count('class="errorlist') == 4
    assert "This field is required." in page
    assert "Enter a valid email address." in page
    assert "Must be between 1900-01-01 and today." in page
    assert "checksum" in page
    assert 'value="Martin"' in page  # what was typed stays
    assert not Lead.objects.exists()


def test_a_sales_agent_edits_their_lead(client, agent, lead_factory):
    lead = lead_factory(owner=agent, first_name="Lea", email="lea@example.test")
    client.force_login(agent)
    page = client.get(f"/leads/{lead.pk}/").text
    assert f'href="/leads/{lead.pk}/edit/"' in page
    form = client.get(f"/leads/{lead.pk}/edit/").text
    assert 'value="lea@example.test"' in form

    data = {
        "first_name": "Léa",
        "last_name": lead.last_name,
        "birth_date": lead.birth_date.isoformat(),
        "national_id": lead.national_id,
        "email": "lea.new@example.test",
        "phone": lead.phone,
    }
    errors = client.post(f"/leads/{lead.pk}/edit/", {**data, "email": "nope", "phone": "12"}).text
    assert errors.count('class="errorlist') == 2

    response = client.post(f"/leads/{lead.pk}/edit/", data)

    assert response["Location"] == f"/leads/{lead.pk}/"
    lead.refresh_from_db()
    assert lead.first_name == "Léa"
    assert lead.email == "lea.new@example.test"
    assert "Lead Léa" in client.get(response["Location"]).text


def test_another_agents_lead_cannot_be_edited(client, agent, other_agent, lead_factory):
    lead = lead_factory(owner=other_agent)
    client.force_login(agent)
    assert client.get(f"/leads/{lead.pk}/edit/").status_code == 404
    assert client.post(f"/leads/{lead.pk}/edit/", {}).status_code == 404


def test_a_prospects_identity_cannot_change_and_the_page_says_so(client, agent, lead_factory):
    lead = lead_factory(owner=agent, stage=Stage.PROSPECT)
    client.force_login(agent)
    data = {
        "first_name": "Other",
        "last_name": lead.last_name,
        "birth_date": lead.birth_date.isoformat(),
        "national_id": lead.national_id,
        "email": lead.email,
        "phone": lead.phone,
    }
    page = client.post(f"/leads/{lead.pk}/edit/", data).text
    assert "A prospect&#x27;s identity" in page


def test_a_sales_manager_gives_a_lead_to_an_agent_from_its_page(
    client, manager, agent, other_agent, lead_factory
):
    from core.models import AuditEvent

    lead = lead_factory(owner=agent)
    client.force_login(manager)
    form = client.get(f"/leads/{lead.pk}/edit/").text
    assert 'name="owner"' in form
    data = {
        "first_name": lead.first_name,
        "last_name": lead.last_name,
        "birth_date": lead.birth_date.isoformat(),
        "national_id": lead.national_id,
        "email": lead.email,
        "phone": lead.phone,
        "owner": other_agent.pk,
    }
    client.post(f"/leads/{lead.pk}/edit/", data)
    lead.refresh_from_db()
    assert lead.owner == other_agent
    assert AuditEvent.objects.filter(object_id=str(lead.pk), action=LeadAction.UPDATED).exists()
    # An agent's form has no such field: the lead stays theirs.
    client.force_login(other_agent)
    assert 'name="owner"' not in client.get(f"/leads/{lead.pk}/edit/").text


# --- deleting a lead from its page (a confirmation first) --------------------------------------


def test_an_agent_deletes_their_lead_after_a_confirmation(client, agent, lead_factory):
    from core.models import AuditEvent

    lead = lead_factory(owner=agent, first_name="Lea", last_name="Martin")
    QualificationRun.objects.create(lead=lead, requested_by=agent, source="page")
    client.force_login(agent)
    assert f'href="/leads/{lead.pk}/delete/"' in client.get(f"/leads/{lead.pk}/").text

    confirm = client.get(f"/leads/{lead.pk}/delete/")
    assert confirm.status_code == 200
    assert "Delete the lead Lea Martin" in confirm.text
    assert "1 qualification run " in confirm.text
    assert Lead.objects.filter(pk=lead.pk).exists()  # a GET deletes nothing

    done = client.post(f"/leads/{lead.pk}/delete/", follow=True)
    assert done.redirect_chain[-1][0] == "/leads/"
    assert "Lead Lea Martin deleted." in done.text
    assert not Lead.objects.filter(pk=lead.pk).exists()
    assert not QualificationRun.objects.exists()
    assert AuditEvent.objects.filter(object_id=str(lead.pk), action=LeadAction.DELETED).exists()


def test_only_who_may_change_a_lead_deletes_it(
    client, agent, other_agent, manager, outsider, lead_factory
):
    lead = lead_factory(owner=agent)
    client.force_login(other_agent)  # another agent: as if it did not exist
    assert client.get(f"/leads/{lead.pk}/delete/").status_code == 404
    assert client.post(f"/leads/{lead.pk}/delete/").status_code == 404
    client.force_login(outsider)  # no sales role: the role table says no
    assert client.post(f"/leads/{lead.pk}/delete/").status_code == 403
    assert Lead.objects.filter(pk=lead.pk).exists()

    client.force_login(manager)  # sales managers change every lead
    assert client.post(f"/leads/{lead.pk}/delete/").status_code == 302
    assert not Lead.objects.filter(pk=lead.pk).exists()
