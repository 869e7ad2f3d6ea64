"""The first-boot package job of every emulated instance: holds dpkg's locks for N seconds, then lets go.

Usage: python3 boot_package_job.py SECONDS (localcloud-init starts it at an instance's first boot).

What unattended-upgrades does on a fresh Ubuntu AMI, minus the upgrading: apt and dpkg see the same
fcntl locks a real dpkg run takes (the frontend lock first, then the database lock), and report this
process as their holder."""

import fcntl
import sys
import time

LOCKS = ("/var/lib/dpkg/lock-frontend", "/var/lib/dpkg/lock")

held = []
for path in LOCKS:
    lock = open(path, "w", encoding="utf-8")  # pylint: disable=consider-using-with
    fcntl.lockf(lock, fcntl.LOCK_EX)
    held.append(lock)
time.sleep(int(sys.argv[1]))
