"""How a notification reads: the one serializer (REST list rows, WebSocket messages) and its text
(also the e-mail digest's lines). Rows come from `selectors` (actor and review's movie joined)."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.models import User
from accounts.shapes import UserBrief
from catalog.shapes import MovieBrief
from notifications.kinds import Kind
from notifications.models import Notification
from reviews.models import ModerationStatus


def shown_actor(notification: Notification) -> User | None:
    """The actor, unless suspended since (a vote row outlives its latest voter: shown as null)."""
    actor = notification.actor
    return actor if actor is not None and actor.is_active else None


def _title(notification: Notification) -> str:
    review = notification.review
    return review.movie.title if review is not None else "a title"


def _people(count: int) -> str:
    return "1 person" if count == 1 else f"{count} people"


_MODERATED = {
    ModerationStatus.APPROVED: "Your review of {title} is visible again.",
    ModerationStatus.PENDING: "Your review of {title} is hidden until a moderator has looked at it.",
    ModerationStatus.REJECTED: "Your review of {title} was removed.",
}
_REPORT = {
    "actioned": "We acted on your report about a {content_type}. Thank you.",
    "dismissed": "We looked at your report about a {content_type} and found nothing against the rules.",
}


def notification_message(notification: Notification) -> str:
    """One sentence for people (the frontend may build its own from the structured fields)."""
    actor = shown_actor(notification)
    name = actor.name if actor is not None else "Someone"
    title = _title(notification)
    data = notification.data or {}
    match notification.kind:
        case Kind.NEW_FOLLOWER:
            return f"{name} started following you."
        case Kind.REVIEW_VOTED:
            return f"{_people(notification.count)} found your review of {title} helpful."
        case Kind.REVIEW_MODERATED:
            text = _MODERATED.get(data.get("status"), "Your review of {title} was moderated.").format(title=title)
            return f"{text} Reason: {data['reason']}" if data.get("reason") else text
        case Kind.REPORT_DECIDED:
            template = _REPORT.get(data.get("resolution"), "Your report about a {content_type} was decided.")
            return template.format(content_type=data.get("content_type", "post"))
        case Kind.FOLLOWED_USER_REVIEWED:
            return f"{name} reviewed {title}."
        case Kind.WATCHLIST_TITLE_REVIEWED_BY_CRITIC:
            return f"Critic {name} reviewed {title}, which is on your watchlist."
    return "You have a new notification."


class NotificationReviewSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    movie = MovieBrief.serializer()


class NotificationModerationSerializer(serializers.Serializer):
    moderation_status = serializers.ChoiceField(
        source="status", choices=ModerationStatus.choices, help_text="The review's new status."
    )
    reason = serializers.CharField(allow_blank=True, help_text="The public reason given to the author.")


class NotificationReportSerializer(serializers.Serializer):
    id = serializers.UUIDField(source="report_id")
    content_type = serializers.CharField(help_text="What was reported: review, user or movie.")
    resolution = serializers.ChoiceField(choices=[("actioned", "Actioned"), ("dismissed", "Dismissed")])


class NotificationSerializer(serializers.ModelSerializer):
    """A notification as its receiver may see it now (see `NotificationQuerySet.visible`)."""

    message = serializers.SerializerMethodField(help_text="One sentence for people.")
    actor = serializers.SerializerMethodField(help_text="Who caused it; null for moderation and reports.")
    review = NotificationReviewSerializer(read_only=True, allow_null=True)
    count = serializers.IntegerField(read_only=True, help_text="Helpful votes folded into this row (else 1).")
    moderation = serializers.SerializerMethodField(help_text="`review_moderated` only.")
    report = serializers.SerializerMethodField(help_text="`report_decided` only.")
    is_read = serializers.SerializerMethodField()

    class Meta:
        model = Notification
        fields = [
            "id",
            "kind",
            "message",
            "actor",
            "review",
            "count",
            "moderation",
            "report",
            "is_read",
            "read_at",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    def get_message(self, notification) -> str:
        return notification_message(notification)

    @extend_schema_field(UserBrief.serializer(allow_null=True))
    def get_actor(self, notification):
        actor = shown_actor(notification)
        return UserBrief.of(actor) if actor is not None else None

    @extend_schema_field(NotificationModerationSerializer(allow_null=True))
    def get_moderation(self, notification):
        if notification.kind != Kind.REVIEW_MODERATED:
            return None
        return NotificationModerationSerializer(notification.data).data

    @extend_schema_field(NotificationReportSerializer(allow_null=True))
    def get_report(self, notification):
        if notification.kind != Kind.REPORT_DECIDED:
            return None
        return NotificationReportSerializer(notification.data).data

    def get_is_read(self, notification) -> bool:
        return notification.read_at is not None


def notifications_data(rows) -> list[dict]:
    return NotificationSerializer(rows, many=True).data
