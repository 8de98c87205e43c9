#!/usr/bin/env bash
# issue13-9: issue13-8's C JMH run tried again (session 8, 12:55 UTC), into this directory.
exec bash "$(dirname "$0")/../issue13-8/run.sh" perf/results/issue13-9
