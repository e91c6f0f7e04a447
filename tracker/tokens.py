"""The links that set a password: the invitation's, and the "forgot your password" e-mail's.

The invitation's token is Django's password-reset token under its own salt, so neither link opens
the other's page.

It hashes the user's password, so it stops working once the patient has set one (single use), and
it expires after ``PASSWORD_RESET_TIMEOUT`` (three days unless DJANGO_INVITATION_DAYS says).
"""

from __future__ import annotations

import segno
from django.conf import settings
from django.contrib.auth.tokens import PasswordResetTokenGenerator, default_token_generator
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _


class InvitationTokenGenerator(PasswordResetTokenGenerator):
    key_salt = "tracker.tokens.InvitationTokenGenerator"


invitation_token_generator = InvitationTokenGenerator()


def _link(name: str, generator: PasswordResetTokenGenerator, user) -> str:
    uidb64 = urlsafe_base64_encode(force_bytes(user.pk))
    return settings.SITE_URL + reverse(name, args=[uidb64, generator.make_token(user)])


def invitation_url(user) -> str:
    """The absolute link, for an e-mail, where ``user`` sets their first password."""
    return _link("set_password", invitation_token_generator, user)


def password_reset_url(user) -> str:
    """The absolute link, for an e-mail, where ``user`` chooses a new password."""
    return _link("password_reset_confirm", default_token_generator, user)


def invitation_qr_svg(url: str) -> str:
    """``url`` as a QR code, an inline SVG (no script, no image request) for a phone to scan."""
    return segno.make(url, error="m").svg_inline(scale=6, omitsize=True, title=_("Invitation link"))
