"""Reads: who sees which leads and runs, and the filters the pages, the API and the command
share."""

import pytest

from leads.models import QualificationRun, RunStatus, Stage
from leads.selectors import (
    lead_get,
    lead_list,
    pending_lead_ids,
    run_list,
    unknown_lead_ids,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(lead_factory, agent, other_agent):
    mine = lead_factory(owner=agent, stage=Stage.LEAD)
    mine_prospect = lead_factory(owner=agent, stage=Stage.PROSPECT)
    theirs = lead_factory(owner=other_agent, stage=Stage.PROSPECT)
    runs = {
        "mine done": QualificationRun.objects.create(
            lead=mine, source="api", status=RunStatus.DONE, outcome=Stage.REJECTED
        ),
        "mine pending": QualificationRun.objects.create(lead=mine, source="page"),
        "theirs": QualificationRun.objects.create(
            lead=theirs, source="api", status=RunStatus.DONE, outcome=Stage.PROSPECT
        ),
    }
    return {"mine": mine, "mine prospect": mine_prospect, "theirs": theirs, "runs": runs}


def test_an_agent_sees_their_leads_a_manager_all_others_none(world, agent, manager, outsider):
    assert set(lead_list(user=agent)) == {world["mine"], world["mine prospect"]}
    assert set(lead_list(user=manager)) == {world["mine"], world["mine prospect"], world["theirs"]}
    assert not lead_list(user=outsider).exists()
    assert lead_get(user=agent, lead_id=world["theirs"].pk) is None
    assert lead_get(user=manager, lead_id=world["theirs"].pk) == world["theirs"]


def test_leads_filter_by_stage_and_owner(world, agent, other_agent, manager):
    assert list(lead_list(user=manager, stage=Stage.PROSPECT, owner_id=agent.pk)) == [
        world["mine prospect"]
    ]
    assert list(lead_list(user=manager, owner_id=other_agent.pk)) == [world["theirs"]]
    # A filter never widens what a user may see.
    assert not lead_list(user=agent, owner_id=other_agent.pk).exists()


def test_runs_are_scoped_by_their_lead_and_filter_by_lead_status_and_outcome(world, agent, manager):
    runs = world["runs"]

    assert set(run_list(user=agent)) == {runs["mine done"], runs["mine pending"]}
    assert list(run_list(user=agent, status=RunStatus.PENDING)) == [runs["mine pending"]]
    assert list(run_list(user=manager, outcome=Stage.PROSPECT)) == [runs["theirs"]]
    assert list(run_list(user=manager, lead_id=world["theirs"].pk)) == [runs["theirs"]]
    assert not run_list(user=agent, lead_id=world["theirs"].pk).exists()


def test_the_commands_reads(world):
    # Stage lead or needs review, no run under way: "mine" has one pending.
    assert pending_lead_ids() == []
    QualificationRun.objects.filter(pk=world["runs"]["mine pending"].pk).update(
        status=RunStatus.ABANDONED
    )
    assert pending_lead_ids() == [world["mine"].pk]
    assert unknown_lead_ids(lead_ids=[999_999, world["mine"].pk, 999_998]) == [999_998, 999_999]
