"""The template editor: list, build, preview, publish, version, clone, export and import templates.

Every member may list and read their organization's templates and the shipped library; changing
anything needs Perm.MANAGE_TEMPLATES, and only an organization's drafts ever change (the services
enforce that, so a refused write comes back as a message, never as a silent change).
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count, Prefetch
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.access import has_perm, member_required
from accounts.roles import Perm
from questionnaires import services, transfer
from questionnaires.forms import CloneForm, ImportForm, QuestionForm, SectionForm, TemplateForm
from questionnaires.models import Question, Section, Template

GET_POST = require_http_methods(["GET", "POST"])


def _template(request: HttpRequest, public_id, queryset=None) -> Template:
    """The organization's own template or a library one; anything else (another tenant's) is 404."""
    queryset = queryset if queryset is not None else Template.objects.all()
    try:
        return queryset.visible_to(request.organization).get(public_id=public_id)
    except (Template.DoesNotExist, ValidationError, ValueError) as exc:
        raise Http404("Not found.") from exc


def _section(template: Template, key: str) -> Section:
    try:
        return template.sections.get(key=key)
    except Section.DoesNotExist as exc:
        raise Http404("Not found.") from exc


def _question(template: Template, key: str) -> Question:
    try:
        return template.questions.select_related("section", "template").get(key=key)
    except Question.DoesNotExist as exc:
        raise Http404("Not found.") from exc


def _refuse_unless_editable(request: HttpRequest, template: Template) -> HttpResponse | None:
    try:
        template.ensure_editable()
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect(template)
    return None


def _act(request: HttpRequest, action, success: str, **kwargs):
    """Runs one service; its ValidationError becomes error messages (one per problem)."""
    try:
        result = action(**kwargs)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
        return None
    messages.success(request, success)
    return result or True


# --- templates ---------------------------------------------------------------------------------


@require_GET
@member_required()
def template_list(request: HttpRequest) -> HttpResponse:
    templates = (
        Template.objects.visible_to(request.organization)
        .annotate(question_count=Count("questions"))
        .order_by("organization_id", "name", "-version")
    )
    own = [t for t in templates if not t.is_library]
    library = [t for t in templates if t.is_library]
    return render(request, "questionnaires/template_list.html", {"own": own, "library": library})


@GET_POST
@member_required(Perm.MANAGE_TEMPLATES)
def template_create(request: HttpRequest) -> HttpResponse:
    form = TemplateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            template = services.template_create(
                organization=request.organization,
                name=form.cleaned_data["name"],
                slug=form.cleaned_data["slug"],
                description=form.cleaned_data["description"],
                risk_thresholds=form.cleaned_data["risk_thresholds"],
            )
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, f"Created {template}. Add its first section.")
            return redirect(template)
    return render(request, "questionnaires/template_create.html", {"form": form})


def _form_errors(form, exc: ValidationError) -> None:
    """A service's errors next to the form's fields (or above the form when not about one field)."""
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc)
        return
    for field, field_messages in exc.message_dict.items():
        for message in field_messages:
            form.add_error(field if field in form.fields else None, message)


@require_GET
@member_required()
def template_detail(request: HttpRequest, public_id) -> HttpResponse:
    template = _template(
        request,
        public_id,
        Template.objects.prefetch_related(
            Prefetch("sections", queryset=Section.objects.prefetch_related("questions"))
        ),
    )
    can_manage = has_perm(request, Perm.MANAGE_TEMPLATES)
    versions = Template.objects.filter(organization=template.organization, slug=template.slug).order_by(
        "-version"
    )
    has_draft = any(v.status == Template.Status.DRAFT for v in versions)
    context = {
        "template": template,
        "sections": template.sections.all(),
        "versions": versions,
        "can_edit": can_manage and template.is_editable,
        "can_manage": can_manage,
        "can_new_version": can_manage
        and not template.is_library
        and not template.is_editable
        and not has_draft,
        "problems": services.template_problems(template) if can_manage and template.is_editable else [],
    }
    return render(request, "questionnaires/template_detail.html", context)


@GET_POST
@member_required(Perm.MANAGE_TEMPLATES)
def template_edit(request: HttpRequest, public_id) -> HttpResponse:
    template = _template(request, public_id)
    if refused := _refuse_unless_editable(request, template):
        return refused
    form = TemplateForm(request.POST or None, template=template)
    if request.method == "POST" and form.is_valid():
        try:
            services.template_update(
                template=template,
                name=form.cleaned_data["name"],
                description=form.cleaned_data["description"],
                risk_thresholds=form.cleaned_data["risk_thresholds"],
            )
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, "Saved.")
            return redirect(template)
    return render(request, "questionnaires/template_edit.html", {"form": form, "template": template})


@require_GET
@member_required()
def template_preview(request: HttpRequest, public_id) -> HttpResponse:
    template = _template(
        request,
        public_id,
        Template.objects.prefetch_related(
            Prefetch("sections", queryset=Section.objects.prefetch_related("questions"))
        ),
    )
    return render(request, "questionnaires/template_preview.html", {"template": template})


@require_POST
@member_required(Perm.MANAGE_TEMPLATES)
def template_publish(request: HttpRequest, public_id) -> HttpResponse:
    template = _template(request, public_id)
    _act(request, services.template_publish, f"Published {template}.", template=template)
    return redirect(template)


@require_POST
@member_required(Perm.MANAGE_TEMPLATES)
def template_new_version(request: HttpRequest, public_id) -> HttpResponse:
    template = _template(request, public_id)
    new = _act(request, services.template_new_version, "New draft version created.", template=template)
    return redirect(new if isinstance(new, Template) else template)


@require_POST
@member_required(Perm.MANAGE_TEMPLATES)
def template_retire(request: HttpRequest, public_id) -> HttpResponse:
    template = _template(request, public_id)
    _act(request, services.template_retire, f"Retired {template}.", template=template)
    return redirect(template)


@require_POST
@member_required(Perm.MANAGE_TEMPLATES)
def template_delete(request: HttpRequest, public_id) -> HttpResponse:
    template = _template(request, public_id)
    if _act(request, services.template_delete_draft, f"Deleted the draft {template}.", template=template):
        return redirect("template_list")
    return redirect(template)


@GET_POST
@member_required(Perm.MANAGE_TEMPLATES)
def template_clone(request: HttpRequest, public_id) -> HttpResponse:
    template = _template(request, public_id)
    initial = {"name": f"{template.name} (copy)", "slug": f"{template.slug}-copy"}
    form = CloneForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            clone = services.template_clone(
                template=template, organization=request.organization, **form.cleaned_data
            )
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, f"Cloned into the draft {clone}.")
            return redirect(clone)
    return render(request, "questionnaires/template_clone.html", {"form": form, "template": template})


@require_GET
@member_required()
def template_export(request: HttpRequest, public_id) -> HttpResponse:
    template = _template(request, public_id)
    response = HttpResponse(transfer.template_export_json(template), content_type="application/json")
    response["Content-Disposition"] = f'attachment; filename="{template.slug}-v{template.version}.json"'
    return response


@GET_POST
@member_required(Perm.MANAGE_TEMPLATES)
def template_import(request: HttpRequest) -> HttpResponse:
    form = ImportForm(request.POST or None, request.FILES or None)
    errors: list[str] = []
    if request.method == "POST" and form.is_valid():
        try:
            data = transfer.parse_json(form.cleaned_data["file"].read())
            template = transfer.template_import(data=data, organization=request.organization)
        except ValidationError as exc:
            errors = exc.messages
        else:
            messages.success(request, f"Imported {template} as a draft.")
            return redirect(template)
    return render(request, "questionnaires/template_import.html", {"form": form, "errors": errors})


# --- sections ----------------------------------------------------------------------------------


@GET_POST
@member_required(Perm.MANAGE_TEMPLATES)
def section_create(request: HttpRequest, public_id) -> HttpResponse:
    template = _template(request, public_id)
    if refused := _refuse_unless_editable(request, template):
        return refused
    form = SectionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.section_create(template=template, **form.cleaned_data)
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, "Section added.")
            return redirect(template)
    return render(request, "questionnaires/section_create.html", {"form": form, "template": template})


@GET_POST
@member_required(Perm.MANAGE_TEMPLATES)
def section_edit(request: HttpRequest, public_id, key: str) -> HttpResponse:
    template = _template(request, public_id)
    section = _section(template, key)
    if refused := _refuse_unless_editable(request, template):
        return refused
    form = SectionForm(
        request.POST or None, instance=Section(**{f: getattr(section, f) for f in services.SECTION_FIELDS})
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.section_update(section=section, **form.cleaned_data)
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, "Section saved.")
            return redirect(template)
    context = {"form": form, "template": template, "section": section}
    return render(request, "questionnaires/section_edit.html", context)


@require_POST
@member_required(Perm.MANAGE_TEMPLATES)
def section_delete(request: HttpRequest, public_id, key: str) -> HttpResponse:
    template = _template(request, public_id)
    section = _section(template, key)
    _act(request, services.section_delete, f"Deleted the section {section.title!r}.", section=section)
    return redirect(template)


@require_POST
@member_required(Perm.MANAGE_TEMPLATES)
def section_move(request: HttpRequest, public_id, key: str) -> HttpResponse:
    template = _template(request, public_id)
    section = _section(template, key)
    _act(request, services.section_move, "Section moved.", section=section, **_move_args(request))
    return redirect(f"{template.get_absolute_url()}#section-{section.key}")


def _move_args(request: HttpRequest) -> dict:
    position = request.POST.get("position", "")
    if position.isdigit():
        return {"position": int(position)}
    return {"direction": request.POST.get("direction")}


# --- questions ---------------------------------------------------------------------------------


def _question_form_page(request, *, template, section, question, view_name) -> HttpResponse:
    earlier = services.earlier_question_keys(question, section=section)
    form = QuestionForm(request.POST or None, earlier_keys=earlier, question=question)
    if request.method == "POST" and form.is_valid():
        fields = form.cleaned_data["service_fields"]
        try:
            if question is None:
                question = services.question_create(section=section, **fields)
            else:
                question = services.question_update(question=question, **fields)
        except ValidationError as exc:
            form.add_service_errors(exc)
        else:
            messages.success(request, f"Saved {question.key}.")
            return redirect(f"{template.get_absolute_url()}#question-{question.key}")
    context = {"form": form, "template": template, "section": section, "question": question}
    return render(request, f"questionnaires/{view_name}.html", context)


@GET_POST
@member_required(Perm.MANAGE_TEMPLATES)
def question_create(request: HttpRequest, public_id, key: str) -> HttpResponse:
    template = _template(request, public_id)
    section = _section(template, key)
    if refused := _refuse_unless_editable(request, template):
        return refused
    return _question_form_page(
        request, template=template, section=section, question=None, view_name="question_create"
    )


@GET_POST
@member_required(Perm.MANAGE_TEMPLATES)
def question_edit(request: HttpRequest, public_id, key: str) -> HttpResponse:
    template = _template(request, public_id)
    question = _question(template, key)
    if refused := _refuse_unless_editable(request, template):
        return refused
    return _question_form_page(
        request, template=template, section=question.section, question=question, view_name="question_edit"
    )


@require_POST
@member_required(Perm.MANAGE_TEMPLATES)
def question_delete(request: HttpRequest, public_id, key: str) -> HttpResponse:
    template = _template(request, public_id)
    question = _question(template, key)
    _act(request, services.question_delete, f"Deleted {question.key}.", question=question)
    return redirect(template)


@require_POST
@member_required(Perm.MANAGE_TEMPLATES)
def question_move(request: HttpRequest, public_id, key: str) -> HttpResponse:
    template = _template(request, public_id)
    question = _question(template, key)
    _act(request, services.question_move, "Question moved.", question=question, **_move_args(request))
    return redirect(f"{template.get_absolute_url()}#question-{question.key}")
