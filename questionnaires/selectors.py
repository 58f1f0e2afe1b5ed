"""Named reads of questionnaire structure."""

from __future__ import annotations

import threading
from collections import OrderedDict

from django.db.models import Model
from django.db.models.base import ModelState

from questionnaires.models import Question, Section, Template

_CACHE_SIZE = 64


def _shallow_copy(instance: Model) -> Model:
    """A copy of a model instance sharing its field values, without pickling it as copy.copy does.

    copy.copy goes through Model.__reduce__ and __getstate__, which for the 238 questions of the
    library cost more than the rest of an autosave together. The copy gets its own attribute dict and
    its own ModelState (so related objects cached on one request's copy stay there).
    """
    clone = instance.__class__.__new__(instance.__class__)
    clone.__dict__ = instance.__dict__.copy()
    state = ModelState()
    state.db, state.adding = instance._state.db, instance._state.adding
    clone._state = state
    return clone


_cache: OrderedDict[object, tuple[list[Section], list[Question]]] = OrderedDict()
_lock = threading.Lock()


def template_structure(template: Template) -> tuple[list[Section], list[Question]]:
    """Sections and questions of a template version, in display order.

    A published (or retired) version never changes, so its structure is kept in process memory:
    the vendor portal reads it on every autosave, and re-reading hundreds of questions each time
    would dominate the request. Drafts are always read fresh. Callers get shallow copies, so
    nothing one request sets on an instance is seen by another.
    """
    return template_structures([template])[template.pk]


def _copies(structure: tuple[list[Section], list[Question]]) -> tuple[list[Section], list[Question]]:
    return [_shallow_copy(s) for s in structure[0]], [_shallow_copy(q) for q in structure[1]]


def template_structures(templates) -> dict[int, tuple[list[Section], list[Question]]]:
    """`template_structure` for several templates at once: the ones not cached are read together,
    in two queries, so a list of evaluations of many templates stays at a fixed number of queries."""
    found: dict[int, tuple[list[Section], list[Question]]] = {}
    missing = []
    for template in {t.pk: t for t in templates}.values():
        # The random public id guards against a reused primary key (a rolled-back insert).
        key = (template.pk, template.public_id)
        cached = None
        if template.status != Template.Status.DRAFT:
            with _lock:
                cached = _cache.get(key)
                if cached is not None:
                    _cache.move_to_end(key)
        if cached is not None:
            found[template.pk] = _copies(cached)
        else:
            missing.append(template)
    if not missing:
        return found
    sections: dict[int, list[Section]] = {t.pk: [] for t in missing}
    for section in Section.objects.filter(template__in=missing).order_by("order", "id"):
        sections[section.template_id].append(section)
    questions: dict[int, list[Question]] = {t.pk: [] for t in missing}
    for question in Question.objects.filter(template__in=missing):
        questions[question.template_id].append(question)
    for template in missing:
        order = {s.pk: i for i, s in enumerate(sections[template.pk])}
        ordered = sorted(questions[template.pk], key=lambda q: (order.get(q.section_id, 0), q.order, q.pk))
        structure = (sections[template.pk], ordered)
        if template.status == Template.Status.DRAFT:
            found[template.pk] = structure
            continue
        with _lock:
            _cache[(template.pk, template.public_id)] = structure
            while len(_cache) > _CACHE_SIZE:
                _cache.popitem(last=False)
        found[template.pk] = _copies(structure)
    return found
