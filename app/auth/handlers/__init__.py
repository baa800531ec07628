"""Sign-in, registration and account pages (Tornado handlers) and their routes."""

from app.auth.handlers import account, links, passkeys, second_factor, sign_in, two_factor

ROUTES = [*sign_in.ROUTES, *second_factor.ROUTES, *account.ROUTES, *two_factor.ROUTES,
          *passkeys.ROUTES, *links.ROUTES]
