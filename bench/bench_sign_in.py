"""Sign-in under a registration flood, and sign-in timing by stored hash cost:
python bench/bench_sign_in.py [options]

Starts `manage.py serve` with bcrypt cost 12 (production's) and `--xheaders`, so each
simulated client can claim its own address with `X-Real-IP` (a header value only: every
byte goes to 127.0.0.1). Two accounts: `benchuser` with a hash of the current cost and
`legacy` with a hash of a lower cost (`--legacy-cost`), as after an operator raised
`bcrypt_rounds`.

1. Timing: median time of a sign-in POST for an unknown name, a wrong password and the
   right password, for each account. The legacy account's hash is put back before each
   right-password trial (a successful sign-in upgrades it).
2. Flood: the real user's sign-in latency alone, then while `--flooders` clients post
   `/auth/register` for the taken name `benchuser` as fast as they are answered, first all
   from one address, then each from its own address; then, as a control, while they load
   the registration page, which costs neither bcrypt nor a database write.
"""

import argparse
import collections
import os
import statistics
import sys
import threading
import time
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import bcrypt
from http_client import Session
from pymongo import MongoClient
from servers import PASSWORD, USERNAME, PixvaultServer, exit_on_sigterm

LEGACY = "legacy"
FORM = {"Content-Type": "application/x-www-form-urlencoded"}


def post_form(session: Session, path: str, fields: dict, address: str) -> tuple[int, float]:
    """POST a form with the session's XSRF token; (status, seconds)."""
    body = urllib.parse.urlencode({**fields, "_xsrf": session.xsrf}).encode()
    start = time.perf_counter()
    status, _, _ = session.request("POST", path, body, {**FORM, "X-Real-IP": address})
    return status, time.perf_counter() - start


def browser(port: int) -> Session:
    session = Session(port)
    session.request("GET", "/auth/login")  # the _xsrf cookie
    return session


def sign_in_ms(port: int, username: str, password: str, address: str) -> tuple[int, float]:
    status, seconds = post_form(browser(port), "/auth/login",
                                {"username": username, "password": password}, address)
    return status, seconds * 1000


def timing(server: PixvaultServer, legacy_hash: str, trials: int) -> None:
    users = MongoClient(server.db_uri)["pixvault"].users
    cases = [("unknown name", "nobody-here", PASSWORD),
             ("current cost, wrong password", USERNAME, "wrong password 123"),
             ("current cost, right password", USERNAME, PASSWORD),
             ("legacy cost, wrong password", LEGACY, "wrong password 123"),
             ("legacy cost, right password", LEGACY, PASSWORD)]
    times = collections.defaultdict(list)
    sign_in_ms(server.port, "warm-up", PASSWORD, "192.0.2.250")  # makes the dummy hash
    for trial in range(trials):
        for name, username, password in cases:
            users.update_one({"username": LEGACY}, {"$set": {"password_hash": legacy_hash}})
            # One address per trial: the sign-in limits never get in the way.
            status, ms = sign_in_ms(server.port, username, password, f"192.0.2.{trial}")
            assert status in (302, 400), status
            times[name].append(ms)
            if username == LEGACY and password == PASSWORD:
                # The sign-in upgrades the hash, after answering (before, in older code):
                # let that finish so that it does not slow the next case down.
                deadline = time.monotonic() + 30
                while (users.find_one({"username": LEGACY})["password_hash"] == legacy_hash
                       and time.monotonic() < deadline):
                    time.sleep(0.05)
    print("\n| case | median ms | min | max |\n|---|---|---|---|")
    for name, values in times.items():
        print(f"| {name} | {statistics.median(values):.0f} | {min(values):.0f} | "
              f"{max(values):.0f} |")


def flood(server: PixvaultServer, flooders: int, seconds: float, trials: int,
          spread: bool, control: bool = False) -> tuple[list[float], collections.Counter]:
    """The real user's sign-in times while `flooders` clients register the taken name (or,
    as a control, load the registration page)."""
    stop = threading.Event()
    statuses: collections.Counter = collections.Counter()
    lock = threading.Lock()

    def flooder(index: int) -> None:
        session = browser(server.port)
        address = f"198.51.100.{index + 1}" if spread else "203.0.113.1"
        deadline = time.monotonic() + seconds
        while not stop.is_set() and time.monotonic() < deadline:
            if control:
                status, _, _ = session.request("GET", "/auth/register",
                                               headers={"X-Real-IP": address})
            else:
                status, _ = post_form(session, "/auth/register", {
                    "username": USERNAME, "password": PASSWORD,
                    "password_confirm": PASSWORD}, address)
            with lock:
                statuses[status] += 1

    threads = [threading.Thread(target=flooder, args=(i,), daemon=True)
               for i in range(flooders)]
    for thread in threads:
        thread.start()
    time.sleep(1.0)  # let the flood build up
    latencies = []
    for trial in range(trials):
        status, ms = sign_in_ms(server.port, USERNAME, PASSWORD, f"192.0.2.{100 + trial}")
        assert status == 302, status
        latencies.append(ms)
    stop.set()
    for thread in threads:
        thread.join(timeout=seconds + 120)
    return latencies, statuses


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=12, help="the server's bcrypt cost")
    parser.add_argument("--legacy-cost", type=int, default=6, help="the legacy hash's cost")
    parser.add_argument("--trials", type=int, default=7, help="sign-ins per case")
    parser.add_argument("--flooders", type=int, default=30)
    parser.add_argument("--flood-trials", type=int, default=5, help="sign-ins per flood")
    parser.add_argument("--flood-seconds", type=float, default=600,
                        help="upper bound of each flood (it ends with the last sign-in)")
    args = parser.parse_args()
    exit_on_sigterm()
    legacy_hash = bcrypt.hashpw(PASSWORD.encode(), bcrypt.gensalt(args.legacy_cost)).decode()
    with PixvaultServer(bcrypt_rounds=args.rounds, extra_args=["--xheaders"]) as server:
        server.createuser()
        server.createuser(LEGACY)
        print(f"bcrypt cost {args.rounds}, legacy hash cost {args.legacy_cost}, "
              f"{args.trials} trials each")
        timing(server, legacy_hash, args.trials)
        alone = [sign_in_ms(server.port, USERNAME, PASSWORD, f"192.0.2.{200 + i}")[1]
                 for i in range(args.trials)]
        print(f"\nreal user's sign-in alone: median {statistics.median(alone):.0f} ms")
        for what, spread, control in [("registering a taken name, all from one address",
                                       False, False),
                                      ("registering a taken name, each from its own address",
                                       True, False),
                                      ("loading the registration page (control)", True, True)]:
            latencies, statuses = flood(server, args.flooders, args.flood_seconds,
                                        args.flood_trials, spread, control)
            print(f"with {args.flooders} clients {what}: "
                  f"median {statistics.median(latencies):.0f} ms, max {max(latencies):.0f} ms;"
                  f" flood answers {dict(sorted(statuses.items()))}")


if __name__ == "__main__":
    main()
