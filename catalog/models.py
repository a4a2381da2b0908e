import uuid

from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex, OpClass
from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Upper

from catalog.expressions import Fold, TitleWords, UpperArray
from lemonnpie.ratings import average_sql

SUB_RATINGS = ("cultural_authenticity", "production_quality", "story", "acting", "cinematography")


class MovieType(models.TextChoices):
    MOVIE = "movie", "Movie"
    SERIES = "series", "Series"


class DatePrecision(models.TextChoices):
    DAY = "day", "Day"
    YEAR = "year", "Year only (stored as January 1)"


class CastRole(models.TextChoices):
    ACTOR = "actor", "Actor"
    DIRECTOR = "director", "Director"
    PRODUCER = "producer", "Producer"
    WRITER = "writer", "Writer"


class Movie(models.Model):
    """A film or series. Rating aggregates are denormalised here and changed only in SQL by
    the reviews services (and repaired by `recompute_stats`)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    type = models.CharField(max_length=10, choices=MovieType.choices, default=MovieType.MOVIE)
    title = models.CharField(max_length=500)
    local_title = models.CharField(max_length=500, blank=True, default="")
    release_date = models.DateField(null=True, blank=True)
    release_date_precision = models.CharField(max_length=8, choices=DatePrecision.choices, default=DatePrecision.DAY)
    runtime = models.PositiveIntegerField(null=True, blank=True, help_text="Minutes")
    plot_summary = models.TextField(blank=True, default="")
    poster_url = models.URLField(max_length=500, blank=True, default="")
    trailer_url = models.URLField(max_length=500, blank=True, default="")
    director = models.CharField(max_length=255, blank=True, default="")
    producer = models.CharField(max_length=255, blank=True, default="")
    production_company = models.CharField(max_length=255, blank=True, default="")
    production_state = models.CharField(max_length=100, blank=True, default="")
    box_office_ng = models.CharField(max_length=100, blank=True, default="")
    is_featured = models.BooleanField(default=False)

    imdb_id = models.CharField(max_length=20, unique=True, null=True, blank=True)
    imdb_rating = models.DecimalField(max_digits=3, decimal_places=1, null=True, blank=True)
    imdb_votes = models.PositiveIntegerField(null=True, blank=True)

    # --- aggregates over approved reviews (maintained by reviews.services) ---
    review_count = models.PositiveIntegerField(default=0)
    rating_sum = models.PositiveBigIntegerField(default=0)
    rating_count_1 = models.PositiveIntegerField(default=0)
    rating_count_2 = models.PositiveIntegerField(default=0)
    rating_count_3 = models.PositiveIntegerField(default=0)
    rating_count_4 = models.PositiveIntegerField(default=0)
    rating_count_5 = models.PositiveIntegerField(default=0)
    rating_count_6 = models.PositiveIntegerField(default=0)
    rating_count_7 = models.PositiveIntegerField(default=0)
    rating_count_8 = models.PositiveIntegerField(default=0)
    rating_count_9 = models.PositiveIntegerField(default=0)
    rating_count_10 = models.PositiveIntegerField(default=0)
    cultural_authenticity_sum = models.PositiveBigIntegerField(default=0)
    production_quality_sum = models.PositiveBigIntegerField(default=0)
    story_sum = models.PositiveBigIntegerField(default=0)
    acting_sum = models.PositiveBigIntegerField(default=0)
    cinematography_sum = models.PositiveBigIntegerField(default=0)
    critic_count = models.PositiveIntegerField(default=0)
    critic_rating_sum = models.PositiveBigIntegerField(default=0)
    lemon_pie_rating = models.GeneratedField(
        expression=average_sql("rating_sum"),
        output_field=models.DecimalField(max_digits=4, decimal_places=2),
        db_persist=True,
    )

    # Weighted tsvector (titles A; people, company, state B; plot C; genres D) kept current by
    # database triggers on movies, movie_cast and movie_genres (catalog/sql/movies_search_vector_build.sql
    # builds it). Never set it here.
    search_vector = SearchVectorField(null=True, editable=False)
    # The names of the movie's MovieGenre / MovieLanguage rows, in their order, kept by database
    # triggers (catalog/sql/movies_names_*.sql): list rows and the genre/language filters read the movie's own row.
    # Whatever the application writes here is replaced by the rows' names. Never set them.
    genre_names = ArrayField(models.CharField(max_length=100), default=list, blank=True, editable=False)
    language_names = ArrayField(models.CharField(max_length=50), default=list, blank=True, editable=False)
    # The same names upper-cased, for the case-insensitive `genre` / `language` filters (GIN-indexed).
    genre_keys = models.GeneratedField(
        expression=UpperArray("genre_names"), output_field=ArrayField(models.TextField()), db_persist=True
    )
    language_keys = models.GeneratedField(
        expression=UpperArray("language_names"), output_field=ArrayField(models.TextField()), db_persist=True
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "movies"
        ordering = ["-release_date", "title", "id"]
        indexes = [
            # One index per documented ordering (ties broken by id) ...
            models.Index(F("release_date").desc(nulls_last=True), "title", "id", name="movies_release_order_idx"),
            models.Index(
                "type", F("release_date").desc(nulls_last=True), "title", "id", name="movies_type_release_order_idx"
            ),
            models.Index("title", "id", name="movies_title_order_idx"),
            models.Index(F("created_at").desc(), "id", name="movies_created_order_idx"),
            models.Index(fields=["-review_count", "id"], name="movies_review_count_idx"),
            models.Index(F("lemon_pie_rating").desc(nulls_last=True), "id", name="movies_rating_idx"),
            # ... and per filter: `production_state` is case-insensitive, `director` an accent-insensitive substring.
            models.Index(Upper("production_state"), name="movies_state_upper_idx"),
            GinIndex(OpClass(Fold("director"), name="gin_trgm_ops"), name="movies_director_trgm"),
            models.Index(fields=["is_featured"], name="movies_featured_idx", condition=Q(is_featured=True)),
            # Full-text search (vector maintained by triggers, catalog/sql/); suggestions use MovieTitle.
            GinIndex(fields=["search_vector"], name="movies_search_gin"),
            # `genre` / `language` filters (case-insensitive) over the names kept on the row.
            GinIndex(fields=["genre_keys"], name="movies_genre_keys_gin"),
            GinIndex(fields=["language_keys"], name="movies_language_keys_gin"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(runtime__isnull=True) | Q(runtime__gt=0), name="movies_runtime_positive"
            ),
            models.CheckConstraint(
                condition=Q(imdb_rating__isnull=True) | Q(imdb_rating__gte=0, imdb_rating__lte=10),
                name="movies_imdb_rating_range",
            ),
            models.CheckConstraint(condition=Q(type__in=MovieType.values), name="movies_type_valid"),
            models.CheckConstraint(
                condition=Q(release_date_precision__in=DatePrecision.values), name="movies_date_precision_valid"
            ),
            models.CheckConstraint(condition=Q(critic_count__lte=F("review_count")), name="movies_critics_le_reviews"),
        ]

    def __str__(self):
        year = f" ({self.release_date.year})" if self.release_date else ""
        return f"{self.title}{year}"


class MovieGenre(models.Model):
    movie = models.ForeignKey(Movie, on_delete=models.CASCADE, related_name="genre_rows")
    genre = models.CharField(max_length=100)

    class Meta:
        db_table = "movie_genres"
        ordering = ["genre"]
        constraints = [
            models.UniqueConstraint(fields=["movie", "genre"], name="movie_genres_unique"),
            models.CheckConstraint(condition=~Q(genre=""), name="movie_genres_not_blank"),
        ]
        indexes = [models.Index(Upper("genre"), "movie", name="movie_genres_upper_idx")]

    def __str__(self):
        return self.genre


class MovieLanguage(models.Model):
    movie = models.ForeignKey(Movie, on_delete=models.CASCADE, related_name="language_rows")
    language = models.CharField(max_length=50)

    class Meta:
        db_table = "movie_languages"
        ordering = ["language"]
        constraints = [
            models.UniqueConstraint(fields=["movie", "language"], name="movie_languages_unique"),
            models.CheckConstraint(condition=~Q(language=""), name="movie_languages_not_blank"),
        ]
        indexes = [models.Index(Upper("language"), "movie", name="movie_languages_upper_idx")]

    def __str__(self):
        return self.language


class MovieCast(models.Model):
    movie = models.ForeignKey(Movie, on_delete=models.CASCADE, related_name="cast_rows")
    actor_name = models.CharField(max_length=255)
    character_name = models.CharField(max_length=255, blank=True, default="")
    role_type = models.CharField(max_length=10, choices=CastRole.choices, default=CastRole.ACTOR)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        db_table = "movie_cast"
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["movie", "actor_name", "character_name", "role_type"], name="movie_cast_unique"
            ),
            models.CheckConstraint(condition=Q(role_type__in=CastRole.values), name="movie_cast_role_valid"),
            models.CheckConstraint(condition=~Q(actor_name=""), name="movie_cast_name_not_blank"),
        ]

    def __str__(self):
        return f"{self.actor_name} ({self.role_type})"


class MovieTitle(models.Model):
    """A movie's title and local title folded (`lnp_fold`: no accents), in a narrow table of their
    own for the typo-tolerant suggestions. A trigram lookup rechecks thousands of candidate rows
    when the typed words are common ("The ..."); here ~100 rows share a page where the wide movies
    table holds a handful, and nothing is folded at query time. Kept by triggers on `movies`
    (catalog/sql/movie_titles_*.sql), whatever writes the movies; never written by the application."""

    movie = models.OneToOneField(
        Movie, on_delete=models.CASCADE, primary_key=True, db_constraint=False, related_name="folded_titles"
    )
    title = models.TextField()
    local_title = models.TextField()
    # A copy of `movies.review_count` (a trigger keeps it): suggestions order thousands of matching
    # titles by it without reading `movies` for each.
    review_count = models.IntegerField(db_default=0)
    # The lower-cased words of both (`lnp_title_words`, catalog/sql/), for the word-by-word match.
    words = models.GeneratedField(
        expression=TitleWords("title", "local_title"),
        output_field=ArrayField(models.TextField()),
        db_persist=True,
    )

    class Meta:
        db_table = "movie_titles"
        indexes = [
            GinIndex(OpClass("title", name="gin_trgm_ops"), name="movie_titles_title_trgm"),
            GinIndex(OpClass("local_title", name="gin_trgm_ops"), name="movie_titles_local_trgm"),
            # Written straight into the index: a pending list would be read by every suggestion.
            GinIndex(fields=["words"], name="movie_titles_words", fastupdate=False),
        ]

    def __str__(self):
        return self.title


class MovieTitleWord(models.Model):
    """Every word of every title and local title (`MovieTitle.words`): the vocabulary a typed word is
    looked up in. Kept by triggers on `movie_titles` (catalog/sql/movie_title_words_*.sql); a word
    no title uses any more stays (it then matches nothing)."""

    word = models.TextField(primary_key=True)

    class Meta:
        db_table = "movie_title_words"
        # The last typed word is looked up as a prefix (LIKE 'word%').
        indexes = [models.Index(OpClass("word", name="text_pattern_ops"), name="movie_title_words_prefix")]

    def __str__(self):
        return self.word


class MovieTitleWordKey(models.Model):
    """The keys a title word is found by when typed with a slip: the word itself and the word with
    any one letter left out ("secret": secret, ecret, scret, seret, ...). A typed word and a title
    word sharing a key are one letter added, dropped, changed or swapped apart (symmetric deletion,
    as in SymSpell). Kept by a trigger on `movie_title_words` (catalog/sql/movie_title_word_keys_add.sql)."""

    pk = models.CompositePrimaryKey("key", "word")
    key = models.TextField()
    word = models.TextField()

    class Meta:
        db_table = "movie_title_word_keys"

    def __str__(self):
        return f"{self.key} → {self.word}"
