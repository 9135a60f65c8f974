"""Create the demo superuser; its password comes from the environment or is generated once."""

from __future__ import annotations

import os
import secrets
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandParser

PASSWORD_VARIABLE = "DEMO_ADMIN_PASSWORD"


class Command(BaseCommand):
    help = (
        f"Create the demo superuser. The password is ${PASSWORD_VARIABLE} when set (and reset to it "
        "if the user exists); otherwise one is generated and printed once."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--username", default="admin")
        parser.add_argument("--email", default="admin@example.com")

    def handle(self, *args: Any, username: str, email: str, **options: Any) -> None:
        User = get_user_model()
        password = os.environ.get(PASSWORD_VARIABLE)
        user = User._default_manager.filter(username=username).first()
        if user is not None:
            if password:
                user.set_password(password)
                user.save(update_fields=["password"])
                self.stdout.write(f"Login: {username} / the password in ${PASSWORD_VARIABLE}.")
            else:
                self.stdout.write(
                    f"Login: {username} (its password was printed when it was created; set "
                    f"${PASSWORD_VARIABLE} and run this again to reset it)."
                )
            return
        generated = not password
        password = password or secrets.token_urlsafe(12)
        User._default_manager.create_superuser(username=username, email=email, password=password)
        if generated:
            self.stdout.write(
                self.style.WARNING(
                    f"Login: {username} / {password}   (generated now and shown only this once)"
                )
            )
        else:
            self.stdout.write(f"Login: {username} / the password in ${PASSWORD_VARIABLE}.")
