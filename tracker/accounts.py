"""Getting in: the login with "Keep me signed in on this phone", and a new password by e-mail.

Django's own views and forms (``django.contrib.auth``), with three choices of ours:

- The login is not one transaction (ATOMIC_REQUESTS is off for it): django-axes writes a wrong
  password down the moment it is checked, so nothing that goes wrong later in the request can roll
  the failure back and let a guess go uncounted.
- A patient or carer may stay signed in on their own phone for ``REMEMBER_DEVICE_DAYS`` since they
  last used it (SessionExpiryMiddleware); nurses and staff keep their short idle time whatever
  they tick.
- The reset e-mail goes out through the task worker like every other e-mail, in the person's
  language, with a kind sentence and a link only. Its link does not log anyone in: the person logs
  in with the new password, so a locked account stays locked until its lock lifts.
"""

from __future__ import annotations

from functools import partial
from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth import forms as auth_forms
from django.contrib.auth import views as auth_views
from django.contrib.auth.tokens import default_token_generator
from django.db import transaction
from django.http import HttpResponse
from django.urls import reverse_lazy
from django.utils.decorators import method_decorator
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from tracker import tasks
from tracker.middleware import KEEP_SIGNED_IN
from tracker.views import SetPasswordView


class LoginForm(auth_forms.AuthenticationForm):
    keep_signed_in = forms.BooleanField(label=_("Keep me signed in on this phone"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        days = settings.REMEMBER_DEVICE_DAYS
        self.fields["keep_signed_in"].help_text = ngettext(
            "Only on your own phone, not a shared one. You stay signed in for %(days)s day "
            "after you last use it, or until you log out.",
            "Only on your own phone, not a shared one. You stay signed in for %(days)s days "
            "after you last use it, or until you log out.",
            days,
        ) % {"days": days}


@method_decorator(transaction.non_atomic_requests, name="dispatch")
class LoginView(auth_views.LoginView):
    authentication_form = LoginForm
    redirect_authenticated_user = True

    def form_valid(self, form: LoginForm) -> HttpResponse:
        response = super().form_valid(form)
        self.request.session[KEEP_SIGNED_IN] = form.cleaned_data["keep_signed_in"]
        return response


class PasswordResetForm(auth_forms.PasswordResetForm):
    """Asks for the e-mail address; queues the e-mail once the request has committed.

    Django's form would send at once, from the request; ours leaves it to the worker, which makes
    the link itself (``tasks.send_password_reset``), so no reset token waits in the task queue.
    """

    email = forms.EmailField(label=_("E-mail address"), max_length=254)

    def save(self, **kwargs: Any) -> None:
        for user in self.get_users(self.cleaned_data["email"]):
            transaction.on_commit(partial(tasks.send_password_reset.enqueue, user.pk))


class PasswordResetView(auth_views.PasswordResetView):
    form_class = PasswordResetForm
    template_name = "registration/password_reset_form.html"


class PasswordResetConfirmView(SetPasswordView):
    """The link in the reset e-mail: like the invitation's, with Django's reset token.

    It does not log in (``post_reset_login`` off): the login page, and its lockout, come next.
    """

    token_generator = default_token_generator
    template_name = "registration/password_reset_confirm.html"
    post_reset_login = False
    success_url = reverse_lazy("password_reset_complete")
