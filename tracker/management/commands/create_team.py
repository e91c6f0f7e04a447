"""Creates a care team, the first thing a new site needs (then ``add_nurse``).

    python manage.py create_team "Cell Therapy Unit" --phone "+44 20 7946 0000" \
        --emergency-number 999 --time-zone Europe/London
"""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from tracker.models import CareTeam


class Command(BaseCommand):
    help = "Create a care team with its 24-hour phone number, emergency number and time zone."

    def add_arguments(self, parser):
        parser.add_argument("name", help="The team's name, as nurses and patients read it.")
        parser.add_argument(
            "--phone", required=True, help="The 24-hour number, with the country code."
        )
        parser.add_argument("--emergency-number", required=True, help="For example 112 or 999.")
        parser.add_argument("--time-zone", default="UTC", help="For example Europe/Madrid.")

    def handle(self, *args, name, phone, emergency_number, time_zone, **options):
        team = CareTeam(
            name=name.strip(),
            phone_24h=phone,
            emergency_number=emergency_number.strip(),
            time_zone=time_zone,
        )
        try:
            team.full_clean()
        except ValidationError as error:
            problems = "; ".join(f"{k}: {' '.join(v)}" for k, v in error.message_dict.items())
            raise CommandError(problems) from error
        team.save()
        self.stdout.write(f"Care team {team.name!r} created (id {team.pk}).")
