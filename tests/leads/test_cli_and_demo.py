"""`manage.py qualify_lead` against the real simulators over a socket, and the demo data."""

import io
import json

import pytest
from django.core.management import CommandError, call_command

from core.roles import Role
from leads import demo
from leads.models import Lead, QualificationRun, Stage
from tests.harness.users import UserFactory

pytestmark = [pytest.mark.integration, pytest.mark.django_db]


@pytest.fixture
def systems(simulators, settings):
    for name in ("REGISTRY_API_URL", "ARCHIVES_API_URL", "SCORING_API_URL"):
        setattr(settings, name, simulators.url)
    return simulators


@pytest.fixture
def demo_leads(role_groups, settings):
    settings.DEBUG = True
    UserFactory(username="sales", roles=[Role.SALES_AGENT])
    demo.load(io.StringIO())
    return {lead.first_name: lead for lead in Lead.objects.all()}


def qualify(*args):
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("qualify_lead", *args, stdout=out, stderr=err)
        code = 0
    except SystemExit as exit_:
        code = exit_.code
    return code, out.getvalue(), err.getvalue()


def test_demo_is_idempotent(demo_leads):
    out = io.StringIO()
    demo.load(out)

    assert Lead.objects.count() == len(demo.DEMO_LEADS)
    assert "0 demo leads created" in out.getvalue()


def test_the_demo_covers_every_outcome(systems, demo_leads):
    code, out, _ = qualify("--all-pending")

    stages = {lead.first_name: lead.stage for lead in Lead.objects.all()}
    assert stages == {
        "Alice": "prospect",
        "Bruno": "rejected",
        "Camila": "rejected",
        "Denis": "rejected",
        "Étienne": "rejected",
        "Fanny": "rejected",
        "Gilles": "rejected",
        "Hélène": "prospect",
        "Ivan": stages["Ivan"],
        "Julie": "needs_review",
        "Karim": "rejected",
    }
    assert stages["Ivan"] in ("prospect", "rejected")
    reasons = {run.lead.first_name: run.reasons for run in QualificationRun.objects.all()}
    assert reasons["Camila"] == ["first name differs from the registry's (CAMILLE)"]
    assert reasons["Denis"] == ["last name differs from the registry's (MOREAU)"]
    assert reasons["Fanny"] == ["birth date differs from the registry's (9 Sept 1975)"]
    assert reasons["Karim"] == ["not found in the national registry"]
    assert reasons["Étienne"][0].startswith("2 judicial records")
    assert reasons["Gilles"] == ["qualification score 60 is not above 60"]
    assert reasons["Julie"] == ["the judicial archives did not answer (HTTP 503)"]
    assert code == 1, "Julie could not be decided"
    assert f"lead {demo_leads['Alice'].pk} Alice Martin: prospect, score 85" in out
    assert "1 not decided" in out


def test_json_output_and_exit_code_zero_when_all_decided(systems, demo_leads):
    code, out, _ = qualify(str(demo_leads["Alice"].pk), str(demo_leads["Karim"].pk), "--json")

    assert code == 0
    document = json.loads(out)
    assert [r["outcome"] for r in document["results"]] == ["prospect", "rejected"] or [
        r["outcome"] for r in document["results"]
    ] == ["rejected", "prospect"]
    assert document["summary"]["undecided"] == 0
    assert {"registry", "archives", "scoring"} == set(document["results"][0]["checks"])
    # Both runs of one command share the id its log lines carry.
    references = {result["reference"] for result in document["results"]}
    assert len(references) == 1
    assert len(references.pop()) == 16


def test_a_prospect_is_skipped_not_qualified_again(systems, demo_leads):
    alice = demo_leads["Alice"]
    Lead.objects.filter(pk=alice.pk).update(stage=Stage.PROSPECT)

    code, out, _ = qualify(str(alice.pk))

    assert code == 0
    assert "already a prospect" in out
    assert not QualificationRun.objects.exists()


def test_an_unknown_id_is_one_readable_error(demo_leads):
    with pytest.raises(CommandError, match=r"^unknown lead ids: 998, 999$"):
        call_command("qualify_lead", "999", "998", str(demo_leads["Alice"].pk))
    assert not QualificationRun.objects.exists()


def test_ids_or_all_pending(db):
    with pytest.raises(CommandError, match="give lead ids or --all-pending"):
        call_command("qualify_lead")


def test_a_system_down_is_needs_review_and_exit_1(systems, demo_leads):
    systems.configure("registry", error_rate=1)

    code, out, _ = qualify(str(demo_leads["Alice"].pk))

    assert code == 1
    assert "needs_review" in out
    assert Lead.objects.get(pk=demo_leads["Alice"].pk).stage == Stage.NEEDS_REVIEW


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_a_progress_bar_on_a_terminal_and_json_that_stays_parseable(systems, demo_leads):
    ids = [str(demo_leads[name].pk) for name in ("Alice", "Karim", "Bruno")]
    out, err = io.StringIO(), Terminal()

    call_command("qualify_lead", *ids, "--json", stdout=out, stderr=err)

    document = json.loads(out.getvalue())
    assert len(document["results"]) == 3
    bar = err.getvalue()
    assert "\r" in bar  # redrawn in place
    assert "3/3" in bar.rsplit("\r", 1)[-1]
    assert "leads/s" in bar


def test_no_progress_bar_when_not_a_terminal(systems, demo_leads):
    code, out, err = qualify(str(demo_leads["Karim"].pk))

    assert (code, err) == (0, "")
    assert "1 qualified in " in out
