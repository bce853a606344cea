"""The matcher's services: the posting workflow's hooks, full runs and synonyms; the stages below live in
their own modules and are re-exported here under their old names:

* ``matching.indexing`` — index upkeep (features, inverted-index rows, statistics);
* ``matching.retrieval`` — candidates, ranking (``rank_for``), one pair (``pair_score``);
* ``matching.proposals`` — the ``Match`` upsert (``proposals_save``; a chunk's needs at once:
  ``proposals_save_needs``);
* pure layers: ``matching.scoring``, ``matching.ranking``, ``matching.calibration``, ``matching.concepts``,
  ``matching.generic``; data read from the database: ``matching.knowledge``; learning: ``matching.learning``.

Imports go one way: tasks → services → indexing / retrieval / proposals → knowledge, index, pure layers.

Entry points for the posting workflow (called inside its transaction):

* ``posting_published(posting=...)`` — enqueue, on commit, the task that indexes the posting and matches
  it against the published postings of the other side.
* ``posting_withdrawn(posting=...)`` — the posting left "published" (closed, expired, edited back to
  review): drop it from the index and withdraw its open proposals, now.

A score always has the need as the query and the achievement as the document (``matching.scoring``),
so one pair gets the same score whichever side was published last.
"""

from __future__ import annotations

import logging

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from mengkeju.lib.hidden import strip_hidden
from mengkeju.lib.textanalysis import default_analyzer, normalize, reset_default_analyzer

from . import knowledge
from .generic import is_function_word
from .indexing import (  # noqa: F401  (the services' public names, as before the split)
    GRAM_PREFIX,
    MATURITY_ZH,
    MAX_TERM_LENGTH,
    MODELS,
    OPPOSITE,
    _index_rows,
    analyzer_version,
    candidate_limit,
    index_refresh,
    kind_of,
    max_df_share,
    need_candidate_limit,
    posting_features,
    posting_unindex,
    postings_index,
    postings_index_ids,
    postings_per_term,
    published,
    retrieval_terms,
    side_from_features,
    top_k_default,
)
from .models import (
    ConceptLink,
    ConceptLinkChange,
    IndexedPosting,
    Match,
    MatchSource,
    MatchStatus,
    PostingKind,
    Synonym,
)
from .proposals import SaveResult, proposals_save, proposals_save_needs  # noqa: F401
from .retrieval import (  # noqa: F401
    SideStats,
    _best_known,
    _calibrate_alone,
    _candidates,
    _df_of,
    _load_sides,
    _retrieval_weights,
    _stats_for,
    document_frequencies,
    match_fill_score,
    pair_score,
    rank_for,
    related_clusters,
    side_stats,
)

logger = logging.getLogger(__name__)


# --- the workflow hooks -----------------------------------------------------------------------------


def posting_published(*, posting) -> None:
    """Called by the posting workflow when a posting becomes published (inside its transaction): the
    matching work is written to the outbox in that transaction and handed to a worker after the commit
    (``matching.outbox``), so a broker outage delays it and never fails the publication."""
    from . import outbox

    outbox.match_outbox_add(kind=kind_of(posting), posting_id=posting.pk)


def posting_withdrawn(*, posting) -> None:
    """Called by the posting workflow when a posting stops being published: unindex, withdraw proposals."""
    kind = kind_of(posting)
    with transaction.atomic():
        posting_unindex(kind=kind, posting_id=posting.pk)
        side = {"need_id": posting.pk} if kind == PostingKind.NEED else {"achievement_id": posting.pk}
        Match.objects.filter(**side, status=MatchStatus.PROPOSED, source=MatchSource.MATCHER).update(
            status=MatchStatus.WITHDRAWN, updated_at=timezone.now()
        )


def _commit_without_waiting_for_disk() -> None:
    """Inside a transaction on PostgreSQL: its commit returns before the WAL reaches the disk
    (``SET LOCAL synchronous_commit TO OFF``, PostgreSQL manual, "Asynchronous Commit"). A crash in the
    next ~0.6 s may lose the transaction, never half of it. Only for derived data that the matcher
    rebuilds: a lost index row is re-indexed by the next full run (``index_refresh``), lost proposals are
    proposed again by it. On this VM a synchronous commit costs 3.8 ms, and an incremental match made two.
    """
    if connection.vendor == "postgresql" and connection.in_atomic_block:
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL synchronous_commit TO OFF")


def posting_match(*, kind: str, posting_id: int, top_k: int | None = None, reindex: bool = True) -> SaveResult:
    """Index one published posting (if asked) and propose its best partners. What the Celery task runs.
    Both writes are derived data, committed without waiting for the disk (``_commit_without_waiting_for_disk``)."""
    posting = published(kind).filter(pk=posting_id).first()
    if posting is None:  # no longer published: nothing to match (its proposals were withdrawn)
        posting_unindex(kind=kind, posting_id=posting_id)
        return SaveResult()
    if reindex or not IndexedPosting.objects.filter(kind=kind, posting_id=posting_id).exists():
        with transaction.atomic():
            _commit_without_waiting_for_disk()
            postings_index(kind=kind, postings=[posting])
    need_id = posting_id if kind == PostingKind.NEED else None
    pairs = rank_for(kind=kind, posting_id=posting_id, top_k=top_k)
    with transaction.atomic():
        _commit_without_waiting_for_disk()
        return proposals_save(pairs=pairs, need_id=need_id)


# --- synonyms ------------------------------------------------------------------------------------


def _synonyms_changed() -> None:
    """This process's analyser reloads now; other processes notice the new ``synonyms_version`` within
    ``VERSION_CHECK_SECONDS``. Postings already indexed keep their old words until the next full run
    re-indexes them (their ``analyzer_version`` no longer matches)."""
    transaction.on_commit(reset_default_analyzer)


def synonym_create(*, term: str, synonym: str, note: str = "") -> Synonym:
    """Add a pair, normalised as the analyser reads it (NFKC, lower case); a pair is the same in either
    order, so 光伏 ~ 太阳能电池 and 太阳能电池 ~ 光伏 are one pair.  Hidden characters (zero-width, bidi
    controls) are removed.  Raises ``ValidationError`` keyed ``term`` / ``synonym`` / ``note``, also when
    another request added the same pair a moment ago (the unique constraints decide)."""
    term, synonym = strip_hidden(normalize(term)).strip(), strip_hidden(normalize(synonym)).strip()
    if term and term == synonym:
        raise ValidationError({"synonym": _("A word is not a synonym of itself.")})
    either_order = Q(term=term, synonym=synonym) | Q(term=synonym, synonym=term)
    if term and synonym and Synonym.objects.filter(either_order).exists():
        raise ValidationError({"synonym": _("This pair exists already.")})
    row = Synonym(term=term, synonym=synonym, note=note.strip())
    row.full_clean(validate_unique=False, validate_constraints=False)
    try:
        with transaction.atomic():
            row.save()
    except IntegrityError:  # the same pair added by another request a moment ago
        raise ValidationError({"synonym": _("This pair exists already.")}) from None
    _synonyms_changed()
    return row


def synonym_delete(*, synonym: Synonym) -> None:
    synonym.delete()
    _synonyms_changed()


# --- the concept layer ------------------------------------------------------------------------------

CONCEPT_FIELDS = ("cluster", "problem", "technology", "note", "active")


def concept_state(link: ConceptLink) -> dict:
    return {name: getattr(link, name) for name in CONCEPT_FIELDS}


def _concept_clean(*, cluster: str, problem: str, technology: str, note: str) -> dict:
    """Normalised fields of a relation, or ``ValidationError`` keyed by field: the cluster is ``*`` or the
    Chinese name of an industry cluster; the problem has cue groups (spaces) of non-empty alternatives
    (``|``); the technology names at least one term of two or more characters."""
    from mengkeju.core.models import IndustryCluster

    from .concepts import ANY_CLUSTER, problem_errors
    from .concepts import ConceptLink as Relation

    def clean(text: str) -> str:
        return " ".join(strip_hidden(normalize(text or "")).split())

    cluster, problem, technology, note = clean(cluster), clean(problem), clean(technology), (note or "").strip()
    errors = {}
    if cluster != ANY_CLUSTER and not IndustryCluster.objects.filter(name_zh=cluster).exists():
        errors["cluster"] = _("Choose an industry cluster or “every cluster”.")
    reason = problem_errors(problem)
    if reason == "empty":
        errors["problem"] = _("Give at least one problem cue, e.g. 路面|沥青 裂|坑槽.")
    elif reason:
        errors["problem"] = _("A cue group has an empty alternative: remove the extra “|”.")
    # a stray "|" at the end of a group adds no alternative: drop it (屋里| 冷 = 屋里 冷)
    problem = " ".join("|".join(a for a in group.split("|") if a) for group in problem.split())
    terms = Relation(ANY_CLUSTER, "x", technology).technologies()
    generic = knowledge.word_rules()
    if not terms:
        errors["technology"] = _("Give at least one technology term, e.g. 沥青改性、抗冻融.")
    elif any(len(t) < 2 for t in terms):
        errors["technology"] = _("Each technology term needs at least two characters.")
    elif not any(_specific(t, generic) for t in terms):
        errors["technology"] = _(
            "“%(terms)s” is too general to show that an achievement offers the technology (no proposal can "
            "rest on generic words): name the technology itself, e.g. 空气源热泵."
        ) % {"terms": "、".join(terms)}
    groups = problem.split()
    if "problem" not in errors and not any(any(_specific(c, generic) for c in g.split("|")) for g in groups):
        errors["problem"] = _(
            "“%(cues)s” holds only generic words that almost every need contains: the relation would fire on "
            "them all. Add a word of the problem itself, e.g. 路面 裂|坑槽."
        ) % {"cues": problem}
    if errors:
        raise ValidationError(errors)
    return {"cluster": cluster, "problem": problem, "technology": "、".join(terms), "note": note}


def _specific(text: str, rule) -> bool:
    """Does ``text`` hold a word that is neither generic, a stop word nor a word of grammar? A one-character word counts
    (冷, 裂; 砂 of 机制砂, 膜 of 膜处理): the concept layer matches a one-character cue only as a word or the
    head of one, and a technology's one-character part must be in the achievement too."""
    words = default_analyzer().tokens(text)  # empty for stop words alone: 技术, 研究, 应用, 方法
    return any(rule.is_evidence_word(w) or (len(w) == 1 and not is_function_word(w)) for w in words)


def concept_link_save(
    *, user, cluster: str, problem: str, technology: str, note: str = "", link: ConceptLink | None = None
) -> ConceptLink:
    """Add a problem → technology relation (``link`` None) or edit ``link``, and record the change with
    ``user`` in the history. Every process sees the change on its next match (``matching.knowledge``
    rebuilds the layer when the table changes; the knowledge version stored with each proposal changes).
    Raises ``ValidationError`` keyed ``cluster`` / ``problem`` / ``technology`` (also when the same relation
    exists already); nothing is saved then."""
    fields = _concept_clean(cluster=cluster, problem=problem, technology=technology, note=note)
    same = ConceptLink.objects.filter(
        cluster=fields["cluster"], problem=fields["problem"], technology=fields["technology"]
    )
    if link is not None:
        same = same.exclude(pk=link.pk)
    if same.exists():
        raise ValidationError({"technology": _("This relation exists already.")})
    with transaction.atomic():
        if link is None:
            before, action = {}, ConceptLinkChange.Action.CREATED
            link = ConceptLink(**fields)
        else:
            link = ConceptLink.objects.select_for_update().get(pk=link.pk)
            before, action = concept_state(link), ConceptLinkChange.Action.EDITED
            for name, value in fields.items():
                setattr(link, name, value)
        try:
            with transaction.atomic():
                link.save()
        except IntegrityError:  # the same relation saved by another request a moment ago
            raise ValidationError({"technology": _("This relation exists already.")}) from None
        if before != concept_state(link):
            ConceptLinkChange.objects.create(
                link=link, action=action, user=user, before=before, after=concept_state(link)
            )
    return link


def concept_link_set_active(*, link: ConceptLink, active: bool, user) -> ConceptLink:
    """Switch a relation off (the matcher stops using it at once; it stays listed with its history) or on
    again, recorded in the history. Doing what is already done changes nothing."""
    with transaction.atomic():
        link = ConceptLink.objects.select_for_update().get(pk=link.pk)
        if link.active == active:
            return link
        before = concept_state(link)
        link.active = active
        link.save(update_fields=["active", "updated_at"])
        ConceptLinkChange.objects.create(
            link=link,
            action=ConceptLinkChange.Action.ENABLED if active else ConceptLinkChange.Action.DISABLED,
            user=user,
            before=before,
            after=concept_state(link),
        )
    return link
