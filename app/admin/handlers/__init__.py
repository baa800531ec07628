"""The admin pages (Tornado handlers) and their routes: `users` (/admin itself and actions
on an account), `accounts` (registration mode, invitations, reset links)."""

from app.admin.handlers import accounts, users

ROUTES = [*users.ROUTES, *accounts.ROUTES]
