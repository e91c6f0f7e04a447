"""Makes someone a nurse of a care team; a new account gets a link to choose a password.

    python manage.py add_nurse nurse@example.org --team "Cell Therapy Unit" \
        --first-name Ana --last-name Ruiz

The user name is the e-mail address. An existing account (found by that user name) is added to
the team as it is. A new one has no password: the command prints the link to choose one (it works
once, for DJANGO_INVITATION_DAYS days) and, when the worker runs, e-mails it too.
"""

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.core.validators import validate_email
from django.db import transaction

from tracker.enrolment import send_invitation
from tracker.models import CareTeam
from tracker.tokens import invitation_url


class Command(BaseCommand):
    help = "Add a nurse to a care team, creating their account when it is new."

    def add_arguments(self, parser):
        parser.add_argument("email", help="The nurse's e-mail address, also their user name.")
        parser.add_argument("--team", required=True, help="The care team's name.")
        parser.add_argument("--first-name", default="")
        parser.add_argument("--last-name", default="")

    def handle(self, *args, email, team, first_name, last_name, **options):
        email = email.strip().lower()
        try:
            validate_email(email)
        except ValidationError as error:
            raise CommandError(f"{email!r} is not an e-mail address.") from error
        care_team = CareTeam.objects.filter(name=team).first()
        if care_team is None:
            names = ", ".join(CareTeam.objects.values_list("name", flat=True)) or "none yet"
            raise CommandError(f"No care team is called {team!r} (teams: {names}).")
        with transaction.atomic():
            user, created = get_user_model().objects.get_or_create(
                username=email,
                defaults={"email": email, "first_name": first_name, "last_name": last_name},
            )
            if created:
                user.set_unusable_password()
                user.save(update_fields=["password"])
                send_invitation(user=user)
            care_team.nurses.add(user)
        self.stdout.write(f"{email} is a nurse of {care_team.name}.")
        if created:
            self.stdout.write(f"Link to choose a password: {invitation_url(user)}")
