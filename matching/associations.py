"""Term associations learned offline from the platform's own corpus — numpy/scipy/scikit-learn, no Django.

Which words are used in the same postings: a need written in problem language (烧煤多, 屋里冷) and an
achievement written in technology language (热泵, 保温) rarely share a word, but the corpus has postings
that use both vocabularies side by side. The associations are learned from every posting of both sides
plus the CSL background abstracts, never from labels:

1. vocabulary: whole words (no sub-words) of at least two characters, in at least ``MIN_DF`` postings and
   at most ``MAX_DF_SHARE`` of them, not generic (``matching.generic``);
2. co-occurrence: ``C[a, b]`` = number of postings that contain both ``a`` and ``b``;
3. positive pointwise mutual information with context-distribution smoothing (α = 0.75) —
   ``PPMI(a, b) = max(0, log(C[a, b] · Σ / (C[a] · C_α[b])))`` (Levy, Goldberg & Dagan, "Improving
   distributional similarity with lessons learned from word embeddings", TACL 2015);
4. truncated SVD of the PPMI matrix (``sklearn.decomposition.TruncatedSVD``, ``DIMENSIONS`` components,
   ``U · Σ^0.5``), rows normalised;
5. for each word its ``NEIGHBOURS`` nearest words by cosine, kept when the cosine is at least
   ``MIN_SIMILARITY`` and the two words co-occur in at least ``MIN_COOCCUR`` postings (an association the
   corpus actually shows, not only an artefact of the projection).

The result is data (``Associations``: word → [(associated word, cosine)]) kept as a versioned
``LearnedModel`` (kind ``associations``, ``matching.learning.associations_refresh``), rebuilt by
``manage.py learn_associations`` and a periodic task. The scorer adds a need word's associated words to the
query at ``ASSOCIATION_FACTOR`` × cosine × the word's weight; a shared associated word is evidence of a
shared concept and is explained as "语料关联：A ≈ B".
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

MIN_DF = 3
MAX_DF_SHARE = 0.05
DIMENSIONS = 100
NEIGHBOURS = 3
MIN_SIMILARITY = 0.7
MIN_COOCCUR = 2
SMOOTHING = 0.75
ASSOCIATION_FACTOR = 0.1
ALGORITHM = "ppmi-svd-1"


@dataclass
class Associations:
    """word → [(associated word, cosine ∈ (0, 1])], best first; ``info``: how it was learned."""

    neighbours: dict[str, list[tuple[str, float]]] = field(default_factory=dict)
    version: str = ""
    info: dict = field(default_factory=dict)

    def __bool__(self) -> bool:
        return bool(self.neighbours)

    def expansion(
        self, words: dict[str, float], *, factor: float | None = None, skip: Iterable[str] = ()
    ) -> dict[str, tuple[float, dict]]:
        """The associated words of a need's ``words`` (word → query weight): associated word →
        (weight = factor × cosine × the source word's weight, {"source": word, "similarity": cosine}),
        keeping the heaviest source; words in ``skip`` (already in the query) are left out. ``factor``
        defaults to ``ASSOCIATION_FACTOR``."""
        factor = ASSOCIATION_FACTOR if factor is None else factor
        skip = set(skip)
        out: dict[str, tuple[float, dict]] = {}
        for word, weight in sorted(words.items()):
            for other, cosine in self.neighbours.get(word, ()):
                if other in skip or other in words:
                    continue
                w = factor * cosine * weight
                if w > out.get(other, (0.0, None))[0]:
                    out[other] = (w, {"source": word, "similarity": round(cosine, 3)})
        return out

    def to_params(self) -> dict:
        return {"neighbours": {w: [[o, c] for o, c in n] for w, n in sorted(self.neighbours.items())}}

    @classmethod
    def from_params(cls, params: dict, *, version: str = "", info: dict | None = None) -> Associations:
        return cls(
            {w: [(o, float(c)) for o, c in n] for w, n in (params.get("neighbours") or {}).items()},
            version=version,
            info=info or {},
        )


def learn(
    documents: Iterable[Iterable[str]],
    *,
    is_word: Callable[[str], bool] = lambda w: len(w) >= 2,
    min_df: int = MIN_DF,
    max_df_share: float = MAX_DF_SHARE,
    dimensions: int = DIMENSIONS,
    neighbours: int = NEIGHBOURS,
    min_similarity: float = MIN_SIMILARITY,
    min_cooccur: int = MIN_COOCCUR,
    seed: int = 0,
) -> Associations:
    """PPMI + truncated SVD over posting-level co-occurrence (see the module). ``documents``: the whole
    words of each posting (a posting's words are counted once); ``is_word``: which words may be associated
    (e.g. not generic). Deterministic for a given corpus and ``seed``. An empty or tiny corpus gives an
    empty ``Associations`` (never an error)."""
    import numpy as np
    from scipy import sparse
    from sklearn.decomposition import TruncatedSVD

    docs = [set(d) for d in documents]
    n = len(docs)
    df: dict[str, int] = {}
    for d in docs:
        for w in d:
            df[w] = df.get(w, 0) + 1
    ceiling = max(min_df, int(max_df_share * n))
    vocab = sorted(w for w, k in df.items() if min_df <= k <= ceiling and is_word(w))
    info = {"algorithm": ALGORITHM, "postings": n, "vocabulary": len(vocab)}
    if len(vocab) < 3 or n < 3:
        return Associations({}, info=info)
    index = {w: i for i, w in enumerate(vocab)}
    rows, cols = [], []
    for r, d in enumerate(docs):
        for w in d:
            i = index.get(w)
            if i is not None:
                rows.append(r)
                cols.append(i)
    x = sparse.csr_matrix((np.ones(len(rows), dtype=np.float64), (rows, cols)), shape=(n, len(vocab)))
    co = (x.T @ x).tocsr()
    co.setdiag(0)
    co.eliminate_zeros()
    co = co.tocoo()
    total = co.sum()
    if total <= 0:
        return Associations({}, info=info)
    row_sum = np.asarray(co.sum(axis=1)).ravel()
    ctx = np.asarray(co.sum(axis=0)).ravel() ** SMOOTHING
    ctx_total = ctx.sum()
    pmi = np.log(co.data * ctx_total / (row_sum[co.row] * ctx[co.col]))
    keep = pmi > 0
    ppmi = sparse.csr_matrix((pmi[keep], (co.row[keep], co.col[keep])), shape=co.shape)
    k = max(1, min(dimensions, len(vocab) - 1))
    svd = TruncatedSVD(n_components=k, random_state=seed)
    u = svd.fit_transform(ppmi)  # U · Σ
    vec = u / np.sqrt(np.maximum(svd.singular_values_, 1e-12))  # U · Σ^0.5
    norm = np.linalg.norm(vec, axis=1)
    vec = vec / np.maximum(norm, 1e-12)[:, None]
    cooc = (x.T @ x).tocsr()
    out: dict[str, list[tuple[str, float]]] = {}
    for start in range(0, len(vocab), 1000):
        sims = vec[start : start + 1000] @ vec.T
        for offset, row in enumerate(sims):
            i = start + offset
            row[i] = -1.0
            best = np.argpartition(-row, min(neighbours * 4, len(row) - 1))[: neighbours * 4]
            best = best[np.argsort(-row[best], kind="stable")]
            co_row = cooc.getrow(i)
            together = dict(zip(co_row.indices.tolist(), co_row.data.tolist(), strict=True))
            kept = [
                (vocab[j], round(float(row[j]), 4))
                for j in best
                if row[j] >= min_similarity and together.get(int(j), 0) >= min_cooccur
            ][:neighbours]
            if kept:
                out[vocab[i]] = kept
    info["words_with_associations"] = len(out)
    return Associations(out, info=info)
