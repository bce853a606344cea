"""Synthetic postings of both kinds for the benchmarks, in the import format, from this repository only.

    python bench/generate.py --needs 20000 --achievements 100000 --out /tmp/corpus
    python manage.py import_postings --kind achievement /tmp/corpus/achievements.jsonl --publish

Writes ``needs.jsonl`` and ``achievements.jsonl`` (the format of ``data/eval/dev/README.md``) to ``--out``.
The vocabulary is real: the 1,200 CSL abstracts of ``data/csl`` (Apache-2.0) grouped by industry cluster,
so every cluster has its own words. Each record mixes the title and keywords of one paper of its cluster
with a keyword and sentences of other papers of the same cluster, so terms co-occur as they do in real
texts of a field.

Needs and achievements are related as on a real platform: most needs ask for something nobody offers
and a minority for something some lab has. Every cluster's papers are split once (by a hash of their id,
``ROLES``) into topics both sides write about, topics only enterprises ask about and topics only labs
offer. ``RELATED_SHARE`` of the needs take their topic from the shared ones (they find achievements with
the same specific terms); the others take a need-only topic and meet the achievements only through the
words a field's texts have in common — enough for the matcher to propose a pair sometimes, and to show
it does not propose one for every need. A need's other sentences come from need-side topics, an
achievement's from achievement-side topics. ``bench/full_run.py`` and ``bench/incremental.py`` report the
proposals per need that result.

On top of that, fixed shares of the records are made harder for the analyser:

* lengths are mixed: a title-only description, three to five sentences, or a long text of eight to
  twelve sentences (``LENGTHS``);
* ``TRADITIONAL_SHARE`` of the records are converted to traditional script (OpenCC ``s2t``);
* ``LATIN_SHARE`` carry a model number, grade, standard or Latin/Chinese term (``LATIN_TERMS``).

Needs are phrased as an enterprise writes them (a problem sentence and a request) with a budget in 万元;
achievements as a lab writes them, with maturity and an asking price in 万元. The same ``--seed`` gives the
same files on any machine. Sizes from 1k to 500k take seconds to a minute.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import re
import sys
import time
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CSL = [ROOT / "data" / "csl" / "csl-dev.jsonl", ROOT / "data" / "csl" / "csl-test.jsonl"]
SENTENCE_RE = re.compile(r"(?<=[。；;！!？?])")

TRADITIONAL_SHARE = 0.05
LATIN_SHARE = 0.10
LENGTHS = [("title-only", 0.10), ("short", 0.70), ("long", 0.20)]
RELATED_SHARE = 0.35  # needs whose topic some achievements share
ROLES = [("shared", 0.5), ("need", 0.25), ("achievement", 0.25)]  # each paper's side, by hash of its id
LATIN_TERMS = [
    "304不锈钢", "316L", "ISO 9001", "CA19-9", "5G", "PLC", "PEM电解", "3D打印", "荧光定量PCR", "GB/T 19001",
    "Q345B", "IGBT", "LiFePO4", "PM2.5", "RFID", "AI视觉", "C++", "MES系统", "IV型瓶", "SCR脱硝",
]  # fmt: skip
MATURITIES = ["实验室", "小试", "中试", "产业化"]
MODES = ["技术转让", "技术许可", "合作开发", "委托开发", "技术咨询", "技术服务", "作价入股"]
NEED_OPENINGS = ["我公司在生产中遇到", "目前企业面临", "现有产线存在", "我单位急需解决", "合作社生产中出现"]
NEED_TITLES = ["技术需求", "相关技术难题", "工艺改进需求", "技术攻关", "方面的技术合作"]
NEED_REQUESTS = [
    "希望寻求相关技术合作。", "寻求高校或科研院所提供解决方案。", "欢迎有成熟技术的团队对接。",
    "拟委托开发或购买成熟技术。", "希望开展联合攻关。",
]  # fmt: skip
REGIONS = ["呼和浩特市", "包头市", "鄂尔多斯市", "赤峰市", "通辽市", "乌兰察布市", "巴彦淖尔市", "乌海市"]


def _papers() -> dict[str, list[dict]]:
    by_cluster: dict[str, list[dict]] = defaultdict(list)
    for path in CSL:
        with open(path, encoding="utf-8") as fh:
            for line in fh:
                if line.strip():
                    paper = json.loads(line)
                    paper["sentences"] = [s for s in SENTENCE_RE.split(paper["description"]) if s.strip()]
                    by_cluster[paper["cluster"]].append(paper)
    return dict(by_cluster)


def _role(paper: dict) -> str:
    """The side(s) a paper's topic belongs to: stable across runs and machines (a hash, not ``hash()``)."""
    x = int(hashlib.sha1(paper["external_id"].encode()).hexdigest()[:8], 16) / 16**8
    acc = 0.0
    for role, share in ROLES:
        acc += share
        if x < acc:
            return role
    return ROLES[-1][0]


def _pools(papers: dict[str, list[dict]], kind: str) -> dict[str, dict[str, list[dict]]]:
    """Per cluster, the topics a record of ``kind`` may take: {"related": [...], "own": [...], "all": [...]}."""
    out = {}
    for cluster, pool in papers.items():
        shared = [p for p in pool if _role(p) == "shared"] or pool
        own = [p for p in pool if _role(p) == kind] or pool
        out[cluster] = {"related": shared, "own": own, "all": shared + own}
    return out


def _length(rng: random.Random) -> str:
    x, acc = rng.random(), 0.0
    for name, share in LENGTHS:
        acc += share
        if x < acc:
            return name
    return LENGTHS[-1][0]


def _sentences(rng: random.Random, own: dict, others: list[dict], length: str) -> list[str]:
    if length == "title-only":
        return []
    count = rng.randint(3, 5) if length == "short" else rng.randint(8, 12)
    out = own["sentences"][:2]
    while len(out) < count:
        out.append(rng.choice(rng.choice(others)["sentences"]))
    return out


def generate(kind: str, n: int, *, seed: int = 7) -> Iterator[dict]:
    """Yield ``n`` records of ``kind`` ("need" or "achievement") in the import format.

    Deterministic for a given (kind, n, seed). External ids are ``G-N000001`` / ``G-A000001``.
    Raises ValueError for another kind.
    """
    if kind not in ("need", "achievement"):
        raise ValueError(f"kind must be need or achievement, got {kind!r}")
    import opencc

    to_traditional = opencc.OpenCC("s2t")
    rng = random.Random(f"{seed}:{kind}")
    papers = _papers()
    clusters = sorted(papers)
    pools = _pools(papers, kind)
    for i in range(n):
        cluster = rng.choice(clusters)
        side = pools[cluster]
        topic = side["all"]
        if kind == "need":  # most needs ask about a topic no lab offers
            topic = side["related"] if rng.random() < RELATED_SHARE else side["own"]
        pool = side["all"]
        own, second = rng.choice(topic), rng.choice(pool)
        length = _length(rng)
        if kind == "need":  # an enterprise names its problem in a few words and sentences of its own topic
            keywords = list(own.get("keywords") or [])[: rng.randint(1, 3)]
            count = {"title-only": 0, "short": rng.randint(1, 2)}.get(length, rng.randint(3, 5))
            body = own["sentences"][1 : 1 + count]
            title = f"{keywords[0]}{rng.choice(NEED_TITLES)}" if keywords else own["title"][:20]
        else:
            body = _sentences(rng, own, pool, length)
            keywords = list(own.get("keywords") or [])[:3] + list(second.get("keywords") or [])[:1]
            title = own["title"]
        if rng.random() < LATIN_SHARE:
            term = rng.choice(LATIN_TERMS)
            title = f"{term}{title}" if rng.random() < 0.5 else title
            keywords.append(term)
            body.insert(0, f"涉及{term}。")
        record = {"external_id": f"G-{kind[0].upper()}{i + 1:06d}", "cluster": cluster, "keywords": keywords}
        if kind == "need":
            problem = keywords[0] if keywords else title[:8]
            record |= {
                "title": title[:80],
                "description": f"{rng.choice(NEED_OPENINGS)}{problem}方面的问题。"
                + "".join(body)
                + rng.choice(NEED_REQUESTS),
                "organization": f"生成企业{rng.randint(1, max(1, n // 20)):05d}有限公司",
                "budget_min_wan": (low := rng.choice([None, 10, 20, 50])),
                "budget_max_wan": None if low is None else low + rng.choice([20, 50, 100, 300]),
                "region": rng.choice(REGIONS),
            }
        else:
            record |= {
                "title": title[:200],
                "description": "".join(body) or own["description"][:120],
                "organization": f"生成研究院{rng.randint(1, max(1, n // 50)):04d}",
                "maturity": rng.choice(MATURITIES),
                "price_wan": rng.choice([None, 20, 50, 100, 300]),
            }
        record["cooperation_modes"] = rng.sample(MODES, rng.randint(1, 3))
        if rng.random() < TRADITIONAL_SHARE:
            for field in ("title", "description"):
                record[field] = to_traditional.convert(record[field])
            record["keywords"] = [to_traditional.convert(k) for k in record["keywords"]]
        yield record


def write(kind: str, n: int, path: Path, *, seed: int = 7, progress=None) -> int:
    """Write ``n`` generated records of ``kind`` to ``path`` as JSONL; returns the number written.

    ``progress`` is a tracker of ``mengkeju.lib.progress`` (``update(n)``), advanced every record."""
    with open(path, "w", encoding="utf-8") as fh:
        for record in generate(kind, n, seed=seed):
            fh.write(json.dumps(record, ensure_ascii=False) + "\n")
            if progress:
                progress.update(1)
    return n


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--needs", type=int, default=1000, help="technical needs to write (default 1000)")
    parser.add_argument("--achievements", type=int, default=1000, help="achievements to write (default 1000)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--out", type=Path, required=True, help="folder for needs.jsonl and achievements.jsonl")
    args = parser.parse_args(argv)
    sys.path.insert(0, str(ROOT))
    from mengkeju.lib.progress import progress_factory

    make_progress = progress_factory(sys.stderr)
    args.out.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    for kind, n in (("need", args.needs), ("achievement", args.achievements)):
        path = args.out / f"{kind}s.jsonl"
        bar = make_progress(desc=f"{kind}s", total=n, unit="record")
        write(kind, n, path, seed=args.seed, progress=bar)
        bar.close()
        print(f"{path}: {n} {kind}s", file=sys.stderr)
    print(f"generated {args.needs} needs and {args.achievements} achievements in {time.perf_counter() - started:.1f} s")


if __name__ == "__main__":
    main()
