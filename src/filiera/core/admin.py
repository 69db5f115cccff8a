from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from filiera.core.models import (
    ApiToken,
    AuditEntry,
    Cluster,
    ClusterRole,
    Concept,
    ExcellenceLabel,
    Network,
    NetworkRole,
    User,
    ValueChain,
)


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    fieldsets = BaseUserAdmin.fieldsets + (("Filiera", {"fields": ("language",)}),)
    list_display = ("username", "email", "first_name", "last_name", "is_superuser", "language")


class ClusterRoleInline(admin.TabularInline):
    model = ClusterRole
    extra = 0
    autocomplete_fields = ["user"]


class ExcellenceLabelInline(admin.TabularInline):
    model = ExcellenceLabel
    extra = 0


@admin.register(Cluster)
class ClusterAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "country", "region", "language")
    search_fields = ("name", "slug")
    prepopulated_fields = {"slug": ("short_name",)}
    filter_horizontal = ("value_chains",)
    inlines = [ClusterRoleInline, ExcellenceLabelInline]


@admin.register(Network)
class NetworkAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "coordinator")
    filter_horizontal = ("clusters",)


@admin.register(NetworkRole)
class NetworkRoleAdmin(admin.ModelAdmin):
    list_display = ("user", "network")
    autocomplete_fields = ["user"]


@admin.register(ValueChain)
class ValueChainAdmin(admin.ModelAdmin):
    list_display = ("slug", "label")
    search_fields = ("slug",)


@admin.register(Concept)
class ConceptAdmin(admin.ModelAdmin):
    list_display = ("slug", "scheme", "label")
    list_filter = ("scheme",)
    search_fields = ("slug",)


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ("name", "user", "prefix", "created_at", "last_used_at", "expires_at")
    readonly_fields = ("prefix", "key_hash", "created_at", "last_used_at")


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    list_display = ("at", "actor_label", "action", "model", "object_id", "object_repr")
    list_filter = ("action", "model")
    search_fields = ("object_repr", "actor_label", "object_id")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
