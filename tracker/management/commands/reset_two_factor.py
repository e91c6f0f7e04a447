"""Removes a user's second factor (a lost phone or passkey); they set up a new one at next login."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from tracker import second_factor


class Command(BaseCommand):
    help = (
        "Removes USER's authenticator app, passkeys and recovery codes and ends all their "
        "sessions. At their next login they set up a new second step."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("username")

    def handle(self, *args, username: str, **options) -> None:
        users = get_user_model()
        try:
            user = users.objects.get(**{users.USERNAME_FIELD: username})
        except users.DoesNotExist as missing:
            raise CommandError(f"No user with the user name {username!r}.") from missing
        second_factor.reset(user)
        self.stdout.write(
            self.style.SUCCESS(
                f"{username}'s second step was reset and their sessions ended. At their next "
                "login they will set up a new authenticator app or passkey."
            )
        )
