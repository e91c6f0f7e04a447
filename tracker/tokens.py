"""The invitation link's token: Django's password-reset token under its own salt.

It hashes the user's password, so it stops working once the patient has set one (single use), and
it expires after ``PASSWORD_RESET_TIMEOUT`` (three days unless DJANGO_INVITATION_DAYS says).
"""

from __future__ import annotations

import segno
from django.conf import settings
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _


class InvitationTokenGenerator(PasswordResetTokenGenerator):
    key_salt = "tracker.tokens.InvitationTokenGenerator"


invitation_token_generator = InvitationTokenGenerator()


def invitation_url(user) -> str:
    """The absolute link, for an e-mail, where ``user`` sets their password."""
    uidb64 = urlsafe_base64_encode(force_bytes(user.pk))
    token = invitation_token_generator.make_token(user)
    return settings.SITE_URL + reverse("set_password", args=[uidb64, token])


def invitation_qr_svg(url: str) -> str:
    """``url`` as a QR code, an inline SVG (no script, no image request) for a phone to scan."""
    return segno.make(url, error="m").svg_inline(scale=6, omitsize=True, title=_("Invitation link"))
