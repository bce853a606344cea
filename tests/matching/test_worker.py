"""Real worker: PostgreSQL + Redis + a Celery worker process (fails instead of skipping under
MENGKEJU_REQUIRE_SERVICES=1, through the suite's ``services`` marker)."""

import pytest

from matching import runs, services
from matching.models import Match, MatchRun
from mengkeju.postings import services as posting_services
from tests.conftest import wait_for
from tests.factories import NeedFactory
from tests.matching.conftest import dairy_achievements


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_publishing_a_need_produces_proposals_and_a_chunked_full_run_matches_the_command(
    celery_worker_process, admin, owner
):
    dairy_achievements()
    services.index_refresh(kind="achievement")
    need = NeedFactory(
        title="奶牛乳房炎早期发现",
        description="挤奶时发现早期乳房炎。",
        keywords=["乳房炎", "挤奶"],
        cluster="agri-food",
        status="pending",
        organization=owner.organization,
    )
    posting_services.posting_approve(posting=need, user=admin)
    assert wait_for(lambda: Match.objects.filter(need=need).count() == 3), celery_worker_process.log_path.read_text()

    for i in range(4):
        NeedFactory(title=f"乳房炎检测需求{i}", keywords=["乳房炎"], cluster="agri-food")
    run = runs.match_run_start(trigger="test", chunk_size=2)  # 5 needs → 3 chunks, run in parallel
    assert wait_for(lambda: MatchRun.objects.get(pk=run.pk).status == MatchRun.Status.DONE, timeout=120), (
        celery_worker_process.log_path.read_text()[-3000:]
    )
    run.refresh_from_db()
    assert run.progress_percent == 100 and not run.errors
    assert (run.total_chunks, run.done_chunks, run.processed_items, run.total_items) == (3, 3, 5, 5)
    by_worker = sorted(Match.objects.values_list("need_id", "achievement_id", "score"))
    sync = runs.match_run_create(trigger="command")
    runs.match_run_execute(run_id=sync.pk)
    assert sorted(Match.objects.values_list("need_id", "achievement_id", "score")) == by_worker
