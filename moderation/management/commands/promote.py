from django.core.management.base import BaseCommand, CommandError

from accounts.models import Role, User
from lemonnpie.api.exceptions import ApplicationError
from moderation.services import user_set_role


class Command(BaseCommand):
    help = "Give a user a role (user, critic, moderator, admin) — audited like the admin API."

    def add_arguments(self, parser):
        parser.add_argument("email")
        parser.add_argument("--role", required=True, choices=Role.values)
        parser.add_argument("--reason", default="Changed from the command line.")

    def handle(self, *args, email, role, reason, **options):
        user = User.objects.filter(email__iexact=email.strip()).first()
        if user is None:
            raise CommandError(f"No user with email {email}.")
        try:
            user = user_set_role(user_id=user.pk, role=role, actor=None, reason=reason)
        except ApplicationError as error:
            raise CommandError(error.message) from None
        self.stdout.write(self.style.SUCCESS(f"{user.email} is now {user.role}."))
