"""``python manage.py demo_deals``: decisions and deals on the demo proposals, so the review history, the
match pages and the dashboard have something to show. Idempotent: does nothing once deal events exist.

Run after ``load_demo`` and ``match --all``. Decisions and stage moves go through the services (audit
log, timeline, notifications); their times are then spread over the weeks after each need's publication.
"""

import datetime
from decimal import Decimal

from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from matching.models import DealStage, Match
from mengkeju.core.models import Role, User
from mengkeju.deals import permissions, selectors, services
from mengkeju.deals.models import Deal, DealEvent

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
        # a few of each demo user's organization first, so that logging in as them shows introductions
        queue = selectors.match_review_queue()
        total = options["approve"] + options["approve"] // 3
        picked: dict[int, Match] = {}
        for username, side, share in (("enterprise", "need", 3), ("researcher", "achievement", 3)):
            user = User.objects.filter(username=username).first()
            if user and user.organization_id:
                for match in queue.filter(**{f"{side}__organization_id": user.organization_id})[:share]:
                    picked.setdefault(match.pk, match)
        for match in queue[: total + len(picked)]:
            if len(picked) >= total:
                break
            picked.setdefault(match.pk, match)
        candidates = list(picked.values())[:total]
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
            entered = self._enter_a_challenge()
            if candidates and options["approve"]:
                self._talk(Match.objects.get(pk=candidates[0].pk))
        self.stdout.write(
            f"demo deals: {approved} approved, {rejected} rejected, {signed} signed, {entered} challenge entry"
        )

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
                signed_on = timezone.localtime(moment).date()
                Match.objects.filter(pk=match.pk).update(contract_signed_on=signed_on)
                amount = Match.objects.get(pk=match.pk).contract_amount_wan
                DealEvent.objects.filter(pk=event.pk).update(note=f"{amount:g} 万元, {signed_on:%Y-%m-%d}.")
        # the pipeline's clock follows the spread timeline, so older demo deals show up as stalled
        Deal.objects.filter(match=match).update(last_activity_at=moment)

    def _talk(self, match: Match) -> None:
        """A short conversation (在线洽谈) on the first demo deal, so the messages pages have something."""
        from mengkeju.messaging import services as messaging_services

        enterprise = match.need.organization.members.filter(is_active=True).order_by("pk").first()
        research = match.achievement.organization.members.filter(is_active=True).order_by("pk").first()
        if enterprise is None or research is None:
            return
        messaging_services.message_post(
            match=match,
            user=enterprise,
            body="您好，我们对贵团队的成果很感兴趣，方便下周安排一次线上交流吗？（演示数据）",
        )
        messaging_services.message_post(
            match=match, user=research, body="可以，周三下午三点我们介绍中试数据，请提前发来工况参数。（演示数据）"
        )

    def _enter_a_challenge(self) -> int:
        """The demo researcher takes on the first open challenge with their newest achievement."""
        researcher = User.objects.filter(username="researcher", is_active=True).first()
        challenge = selectors.challenge_board().first()
        if researcher is None or challenge is None:
            return 0
        achievement = selectors.counterpart_choices(user=researcher, posting=challenge).first()
        if achievement is None or not permissions.can_enter_challenge(researcher, challenge):
            return 0
        services.challenge_enter(
            user=researcher,
            need=challenge,
            achievement=achievement,
            proposal="团队拟用六个月完成小试、十二个月完成中试验证，关键指标对标榜单要求（演示数据）。",
        )
        return 1
