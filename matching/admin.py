from django.contrib import admin, messages
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from mengkeju.lib.textanalysis import reset_default_analyzer

from . import learning, services
from .models import (
    ConceptLink,
    ConceptLinkChange,
    IndexedPosting,
    IndexTerm,
    LearnedModel,
    Match,
    MatchOutbox,
    MatchRun,
    Synonym,
)


@admin.register(Match)
class MatchAdmin(admin.ModelAdmin):
    list_display = [
        "id",
        "need",
        "achievement",
        "score",
        "status",
        "source",
        "deal_stage",
        "algorithm_version",
        "updated_at",
    ]
    list_filter = ["status", "source", "deal_stage", "algorithm_version"]
    search_fields = ["need__title", "need__external_id", "achievement__title", "achievement__external_id"]
    list_select_related = ["need", "achievement"]
    # status, review and deal fields change through mengkeju.deals.services (conditional updates, audit log)
    readonly_fields = [
        "need",
        "achievement",
        "score",
        "components",
        "explanation",
        "algorithm_version",
        "source",
        "status",
        "requested_by",
        "reviewed_by",
        "reviewed_at",
        "review_note",
        "deal_stage",
        "contract_amount_wan",
        "contract_signed_on",
        "drop_reason",
        "created_at",
        "updated_at",
    ]
    date_hierarchy = "created_at"

    def has_add_permission(self, request):  # matches come from the matcher, interest and challenges
        return False


@admin.register(MatchRun)
class MatchRunAdmin(admin.ModelAdmin):
    list_display = [
        "id",
        "kind",
        "trigger",
        "started_by",
        "status",
        "done_chunks",
        "total_chunks",
        "processed_items",
        "proposals_created",
        "proposals_updated",
        "started_at",
        "finished_at",
    ]
    list_filter = ["kind", "status", "trigger"]
    list_select_related = ["started_by"]
    readonly_fields = [f.name for f in MatchRun._meta.fields]

    def has_add_permission(self, request):  # runs are started from the runs page or `manage.py match --all`
        return False


@admin.register(Synonym)
class SynonymAdmin(admin.ModelAdmin):
    """Same effect as the synonyms page; the analyser of this process reloads after a change."""

    list_display = ["term", "synonym", "note", "updated_at"]
    search_fields = ["term", "synonym", "note"]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        transaction.on_commit(reset_default_analyzer)

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        transaction.on_commit(reset_default_analyzer)

    def delete_queryset(self, request, queryset):
        super().delete_queryset(request, queryset)
        transaction.on_commit(reset_default_analyzer)


class ReadOnlyAdmin(admin.ModelAdmin):
    """Rows written only by the code (the index, the outbox, the concept history); shown for inspection."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(IndexedPosting)
class IndexedPostingAdmin(ReadOnlyAdmin):
    list_display = ["kind", "posting_id", "cluster", "length", "analyzer_version", "indexed_at"]
    list_filter = ["kind", "cluster", "analyzer_version"]
    search_fields = ["=posting_id"]


@admin.register(IndexTerm)
class IndexTermAdmin(ReadOnlyAdmin):
    list_display = ["kind", "term", "posting_id", "weight"]
    list_filter = ["kind"]
    search_fields = ["=term", "=posting_id"]
    show_full_result_count = False


@admin.register(MatchOutbox)
class MatchOutboxAdmin(ReadOnlyAdmin):
    """Matching owed to published postings (done by the workers, or ``manage.py match_pending``)."""

    list_display = ["id", "kind", "posting_id", "status", "attempts", "created_at", "done_at", "last_error"]
    list_filter = ["status", "kind"]
    search_fields = ["=posting_id"]


@admin.register(ConceptLink)
class ConceptLinkAdmin(admin.ModelAdmin):
    """The concept layer (problem → technology per cluster); every process sees a change on its next match."""

    list_display = ["cluster", "problem", "technology", "note", "active", "updated_at"]
    list_filter = ["active", "cluster"]
    list_editable = ["active"]
    search_fields = ["problem", "technology", "note"]

    # changes made here go into the same history as the concept layer's page (/matching/concepts/)
    def save_model(self, request, obj, form, change):
        before = services.concept_state(ConceptLink.objects.get(pk=obj.pk)) if change and obj.pk else {}
        super().save_model(request, obj, form, change)
        after = services.concept_state(obj)
        if before != after:
            if not before:
                action = ConceptLinkChange.Action.CREATED
            elif before["active"] != after["active"] and {**before, "active": after["active"]} == after:
                action = ConceptLinkChange.Action.ENABLED if after["active"] else ConceptLinkChange.Action.DISABLED
            else:
                action = ConceptLinkChange.Action.EDITED
            ConceptLinkChange.objects.create(link=obj, action=action, user=request.user, before=before, after=after)

    def delete_model(self, request, obj):
        self.delete_queryset(request, ConceptLink.objects.filter(pk=obj.pk))

    def delete_queryset(self, request, queryset):
        for link in queryset:
            ConceptLinkChange.objects.create(
                link=None,
                action=ConceptLinkChange.Action.DELETED,
                user=request.user,
                before=services.concept_state(link),
                after={},
            )
        queryset.delete()


@admin.register(ConceptLinkChange)
class ConceptLinkChangeAdmin(ReadOnlyAdmin):
    """The concept layer's history (read-only; also on /matching/concepts/)."""

    list_display = ["at", "user", "action", "link", "before", "after"]
    list_filter = ["action"]
    readonly_fields = ["at", "user", "action", "link", "before", "after"]


@admin.register(LearnedModel)
class LearnedModelAdmin(admin.ModelAdmin):
    """Versions of the calibration and of the generic words; activate one to roll back."""

    list_display = ["kind", "version", "active", "note", "created_at"]
    list_filter = ["kind", "active"]
    readonly_fields = ["kind", "version", "params", "metrics", "active", "created_at", "updated_at"]
    actions = ["activate", "use_shipped_calibration"]

    def has_add_permission(self, request):  # made by full runs and `manage.py learn_matching`
        return False

    @admin.action(description=_("Make the selected version active (roll back or forward)"))
    def activate(self, request, queryset):
        if queryset.count() != 1:
            self.message_user(request, _("Select exactly one version."), messages.ERROR)
            return
        model = learning.learned_model_activate(model=queryset.get())
        self.message_user(request, _("%(model)s is now active.") % {"model": model})
        if model.kind != LearnedModel.Kind.CALIBRATION and learning.rolled_back(model.kind):
            self.message_user(
                request,
                _(
                    "This is an older version: automatic updates (generic words at each full run, the weekly "
                    "associations) now save theirs beside it without activating them. Activate the newest "
                    "version to let them update it again."
                ),
                messages.WARNING,
            )

    @admin.action(description=_("Use the calibration shipped with the code (no learned calibration)"))
    def use_shipped_calibration(self, request, queryset):
        learning.calibration_use_shipped()
        self.message_user(request, _("The shipped calibration is active again."))
