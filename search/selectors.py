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

from django.db import connection
from django.db.models import Q
from django.urls import reverse
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
# BEST_ANSWERS.
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
    return evaluation.get_question_url(question_id)


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


# One statement finds every kind: each kind's best rows are ranked in their own subquery (from the
# GIN index on the stored search_vector column; see the procurement and vendors migrations), and
# only those rows get a headline, the costly part. Fewer round trips, and nothing for the ORM to
# build per kind. %(q)s stands for the websearch query, written out in full each time so that
# PostgreSQL plans with the query's own words.
TSQUERY = "websearch_to_tsquery('english'::regconfig, %(query)s)"

# The best answers: ranked within the RECENT_ANSWERS most recently written ones (the index of
# migration procurement 0017 finds where they start, and PostgreSQL reads only the matches inside
# them), or among all of them when fewer than `per_kind` recent answers match. So a common word
# shows the best matches in the answers being worked on now, which is what someone searching an
# organization's current evaluations expects; a rarer word, or a word of an older evaluation,
# still finds its best matches anywhere, ranked as before.
BEST_ANSWERS = """
WITH recent AS (
    SELECT a.id, ts_rank(a.search_vector, %(q)s) AS rank, a.updated_at FROM procurement_answer a
    WHERE a.organization_id = %(organization)s AND a.search_vector @@ %(q)s
      AND a.updated_at >= COALESCE(
          (SELECT r.updated_at FROM procurement_answer r WHERE r.organization_id = %(organization)s
           ORDER BY r.updated_at DESC OFFSET %(window)s LIMIT 1),
          '-infinity')
    ORDER BY rank DESC, a.updated_at DESC
    LIMIT %(per_kind)s
)
SELECT id, rank, updated_at FROM recent WHERE (SELECT count(*) FROM recent) >= %(per_kind)s
UNION ALL
(SELECT a.id, ts_rank(a.search_vector, %(q)s) AS rank, a.updated_at FROM procurement_answer a
 WHERE (SELECT count(*) FROM recent) < %(per_kind)s
   AND a.organization_id = %(organization)s AND a.search_vector @@ %(q)s
 ORDER BY rank DESC, a.updated_at DESC
 LIMIT %(per_kind)s)
"""


def _best(table: str, order: str) -> str:
    # Table and order are this module's constants; every value is a parameter.
    return f"""
    SELECT t.id, ts_rank(t.search_vector, %(q)s) AS rank FROM {table} t
    WHERE t.organization_id = %(organization)s AND t.search_vector @@ %(q)s
    ORDER BY rank DESC, {order} LIMIT %(per_kind)s
    """  # noqa: S608


# Every branch has the same columns: kind, rank, position within its kind, the highlighted title
# and snippet, the public id its link is built from, and what the result's context line shows.
COLUMNS = (
    "kind, rank, position, title, snippet, public_id, question_id, question_key, "
    "product_name, product_version, vendor_name, status, author_first, author_last, author_username"
)
# Built from this module's constants only; every value is a parameter.
SEARCH = f"""
SELECT {COLUMNS} FROM (
    SELECT 'vendor' AS kind, 1 AS kind_order, b.rank,
           row_number() OVER (ORDER BY b.rank DESC, v.legal_name) AS position,
           ts_headline('english'::regconfig, v.legal_name, %(q)s, %(whole)s) AS title,
           ts_headline('english'::regconfig, v.notes, %(q)s, %(snippet)s) AS snippet,
           v.public_id, NULL::bigint AS question_id, NULL AS question_key, NULL AS product_name,
           NULL AS product_version, NULL AS vendor_name, NULL AS status, NULL AS author_first,
           NULL AS author_last, NULL AS author_username
    FROM ({_best("vendors_vendor", "t.legal_name")}) b JOIN vendors_vendor v ON v.id = b.id
  UNION ALL
    SELECT 'product', 2, b.rank, row_number() OVER (ORDER BY b.rank DESC, p.name),
           ts_headline('english'::regconfig, p.name || ' ' || p.version, %(q)s, %(whole)s),
           ts_headline('english'::regconfig, p.intended_use, %(q)s, %(snippet)s),
           v.public_id, NULL, NULL, NULL, NULL, v.legal_name, NULL, NULL, NULL, NULL
    FROM ({_best("vendors_product", "t.name")}) b JOIN vendors_product p ON p.id = b.id
    JOIN vendors_vendor v ON v.id = p.vendor_id
  UNION ALL
    -- Evaluations are found by what they are about: product, vendor and template names, kept in
    -- a stored, indexed column by database triggers (procurement migration 0013).
    SELECT 'evaluation', 3, b.rank, row_number() OVER (ORDER BY b.rank DESC, e.created_at DESC),
           ts_headline(
               'english'::regconfig, p.name || ' · ' || v.legal_name || ' · ' || tpl.name, %(q)s, %(whole)s
           ),
           '', e.public_id, NULL, NULL, NULL, NULL, NULL, e.status, NULL, NULL, NULL
    FROM ({_best("procurement_evaluation", "t.created_at DESC")}) b
    JOIN procurement_evaluation e ON e.id = b.id
    JOIN vendors_product p ON p.id = e.product_id
    JOIN vendors_vendor v ON v.id = p.vendor_id
    JOIN questionnaires_template tpl ON tpl.id = e.template_id
  UNION ALL
    -- The answer's text: a string answer unquoted; a table's rows as their JSON text.
    SELECT 'answer', 4, b.rank, row_number() OVER (ORDER BY b.rank DESC, b.updated_at DESC),
           q.prompt, ts_headline('english'::regconfig, a.value #>> '{{}}', %(q)s, %(snippet)s),
           e.public_id, q.id, q.key, p.name, p.version, v.legal_name, NULL, NULL, NULL, NULL
    FROM ({BEST_ANSWERS}) b JOIN procurement_answer a ON a.id = b.id
    JOIN questionnaires_question q ON q.id = a.question_id
    JOIN procurement_evaluation e ON e.id = a.evaluation_id
    JOIN vendors_product p ON p.id = e.product_id
    JOIN vendors_vendor v ON v.id = p.vendor_id
  UNION ALL
    SELECT 'comment', 5, b.rank, row_number() OVER (ORDER BY b.rank DESC, c.created_at DESC),
           q.prompt, ts_headline('english'::regconfig, c.body, %(q)s, %(snippet)s),
           e.public_id, q.id, q.key, p.name, p.version, v.legal_name, NULL,
           u.first_name, u.last_name, u.username
    FROM ({_best("procurement_reviewcomment", "t.created_at DESC")}) b
    JOIN procurement_reviewcomment c ON c.id = b.id
    JOIN questionnaires_question q ON q.id = c.question_id
    JOIN procurement_evaluation e ON e.id = c.evaluation_id
    JOIN vendors_product p ON p.id = e.product_id
    JOIN vendors_vendor v ON v.id = p.vendor_id
    JOIN accounts_user u ON u.id = c.author_id
) hits
ORDER BY kind_order, position
""".replace("%(q)s", TSQUERY)  # noqa: S608

# The statement names its parameters; the database driver takes them in order, as %s.
SEARCH_PARAMS = re.findall(r"%\((\w+)\)s", SEARCH)
SEARCH_SQL = re.sub(r"%\(\w+\)s", "%s", SEARCH)
# ts_headline marks the matches with START/STOP (see `marked`); a snippet is a few fragments around
# them, a title is shown whole.
SNIPPET_OPTIONS = (
    f"StartSel='{START}', StopSel='{STOP}', MaxWords=30, MinWords=12, MaxFragments=2, FragmentDelimiter=' … '"
)
WHOLE_OPTIONS = f"StartSel='{START}', StopSel='{STOP}', HighlightAll=true"
STATUS_LABELS = dict(Evaluation.Status.choices)


def _postgres(organization: Organization, query: str, per_kind: int) -> list[Hit]:
    values = {
        "organization": organization.pk,
        "query": query,
        "window": RECENT_ANSWERS - 1,
        "per_kind": per_kind,
        "whole": WHOLE_OPTIONS,
        "snippet": SNIPPET_OPTIONS,
    }
    with connection.cursor() as cursor:
        cursor.execute(SEARCH_SQL, [values[name] for name in SEARCH_PARAMS])
        rows = cursor.fetchall()
    return [_hit(*row) for row in rows]


def _hit(kind, rank, _position, title, snippet, public_id, question_id, key, *context) -> Hit:
    product, version, vendor, status, first_name, last_name, username = context
    if kind in ("vendor", "product"):
        where = f"by {vendor}" if kind == "product" else ""
        return Hit(
            kind, marked(title), where, marked(snippet), reverse("vendor_detail", args=[public_id]), rank
        )
    url = reverse("evaluation_detail", args=[public_id])
    if kind == "evaluation":
        return Hit(kind, marked(title), STATUS_LABELS[status], EMPTY, url, rank)
    where = f"{f'{product} {version}'.strip()} by {vendor} · {key}"
    if kind == "comment":
        where += f" · {f'{first_name} {last_name}'.strip() or username}"
    prompt = mark_safe(escape(title))  # noqa: S308 - escaped
    question_url = reverse("evaluation_question", args=[public_id, question_id])
    return Hit(kind, prompt, where, marked(snippet), question_url, rank)


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
