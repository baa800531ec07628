"""The admin pages (Tornado handlers) and their routes: `users` (/admin itself and actions
on an account), `accounts` (registration mode, invitations, reset links), `reports`
(statistics, the audit log)."""

from app.admin.handlers import accounts, reports, users

ROUTES = [*users.ROUTES, *accounts.ROUTES, *reports.ROUTES]
