"""Data migration step shared by needs and achievements: fill ``title_sort`` and ``division`` of the
postings already there (free-text regions resolved by name; a region outside the tree stays text only)."""

from .sorting import title_sort_key


def fill_title_sort_and_division(apps, app_label: str, model_name: str, batch_size: int = 500) -> None:
    from mengkeju.regions.tree import RegionTree

    model = apps.get_model(app_label, model_name)
    division = apps.get_model("regions", "Division")
    tree = RegionTree.from_rows(
        division.objects.order_by("sort_order", "code").values_list(
            "id", "code", "name_zh", "name_en", "level", "parent_id", "aliases"
        )
    )
    batch = []
    for posting in model.objects.only("pk", "title", "region", "division_id").iterator(chunk_size=batch_size):
        posting.title_sort = title_sort_key(posting.title)
        if posting.division_id is None and posting.region:
            node = tree.resolve(posting.region)
            posting.division_id = node.id if node else None
        batch.append(posting)
        if len(batch) >= batch_size:
            model.objects.bulk_update(batch, ["title_sort", "division_id"])
            batch = []
    if batch:
        model.objects.bulk_update(batch, ["title_sort", "division_id"])
