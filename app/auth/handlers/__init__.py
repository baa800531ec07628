"""Sign-in, registration and account pages (Tornado handlers) and their routes."""

from app.auth.handlers import account, links, sign_in

ROUTES = [*sign_in.ROUTES, *account.ROUTES, *links.ROUTES]
