#!/usr/bin/env bash
# Train on a Slurm cluster (mmengine's slurm launcher): one task per GPU, or
# on a CPU partition (GPUS_PER_NODE=0) tasks of CPUS_PER_TASK cores (gloo).
# Usage: [GPUS=8] [GPUS_PER_NODE=8] [CPUS_PER_TASK=5] [SRUN_ARGS="..."] \
#        bash tools/slurm_train.sh PARTITION JOB_NAME CONFIG WORK_DIR [train.py args...]
# e.g. GPUS=16 bash tools/slurm_train.sh gpu garbage-r50 \
#        configs/resnet50_in1k-pre-frozen2_1xb64-step-70e_garbage-classify.py \
#        work_dirs/r50_16gpu --auto-scale-lr
# CPU mode and every variable: bash tools/slurm_train.sh --help
. "$(dirname "$0")/misc/slurm_launch.sh"
slurm_main train "$@"
