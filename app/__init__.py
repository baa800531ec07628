"""Pixvault: a self-hosted, multi-user image host on Tornado, MongoDB GridFS and Pillow.

The package imports nothing itself: `app.application.make_app` builds the web application,
and each domain module can be imported without the web stack or Pillow.
"""
