"""Thin views over diary.selectors / diary.services / diary.portability."""

import datetime

from django.http import FileResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import generics, status, viewsets
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from diary import portability, selectors, services
from diary.api.serializers import (
    DiaryEntrySerializer,
    DiaryEntryUpdateSerializer,
    DiaryEntryWriteSerializer,
    ExportSerializer,
    FilmRatingSerializer,
    FilmRatingWriteSerializer,
    ImportRequestSerializer,
    ImportSerializer,
    MovieAudienceSerializer,
    YearInReviewSerializer,
)
from lemonnpie.api.exceptions import ApplicationError, NotFound
from lemonnpie.api.pagination import PageNumberPagination
from lemonnpie.api.schema import error_responses
from lemonnpie.api.throttles import ScopedRateThrottle, UserRateThrottle
from social.selectors import parse_uuid

_ID = OpenApiParameter("id", OpenApiTypes.UUID, OpenApiParameter.PATH, description="The diary entry's id.")
_USER_ID = OpenApiParameter("user_id", OpenApiTypes.UUID, OpenApiParameter.PATH, description="The user's id.")
_MOVIE_ID = OpenApiParameter("movie_id", OpenApiTypes.UUID, OpenApiParameter.PATH, description="The film's id.")
_HIDDEN = "`not_found`: unknown or suspended user, or a diary its privacy setting hides from you."


class DiaryViewSet(viewsets.GenericViewSet):
    """My diary: log, list, edit and delete viewings."""

    permission_classes = [IsAuthenticated]
    pagination_class = PageNumberPagination
    serializer_class = DiaryEntrySerializer
    filter_backends = []
    lookup_value_regex = "[0-9a-fA-F-]{36}"
    queryset = selectors.DiaryEntry.objects.none()  # schema only

    def _render(self, entry_id):
        entry = selectors.diary_entry_get(user=self.request.user, entry_id=entry_id)
        return DiaryEntrySerializer(entry, context={"viewer": self.request.user}).data

    @extend_schema(summary="My diary (most recently watched first)", responses={200: DiaryEntrySerializer(many=True)})
    def list(self, request):
        page = self.paginate_queryset(selectors.diary_entries(user_id=request.user.pk))
        data = DiaryEntrySerializer(page, many=True, context={"viewer": request.user}).data
        return self.get_paginated_response(data)

    @extend_schema(
        summary="Log a viewing",
        request=DiaryEntryWriteSerializer,
        responses={201: DiaryEntrySerializer, **error_responses(400, 401)},
    )
    def create(self, request):
        body = DiaryEntryWriteSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        entry = services.diary_entry_create(
            user=request.user, movie_id=body.validated_data["movie_id"], **body.to_service_fields()
        )
        return Response(self._render(entry.pk), status=status.HTTP_201_CREATED)

    @extend_schema(summary="One of my diary entries", parameters=[_ID], responses={200: DiaryEntrySerializer})
    def retrieve(self, request, pk=None):
        return Response(self._render(pk))

    @extend_schema(
        summary="Edit a diary entry (partial)",
        parameters=[_ID],
        request=DiaryEntryUpdateSerializer,
        responses={200: DiaryEntrySerializer, **error_responses(400, 401)},
    )
    def partial_update(self, request, pk=None):
        entry = selectors.diary_entry_get(user=request.user, entry_id=pk)
        body = DiaryEntryUpdateSerializer(data=request.data, partial=True)
        body.is_valid(raise_exception=True)
        services.diary_entry_update(entry=entry, actor=request.user, **body.to_service_fields())
        return Response(self._render(entry.pk))

    @extend_schema(summary="Delete a diary entry", parameters=[_ID], responses={204: None})
    def destroy(self, request, pk=None):
        entry = selectors.diary_entry_get(user=request.user, entry_id=pk)
        services.diary_entry_delete(entry=entry, actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema(
    summary="A user's diary (per their privacy setting)",
    parameters=[_USER_ID],
    responses={200: DiaryEntrySerializer(many=True), **error_responses(s404=_HIDDEN)},
)
class UserDiaryView(generics.ListAPIView):
    permission_classes = [AllowAny]
    pagination_class = PageNumberPagination
    serializer_class = DiaryEntrySerializer
    filter_backends = []

    def get_queryset(self):
        owner = selectors.diary_owner_for(viewer=self.request.user, user_id=self.kwargs["user_id"])
        return selectors.diary_entries(user_id=owner.pk)

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "viewer": self.request.user}


@extend_schema(
    summary="A user's year in review",
    description="Computed from the viewings dated in that year (day or month precision); yourself any year, "
    "others per their diary privacy. Cached until the diary changes.",
    parameters=[
        _USER_ID,
        OpenApiParameter("year", OpenApiTypes.INT, OpenApiParameter.PATH, description="Four-digit year."),
    ],
    responses={200: YearInReviewSerializer, **error_responses(s404=_HIDDEN)},
)
class YearInReviewView(APIView):
    permission_classes = [AllowAny]

    def get(self, request, user_id, year):
        year = int(year)
        if not 1870 <= year <= datetime.date.today().year + 1:
            raise NotFound("No such year.")
        owner = selectors.diary_owner_for(viewer=request.user, user_id=user_id)
        return Response(selectors.year_in_review(user_id=owner.pk, year=year))


@extend_schema(summary="My film ratings (newest first)", responses={200: FilmRatingSerializer(many=True)})
class FilmRatingsView(generics.ListAPIView):
    permission_classes = [IsAuthenticated]
    pagination_class = PageNumberPagination
    serializer_class = FilmRatingSerializer
    filter_backends = []

    def get_queryset(self):
        return selectors.film_ratings(user_id=self.request.user.pk)


class FilmRatingView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        summary="Rate a film without reviewing it (counts in its audience rating)",
        parameters=[_MOVIE_ID],
        request=FilmRatingWriteSerializer,
        responses={200: FilmRatingSerializer, **error_responses(400, 401)},
    )
    def put(self, request, movie_id):
        body = FilmRatingWriteSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        services.film_rating_set(user=request.user, movie_id=parse_uuid(movie_id), rating=body.validated_data["rating"])
        row = selectors.film_ratings(user_id=request.user.pk).get(movie_id=movie_id)
        return Response(FilmRatingSerializer(row).data)

    @extend_schema(summary="Remove my rating of a film", parameters=[_MOVIE_ID], responses={204: None})
    def delete(self, request, movie_id):
        services.film_rating_delete(user_id=request.user.pk, movie_id=parse_uuid(movie_id))
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema(
    summary="A film's audience rating (ratings without a review)",
    parameters=[_MOVIE_ID],
    responses={200: MovieAudienceSerializer},
)
class MovieAudienceView(APIView):
    permission_classes = [AllowAny]

    def get(self, request, movie_id):
        row = selectors.movie_audience(movie_id=movie_id)
        count = row["rating_count"]
        average = round(row["rating_sum"] / count, 2) if count else None
        return Response({"movie_id": str(movie_id), "audience_rating": average, "audience_count": count})


# --- export / import -------------------------------------------------------------------------------


class ExportView(APIView):
    permission_classes = [IsAuthenticated]
    throttle_classes = [UserRateThrottle, ScopedRateThrottle]
    throttle_scope = "data_export"

    @extend_schema(
        summary="Export everything we hold about me (zip, mailed as a single-use link)",
        request=None,
        responses={202: ExportSerializer, **error_responses(401)},
    )
    def post(self, request):
        job = portability.export_request(user=request.user)
        return Response(ExportSerializer(job).data, status=status.HTTP_202_ACCEPTED)


class ExportDownloadView(APIView):
    permission_classes = [AllowAny]
    authentication_classes = []

    @extend_schema(
        summary="Download an export (the mailed, single-use, expiring link)",
        parameters=[
            OpenApiParameter("id", OpenApiTypes.UUID, OpenApiParameter.PATH, description="The export's id."),
            OpenApiParameter("token", OpenApiTypes.STR, OpenApiParameter.PATH, description="The link's secret."),
        ],
        responses={
            (200, "application/zip"): OpenApiResponse(OpenApiTypes.BINARY, description="The zip."),
            **error_responses(s404="`not_found`: unknown, used or expired link."),
        },
    )
    def get(self, request, export_id, token):
        name, handle = portability.export_open(export_id=parse_uuid(export_id), token=token)
        return FileResponse(handle, as_attachment=True, filename=name, content_type="application/zip")


class ImportView(APIView):
    permission_classes = [IsAuthenticated]
    parser_classes = [MultiPartParser, FormParser]
    throttle_classes = [UserRateThrottle, ScopedRateThrottle]
    throttle_scope = "data_import"

    @extend_schema(
        summary="Import a Letterboxd export zip (runs as a job; poll its status)",
        request={"multipart/form-data": ImportRequestSerializer},
        responses={
            202: ImportSerializer,
            **error_responses(401, s413="`payload_too_large`: the zip, its contents or its rows are over the limits."),
        },
    )
    def post(self, request):
        upload = request.FILES.get("file")
        if upload is None:
            raise ApplicationError(
                "No file.", error="validation_error", details=[{"field": "file", "message": "Send the zip as `file`."}]
            )
        job = portability.import_request(user=request.user, upload=upload)
        return Response(ImportSerializer(job).data, status=status.HTTP_202_ACCEPTED)


@extend_schema(
    summary="An import's progress and report",
    parameters=[OpenApiParameter("id", OpenApiTypes.UUID, OpenApiParameter.PATH, description="The import's id.")],
    responses={200: ImportSerializer},
)
class ImportStatusView(APIView):
    permission_classes = [IsAuthenticated]

    def get(self, request, import_id):
        job = portability.DataImport.objects.filter(pk=parse_uuid(import_id), user_id=request.user.pk).first()
        if job is None:
            raise NotFound("Import not found.")
        return Response(ImportSerializer(job).data)
