from django.core.management.base import BaseCommand, CommandError

from accounts.models import User
from lemonnpie.api.exceptions import ApplicationError
from moderation.services import user_suspend, user_unsuspend


class Command(BaseCommand):
    help = "Suspend a user (every token revoked at once), or lift a suspension with --lift."

    def add_arguments(self, parser):
        parser.add_argument("email")
        parser.add_argument("--reason", required=True)
        parser.add_argument("--lift", action="store_true", help="Unsuspend instead.")

    def handle(self, *args, email, reason, lift, **options):
        user = User.objects.filter(email__iexact=email.strip()).first()
        if user is None:
            raise CommandError(f"No user with email {email}.")
        service = user_unsuspend if lift else user_suspend
        try:
            user = service(user_id=user.pk, reason=reason, actor=None)
        except ApplicationError as error:
            raise CommandError(error.message) from None
        state = "active" if user.is_active else "suspended"
        self.stdout.write(self.style.SUCCESS(f"{user.email} is now {state}."))
