"""Matches between needs and achievements, and the runs of the matcher that propose them.

Defined by the lead as the shared contract of the matcher (matching/) and of review and deals
(mengkeju/deals/); the matcher engineer adds the index tables for retrieval.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Greatest, Least
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from achievements.models import Achievement
from mengkeju.core.models import TimeStampedModel
from mengkeju.lib.fields import JSONField
from needs.models import TechnicalNeed


class MatchStatus(models.TextChoices):
    PROPOSED = "proposed", _("Proposed")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class MatchSource(models.TextChoices):
    MATCHER = "matcher", _("Matcher")
    INTEREST = "interest", _("Expressed interest")
    CHALLENGE = "challenge", _("Challenge (揭榜挂帅)")


class DealStage(models.TextChoices):
    INTRODUCED = "introduced", _("Introduced")
    CONTACTED = "contacted", _("Contacted")
    NEGOTIATING = "negotiating", _("Negotiating")
    SIGNED = "signed", _("Contract signed")
    IMPLEMENTED = "implemented", _("Implemented")
    DROPPED = "dropped", _("Dropped")


class Match(TimeStampedModel):
    need = models.ForeignKey(TechnicalNeed, verbose_name=_("need"), on_delete=models.CASCADE, related_name="matches")
    achievement = models.ForeignKey(
        Achievement, verbose_name=_("achievement"), on_delete=models.CASCADE, related_name="matches"
    )
    score = models.FloatField(_("score"), default=0.0)
    components = JSONField(_("score components"), default=dict, blank=True)
    explanation = JSONField(_("explanation"), default=dict, blank=True)
    algorithm_version = models.CharField(_("algorithm version"), max_length=40, blank=True)
    source = models.CharField(_("source"), max_length=20, choices=MatchSource.choices, default=MatchSource.MATCHER)
    status = models.CharField(_("status"), max_length=20, choices=MatchStatus.choices, default=MatchStatus.PROPOSED)
    # who asked for it when the source is an expressed interest or a challenge entry
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requested by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    message = models.TextField(_("message"), blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reviewed by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    reviewed_at = models.DateTimeField(_("reviewed"), null=True, blank=True)
    review_note = models.TextField(_("review note"), blank=True)
    deal_stage = models.CharField(_("deal stage"), max_length=20, choices=DealStage.choices, blank=True)
    contract_amount_wan = models.DecimalField(
        _("contract amount (10k CNY)"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    contract_signed_on = models.DateField(_("contract signed on"), null=True, blank=True)
    drop_reason = models.TextField(_("reason dropped"), blank=True)

    class Meta:
        verbose_name = _("match")
        verbose_name_plural = _("matches")
        ordering = ["-score", "id"]
        permissions = [("review_match", _("Can review proposed matches"))]
        constraints = [
            models.UniqueConstraint(fields=["need", "achievement"], name="matching_match_unique_pair"),
            models.CheckConstraint(condition=Q(score__gte=0) & Q(score__lte=1), name="matching_match_score_0_1"),
            models.CheckConstraint(
                condition=Q(deal_stage="") | Q(status=MatchStatus.APPROVED), name="matching_match_deal_needs_approval"
            ),
        ]
        indexes = [
            # review queue: open proposals, best first
            models.Index(fields=["status", "-score"], name="match_queue_idx"),
            # proposals of one posting (detail pages, withdrawal on close)
            models.Index(fields=["need", "status"], name="match_need_idx"),
            models.Index(fields=["achievement", "status"], name="match_achievement_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.need} ↔ {self.achievement}"


class MatchRun(TimeStampedModel):
    class Kind(models.TextChoices):
        FULL = "full", _("Full")
        INCREMENTAL = "incremental", _("Incremental")

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")
        CANCELLED = "cancelled", _("Cancelled")

    ACTIVE_STATUSES = (Status.QUEUED, Status.RUNNING)

    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.QUEUED)

    class Trigger(models.TextChoices):
        ADMIN = "admin", _("Admin in the browser")
        COMMAND = "command", _("Management command")
        BEAT = "beat", _("Nightly schedule")
        PUBLISH = "publish", _("Publication")
        EVALUATE = "evaluate", _("Evaluation")

    trigger = models.CharField(_("trigger"), max_length=40, blank=True, choices=Trigger.choices)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("started by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    algorithm_version = models.CharField(_("algorithm version"), max_length=40, blank=True)
    total_chunks = models.PositiveIntegerField(_("chunks"), default=0)
    done_chunks = models.PositiveIntegerField(_("chunks done"), default=0)
    total_items = models.PositiveIntegerField(_("postings to match"), default=0)
    processed_items = models.PositiveIntegerField(_("postings matched"), default=0)
    proposals_created = models.PositiveIntegerField(_("proposals created"), default=0)
    proposals_updated = models.PositiveIntegerField(_("proposals updated"), default=0)
    errors = models.JSONField(_("errors"), default=list, blank=True)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    # the last sign of life: set on start, by prepare and by every finished chunk; a run without one for
    # longer than MATCHING_RUN_STALL_SECONDS is failed by ``matching.runs.match_runs_fail_stalled``
    progress_at = models.DateTimeField(_("last progress"), null=True, blank=True)

    class Meta:
        verbose_name = _("matching run")
        verbose_name_plural = _("matching runs")
        ordering = ["-created_at", "-id"]
        constraints = [
            # exactly one active full run: the database refuses a second one, however close the starts
            models.UniqueConstraint(
                fields=["kind"],
                condition=Q(kind="full", status__in=["queued", "running"]),
                name="matching_matchrun_one_active_full",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk} ({self.get_status_display()})"

    @property
    def progress_percent(self) -> int:
        if not self.total_chunks:
            return 100 if self.status == self.Status.DONE else 0
        return round(100 * self.done_chunks / self.total_chunks)

    @property
    def duration(self):
        if self.started_at and self.finished_at:
            return self.finished_at - self.started_at
        return None


class MatchRunChunk(models.Model):
    """One chunk of a full run's needs. Its proposals and ``done_at`` (with its counts) are written in one
    transaction, once: a chunk delivered twice (late acknowledgement after a lost worker) is counted once,
    and the run's counters are sums over these rows, so they cannot drift."""

    run = models.ForeignKey(MatchRun, verbose_name=_("run"), on_delete=models.CASCADE, related_name="chunks")
    number = models.PositiveIntegerField(_("number"))
    need_ids = models.JSONField(_("needs"), default=list)
    done_at = models.DateTimeField(_("done"), null=True, blank=True)
    processed = models.PositiveIntegerField(_("postings matched"), default=0)
    created = models.PositiveIntegerField(_("proposals created"), default=0)
    updated = models.PositiveIntegerField(_("proposals updated"), default=0)
    errors = models.JSONField(_("errors"), default=list, blank=True)

    class Meta:
        verbose_name = _("matching run chunk")
        verbose_name_plural = _("matching run chunks")
        ordering = ["run", "number"]
        constraints = [models.UniqueConstraint(fields=["run", "number"], name="matching_matchrunchunk_unique")]

    def __str__(self) -> str:
        return f"#{self.run_id}.{self.number}"


class MatchOutbox(models.Model):
    """Matching work owed to a posting that was just published (approved, reopened), written in the same
    transaction as the publication. A task does it and marks it done; when the broker was down at the
    commit the row stays pending and ``matching.outbox.match_outbox_flush`` (beat every minute,
    ``manage.py match_pending``) does it once the broker is back. Claimed by a conditional UPDATE, so
    one row is matched once even when the task and the flush race."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        CLAIMED = "claimed", _("Being matched")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    kind = models.CharField(
        _("kind"), max_length=20, choices=[("need", _("Technical need")), ("achievement", _("Achievement"))]
    )
    posting_id = models.PositiveBigIntegerField(_("posting"))
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    claimed_at = models.DateTimeField(_("claimed"), null=True, blank=True)
    done_at = models.DateTimeField(_("done"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)

    class Meta:
        verbose_name = _("matching outbox item")
        verbose_name_plural = _("matching outbox")
        ordering = ["created_at", "id"]
        indexes = [
            # the flush and /healthz: rows still pending (or stuck claimed), oldest first
            models.Index(fields=["status", "created_at"], name="matching_outbox_status_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} #{self.posting_id} ({self.get_status_display()})"


class Synonym(TimeStampedModel):
    """Two words the matcher treats as the same thing (光伏 ~ 太阳能电池); edited by admins."""

    term = models.CharField(_("term"), max_length=50)
    synonym = models.CharField(_("synonym"), max_length=50)
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("synonym")
        verbose_name_plural = _("synonyms")
        ordering = ["term", "synonym"]
        constraints = [
            models.UniqueConstraint(fields=["term", "synonym"], name="matching_synonym_unique_pair"),
            # a pair is the same in either order: 光伏 ~ 太阳能电池 and 太阳能电池 ~ 光伏 are one row, also
            # when two admins add them at the same instant
            models.UniqueConstraint(
                Least("term", "synonym"), Greatest("term", "synonym"), name="matching_synonym_either_order"
            ),
            models.CheckConstraint(condition=~Q(term=models.F("synonym")), name="matching_synonym_not_self"),
        ]

    def __str__(self) -> str:
        return f"{self.term} ~ {self.synonym}"


# --- the retrieval index (maintained by matching.services, never edited by hand) -------------------


class PostingKind(models.TextChoices):
    NEED = "need", _("Technical need")
    ACHIEVEMENT = "achievement", _("Achievement")


class IndexedPosting(models.Model):
    """The matcher's features of one published posting: weighted terms, bigrams, keywords and the
    compatibility fields, as the scorer reads them. One row per published posting."""

    kind = models.CharField(_("kind"), max_length=20, choices=PostingKind.choices)
    posting_id = models.PositiveBigIntegerField(_("posting"))
    cluster = models.CharField(_("cluster code"), max_length=40, blank=True)
    length = models.FloatField(_("weighted length"), default=0.0)
    gram_length = models.FloatField(_("weighted bigram length"), default=0.0)
    features = models.JSONField(_("features"), default=dict)
    analyzer_version = models.CharField(_("analyzer version"), max_length=40)
    indexed_at = models.DateTimeField(_("indexed"), auto_now=True)

    class Meta:
        verbose_name = _("indexed posting")
        verbose_name_plural = _("indexed postings")
        constraints = [
            models.UniqueConstraint(fields=["kind", "posting_id"], name="matching_indexedposting_unique"),
        ]
        indexes = [
            # full runs re-index rows written by an older analyser (changed synonyms or dictionary)
            models.Index(fields=["kind", "analyzer_version"], name="matching_ip_version_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} #{self.posting_id}"


class IndexTerm(models.Model):
    """Inverted index: which published postings of a kind contain a term, with its field-weighted
    frequency. Terms are words and sub-words; ``§`` + bigram rows cover the bigrams of keywords and title."""

    kind = models.CharField(_("kind"), max_length=20, choices=PostingKind.choices)
    term = models.CharField(_("term"), max_length=64)
    posting_id = models.PositiveBigIntegerField(_("posting"))
    weight = models.FloatField(_("weight"))

    class Meta:
        verbose_name = _("index term")
        verbose_name_plural = _("index terms")
        # no unique constraint on (kind, term, posting): the rows of a posting are written only together
        # with its IndexedPosting row (unique), after deleting the old ones under a row lock
        indexes = [
            # re-indexing or withdrawing one posting deletes its rows
            models.Index(fields=["kind", "posting_id"], name="matching_it_posting_idx"),
            # candidate retrieval: the postings where a term weighs most (top-M of each query term)
            models.Index(fields=["kind", "term", "-weight", "posting_id"], name="matching_it_impact_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.term} → {self.kind} #{self.posting_id}"


class IndexTermStat(models.Model):
    """Document frequency of an index term: in how many indexed postings of a kind it occurs. Kept in
    step by ``matching.services.postings_index``/``posting_unindex`` (upserts of the difference) and
    recounted from ``IndexTerm`` at the start of every full run; BM25 reads it instead of counting."""

    kind = models.CharField(_("kind"), max_length=20, choices=PostingKind.choices)
    term = models.CharField(_("term"), max_length=64)
    df = models.IntegerField(_("document frequency"), default=0)

    class Meta:
        verbose_name = _("index term statistic")
        verbose_name_plural = _("index term statistics")
        constraints = [
            # document frequencies of a query's terms; the upsert's conflict target
            models.UniqueConstraint(fields=["kind", "term"], name="matching_indextermstat_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.term}: {self.df}"


class IndexKindStat(models.Model):
    """Totals of the indexed postings of a kind (count, weighted lengths) for BM25's averages."""

    kind = models.CharField(_("kind"), max_length=20, choices=PostingKind.choices, unique=True)
    postings = models.IntegerField(_("indexed postings"), default=0)
    total_length = models.FloatField(_("total weighted length"), default=0.0)
    total_gram_length = models.FloatField(_("total weighted bigram length"), default=0.0)

    class Meta:
        verbose_name = _("index statistic")
        verbose_name_plural = _("index statistics")

    def __str__(self) -> str:
        return f"{self.kind}: {self.postings}"


# --- what the matcher knows beyond words (edited by admins, or learned; matching.knowledge) --------


class ConceptLink(TimeStampedModel):
    """A problem → technology relation of the concept layer (``matching.concepts``): when a need of
    ``cluster`` (Chinese name, ``*`` = every cluster) mentions the problem, achievements naming the
    technology are looked for. Edited by admins; the starter set comes from ``matching/data/concepts.tsv`` and
    ``concepts_general.tsv``."""

    cluster = models.CharField(
        _("industry cluster"), max_length=40, default="*", help_text=_("Chinese name, or * for every cluster")
    )
    problem = models.CharField(
        _("problem cues"),
        max_length=200,
        help_text=_("Cue groups separated by spaces, alternatives by | — e.g. 路面|沥青 裂|坑槽|冻融"),
    )
    technology = models.CharField(
        _("technology terms"), max_length=300, help_text=_("Separated by 、 — e.g. 沥青改性、抗冻融")
    )
    note = models.CharField(_("note"), max_length=200, blank=True)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("concept link")
        verbose_name_plural = _("concept links")
        ordering = ["cluster", "problem"]
        constraints = [
            models.UniqueConstraint(fields=["cluster", "problem", "technology"], name="matching_conceptlink_unique"),
        ]

    @property
    def cluster_label(self) -> str:
        """The cluster as people read it: its name, or "every cluster" for ``*``."""
        return _("Every cluster") if self.cluster == "*" else self.cluster

    def __str__(self) -> str:
        return f"[{self.cluster_label}] {self.problem} → {self.technology}"


class ConceptLinkChange(models.Model):
    """One change of the concept layer, for its history page: who added, edited, switched off or on (or, in
    the Django admin, deleted) which relation, when, and the relation before and after (cluster, problem,
    technology, note, active)."""

    class Action(models.TextChoices):
        CREATED = "created", _("added")
        EDITED = "edited", _("edited")
        DISABLED = "disabled", _("switched off")
        ENABLED = "enabled", _("switched on")
        DELETED = "deleted", _("deleted")

    link = models.ForeignKey(
        ConceptLink,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="changes",
        verbose_name=_("relation"),
    )
    action = models.CharField(_("action"), max_length=10, choices=Action.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, verbose_name=_("changed by")
    )
    at = models.DateTimeField(_("changed at"), default=timezone.now, db_index=True)
    before = models.JSONField(_("before"), default=dict, blank=True)
    after = models.JSONField(_("after"), default=dict, blank=True)

    class Meta:
        verbose_name = _("concept link change")
        verbose_name_plural = _("concept link changes")
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.get_action_display()} {self.link_id}"


class LearnedModel(TimeStampedModel):
    """A versioned model the matcher learned: the calibration (score → probability a broker approves, with
    the proposal threshold), the generic words recognised from the data or the corpus term associations
    (``matching.associations``). One of each kind is active; activating an older one rolls back."""

    class Kind(models.TextChoices):
        CALIBRATION = "calibration", _("Calibration and re-ranking weights")
        GENERIC = "generic", _("Generic words recognised from the data")
        ASSOCIATIONS = "associations", _("Term associations learned from the corpus")

    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    version = models.CharField(_("version"), max_length=60)
    params = models.JSONField(_("parameters"), default=dict)
    metrics = models.JSONField(_("measured"), default=dict, blank=True)
    active = models.BooleanField(_("active"), default=False)
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("learned model")
        verbose_name_plural = _("learned models")
        ordering = ["kind", "-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "version"], name="matching_learnedmodel_unique_version"),
            models.UniqueConstraint(fields=["kind"], condition=Q(active=True), name="matching_learnedmodel_one_active"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.version}{' ✓' if self.active else ''}"
