"""The libraries' filter form rendered with Django's template widgets (before) and ``mengkeju.lib.fast_widgets``
(after), alternately in one run, in the page's language (zh-hans).

    python bench/filter_form.py --repeat 50

The form is what the profile of a library page showed as its largest cost (the region picker's 116
options, the cluster select, the cooperation-mode and maturity checkboxes: one template include per
option). Prints the mean and p95 per form in ms for both, and the ratio; no postings are needed.
"""

from __future__ import annotations

import argparse
import time

from common import django_on_throwaway_db, percentile


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=50)
    args = parser.parse_args()
    django_on_throwaway_db()
    from django import forms
    from django.utils import translation

    from achievements.filters import AchievementFilterSet
    from achievements.models import Achievement
    from mengkeju.lib import fast_widgets
    from needs.filters import NeedFilterSet
    from needs.models import TechnicalNeed

    translation.activate("zh-hans")
    fast = {cls: cls.render for cls in (fast_widgets.Select, fast_widgets.CheckboxSelectMultiple)}
    slow = {
        fast_widgets.Select: forms.Select.render,
        fast_widgets.CheckboxSelectMultiple: forms.CheckboxSelectMultiple.render,
    }

    def render(filterset_class, model, data) -> float:
        started = time.perf_counter()
        filterset = filterset_class(data, queryset=model.objects.all())
        "".join(str(field) for field in filterset.form)
        return (time.perf_counter() - started) * 1000

    cases = [
        ("need library, no filter", NeedFilterSet, TechnicalNeed, None),
        ("achievement library, no filter", AchievementFilterSet, Achievement, None),
        ("achievement library, filtered", AchievementFilterSet, Achievement, {"cluster": "1", "maturity": ["pilot"]}),
    ]
    print(f"{'form':34}{'templates ms':>14}{'fast ms':>10}{'p95 t/f':>16}  ratio (mean)")
    for label, filterset_class, model, data in cases:
        times = {"templates": [], "fast": []}
        for _ in range(args.repeat):
            for name, renders in (("templates", slow), ("fast", fast)):
                for cls, method in renders.items():
                    cls.render = method
                times[name].append(render(filterset_class, model, data))
        for cls, method in fast.items():
            cls.render = method
        mean = {k: sum(v) / len(v) for k, v in times.items()}
        p95 = {k: percentile(v, 95) for k, v in times.items()}
        print(
            f"{label:34}{mean['templates']:14.1f}{mean['fast']:10.1f}"
            f"{p95['templates']:9.1f}/{p95['fast']:.1f}  {mean['templates'] / mean['fast']:.1f}x"
        )


if __name__ == "__main__":
    main()
