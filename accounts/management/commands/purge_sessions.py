from django.core.management.base import BaseCommand

from accounts.services import sessions_purge_expired


class Command(BaseCommand):
    help = "Delete expired refresh-token rows and revoked-session rows that can no longer matter."

    def handle(self, *args, **options):
        tokens, sessions = sessions_purge_expired()
        self.stdout.write(f"Deleted {tokens} token row(s) and {sessions} revoked-session row(s).")
