from django.contrib import admin

from filiera.directory.models import Membership, Opportunity, Organisation, Person


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "country", "city", "visibility", "verified")
    list_filter = ("kind", "country", "visibility", "verified")
    search_fields = ("name", "short_name", "ref")
    filter_horizontal = ("value_chains", "concepts")
    inlines = [MembershipInline]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ("organisation", "cluster", "status", "fee_tier", "joined_on")
    list_filter = ("cluster", "status")
    search_fields = ("organisation__name",)
    autocomplete_fields = ["organisation"]


@admin.register(Person)
class PersonAdmin(admin.ModelAdmin):
    list_display = ("last_name", "first_name", "organisation", "email", "is_representative")
    search_fields = ("last_name", "first_name", "email", "organisation__name")
    autocomplete_fields = ["organisation", "user"]


@admin.register(Opportunity)
class OpportunityAdmin(admin.ModelAdmin):
    list_display = ("title", "type", "organisation", "language", "status", "visibility", "published_at", "expires_on")
    list_filter = ("type", "status", "visibility", "language")
    search_fields = ("title", "summary")
    autocomplete_fields = ["organisation"]
    filter_horizontal = ("concepts", "value_chains")
    readonly_fields = ("published_at",)  # follows the status (Opportunity.save)
