"""Named reads of questionnaire structure."""

from __future__ import annotations

import copy
import threading
from collections import OrderedDict

from questionnaires.models import Question, Section, Template

_CACHE_SIZE = 64
_cache: OrderedDict[object, tuple[list[Section], list[Question]]] = OrderedDict()
_lock = threading.Lock()


def template_structure(template: Template) -> tuple[list[Section], list[Question]]:
    """Sections and questions of a template version, in display order.

    A published (or retired) version never changes, so its structure is kept in process memory:
    the vendor portal reads it on every autosave, and re-reading hundreds of questions each time
    would dominate the request. Drafts are always read fresh. Callers get shallow copies, so
    nothing one request sets on an instance is seen by another.
    """
    cacheable = template.status != Template.Status.DRAFT
    # The random public id guards against a reused primary key (a rolled-back insert).
    key = (template.pk, template.public_id)
    if cacheable:
        with _lock:
            cached = _cache.get(key)
            if cached is not None:
                _cache.move_to_end(key)
        if cached is not None:
            return [copy.copy(s) for s in cached[0]], [copy.copy(q) for q in cached[1]]
    sections = list(Section.objects.filter(template_id=template.pk).order_by("order", "id"))
    order = {s.pk: i for i, s in enumerate(sections)}
    questions = sorted(
        Question.objects.filter(template_id=template.pk),
        key=lambda q: (order.get(q.section_id, 0), q.order, q.pk),
    )
    if cacheable:
        with _lock:
            _cache[key] = (sections, questions)
            while len(_cache) > _CACHE_SIZE:
                _cache.popitem(last=False)
        return [copy.copy(s) for s in sections], [copy.copy(q) for q in questions]
    return sections, questions
