from rest_framework import serializers

from lemonnpie.api.serializers import InputSerializer
from notifications.kinds import Kind


class NotificationListQuerySerializer(serializers.Serializer):
    unread = serializers.BooleanField(
        required=False, allow_null=True, default=None, help_text="true: only unread; false: only read."
    )


class UnreadCountSerializer(serializers.Serializer):
    count = serializers.IntegerField(help_text="Unread notifications the user may see.")


class ReadAllSerializer(serializers.Serializer):
    marked_read = serializers.IntegerField(help_text="How many notifications this call marked read.")


class PreferenceSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=Kind.choices)
    in_app = serializers.BooleanField(help_text="Write it to the notification list (off: nothing is kept).")
    live = serializers.BooleanField(help_text="Push it over /ws/v1/notifications.")
    email_digest = serializers.BooleanField(help_text="Put it in the daily e-mail digest (off by default).")


class PreferencesSerializer(serializers.Serializer):
    preferences = PreferenceSerializer(many=True)


class PreferenceUpdateSerializer(InputSerializer):
    kind = serializers.ChoiceField(choices=Kind.choices)
    in_app = serializers.BooleanField(required=False)
    live = serializers.BooleanField(required=False)
    email_digest = serializers.BooleanField(required=False)


class PreferencesUpdateSerializer(InputSerializer):
    preferences = PreferenceUpdateSerializer(
        many=True, max_length=len(Kind.values), help_text="The kinds to change; kinds left out keep their values."
    )
