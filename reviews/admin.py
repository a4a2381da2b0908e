"""Django admin for reviews: moderators browse, search and approve/reject. Every change that
moves aggregates (status, deletion) goes through `reviews.services`, so counts stay exact."""

from django import forms
from django.contrib import admin, messages
from django.utils.translation import ngettext

from reviews import services
from reviews.models import ModerationStatus, Review
from reviews.tags import normalize_tags


class ReviewAdminForm(forms.ModelForm):
    class Meta:
        model = Review
        fields = ("is_flagged", "review_text", "review_language", "spoiler_warning", "nollywood_tags")

    def clean_nollywood_tags(self):
        tags, errors = normalize_tags(self.cleaned_data.get("nollywood_tags") or [])
        if errors:
            raise forms.ValidationError([message for _, message in sorted(errors.items())])
        return tags


@admin.register(Review)
class ReviewAdmin(admin.ModelAdmin):
    form = ReviewAdminForm
    list_display = (
        "short_text",
        "movie",
        "author_email",
        "lemon_pie_rating",
        "moderation_status",
        "is_flagged",
        "spoiler_warning",
        "helpful_votes",
        "unhelpful_votes",
        "created_at",
    )
    list_filter = ("moderation_status", "is_flagged", "review_language", "spoiler_warning")
    search_fields = ("review_text", "user__email")
    list_select_related = ("movie", "user")
    ordering = ("-created_at", "id")
    date_hierarchy = "created_at"
    actions = ("approve_reviews", "reject_reviews", "hide_reviews")
    show_full_result_count = False
    # Ratings and status move aggregates: they change only through the services (actions above).
    readonly_fields = (
        "id",
        "movie",
        "user",
        "lemon_pie_rating",
        "cultural_authenticity_rating",
        "production_quality_rating",
        "story_rating",
        "acting_rating",
        "cinematography_rating",
        "moderation_status",
        "by_critic",
        "helpful_votes",
        "unhelpful_votes",
        "helpfulness_wilson",
        "created_at",
        "updated_at",
    )
    fields = (
        "id",
        "movie",
        "user",
        "moderation_status",
        "is_flagged",
        "review_text",
        "review_language",
        "spoiler_warning",
        "nollywood_tags",
        "lemon_pie_rating",
        ("cultural_authenticity_rating", "production_quality_rating", "story_rating"),
        ("acting_rating", "cinematography_rating"),
        ("helpful_votes", "unhelpful_votes", "helpfulness_wilson"),
        "by_critic",
        ("created_at", "updated_at"),
    )

    @admin.display(description="review")
    def short_text(self, review):
        text = review.review_text
        return text if len(text) <= 60 else f"{text[:57]}..."

    @admin.display(description="author", ordering="user__email")
    def author_email(self, review):
        return review.user.email

    def has_add_permission(self, request):
        return False  # reviews are written by users through the API

    def _moderate(self, request, queryset, status, verb):
        done = 0
        for review in queryset.select_related(None).order_by("movie_id", "id").only("pk", "movie_id"):
            services.review_moderate(review=review, status=status, actor=request.user)
            done += 1
        self.message_user(
            request,
            ngettext("%(n)d review %(verb)s.", "%(n)d reviews %(verb)s.", done) % {"n": done, "verb": verb},
            messages.SUCCESS,
        )

    @admin.action(description="Approve selected reviews (count them again)", permissions=["change"])
    def approve_reviews(self, request, queryset):
        self._moderate(request, queryset, ModerationStatus.APPROVED, "approved")

    @admin.action(description="Reject selected reviews (hide them everywhere)", permissions=["change"])
    def reject_reviews(self, request, queryset):
        self._moderate(request, queryset, ModerationStatus.REJECTED, "rejected")

    @admin.action(description="Hold selected reviews for moderation (pending)", permissions=["change"])
    def hide_reviews(self, request, queryset):
        self._moderate(request, queryset, ModerationStatus.PENDING, "set to pending")

    def save_model(self, request, obj, form, change):
        # Only the edited columns: a full-row save would write back stale vote counters.
        changed = [name for name in form.changed_data if name in ReviewAdminForm.Meta.fields]
        if changed:
            obj.save(update_fields=[*changed, "updated_at"])

    def delete_model(self, request, obj):
        services.review_delete(review=obj, actor=request.user)

    def delete_queryset(self, request, queryset):
        for review in queryset.select_related(None).order_by("movie_id", "id").only("pk", "movie_id"):
            services.review_delete(review=review, actor=request.user)
