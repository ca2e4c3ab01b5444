"""manage.py create_api_token USERNAME [--name NAME]: print a new personal API token."""

from django.core.management.base import BaseCommand, CommandError

from pharmcrm.core.errors import ApplicationError, NotFound
from pharmcrm.org import services
from pharmcrm.org.models import User


class Command(BaseCommand):
    help = "Create a personal API token for USERNAME and print it (it is shown only once)."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--name", default="API", help="a label to recognise the token by (default: API)")

    def handle(self, *args, username: str, name: str, **options):
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"No user named {username!r}.")
        if not user.is_active:
            raise CommandError(f"User {username!r} is deactivated.")
        try:
            token, raw = services.api_token_create(actor=user, name=name)
        except (ApplicationError, NotFound) as exc:
            raise CommandError(str(exc.message)) from None
        self.stdout.write(raw)
        if options.get("verbosity", 1) > 1:
            self.stderr.write(f"Token {token.prefix}… ({token.name}) for {user.username}.")
