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
