"""Thin Celery wrappers: they take plain values, then call a service."""

from celery import shared_task
from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string


@shared_task(bind=True, autoretry_for=(OSError,), retry_backoff=True, max_retries=5, acks_late=True)
def send_templated_email(self, *, to: str, subject: str, template: str, context: dict) -> None:
    """Render templates/emails/<template>.txt and .html and send them as one message."""
    text = render_to_string(f"emails/{template}.txt", context)
    html = render_to_string(f"emails/{template}.html", context)
    message = EmailMultiAlternatives(subject, text, settings.DEFAULT_FROM_EMAIL, [to])
    message.attach_alternative(html, "text/html")
    message.send()


@shared_task(acks_late=True)
def verification_mail(*, user_id: str) -> bool:
    """Queued (through the outbox) by registration and resend-verification; makes the link here."""
    from accounts.services import verification_mail_send

    return verification_mail_send(user_id=user_id)


@shared_task(acks_late=True)
def password_reset_mail(*, email: str) -> bool:
    """Queued by forgot-password for every address alike; mails only real accounts."""
    from accounts.services import password_reset_send

    return password_reset_send(email=email)


@shared_task
def purge_expired_sessions() -> dict:
    """Daily: drop expired refresh-token rows and revoked-session rows nobody can use any more."""
    from accounts.services import sessions_purge_expired

    tokens, sessions = sessions_purge_expired()
    return {"tokens": tokens, "sessions": sessions}
