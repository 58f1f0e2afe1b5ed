"""Find anything: vendors, products, evaluations, and the answers and comments inside evaluations.

One function, `search`, answers for the navigation bar's search box. On PostgreSQL it uses the
stored, GIN-indexed `search_vector` columns (generated columns, or for evaluations a column kept
by triggers; see the procurement and vendors migrations), ranks with ts_rank and highlights with
ts_headline; on the embedded SQLite default it falls back to a case-insensitive substring match
with the same result shape.

What is searched is a fixed list of text fields. Invite tokens (only their hashes are stored) and
evidence files' stored names are in none of them, so neither can ever be found.

Highlighting never trusts the database's text: ts_headline marks matches with control characters,
everything is HTML-escaped, and only then are the markers turned into <mark> elements.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.contrib.postgres.search import (
    SearchHeadline,
    SearchQuery,
    SearchRank,
    SearchVectorField,
)
from django.db import connection
from django.db.models import F, Func, Q, TextField, Value
from django.db.models.expressions import Expression, RawSQL
from django.db.models.functions import Concat
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from procurement.models import Answer, Evaluation, ReviewComment
from vendors.models import Product, Vendor

if TYPE_CHECKING:
    from accounts.models import Organization

MIN_QUERY_LENGTH = 2
MAX_QUERY_LENGTH = 200
PER_KIND = 10
# Control characters cannot come from a form field in practice and survive HTML escaping unchanged,
# so they mark the matches until the escaped text is ready.
START, STOP = "\x01", "\x02"
SNIPPET_CHARS = 160
# A common word matches a large share of an organization's answers; reading and ranking every
# match grows with the organization. The answers matching it are ranked within the organization's
# most recently written answers instead (about 42 full evaluations of 238 questions), see
# _best_answers.
RECENT_ANSWERS = 10_000
EMPTY = mark_safe("")


@dataclass(frozen=True)
class Hit:
    kind: str
    title: SafeString
    context: str
    snippet: SafeString
    url: str
    rank: float

    @property
    def kind_label(self) -> str:
        return KIND_LABELS[self.kind]


KIND_LABELS = {
    "vendor": "Vendor",
    "product": "Product",
    "evaluation": "Evaluation",
    "answer": "Answer",
    "comment": "Comment",
}


def normalize_query(query: str) -> str:
    return " ".join(query.split())[:MAX_QUERY_LENGTH]


def search(*, organization: Organization, query: str, per_kind: int = PER_KIND) -> list[Hit]:
    """The organization's matches for `query`, best first. One query per kind of result."""
    query = normalize_query(query)
    if len(query) < MIN_QUERY_LENGTH:
        return []
    finder = _postgres if connection.vendor == "postgresql" else _substring
    hits = finder(organization, query, per_kind)
    return sorted(hits, key=lambda hit: -hit.rank)


def _question_url(evaluation: Evaluation, question_id: int) -> str:
    return f"{evaluation.get_absolute_url()}#q-{question_id}"


def _answer_context(evaluation: Evaluation, question) -> str:
    return f"{evaluation.product} by {evaluation.product.vendor} · {question.key}"


# ---------------------------------------------------------------------------------------------
# PostgreSQL: stored tsvector columns, ts_rank, ts_headline
# ---------------------------------------------------------------------------------------------


def marked(raw: str | None) -> SafeString:
    """Escapes the headline, then turns the START/STOP markers into <mark> elements."""
    text = escape(raw or "")
    text = re.sub(f"{START}(.*?){STOP}", r"<mark>\1</mark>", text, flags=re.DOTALL)
    return mark_safe(text.replace(START, "").replace(STOP, ""))  # noqa: S308 - escaped above


class StoredVector(Expression):
    """The table's stored `search_vector` column (see the migrations), under the query's own alias.

    Django does not know the column; this reads it under whatever alias the query gives the
    table, so it works in subqueries (U0, U1, ...) as well.
    """

    output_field = SearchVectorField()

    def as_sql(self, compiler, connection):
        alias = compiler.query.get_initial_alias()
        return f"{compiler.quote_name_unless_alias(alias)}.{connection.ops.quote_name('search_vector')}", []


def _best(queryset, sq: SearchQuery, per_kind: int, *order: str):
    """The best rows of `queryset` for the query, in one statement.

    The matches come from the GIN index and are ranked in a subquery; only the rows shown get a
    headline, the costly part (computed for every match, it would grow with the matches).
    """
    best = (
        queryset.annotate(document=StoredVector())
        .filter(document=sq)
        .annotate(rank=SearchRank(StoredVector(), sq))
        .order_by("-rank", *order)
        .values("pk")[:per_kind]
    )
    return queryset.filter(pk__in=best).annotate(rank=SearchRank(StoredVector(), sq))


# The ids of the best answers: ranked within the RECENT_ANSWERS most recently written ones (the
# index of migration procurement 0017 finds where they start, and PostgreSQL reads only the matches
# inside them), or among all of them when fewer than `per_kind` recent answers match. So a common
# word shows the best matches in the answers being worked on now, which is what someone searching
# an organization's current evaluations expects; a rarer word, or a word of an older evaluation,
# still finds its best matches anywhere, ranked exactly as before. One statement either way.
BEST_ANSWERS = """
WITH recent AS (
    SELECT a.id FROM procurement_answer a
    WHERE a.organization_id = %(organization)s
      AND a.search_vector @@ websearch_to_tsquery('english'::regconfig, %(query)s)
      AND a.updated_at >= COALESCE(
          (SELECT r.updated_at FROM procurement_answer r WHERE r.organization_id = %(organization)s
           ORDER BY r.updated_at DESC OFFSET %(window)s LIMIT 1),
          '-infinity')
    ORDER BY ts_rank(a.search_vector, websearch_to_tsquery('english'::regconfig, %(query)s)) DESC,
             a.updated_at DESC
    LIMIT %(per_kind)s
)
SELECT id FROM recent WHERE (SELECT count(*) FROM recent) >= %(per_kind)s
UNION ALL
(SELECT a.id FROM procurement_answer a
 WHERE (SELECT count(*) FROM recent) < %(per_kind)s
   AND a.organization_id = %(organization)s
   AND a.search_vector @@ websearch_to_tsquery('english'::regconfig, %(query)s)
 ORDER BY ts_rank(a.search_vector, websearch_to_tsquery('english'::regconfig, %(query)s)) DESC,
          a.updated_at DESC
 LIMIT %(per_kind)s)
"""

# The statement names its parameters; the database driver takes them in order, as %s.
BEST_ANSWERS_PARAMS = re.findall(r"%\((\w+)\)s", BEST_ANSWERS)
BEST_ANSWERS_SQL = re.sub(r"%\(\w+\)s", "%s", BEST_ANSWERS)


def _best_answers(organization: Organization, query: str, sq: SearchQuery, per_kind: int):
    values = {
        "organization": organization.pk,
        "query": query,
        "window": RECENT_ANSWERS - 1,
        "per_kind": per_kind,
    }
    params = [values[name] for name in BEST_ANSWERS_PARAMS]
    best = RawSQL(BEST_ANSWERS_SQL, params)  # noqa: S611 - a fixed statement, every value a parameter
    return (
        Answer.objects.for_org(organization).filter(pk__in=best).annotate(rank=SearchRank(StoredVector(), sq))
    )


def _headline(expression, query: SearchQuery, *, whole: bool = False) -> SearchHeadline:
    options = {"highlight_all": True} if whole else {"max_words": 30, "min_words": 12, "max_fragments": 2}
    return SearchHeadline(
        expression,
        query,
        config="english",
        start_sel=START,
        stop_sel=STOP,
        fragment_delimiter=" … ",
        **options,
    )


def _json_text(field: str) -> Func:
    # The answer's text: a string answer unquoted; a table's rows as their JSON text.
    return Func(F(field), template="(%(expressions)s #>> '{}')", output_field=TextField())


def _postgres(organization: Organization, query: str, per_kind: int) -> list[Hit]:
    sq = SearchQuery(query, config="english", search_type="websearch")
    hits: list[Hit] = []

    vendors = (
        _best(Vendor.objects.for_org(organization), sq, per_kind, "legal_name")
        .annotate(
            title_hl=_headline(F("legal_name"), sq, whole=True),
            snippet_hl=_headline(F("notes"), sq),
        )
        .order_by("-rank", "legal_name")
    )
    hits += [
        Hit("vendor", marked(v.title_hl), "", marked(v.snippet_hl), v.get_absolute_url(), v.rank)
        for v in vendors
    ]

    products = (
        _best(Product.objects.for_org(organization), sq, per_kind, "name")
        .select_related("vendor")
        .annotate(
            title_hl=_headline(Concat(F("name"), Value(" "), F("version")), sq, whole=True),
            snippet_hl=_headline(F("intended_use"), sq),
        )
        .order_by("-rank", "name")
    )
    hits += [
        Hit(
            "product",
            marked(p.title_hl),
            f"by {p.vendor}",
            marked(p.snippet_hl),
            p.vendor.get_absolute_url(),
            p.rank,
        )
        for p in products
    ]

    # Evaluations are found by what they are about: product, vendor and template names, kept in a
    # stored, indexed column by database triggers (procurement migration 0011).
    evaluations = (
        _best(Evaluation.objects.for_org(organization), sq, per_kind, "-created_at")
        .select_related("product__vendor", "template")
        .annotate(
            title_hl=_headline(
                Concat(
                    F("product__name"),
                    Value(" · "),
                    F("product__vendor__legal_name"),
                    Value(" · "),
                    F("template__name"),
                    output_field=TextField(),
                ),
                sq,
                whole=True,
            ),
        )
        .order_by("-rank", "-created_at")
    )
    hits += [
        Hit(
            "evaluation",
            marked(e.title_hl),
            e.get_status_display(),
            EMPTY,
            e.get_absolute_url(),
            e.rank,
        )
        for e in evaluations
    ]

    answers = (
        _best_answers(organization, query, sq, per_kind)
        .select_related("question", "evaluation__product__vendor")
        .annotate(snippet_hl=_headline(_json_text("value"), sq))
        .order_by("-rank", "-updated_at")
    )
    hits += [
        Hit(
            "answer",
            mark_safe(escape(a.question.prompt)),  # noqa: S308 - escaped
            _answer_context(a.evaluation, a.question),
            marked(a.snippet_hl),
            _question_url(a.evaluation, a.question_id),
            a.rank,
        )
        for a in answers
    ]

    comments = (
        _best(ReviewComment.objects.for_org(organization), sq, per_kind, "-created_at")
        .select_related("question", "author", "evaluation__product__vendor")
        .annotate(snippet_hl=_headline(F("body"), sq))
        .order_by("-rank", "-created_at")
    )
    hits += [
        Hit(
            "comment",
            mark_safe(escape(c.question.prompt)),  # noqa: S308 - escaped
            f"{_answer_context(c.evaluation, c.question)} · {c.author.get_full_name() or c.author}",
            marked(c.snippet_hl),
            _question_url(c.evaluation, c.question_id),
            c.rank,
        )
        for c in comments
    ]
    return hits


# ---------------------------------------------------------------------------------------------
# SQLite: substring match, highlighted in Python
# ---------------------------------------------------------------------------------------------


def highlighted(text: str, query: str, *, whole: bool = False) -> SafeString:
    """The text (or a window of it around the first match), escaped, with each match in <mark>."""
    text = text or ""
    pattern = re.compile(re.escape(query), re.IGNORECASE)
    if not whole and len(text) > SNIPPET_CHARS:
        first = pattern.search(text)
        start = max(0, (first.start() if first else 0) - SNIPPET_CHARS // 3)
        text = ("…" if start else "") + text[start : start + SNIPPET_CHARS] + "…"
    parts, last = [], 0
    for match in pattern.finditer(text):
        parts += [escape(text[last : match.start()]), "<mark>", escape(match.group()), "</mark>"]
        last = match.end()
    parts.append(escape(text[last:]))
    return mark_safe("".join(parts))  # noqa: S308 - every piece of text escaped


def _answer_text(value) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        return " ".join(_answer_text(v) for v in value)
    if isinstance(value, dict):
        return " ".join(_answer_text(v) for v in value.values())
    return ""


def _substring(organization: Organization, query: str, per_kind: int) -> list[Hit]:
    q = query.lower()
    hits: list[Hit] = []

    def rank(*texts: str) -> float:
        # Matches in the first (most telling) text weigh most, then how often the query occurs.
        weights = (1.0, 0.4, 0.2)
        return sum(w * min((t or "").lower().count(q), 3) for w, t in zip(weights, texts, strict=False))

    vendors = Vendor.objects.for_org(organization).filter(
        Q(legal_name__icontains=query) | Q(notes__icontains=query)
    )[:per_kind]
    hits += [
        Hit(
            "vendor",
            highlighted(v.legal_name, query, whole=True),
            "",
            highlighted(v.notes, query) if q in v.notes.lower() else EMPTY,
            v.get_absolute_url(),
            rank(v.legal_name, v.notes),
        )
        for v in vendors
    ]

    products = (
        Product.objects.for_org(organization)
        .select_related("vendor")
        .filter(Q(name__icontains=query) | Q(version__icontains=query) | Q(intended_use__icontains=query))[
            :per_kind
        ]
    )
    hits += [
        Hit(
            "product",
            highlighted(str(p), query, whole=True),
            f"by {p.vendor}",
            highlighted(p.intended_use, query) if q in p.intended_use.lower() else EMPTY,
            p.vendor.get_absolute_url(),
            rank(str(p), "", p.intended_use),
        )
        for p in products
    ]

    evaluations = (
        Evaluation.objects.for_org(organization)
        .select_related("product__vendor", "template")
        .filter(
            Q(product__name__icontains=query)
            | Q(product__vendor__legal_name__icontains=query)
            | Q(template__name__icontains=query)
        )
        .order_by("-created_at")[:per_kind]
    )
    hits += [
        Hit(
            "evaluation",
            highlighted(
                f"{e.product.name} · {e.product.vendor.legal_name} · {e.template.name}", query, whole=True
            ),
            e.get_status_display(),
            EMPTY,
            e.get_absolute_url(),
            rank(e.product.name, e.product.vendor.legal_name, e.template.name),
        )
        for e in evaluations
    ]

    # The stored JSON escapes non-ASCII characters, so the match is made on the text in Python
    # only for rows the database already narrowed down.
    answers = (
        Answer.objects.for_org(organization)
        .select_related("question", "evaluation__product__vendor")
        .filter(value__icontains=query)
        .order_by("-updated_at")[: per_kind * 3]
    )
    found = [(a, _answer_text(a.value)) for a in answers]
    hits += [
        Hit(
            "answer",
            mark_safe(escape(a.question.prompt)),  # noqa: S308 - escaped
            _answer_context(a.evaluation, a.question),
            highlighted(text, query),
            _question_url(a.evaluation, a.question_id),
            rank("", text),
        )
        for a, text in found
        if q in text.lower()
    ][:per_kind]

    comments = (
        ReviewComment.objects.for_org(organization)
        .select_related("question", "author", "evaluation__product__vendor")
        .filter(body__icontains=query)
        .order_by("-created_at")[:per_kind]
    )
    hits += [
        Hit(
            "comment",
            mark_safe(escape(c.question.prompt)),  # noqa: S308 - escaped
            f"{_answer_context(c.evaluation, c.question)} · {c.author.get_full_name() or c.author}",
            highlighted(c.body, query),
            _question_url(c.evaluation, c.question_id),
            rank("", c.body),
        )
        for c in comments
    ]
    return hits
