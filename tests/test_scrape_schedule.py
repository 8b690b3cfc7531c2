"""`python -m pipeline schedule`: the crontab line, the systemd units, installing them (into a
fake crontab and a temporary HOME, never the real ones), the lock, and one scheduled run."""

from __future__ import annotations

import fcntl
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from pipeline import schedule

PY = "/opt/venv/bin/python"


def _fake(bin_dir: Path, name: str, script: str) -> Path:
    bin_dir.mkdir(parents=True, exist_ok=True)
    path = bin_dir / name
    path.write_text("#!/bin/sh\n" + script)
    path.chmod(path.stat().st_mode | stat.S_IEXEC)
    return path


@pytest.mark.parametrize("every,cron,calendar", [
    ("daily", "17 3 * * *", "*-*-* 03:17:00"),
    ("weekly", "17 3 * * 1", "Mon *-*-* 03:17:00"),
    ("6h", "17 */6 * * *", "*-*-* 00/6:17:00"),
])
def test_intervals(every, cron, calendar):
    parsed = schedule.parse_every(every)
    assert (parsed.cron, parsed.on_calendar) == (cron, calendar)


@pytest.mark.parametrize("bad", ["hourly", "0h", "24h", "3d", ""])
def test_bad_intervals_are_refused(bad):
    with pytest.raises(ValueError, match="daily, weekly or Nh"):
        schedule.parse_every(bad)


def test_cron_line_runs_in_the_project_under_a_lock(tmp_path):
    root = tmp_path / "my study"
    entry = schedule.cron_entry(root, schedule.parse_every("weekly"), PY)
    marker, job = entry.splitlines()
    assert marker.startswith(schedule.MARKER) and str(root) in marker
    assert job.startswith("17 3 * * 1 cd ")
    assert f"cd '{root}'" in job  # quoted: the folder name has a space
    assert "-n logs/.schedule.lock" in job and "flock" in job
    assert f"{PY} -m pipeline schedule --run" in job
    assert "%" not in job  # cron would turn % into a newline


def test_systemd_units(tmp_path):
    service, timer = schedule.systemd_units(tmp_path, schedule.parse_every("12h"), PY)
    assert f"WorkingDirectory={tmp_path}" in service and "Type=oneshot" in service
    assert f"-n {tmp_path}/logs/.schedule.lock {PY} -m pipeline schedule --run" in service
    assert "OnCalendar=*-*-* 00/12:17:00" in timer and "Persistent=true" in timer
    assert "WantedBy=timers.target" in timer


def test_install_cron_replaces_our_entry_and_keeps_the_others(tmp_path, monkeypatch):
    store = tmp_path / "crontab.txt"
    store.write_text("MAILTO=me@example.org\n0 1 * * * /usr/bin/backup\n")
    _fake(tmp_path / "bin", "crontab",
          f'if [ "$1" = "-l" ]; then cat "{store}"; else cat > "{store}"; fi\n')
    monkeypatch.setenv("PATH", f"{tmp_path / 'bin'}{os.pathsep}{os.environ['PATH']}")
    root = tmp_path / "study"
    for every in ("daily", "weekly"):  # installing twice leaves one entry, the latest
        assert schedule.main(["--every", every, "--install", "--root", str(root)]) == 0
    lines = store.read_text().splitlines()
    assert lines[:2] == ["MAILTO=me@example.org", "0 1 * * * /usr/bin/backup"]
    assert sum(schedule.MARKER in line for line in lines) == 1
    [job] = [line for line in lines if "--run" in line]
    assert job.startswith("17 3 * * 1 ")


def test_install_cron_when_there_is_no_crontab_yet(tmp_path, monkeypatch):
    store = tmp_path / "crontab.txt"
    _fake(tmp_path / "bin", "crontab",
          f'if [ "$1" = "-l" ]; then echo "no crontab for user" >&2; exit 1; '
          f'else cat > "{store}"; fi\n')
    monkeypatch.setenv("PATH", f"{tmp_path / 'bin'}{os.pathsep}{os.environ['PATH']}")
    schedule.main(["--every", "daily", "--install", "--root", str(tmp_path)])
    assert store.read_text().startswith(schedule.MARKER)


def test_install_systemd_into_home(tmp_path, monkeypatch):
    calls = tmp_path / "calls.txt"
    _fake(tmp_path / "bin", "systemctl", f'echo "$@" >> "{calls}"\n')
    monkeypatch.setenv("PATH", f"{tmp_path / 'bin'}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    root = tmp_path / "study"
    assert schedule.main(["--every", "daily", "--systemd", "--install", "--root",
                          str(root)]) == 0
    name = schedule.unit_name(root.resolve())
    units = tmp_path / "home" / ".config" / "systemd" / "user"
    assert (units / f"{name}.service").read_text().startswith("[Unit]")
    assert "OnCalendar=*-*-* 03:17:00" in (units / f"{name}.timer").read_text()
    assert calls.read_text().splitlines() == ["--user daemon-reload",
                                              f"--user enable --now {name}.timer"]


def test_the_lock_keeps_two_runs_apart(tmp_path):
    root = tmp_path / "study"
    root.mkdir()
    marker = tmp_path / "ran"
    fake_python = _fake(tmp_path / "bin", "python", f'echo "$@" >> "{marker}"\n')
    job = schedule.job_command(root, str(fake_python))
    (root / "logs").mkdir()
    with open(root / "logs" / ".schedule.lock", "w") as held:
        fcntl.flock(held, fcntl.LOCK_EX)  # a run in progress
        subprocess.run(["sh", "-c", job], check=False)
        assert not marker.exists()
    subprocess.run(["sh", "-c", job], check=True)
    assert marker.read_text().strip() == "-m pipeline schedule --run"


def test_a_scheduled_run_refreshes_then_repros_with_a_log(tmp_path):
    calls = tmp_path / "calls.txt"
    fake_python = _fake(tmp_path / "bin", "python", f'echo "python $@" >> "{calls}"\n')
    fake_dvc = _fake(tmp_path / "bin", "dvc", f'echo "dvc $@" >> "{calls}"; echo dvc-said-hi\n')
    assert schedule.run_once(tmp_path, python=str(fake_python), dvc=str(fake_dvc)) == 0
    steps = calls.read_text().splitlines()
    assert steps == [
        "python -m pipeline.scrape --sources sources.txt --params params.yaml "
        "--out data/raw --refresh",
        "dvc repro",
    ]
    [log] = (tmp_path / "logs").glob("run-*.log")
    assert "dvc-said-hi" in log.read_text() and log.read_text().rstrip().endswith("done")


def test_a_failed_scrape_stops_the_scheduled_run(tmp_path):
    calls = tmp_path / "calls.txt"
    fake_python = _fake(tmp_path / "bin", "python", "echo no network; exit 1\n")
    fake_dvc = _fake(tmp_path / "bin", "dvc", f'echo "dvc $@" >> "{calls}"\n')
    assert schedule.run_once(tmp_path, python=str(fake_python), dvc=str(fake_dvc)) == 1
    assert not calls.exists()  # no repro over a failed scrape
    [log] = (tmp_path / "logs").glob("run-*.log")
    assert "no network" in log.read_text() and "step failed with status 1" in log.read_text()


def test_cli_prints_the_cron_line(tmp_path):
    out = subprocess.run([sys.executable, "-m", "pipeline", "schedule", "--every", "daily",
                          "--root", str(tmp_path)], capture_output=True, text=True,
                         cwd=Path(__file__).resolve().parents[1], check=True).stdout
    assert out.startswith(schedule.MARKER) and "17 3 * * *" in out
