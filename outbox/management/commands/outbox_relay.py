from django.core.management.base import BaseCommand

from outbox.services import outbox_pending, outbox_relay


class Command(BaseCommand):
    help = "Publish outbox messages that never reached the broker (what the beat job `outbox.tasks.relay` does)."

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="Only count the messages waiting.")
        parser.add_argument("--limit", type=int, default=500)

    def handle(self, *args, dry_run: bool = False, limit: int = 500, **options):
        if dry_run:
            self.stdout.write(f"{outbox_pending().count()} message(s) waiting to be published")
            return
        result = outbox_relay(limit=limit)
        self.stdout.write(
            f"published {result['published']}, failed {result['failed']}, purged {result['purged']} delivered"
        )
