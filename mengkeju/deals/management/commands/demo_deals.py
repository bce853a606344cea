"""``python manage.py demo_deals``: decisions and deals on the demo proposals, so the review history, the
match pages and the dashboard have something to show. Idempotent: does nothing once deal events exist.

Run after ``load_demo`` and ``match --all``. Decisions and stage moves go through the services (audit
log, timeline, notifications); their times are then spread over the weeks after each need's publication.
"""

import datetime
from decimal import Decimal

from django.core.management.base import BaseCommand
from django.db import transaction
from django.db.models import Case, IntegerField, Q, Value, When
from django.utils import timezone

from matching.models import DealStage, Match
from mengkeju.core.models import Role, User
from mengkeju.deals import selectors, services
from mengkeju.deals.models import DealEvent

# what happens to the n-th approved proposal (cycled)
PLANS = [
    [DealStage.CONTACTED, DealStage.NEGOTIATING, DealStage.SIGNED],
    [DealStage.CONTACTED],
    [DealStage.CONTACTED, DealStage.NEGOTIATING, DealStage.SIGNED, DealStage.IMPLEMENTED],
    [],
    [DealStage.CONTACTED, DealStage.DROPPED],
    [DealStage.CONTACTED, DealStage.NEGOTIATING],
]


class Command(BaseCommand):
    help = "Approve, reject and follow some demo proposals through the deal stages (safe to run again)."

    def add_arguments(self, parser):
        parser.add_argument("--approve", type=int, default=14, help="how many proposals to approve (default 14)")

    def handle(self, *args, **options):
        if DealEvent.objects.exists():
            self.stdout.write("demo deals: already there, nothing to do")
            return
        broker = User.objects.filter(groups__name=Role.BROKER, is_active=True).order_by("pk").first()
        if broker is None:
            self.stderr.write("demo deals: no broker user; run load_demo first")
            return
        demo_orgs = list(
            User.objects.filter(username__in=["enterprise", "researcher"]).values_list("organization_id", flat=True)
        )
        # the demo users' own organizations first, so that logging in as them shows introductions
        ours = Q(need__organization_id__in=demo_orgs) | Q(achievement__organization_id__in=demo_orgs)
        queue = selectors.match_review_queue().annotate(
            ours=Case(When(ours, then=Value(0)), default=Value(1), output_field=IntegerField())
        )
        candidates = list(queue.order_by("ours", "-score", "id")[: options["approve"] + options["approve"] // 3])
        approved = rejected = signed = 0
        with transaction.atomic():
            for index, match in enumerate(candidates):
                if index >= options["approve"]:
                    services.match_reject(match=match, user=broker, note="方向相近但技术路线不匹配（演示数据）")
                    rejected += 1
                    self._spread(match, index)
                    continue
                services.match_approve(match=match, user=broker, note="关键词与产业集群吻合（演示数据）")
                approved += 1
                side = match.need.organization.members.filter(is_active=True).first() or broker
                for stage in PLANS[index % len(PLANS)]:
                    extra = {}
                    if stage == DealStage.SIGNED:
                        extra = {"amount_wan": Decimal(30 + (index * 17) % 170), "signed_on": timezone.localdate()}
                        signed += 1
                    if stage == DealStage.DROPPED:
                        extra = {"reason": "企业预算调整，项目暂缓（演示数据）"}
                    services.deal_stage_move(match=match, user=side, stage=stage, **extra)
                self._spread(match, index)
        self.stdout.write(f"demo deals: {approved} approved, {rejected} rejected, {signed} contracts signed")

    def _spread(self, match: Match, index: int) -> None:
        """Move the times of one match's decision and stages to plausible dates after its need's publication."""
        published = match.need.published_at or timezone.now() - datetime.timedelta(days=60)
        now = timezone.now()
        span = now - published
        if span < datetime.timedelta(hours=1):  # published just now: leave the real times
            return
        proposed = published + min(datetime.timedelta(days=1 + index % 5), span * 0.2)
        reviewed = proposed + min(datetime.timedelta(hours=6 + (index * 7) % 60), span * 0.2)
        step = min(datetime.timedelta(days=4 + (index * 3) % 12), (now - reviewed) / 5)
        Match.objects.filter(pk=match.pk).update(created_at=proposed, reviewed_at=reviewed)
        moment = reviewed
        for event in DealEvent.objects.filter(match=match).order_by("id"):
            if event.action == DealEvent.Action.STAGE:
                moment += step
            DealEvent.objects.filter(pk=event.pk).update(created_at=moment)
            if event.stage == DealStage.SIGNED:
                Match.objects.filter(pk=match.pk).update(contract_signed_on=timezone.localtime(moment).date())
