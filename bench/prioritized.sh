#!/bin/bash
# Runs a command (and its children: PyTorch, the C kernel) in a new session whose autogroup has
# nice -20, so that on a machine shared with other sessions the bench's threads get the cores
# while it runs. With kernel.sched_autogroup_enabled = 1 the scheduler shares the CPU between
# sessions before nice values count, so `nice -n -20` alone would change nothing. Needs root to
# lower the nice value; without it the command runs at the session's default priority.
# Usage: bench/prioritized.sh COMMAND [ARGS...]   (bench/README.md)
exec setsid bash -c 'echo -20 > /proc/self/autogroup 2>/dev/null || echo "prioritized.sh: could not raise the autogroup priority; running as is" >&2; exec "$@"' bash "$@"
