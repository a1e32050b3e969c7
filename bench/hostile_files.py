"""Hostile files, full size: `python bench/hostile_files.py [--skip-build] [--upload]`.

Each file is read by the upload's checks (`batches.services.read_upload`, what both the portal and
the API run before storing anything) in a fresh process, which prints its seconds and its peak
memory above what it held before (max RSS). The target: any file within the size limit is
accepted or refused in under 2 s with under 200 MB. The files (a 1.1 GB cell in ~1 MB of zip,
~20 M rows in ~5 MB, …) are built once under var/bench-hostile/ (slow: gigabytes to deflate).

With --upload it also starts gunicorn on a free port and sends a multipart body announcing 1 GB
as fast as the socket takes it: how many bytes went out before the 413, and how long it took.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import select
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
STORE = ROOT / "var" / "bench-hostile"
HEADER = b"email,social_messaging,monitor_calls,monitor_sms\r\n"


def builders():
    from portal.batches.tests import files, hostile

    return {
        "a 1.1 GB cell (shared string)": ("xlsx", lambda: hostile.huge_cell(1100 * 1024 * 1024)),
        "~20 M rows": ("xlsx", lambda: hostile.many_rows(20_000_000)),
        "a row numbered 10**9": ("xlsx", hostile.far_row),
        "a dimension of A1:XFD1048576": ("xlsx", hostile.lying_dimension),
        "an entity bomb (billion laughs)": ("xlsx", hostile.billion_laughs),
        "100,000 nested elements": ("xlsx", hostile.deep_nesting),
        "5 MB of blank lines": ("csv", lambda: HEADER + b"\r\n" * 2_500_000),
        "5 MB of delimiters": ("csv", lambda: HEADER + b"," * 5_000_000 + b"x"),
        "5 MB, 200,000 rows": ("csv", lambda: HEADER + b"a@example.com,No,off,off\r\n" * 200_000),
        "1,000 honest rows (.xlsx)": (
            "xlsx",
            lambda: files.xlsx([files.row(email=f"user{i}@example.com") for i in range(1000)]),
        ),
        "1,000 honest rows (.csv)": (
            "csv",
            lambda: files.excel_csv_utf8(
                [files.row(email=f"user{i}@example.com") for i in range(1000)]
            ),
        ),
    }


def _path(name: str, kind: str) -> Path:
    return STORE / ("".join(c if c.isalnum() else "-" for c in name).strip("-") + "." + kind)


def build(skip: bool) -> list[tuple[str, Path]]:
    STORE.mkdir(parents=True, exist_ok=True)
    made = []
    for name, (kind, make) in builders().items():
        path = _path(name, kind)
        if not (skip and path.exists()):
            started = time.perf_counter()
            path.write_bytes(make())
            print(
                f"  built {path.name}: {path.stat().st_size / 1e6:.2f} MB in "
                f"{time.perf_counter() - started:.1f} s",
                file=sys.stderr,
            )
        made.append((name, path))
    return made


def measure_one(path: str) -> None:
    """In a fresh process: read the file as an upload is read; print JSON figures."""
    import django

    django.setup()
    import openpyxl  # noqa: F401 - loaded before timing, as in a worker that has served uploads

    from portal.batches.services import read_upload
    from portal.lib.errors import FileRefused

    data = Path(path).read_bytes()
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    try:
        table = read_upload(data=data, filename=Path(path).name)
        verdict = f"accepted: {table.rows} rows"
    except FileRefused as refused:
        verdict = f"refused ({refused.status}): {refused.message}"
    seconds = time.perf_counter() - started
    peak = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
    print(json.dumps({"seconds": seconds, "peak_mb": peak, "verdict": verdict}))


def upload_bench() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**os.environ, "VAR_DIR": tempfile.mkdtemp()}
    env.pop("DATABASE_URL", None)
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "portal.wsgi",
            "-b",
            f"127.0.0.1:{port}",
            "-k",
            "gthread",
            "--threads",
            "2",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
    )
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.2)
        with socket.create_connection(("127.0.0.1", port)) as warm:  # the first request loads
            warm.sendall(b"GET /login/ HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n")  # URLs and the API
            while warm.recv(65536):
                pass
        head = (
            b"POST /api/v1/batches HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            b"Content-Type: multipart/form-data; boundary=xyz\r\n"
            b"Content-Length: %d\r\n\r\n--xyz\r\n"
            b'Content-Disposition: form-data; name="file"; filename="big.csv"\r\n\r\n' % 1024**3
        )
        chunk = b"x" * 65536
        sent, answer = 0, b""
        started = time.perf_counter()
        with socket.create_connection(("127.0.0.1", port)) as sock:
            sock.sendall(head)
            sock.setblocking(False)
            while time.perf_counter() - started < 60 and b"\r\n\r\n" not in answer:
                readable, writable, _ = select.select([sock], [sock], [], 1)
                if readable:
                    answer += sock.recv(65536)
                elif writable:
                    try:
                        sent += sock.send(chunk)
                    except BlockingIOError:
                        pass
        seconds = time.perf_counter() - started
        status = answer.split(b"\r\n", 1)[0].decode()
        print(
            f"\nUpload announcing 1 GB to gunicorn: {status!r} after {sent / 1024 / 1024:.1f} MB "
            f"sent, {seconds:.3f} s"
        )
    finally:
        server.terminate()
        server.wait(10)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--skip-build", action="store_true", help="reuse the files already built")
    parser.add_argument("--upload", action="store_true", help="also time an over-size upload")
    parser.add_argument("--measure", help=argparse.SUPPRESS)
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    if args.measure:
        measure_one(args.measure)
        return
    env = {**os.environ, "VAR_DIR": os.environ.get("VAR_DIR") or tempfile.mkdtemp()}
    env.pop("DATABASE_URL", None)
    print(f"{'file':34} {'size':>9} {'seconds':>8} {'peak MB':>8}  verdict")
    for name, path in build(args.skip_build):
        out = subprocess.run(
            [sys.executable, __file__, "--measure", str(path)],
            env=env,
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        )
        figures = json.loads(out.stdout.strip().splitlines()[-1])
        print(
            f"{name:34} {path.stat().st_size / 1e6:7.2f}MB {figures['seconds']:8.3f} "
            f"{figures['peak_mb']:8.1f}  {figures['verdict'][:90]}"
        )
    if args.upload:
        upload_bench()


if __name__ == "__main__":
    main()
