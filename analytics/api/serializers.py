from rest_framework import serializers


class DashboardSerializer(serializers.Serializer):
    users = serializers.IntegerField()
    movies = serializers.IntegerField()
    reviews = serializers.IntegerField(help_text="Approved reviews.")
    open_reports = serializers.IntegerField()
    pending_moderation = serializers.IntegerField(help_text="Reviews hidden pending a decision or flagged.")
    signups_last_7_days = serializers.IntegerField()
    reviews_last_7_days = serializers.IntegerField()


class AnalyticsQuerySerializer(serializers.Serializer):
    days = serializers.IntegerField(min_value=1, max_value=365, default=30)
    min_reviews = serializers.IntegerField(min_value=1, max_value=10_000, default=3)


class DailyCountSerializer(serializers.Serializer):
    date = serializers.DateField()
    count = serializers.IntegerField()


class TopMovieSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    title = serializers.CharField()
    review_count = serializers.IntegerField()
    lemon_pie_rating = serializers.FloatField(allow_null=True)


class LanguageShareSerializer(serializers.Serializer):
    language = serializers.CharField()
    count = serializers.IntegerField()
    share = serializers.FloatField()


class RatingDistributionSerializer(serializers.Serializer):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for value in range(1, 11):
            self.fields[str(value)] = serializers.IntegerField()


class AnalyticsSerializer(serializers.Serializer):
    days = serializers.IntegerField()
    start = serializers.DateField()
    signups = DailyCountSerializer(many=True)
    reviews = DailyCountSerializer(many=True)
    votes = DailyCountSerializer(many=True)
    reports = DailyCountSerializer(many=True)
    top_movies_by_reviews = TopMovieSerializer(many=True)
    top_movies_by_rating = TopMovieSerializer(many=True)
    min_reviews_for_rating = serializers.IntegerField()
    rating_distribution = RatingDistributionSerializer()
    language_share = LanguageShareSerializer(many=True)
