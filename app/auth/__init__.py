"""Accounts: users, passwords, sessions, API tokens and their pages."""
