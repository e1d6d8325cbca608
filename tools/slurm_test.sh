#!/usr/bin/env bash
# Test on a Slurm cluster, one task per GPU or (GPUS_PER_NODE=0) on CPU nodes;
# `--out preds.csv` is written once, by rank 0, from the gathered predictions.
# Usage: [GPUS=8] [GPUS_PER_NODE=8] [CPUS_PER_TASK=5] [SRUN_ARGS="..."] \
#        bash tools/slurm_test.sh PARTITION JOB_NAME CONFIG CHECKPOINT [test.py args...]
# e.g. GPUS=4 bash tools/slurm_test.sh gpu garbage-test CONFIG epoch_70.pth --tta --out preds.csv
# CPU mode and every variable: bash tools/slurm_test.sh --help
. "$(dirname "$0")/misc/slurm_launch.sh"
slurm_main test "$@"
