"""Long commands show their progress: a tqdm bar on a terminal, plain periodic lines otherwise."""

import io

import pytest
from django.core.management import call_command

from mengkeju.lib.progress import PlainProgress, progress_factory


class Terminal(io.StringIO):
    def isatty(self):
        return True


class Clock:
    def __init__(self):
        self.now = 100.0

    def __call__(self):
        return self.now


def test_plain_lines_every_interval_with_count_rate_and_time_left_then_a_summary():
    out, clock = io.StringIO(), Clock()
    bar = PlainProgress(stream=out, desc="checking n.jsonl", total=100, unit="line", interval=10, clock=clock)
    clock.now += 5
    bar.update(25)  # before the interval: nothing yet
    assert out.getvalue() == ""
    clock.now += 5
    bar.update(25)
    assert out.getvalue() == "checking n.jsonl: 50/100 lines (50 %), 5 lines/s, about 10 s left\n"
    clock.now += 190
    bar.update(50)
    bar.close()
    bar.close()  # once only
    lines = out.getvalue().splitlines()
    assert lines[1] == "checking n.jsonl: 100/100 lines (100 %), 0 lines/s, about 0 s left"
    assert lines[2] == "checking n.jsonl: 100 lines in 3 min 20 s (0 lines/s)"
    assert len(lines) == 3


def test_plain_lines_without_a_total_give_count_and_rate():
    out, clock = io.StringIO(), Clock()
    bar = PlainProgress(stream=out, desc="saving", total=None, unit="need", interval=1, clock=clock)
    clock.now += 2
    bar.update(4000)
    assert out.getvalue() == "saving: 4,000 needs, 2,000 needs/s\n"


def test_a_terminal_gets_a_tqdm_bar_with_rate_and_time_left():
    out = Terminal()
    bar = progress_factory(out)(desc="matching needs", total=4, unit="need")
    bar.update(1)
    bar.update(3)
    bar.close()
    text = out.getvalue()
    assert "\r" in text and "matching needs: 100%" in text and "4/4" in text
    assert "need/s" in text and "<" in text  # rate and elapsed<remaining


def test_no_terminal_no_bar():
    bar = progress_factory(io.StringIO())(desc="x", total=1)
    assert isinstance(bar, PlainProgress)


@pytest.mark.django_db
def test_match_all_reports_progress_and_a_summary(need_and_achievement_published):
    err, out = io.StringIO(), io.StringIO()
    call_command("match", "--all", stdout=out, stderr=err)
    assert "matching needs: 1 needs in" in err.getvalue()
    assert "1/1 needs" in out.getvalue()
    err = io.StringIO()
    call_command("match", "--all", "--no-progress", stdout=io.StringIO(), stderr=err)
    assert err.getvalue() == ""


@pytest.fixture
def need_and_achievement_published(org_a, uni_u):
    from tests.factories import AchievementFactory, NeedFactory

    NeedFactory(organization=org_a, status="published")
    AchievementFactory(organization=uni_u, status="published")


def test_a_terminal_that_reports_no_size_still_gets_a_bar(monkeypatch):
    import os
    import shutil

    monkeypatch.setattr(shutil, "get_terminal_size", lambda fallback=(0, 0): os.terminal_size((0, 0)))
    out = Terminal()
    bar = progress_factory(out)(desc="saving needs", total=2, unit="need")
    bar.update(2)
    bar.close()
    assert "saving needs: 100%" in out.getvalue() and "2/2" in out.getvalue()
