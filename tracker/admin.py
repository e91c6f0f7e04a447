from django.contrib import admin

from tracker.models import CareTeam, Flag, Infusion, Patient, Report


@admin.register(CareTeam)
class CareTeamAdmin(admin.ModelAdmin):
    list_display = ["name", "phone_24h", "emergency_number", "time_zone"]
    filter_horizontal = ["nurses"]


class InfusionInline(admin.TabularInline):
    model = Infusion
    extra = 0


@admin.register(Patient)
class PatientAdmin(admin.ModelAdmin):
    list_display = ["name", "care_team"]
    list_select_related = ["user", "care_team"]
    inlines = [InfusionInline]


@admin.register(Report)
class ReportAdmin(admin.ModelAdmin):
    list_display = ["patient", "submitted_at", "triage", "ruleset"]
    list_filter = ["triage"]
    list_select_related = ["patient__user"]
    readonly_fields = ["answers", "context", "findings", "ruleset", "triage"]


@admin.register(Flag)
class FlagAdmin(admin.ModelAdmin):
    list_display = ["patient", "level", "status", "opened_at"]
    list_filter = ["status", "level"]
    list_select_related = ["patient__user"]
