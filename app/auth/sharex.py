"""ShareX custom uploader configurations (`.sxcu`) for the JSON API.

ShareX posts each screenshot as multipart field `file` to `POST /api/v1/images` with a token
of the user's that can only upload (`app.auth.scopes`), and reads the links out of the image
object it gets back. There is no deletion URL: ShareX would open it with a plain GET, and
deleting on GET is unsafe, so `DeletionURL` points at the image's page, where its owner can
delete it.
"""

LINKS = {"page": "{json:page_url}", "direct": "{json:urls.full}"}


def sharex_config(base_url: str, token: str, link: str = "page") -> dict:
    """The uploader config for `base_url`; `link` chooses what ShareX copies: the image's
    page or the direct link to the full-size file."""
    host = base_url.split("://", 1)[-1]
    return {
        "Version": "15.0.0",
        "Name": f"Pixvault ({host})",
        "DestinationType": "ImageUploader",
        "RequestMethod": "POST",
        "RequestURL": f"{base_url}/api/v1/images",
        "Headers": {"Authorization": f"Bearer {token}"},
        "Body": "MultipartFormData",
        "Arguments": {"visibility": "unlisted"},
        "FileFormName": "file",
        "URL": LINKS.get(link, LINKS["page"]),
        "ThumbnailURL": "{json:urls.thumb}",
        "DeletionURL": "{json:page_url}",
        "ErrorMessage": "{json:error.message}",
    }
