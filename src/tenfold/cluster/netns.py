"""Linux network namespaces, a bridge and veth pairs through iproute2 (``ip``), and a way for a
thread of this process to act from inside a namespace (``setns``), so a test or a benchmark can
talk to a member's loopback-only applications the way a process on that host would.

Every function here is idempotent: removing what is not there is not an error, so ``down`` can
run after a crash or twice.
"""

from __future__ import annotations

import ctypes
import os
import shutil
import subprocess
from pathlib import Path

from tenfold.errors import TenfoldError
from tenfold.i18n import _

NETNS_DIR = Path("/run/netns")
CLONE_NEWNET = 0x40000000


def ip(*arguments: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(["ip", *arguments], capture_output=True, text=True)
    if check and done.returncode != 0:
        raise TenfoldError(_("`ip {arguments}` failed: {error}").format(arguments=" ".join(arguments), error=done.stderr.strip()))
    return done


def unavailable() -> str | None:
    """Why namespaces cannot be made here, or None when they can."""
    if os.geteuid() != 0:
        return _("network namespaces need root")
    if shutil.which("ip") is None:
        return _("iproute2 (`ip`) is not installed")
    probe = f"tenfold-probe-{os.getpid()}"   # listing works in containers that may not add one
    if subprocess.run(["ip", "netns", "add", probe], capture_output=True).returncode != 0:
        return _("`ip netns` does not work here")
    subprocess.run(["ip", "netns", "del", probe], capture_output=True)
    return None


def exists(namespace: str) -> bool:
    return (NETNS_DIR / namespace).exists()


def link_exists(name: str) -> bool:
    return ip("link", "show", name, check=False).returncode == 0


def make_bridge(bridge: str, address: str) -> None:
    """The switch every host is plugged into; ``address`` (CIDR) is the machine's own leg."""
    if not link_exists(bridge):
        ip("link", "add", bridge, "type", "bridge")
        ip("addr", "add", address, "dev", bridge)
    ip("link", "set", bridge, "up")


def make_host(namespace: str, bridge: str, veth: str, address: str) -> None:
    """A namespace with loopback up and one interface ``eth0`` on the bridge at ``address`` (CIDR)."""
    if not exists(namespace):
        ip("netns", "add", namespace)
    ip("-n", namespace, "link", "set", "lo", "up")
    if not link_exists(veth):
        ip("link", "add", veth, "type", "veth", "peer", "name", "eth0", "netns", namespace)
        ip("link", "set", veth, "master", bridge, "up")
        ip("-n", namespace, "addr", "add", address, "dev", "eth0")
    ip("-n", namespace, "link", "set", "eth0", "up")


def pids(namespace: str) -> list[int]:
    if not exists(namespace):
        return []
    return [int(p) for p in ip("netns", "pids", namespace, check=False).stdout.split()]


def remove_host(namespace: str, veth: str) -> None:
    if link_exists(veth):
        ip("link", "del", veth, check=False)   # takes its peer in the namespace with it
    if exists(namespace):
        ip("netns", "del", namespace, check=False)


def remove_link(name: str) -> None:
    if link_exists(name):
        ip("link", "del", name, check=False)


def command(namespace: str, argv: list[str]) -> list[str]:
    return ["ip", "netns", "exec", namespace, *argv]


def enter(namespace: str) -> None:
    """Move the calling thread (only it) into ``namespace``: sockets it opens from now on live
    there. Use a thread of its own (e.g. a pool's initializer); it cannot come back."""
    libc = ctypes.CDLL(None, use_errno=True)
    with open(NETNS_DIR / namespace, "rb") as handle:
        if libc.setns(handle.fileno(), CLONE_NEWNET) != 0:
            raise OSError(ctypes.get_errno(), f"setns {namespace}")


class OnHost:
    """Calls made from inside a namespace: a thread pool whose threads entered it, so a test or
    a benchmark on this machine reaches a host's loopback-only services as that host would."""

    def __init__(self, namespace: str, threads: int = 1):
        from concurrent.futures import ThreadPoolExecutor

        self.pool = ThreadPoolExecutor(threads, thread_name_prefix=f"in-{namespace}", initializer=enter, initargs=(namespace,))

    def __call__(self, function, *arguments, **options):  # type: ignore[no-untyped-def]
        return self.pool.submit(function, *arguments, **options).result()

    def map(self, function, items):  # type: ignore[no-untyped-def]
        return list(self.pool.map(function, items))

    def close(self) -> None:
        self.pool.shutdown(wait=True)

    def __enter__(self) -> "OnHost":
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()
