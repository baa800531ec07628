"""Resumable uploads (`/api/v1/uploads`, tus 1.0.0): every header and status the protocol
names, the abuse cases (wrong offset, bad checksum, a body past the length), expiry, a
connection killed half-way then resumed, and an upload finished through another app."""

import asyncio
import base64
import hashlib
import io
import os
import socket
from urllib.parse import urlsplit

import pytest
from PIL import Image

from app.api import tus
from app.application import make_app
from app.images import resumable
from tests.api.conftest import Api, create_token
from tests.client import Client, json_body

TUS = {"Tus-Resumable": "1.0.0"}
OCTETS = {**TUS, "Content-Type": "application/offset+octet-stream"}


def noise_png(width: int = 300, height: int = 200) -> bytes:
    """A PNG of random pixels: it barely compresses, so it is as big as it looks."""
    buffer = io.BytesIO()
    Image.frombytes("RGB", (width, height), os.urandom(width * height * 3)).save(buffer, "PNG")
    return buffer.getvalue()


def meta(**fields: str) -> str:
    return tus.encode_metadata(fields)


async def create(api: Api, length: int, **fields: str) -> str:
    """Start an upload; its path."""
    headers = {**TUS, "Upload-Length": str(length)}
    if fields:
        headers["Upload-Metadata"] = meta(**fields)
    response = await api.post("/api/v1/uploads", headers=headers)
    assert response.code == 201, response.body
    return urlsplit(response.headers["Location"]).path


async def patch(api: Api, path: str, offset: int, body: bytes, **headers: str):
    return await api.patch(path, body=body,
                           headers={**OCTETS, "Upload-Offset": str(offset), **headers})


async def offset_of(api: Api, path: str) -> int:
    response = await api.call("HEAD", path, headers=TUS)
    assert response.code == 200
    return int(response.headers["Upload-Offset"])


async def stored_original(app, image_id: str) -> bytes:
    image = await app.db.images.find_one({"_id": image_id})
    stream = await app.bucket.open_download_stream(image["files"]["original"]["id"])
    return await stream.read()


async def test_options_describe_the_server_to_anyone(client, app):
    response = await client.request("OPTIONS", "/api/v1/uploads")
    assert response.code == 204
    assert response.headers["Tus-Resumable"] == "1.0.0"
    assert response.headers["Tus-Version"] == "1.0.0"
    assert set(response.headers["Tus-Extension"].split(",")) == {
        "creation", "termination", "expiration", "checksum"}
    assert int(response.headers["Tus-Max-Size"]) == app.settings["max_upload_mb"] * 2**20
    assert "sha1" in response.headers["Tus-Checksum-Algorithm"].split(",")


async def test_an_upload_in_two_parts_makes_the_image(api, app):
    data = noise_png()
    path = await create(api, len(data), filename="noise.png", title="Noise",
                        visibility="unlisted")
    head = await api.call("HEAD", path, headers=TUS)
    assert head.code == 200
    assert head.headers["Upload-Offset"] == "0"
    assert head.headers["Upload-Length"] == str(len(data))
    assert head.headers["Cache-Control"] == "no-store"
    assert head.headers["Tus-Resumable"] == "1.0.0"
    assert "GMT" in head.headers["Upload-Expires"]
    assert tus.metadata(head.headers["Upload-Metadata"])["title"] == "Noise"

    half = len(data) // 2
    first = await patch(api, path, 0, data[:half])
    assert first.code == 204, first.body
    assert first.headers["Upload-Offset"] == str(half)
    assert "Pixvault-Image-Id" not in first.headers
    last = await patch(api, path, half, data[half:])
    assert last.code == 204, last.body
    assert last.headers["Upload-Offset"] == str(len(data))
    image_id = last.headers["Pixvault-Image-Id"]

    assert await stored_original(app, image_id) == data
    image = await app.db.images.find_one({"_id": image_id})
    assert (image["title"], image["visibility"], image["filename"]) == (
        "Noise", "unlisted", "noise.png")
    assert image["sha256"] == hashlib.sha256(data).hexdigest()
    shown = json_body(await api.get(path, headers=TUS))
    assert shown["image"]["id"] == image_id and shown["image"]["duplicate"] is False
    assert shown["offset"] == len(data) and shown["error"] is None
    # The parts are gone once the image is made.
    assert await app.db["upload_parts.files"].count_documents({}) == 0
    assert await app.db["upload_parts.chunks"].count_documents({}) == 0
