"""Staff from the shell: mark factories verified (the same as the admin action)."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError, CommandParser

from factories.models import Factory
from factories.services import factory_verify


class Command(BaseCommand):
    help = "Mark the given factories (by id) as verified so that they receive offers."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("factory_ids", nargs="+", type=int, metavar="FACTORY_ID")

    def handle(self, *args: object, factory_ids: list[int], **options: object) -> None:
        factories = Factory.objects.filter(pk__in=factory_ids)
        missing = sorted(set(factory_ids) - set(factories.values_list("pk", flat=True)))
        if missing:
            raise CommandError(f"No factory with id {', '.join(map(str, missing))}.")
        count = factory_verify(factories=factories)
        self.stdout.write(f"{count} factor{'y' if count == 1 else 'ies'} newly verified.")
