from django.contrib import admin

from filiera.events.models import Event, Registration, RegistrationQuestion


class QuestionInline(admin.TabularInline):
    model = RegistrationQuestion
    extra = 0


@admin.register(Event)
class EventAdmin(admin.ModelAdmin):
    list_display = ("title", "cluster", "kind", "audience", "status", "starts_at", "capacity")
    list_filter = ("kind", "audience", "status", "cluster")
    search_fields = ("title", "slug")
    prepopulated_fields = {"slug": ("title",)}
    inlines = [QuestionInline]


@admin.register(Registration)
class RegistrationAdmin(admin.ModelAdmin):
    list_display = ("name", "email", "event", "status", "created_at", "checked_in_at")
    list_filter = ("status", "event__cluster")
    search_fields = ("name", "email", "event__title")
    raw_id_fields = ("event", "user", "organisation")
