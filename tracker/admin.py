from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from symptoms.describe import answer_words
from tracker.forms import CareTeamForm
from tracker.models import (
    CareTeam,
    CheckInReminder,
    Flag,
    FlagEvent,
    Infusion,
    Notification,
    NurseNote,
    Patient,
    Report,
    SecondFactorEvent,
    TimelineAccess,
)


class ReadOnlyMixin:
    """For records that are the audit trail itself: an admin reads them, nobody edits them."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(CareTeam)
class CareTeamAdmin(admin.ModelAdmin):
    form = CareTeamForm
    list_display = ["name", "phone_24h", "emergency_number", "time_zone"]
    filter_horizontal = ["nurses"]


class InfusionInline(admin.TabularInline):
    model = Infusion
    extra = 0


class TimelineAccessInline(ReadOnlyMixin, admin.TabularInline):
    model = TimelineAccess
    fields = ["at", "nurse", "what"]
    readonly_fields = fields
    extra = 0
    verbose_name_plural = _("record read by")


@admin.register(Patient)
class PatientAdmin(SimpleHistoryAdmin):
    list_display = ["name", "care_team", "monitoring"]
    list_filter = ["monitoring", "care_team"]
    list_select_related = ["user", "care_team"]
    readonly_fields = ["audit_trail"]
    inlines = [InfusionInline, TimelineAccessInline]

    def get_urls(self):
        return [
            path(
                "<int:pk>/audit/",
                self.admin_site.admin_view(self.audit_trail_view),
                name="tracker_patient_audit",
            ),
            *super().get_urls(),
        ]

    @admin.display(description=_("audit trail"))
    def audit_trail(self, patient):
        if patient.pk is None:
            return "–"
        url = reverse("admin:tracker_patient_audit", args=[patient.pk])
        return format_html('<a href="{}">{}</a>', url, _("Every change and every opening"))

    def audit_trail_view(self, request, pk):
        patient = get_object_or_404(Patient.objects.select_related("user"), pk=pk)
        if not self.has_view_permission(request, patient):
            raise PermissionDenied
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "patient": patient,
            "title": _("Audit trail of %(name)s") % {"name": patient.name},
            "entries": audit_entries(patient),
        }
        return TemplateResponse(request, "admin/tracker/patient/audit_trail.html", context)


def _changes(record) -> str:
    previous = record.prev_record
    if record.history_type != "~" or previous is None:
        return ""
    delta = record.diff_against(previous)
    return ", ".join(change.field for change in delta.changes)


def audit_entries(patient: Patient) -> list[dict]:
    """Every recorded change to the patient and their infusions, reports, flags and nurse notes,
    every flag
    step and every opening of their timeline, newest first."""
    kinds = {"+": _("created"), "~": _("changed"), "-": _("deleted")}
    entries = []
    histories = [
        (_("patient"), Patient.history.filter(id=patient.pk)),
        (_("infusion"), Infusion.history.filter(patient_id=patient.pk)),
        (_("report"), Report.history.filter(patient_id=patient.pk)),
        (_("flag"), Flag.history.filter(patient_id=patient.pk)),
        (_("nurse note"), NurseNote.history.filter(patient_id=patient.pk)),
    ]
    for label, records in histories:
        for record in records.select_related("history_user"):
            entries.append(
                {
                    "at": record.history_date,
                    "who": record.history_user,
                    "what": f"{label} {record.id}: {kinds[record.history_type]}",
                    "detail": _changes(record),
                }
            )
    for event in FlagEvent.objects.filter(flag__patient=patient).select_related("by"):
        entries.append(
            {
                "at": event.at,
                "who": event.by,
                "what": f"{_('flag')} {event.flag_id}: {event.get_action_display()}",
                "detail": event.get_level_display(),
            }
        )
    for access in patient.timeline_accesses.select_related("nurse"):
        entries.append(
            {"at": access.at, "who": access.nurse, "what": access.get_what_display(), "detail": ""}
        )
    entries.sort(key=lambda e: e["at"], reverse=True)
    return entries


@admin.register(Infusion)
class InfusionAdmin(SimpleHistoryAdmin):
    list_display = ["patient", "product", "cell_source", "given_at"]
    list_select_related = ["patient__user"]


def reasons_html(report: Report | None):
    """A report's findings as nurses read them (``symptoms.describe``), rule ids as tags."""
    reasons = report.reasons if report is not None else []
    if not reasons:
        return _("No findings.")
    return format_html(
        "<ul>{}</ul>",
        format_html_join(
            "",
            '<li title="{}">{} <small>({} · {} · {})</small></li>',
            (
                (r.detail, r.sentence, ", ".join(r.categories), r.level_name, " ".join(r.rules))
                for r in reasons
            ),
        ),
    )


@admin.register(Report)
class ReportAdmin(SimpleHistoryAdmin):
    list_display = ["patient", "submitted_at", "triage", "ruleset"]
    list_filter = ["triage"]
    list_select_related = ["patient__user"]
    readonly_fields = [
        "findings_in_words",
        "answers_in_words",
        "answers",
        "context",
        "findings",
        "ruleset",
        "triage",
    ]
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "patient",
                    "reported_by",
                    "submitted_at",
                    "triage",
                    "findings_in_words",
                    "answers_in_words",
                ]
            },
        ),
        (
            _("Stored data, as the triage engine saw it"),
            {
                "classes": ["collapse"],
                "fields": ["submission_key", "answers", "context", "findings", "ruleset"],
            },
        ),
    ]

    @admin.display(description=_("Findings"))
    def findings_in_words(self, report):
        return reasons_html(report if report.pk else None)

    @admin.display(description=_("Answers"))
    def answers_in_words(self, report):
        if not report.pk:
            return "–"
        return format_html(
            "<ul>{}</ul>",
            format_html_join(
                "", "<li>{}: {}</li>", ((r.name, r.value) for r in answer_words(report.answers))
            ),
        )


class FlagEventInline(ReadOnlyMixin, admin.TabularInline):
    model = FlagEvent
    fields = ["at", "action", "by", "level", "outcome", "note"]
    readonly_fields = fields
    extra = 0


@admin.register(Flag)
class FlagAdmin(SimpleHistoryAdmin):
    list_display = ["patient", "level", "status", "opened_at"]
    list_filter = ["status", "level"]
    list_select_related = ["patient__user"]
    readonly_fields = ["findings_in_words"]
    inlines = [FlagEventInline]

    @admin.display(description=_("Findings of the check-in that set the level"))
    def findings_in_words(self, flag):
        return reasons_html(flag.level_report if flag.pk else None)


@admin.register(TimelineAccess)
class TimelineAccessAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ["at", "nurse", "patient", "what"]
    list_filter = ["what", "patient__care_team"]
    list_select_related = ["nurse", "patient__user"]
    search_fields = ["patient__user__last_name", "nurse__username"]
    date_hierarchy = "at"


@admin.register(SecondFactorEvent)
class SecondFactorEventAdmin(ReadOnlyMixin, admin.ModelAdmin):
    """Second-step codes accepted and refused, apps set up and reset (passwords: axes)."""

    list_display = ["at", "user", "kind"]
    list_filter = ["kind"]
    list_select_related = ["user"]
    search_fields = ["user__username"]
    date_hierarchy = "at"


@admin.register(Notification)
class NotificationAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ["created_at", "kind", "level", "flag", "sent_at", "recipients"]
    list_filter = ["kind", "level"]
    list_select_related = ["flag__patient__user"]


@admin.register(CheckInReminder)
class CheckInReminderAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ["day", "patient", "created_at", "sent_at"]
    list_select_related = ["patient__user"]
