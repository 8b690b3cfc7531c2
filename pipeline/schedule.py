"""Scheduled re-scrapes: a crontab line or a systemd user timer that rebuilds the study.

    python -m pipeline schedule --every weekly              # print the crontab line
    python -m pipeline schedule --every weekly --install    # ... and add it to your crontab
    python -m pipeline schedule --every 12h --systemd       # print a systemd user timer+service
    python -m pipeline schedule --every daily --systemd --install

Each scheduled run calls `python -m pipeline schedule --run` in the project folder, under
`flock -n logs/.schedule.lock` so two runs never overlap (a run that finds the lock taken does
nothing). `--run` writes one log file per run, `logs/run-<UTC time>.log`, and:

1. re-scrapes with `--refresh`: live pages are asked for again with conditional requests, so
   a changed page gets a new dated capture and an unchanged one a `not_modified` row — the
   history of every page accumulates run after run in `data/raw/` (a `persist` output);
2. `dvc repro` re-runs the stages the new captures change (its own scrape step finds
   everything captured already and only retries what failed).

If the scrape could fetch no source at all (the network is down), `dvc repro` is skipped and
the run ends with status 1; the log says why.
"""

from __future__ import annotations

import argparse
import hashlib
import logging
import re
import shlex
import shutil
import subprocess
import sys
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from pipeline import cli
from pipeline.catalog import STAGES, Layout
from pipeline.errors import EXIT_OK, EXIT_SOURCES

log = logging.getLogger(__name__)

MARKER = "# city-discourse schedule:"  # tags our crontab lines, so --install replaces them
EVERY_RE = re.compile(r"^(daily|weekly|(\d{1,2})h)$")
LOCK = "logs/.schedule.lock"


@dataclass(frozen=True)
class Every:
    """An interval, as cron and systemd write it."""

    text: str
    cron: str  # the five time fields of a crontab line
    on_calendar: str  # systemd OnCalendar=


def parse_every(text: str) -> Every:
    """`daily`, `weekly` or `Nh` (N hours, 1 to 23).

    Runs start at 17 minutes past the hour (daily: 03:17 local time; weekly: Mondays 03:17),
    not on the hour, to stay out of the rush every other scheduled job makes at :00.

    Raises:
        ValueError: for any other text.
    """
    match = EVERY_RE.match(text.strip().lower())
    hours = int(match.group(2)) if match and match.group(2) else None
    if not match or (hours is not None and not 1 <= hours <= 23):
        raise ValueError(f"--every {text!r}: expected daily, weekly or Nh with N from 1 to 23")
    if match.group(1) == "daily":
        return Every("daily", "17 3 * * *", "*-*-* 03:17:00")
    if match.group(1) == "weekly":
        return Every("weekly", "17 3 * * 1", "Mon *-*-* 03:17:00")
    return Every(f"{hours}h", f"17 */{hours} * * *", f"*-*-* 00/{hours}:17:00")


def _flock() -> str:
    return shutil.which("flock") or "/usr/bin/flock"


def job_command(root: Path, python: str) -> str:
    """The shell command a scheduled run executes (in `root`, under the lock)."""
    q = shlex.quote
    return (f"cd {q(str(root))} && mkdir -p logs && {q(_flock())} -n {LOCK} "
            f"{q(python)} -m pipeline schedule --run >> logs/schedule.log 2>&1")


def cron_entry(root: Path, every: Every, python: str) -> str:
    """Our two crontab lines for `root`: a marker comment, then the job."""
    return (f"{MARKER} {root} every {every.text} (python -m pipeline schedule)\n"
            f"{every.cron} {job_command(root, python)}\n")


def unit_name(root: Path) -> str:
    """A systemd unit name for this project folder (two projects get two timers)."""
    slug = re.sub(r"[^a-z0-9]+", "-", root.name.lower()).strip("-") or "project"
    return f"city-discourse-{slug}-{hashlib.sha1(str(root).encode()).hexdigest()[:6]}"


def systemd_units(root: Path, every: Every, python: str) -> tuple[str, str]:
    """(service, timer) unit files that run the study in `root` at `every`."""
    q = shlex.quote
    service = (
        "[Unit]\n"
        f"Description=city-discourse: re-scrape and rebuild {root}\n\n"
        "[Service]\n"
        "Type=oneshot\n"
        f"WorkingDirectory={root}\n"
        f"ExecStartPre=/bin/mkdir -p {q(str(root / 'logs'))}\n"
        f"ExecStart={_flock()} -n {q(str(root / LOCK))} {q(python)} -m pipeline schedule "
        f"--run --root {q(str(root))}\n"
    )
    timer = (
        "[Unit]\n"
        f"Description=city-discourse: re-scrape and rebuild {root} every {every.text}\n\n"
        "[Timer]\n"
        f"OnCalendar={every.on_calendar}\n"
        "Persistent=true\n"  # a run missed while the machine was off happens at next boot
        "RandomizedDelaySec=10min\n\n"
        "[Install]\n"
        "WantedBy=timers.target\n"
    )
    return service, timer


def merge_crontab(current: str, root: Path, entry: str) -> str:
    """`current` crontab text with our entry for `root` replaced (or added); others kept."""
    lines = current.splitlines()
    kept: list[str] = []
    skip_next = False
    for line in lines:
        if skip_next:
            skip_next = False
            continue
        if line.startswith(f"{MARKER} {root} "):
            skip_next = True  # our job line follows its marker
            continue
        kept.append(line)
    text = "\n".join(kept).rstrip("\n")
    return (text + "\n" if text else "") + entry


def install_cron(root: Path, entry: str, crontab: str = "crontab") -> str:
    """Add our entry to the user's crontab (replacing an older one for the same folder)."""
    listed = subprocess.run([crontab, "-l"], capture_output=True, text=True)
    current = listed.stdout if listed.returncode == 0 else ""  # 1: no crontab yet
    new = merge_crontab(current, root, entry)
    subprocess.run([crontab, "-"], input=new, text=True, check=True)
    return new


def install_systemd(root: Path, service: str, timer: str, home: Path,
                    systemctl: str = "systemctl") -> Path:
    """Write the user units under `home/.config/systemd/user` and enable the timer."""
    folder = home / ".config" / "systemd" / "user"
    folder.mkdir(parents=True, exist_ok=True)
    name = unit_name(root)
    (folder / f"{name}.service").write_text(service, encoding="utf-8")
    (folder / f"{name}.timer").write_text(timer, encoding="utf-8")
    subprocess.run([systemctl, "--user", "daemon-reload"], check=True)
    subprocess.run([systemctl, "--user", "enable", "--now", f"{name}.timer"], check=True)
    return folder / f"{name}.timer"


# --- one scheduled run ------------------------------------------------------------------------

def run_steps(python: str, dvc: str) -> list[list[str]]:
    """The commands of one scheduled run, in order (run from `root`)."""
    scrape = [python, "-m", "pipeline.scrape", *STAGES["scrape"].command(Layout(Path("."))),
              "--refresh"]
    return [scrape, [dvc, "repro"]]


def run_once(root: Path, *, python: str | None = None, dvc: str | None = None) -> int:
    """Run the steps of one scheduled run, logging them to `logs/run-<time>.log`.

    Returns:
        0 when every step succeeded; EXIT_SOURCES when the run went through but some sources
        could not be fetched; else the status of the step that failed.
    """
    python = python or sys.executable
    if dvc is None:
        beside = Path(python).parent / "dvc"  # cron's PATH rarely holds the venv
        dvc = str(beside) if beside.exists() else (shutil.which("dvc") or "dvc")
    logs = root / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    path = logs / f"run-{stamp}.log"
    outcome = EXIT_OK
    with open(path, "a", encoding="utf-8") as out:
        for step in run_steps(python, dvc):
            out.write(f"\n[{datetime.now(UTC).isoformat(timespec='seconds')}] $ "
                      f"{shlex.join(step)}\n")
            out.flush()
            status = subprocess.run(step, cwd=root, stdout=out, stderr=subprocess.STDOUT
                                    ).returncode
            if status == EXIT_SOURCES:  # the scrape completed: the later steps still run
                outcome = status
                out.write(f"[{datetime.now(UTC).isoformat(timespec='seconds')}] some sources "
                          f"could not be fetched (see the summary above)\n")
            elif status:
                out.write(f"[{datetime.now(UTC).isoformat(timespec='seconds')}] step failed "
                          f"with status {status}; later steps skipped\n")
                log.error("scheduled run failed at %s; see %s", step[:3], path)
                return status
        out.write(f"[{datetime.now(UTC).isoformat(timespec='seconds')}] done\n")
    log.info("scheduled run done; log: %s", path)
    return outcome


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m pipeline schedule",
        description="Print (or install) a crontab line or systemd user timer that re-scrapes "
                    "the sources and runs `dvc repro` at a chosen interval, under a lock, with "
                    "one log file per run in logs/.")
    parser.add_argument("--every", help="daily, weekly or Nh (N hours, 1-23)")
    parser.add_argument("--install", action="store_true",
                        help="install it (crontab, or ~/.config/systemd/user with --systemd)")
    parser.add_argument("--systemd", action="store_true",
                        help="a systemd user timer + service instead of a crontab line")
    parser.add_argument("--root", default=".", help="project folder (default: current folder)")
    parser.add_argument("--run", action="store_true",
                        help="do one scheduled run now (what the timer calls)")
    parser.add_argument("-v", "--verbose", action="store_true")
    args = parser.parse_args(argv)
    cli.setup_logging(args.verbose)
    root = Path(args.root).resolve()
    if args.run:
        return run_once(root)
    if not args.every:
        parser.error("--every is required (daily, weekly or Nh)")
    try:
        every = parse_every(args.every)
    except ValueError as exc:
        parser.error(str(exc))
    python = str(Path(sys.executable).absolute())
    if args.systemd:
        service, timer = systemd_units(root, every, python)
        name = unit_name(root)
        print(f"# ~/.config/systemd/user/{name}.service\n{service}\n"
              f"# ~/.config/systemd/user/{name}.timer\n{timer}")
        if args.install:
            path = install_systemd(root, service, timer, Path.home())
            print(f"# installed and enabled: {path}\n"
                  f"# check with: systemctl --user list-timers {name}.timer")
        return 0
    entry = cron_entry(root, every, python)
    print(entry, end="")
    if args.install:
        install_cron(root, entry)
        print("# installed in your crontab (see: crontab -l)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
