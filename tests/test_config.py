"""Settings: defaults, config file, environment, command line, generated secret."""

import os
import stat

from app import config


def test_defaults():
    options = config.load({}, environ={})
    assert options.port == 8000
    assert options.max_upload_mb == 50
    assert options.debug is False
    assert options.mongodb_uri == ""


def test_precedence_file_then_environment_then_command_line(tmp_path):
    path = tmp_path / "pixvault.conf"
    path.write_text('port = 9000\ndatabase = "fromfile"\npublic_url = "https://file"\n')
    environ = {"PIXVAULT_CONFIG": str(path), "PIXVAULT_DATABASE": "fromenv",
               "PIXVAULT_DEBUG": "true"}
    options = config.load({"public_url": "https://cli"}, environ=environ)
    assert options.port == 9000
    assert options.database == "fromenv"
    assert options.public_url == "https://cli"
    assert options.debug is True


def test_typed_values_from_environment():
    options = config.load({}, environ={"PIXVAULT_MAX_UPLOAD_MB": "7",
                                       "PIXVAULT_URL_UPLOADS": "false"})
    assert options.max_upload_mb == 7
    assert options.url_uploads is False


def test_cookie_secret_generated_once_with_mode_600(tmp_path):
    options = config.load({"data_dir": str(tmp_path)}, environ={})
    secret = config.cookie_secret(options)
    assert len(secret) >= 40
    path = tmp_path / config.SECRET_FILE
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert config.cookie_secret(options) == secret


def test_configured_cookie_secret_wins(tmp_path):
    options = config.load({"data_dir": str(tmp_path), "cookie_secret": "s3cret"}, environ={})
    assert config.cookie_secret(options) == "s3cret"
    assert not (tmp_path / config.SECRET_FILE).exists()


def test_share_key_generated_apart_from_the_cookie_secret(tmp_path):
    options = config.load({"data_dir": str(tmp_path)}, environ={})
    key = config.share_key(options)
    assert len(key) >= 40 and key != config.cookie_secret(options)
    assert stat.S_IMODE(os.stat(tmp_path / config.SHARE_KEY_FILE).st_mode) == 0o600
    assert config.share_key(options) == key
    given = config.load({"data_dir": str(tmp_path)}, environ={"PIXVAULT_SHARE_KEY": "k"})
    assert config.share_key(given) == "k"
