"""Thin Celery wrappers: they take ids, then call a service."""

from celery import shared_task


@shared_task(acks_late=True)
def export_build(*, export_id: str) -> str | None:
    from diary.portability import export_build as build

    job = build(export_id=export_id)
    return job.status if job else None


@shared_task(acks_late=True)
def import_run(*, import_id: str) -> str | None:
    from diary.letterboxd import import_run as run

    job = run(import_id=import_id)
    return job.status if job else None


@shared_task
def purge_exports() -> int:
    from diary.portability import purge_exports as purge

    return purge()
