"""Starting the peers Pixvault is measured against, each a `servers.Peer` process.

thumbor lives in its own virtualenv (bench/.thumbor-venv, made on first use from PyPI);
nginx comes from the system (`apt-get install nginx`) and runs as one process with its own
temporary configuration on a loopback port.
"""

import shutil
import subprocess
import sys
import venv
from pathlib import Path

from servers import Peer

BENCH = Path(__file__).resolve().parent.parent
PEERS = BENCH / "peers"
THUMBOR_VENV = BENCH / ".thumbor-venv"


def seeds(mongodb_uri: str, database: str = "seeds") -> Peer:
    """The seeds' tutorial app on the same database server as Pixvault."""
    return Peer("seeds", [sys.executable, str(PEERS / "seeds.py"), "{port}", mongodb_uri,
                          database])


def bare(path: Path) -> Peer:
    """A bare Tornado handler answering `/file` with the bytes of `path` from memory."""
    return Peer("bare", [sys.executable, str(PEERS / "bare.py"), "{port}", str(path)],
                ready="/file")


def thumbor_installed() -> Path:
    """thumbor's executable, installing it into its own virtualenv first if needed."""
    executable = THUMBOR_VENV / "bin" / "thumbor"
    if not executable.exists():
        print("installing thumbor into bench/.thumbor-venv (once)", flush=True)
        venv.create(THUMBOR_VENV, with_pip=True)
        subprocess.run(  # noqa: S603 - pip of the venv just made
            [str(THUMBOR_VENV / "bin" / "pip"), "install", "--quiet", "thumbor"], check=True)
    return executable


THUMBOR_CONF = """\
LOADER = 'thumbor.loaders.file_loader'
FILE_LOADER_ROOT_PATH = {root!r}
STORAGE = 'thumbor.storages.no_storage'
RESULT_STORAGE = None
ALLOW_UNSAFE_URL = True
QUALITY = 80
MAX_PIXELS = 100000000
ENGINE_THREADPOOL_SIZE = {threads}
"""


def thumbor(root: Path, threads: int) -> Peer:
    """thumbor with the file loader on `root`, no storages (every request does the work),
    and an engine pool of `threads` threads (Pixvault's image pool has one per core)."""
    conf = THUMBOR_CONF.format(root=str(root), threads=threads)
    return Peer("thumbor", [str(thumbor_installed()), "--port", "{port}", "--ip", "127.0.0.1",
                            "--conf", "{tmp}/thumbor.conf", "--log-level", "error"],
                ready="/healthcheck", files={"thumbor.conf": conf})


def thumbor_path(name: str, box: int) -> str:
    """thumbor's URL path for `name` fitted into a box of `box` pixels, as WebP quality 80."""
    return f"/unsafe/fit-in/{box}x{box}/filters:format(webp):quality(80)/{name}"


NGINX_CONF = """\
daemon off;
master_process off;
worker_processes 1;
pid {tmp}/nginx.pid;
error_log {tmp}/error.log;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    sendfile on;
    tcp_nopush on;
    keepalive_requests 1000000;
    client_body_temp_path {tmp}/body;
    proxy_temp_path {tmp}/proxy;
    fastcgi_temp_path {tmp}/fastcgi;
    uwsgi_temp_path {tmp}/uwsgi;
    scgi_temp_path {tmp}/scgi;
    types {{ image/webp webp; image/png png; image/jpeg jpg; }}
    server {{
        listen 127.0.0.1:{port};
        root ROOT;
    }}
}}
"""


def nginx(root: Path, ready: str) -> Peer | None:
    """nginx serving the files under `root` with sendfile; None when it is not installed."""
    executable = shutil.which("nginx") or next(
        (p for p in ("/usr/sbin/nginx",) if Path(p).exists()), None)
    if not executable:
        return None
    return Peer("nginx", [executable, "-p", "{tmp}", "-c", "{tmp}/nginx.conf",
                          "-e", "{tmp}/error.log"],
                ready=ready, files={"nginx.conf": NGINX_CONF.replace("ROOT", str(root))})
