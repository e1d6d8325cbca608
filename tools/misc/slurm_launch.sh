# The srun line of tools/slurm_train.sh and tools/slurm_test.sh (sourced by
# both): GPU mode (one task per GPU, as OpenMMLab's scripts) or CPU mode
# (GPUS_PER_NODE=0: no GRES, tasks sized by CPUs, gloo). `--help` of either
# script documents the variables.

slurm_usage() {  # $1: train or test
    local target='WORK_DIR' example='work_dirs/r50'
    if [[ $1 == test ]]; then
        target='CHECKPOINT' example='work_dirs/r50/epoch_70.pth --out preds.csv'
    fi
    cat <<EOF
Usage: [VAR=value ...] bash tools/slurm_$1.sh PARTITION JOB_NAME CONFIG $target [$1.py args...]

GPU partitions (the default): one task per GPU (NCCL).
  GPUS=8            tasks (GPUs) in all
  GPUS_PER_NODE=8   GPUs per node: --gres=gpu:N --ntasks-per-node=N
  CPUS_PER_TASK=5   cores per task (data loading)
  e.g. GPUS=16 bash tools/slurm_$1.sh gpu r50 CONFIG $example

CPU partitions: GPUS_PER_NODE=0 (or TASKS_PER_NODE set and GPUS_PER_NODE not):
no GRES; the tasks meet through gloo, each with CPUS_PER_TASK threads.
  TASKS             tasks in all (default: TASKS_PER_NODE, one node)
  TASKS_PER_NODE    tasks per node (default: CPUS_PER_NODE / CPUS_PER_TASK;
                    without either, Slurm packs the tasks onto nodes by CPUs)
  CPUS_PER_NODE     cores to use on each node
  CPUS_PER_TASK     cores per task (default: CPUS_PER_NODE / TASKS_PER_NODE,
                    else 5); OMP_NUM_THREADS defaults to it
  e.g. 2 nodes x 2 tasks x 16 cores:
  GPUS_PER_NODE=0 TASKS=4 CPUS_PER_NODE=32 CPUS_PER_TASK=16 \\
      bash tools/slurm_$1.sh cpu r50 CONFIG $example

Both modes:
  SRUN_ARGS="..."   more srun options, e.g. "--time=2:00:00 --mem=32G"
  MASTER_PORT=29500 rendezvous port on the job's first node
  DRY_RUN=1         print the srun command and exit
EOF
}

slurm_fail() {  # $1: train or test, $2: message
    echo "slurm_$1.sh: $2 (bash tools/slurm_$1.sh --help)" >&2
    exit 2
}

# Print the srun command (each word shell-quoted).
slurm_print() {  # to stderr, as set -x did
    {
        printf '+'
        printf ' %q' "$@"
        printf '\n'
    } >&2
}

# slurm_main train|test ARGS...: parse the variables, build and run srun.
slurm_main() {
    local kind=$1
    shift
    if [[ ${1:-} == -h || ${1:-} == --help ]]; then
        slurm_usage "$kind"
        exit 0
    fi
    if (($# < 4)); then
        slurm_usage "$kind" >&2
        exit 2
    fi
    local partition=$1 job_name=$2 config=$3 target=$4
    shift 4
    local tools
    tools=$(dirname "$0")
    local -a res
    if [[ ${GPUS_PER_NODE:-} == 0 || (-n ${TASKS_PER_NODE:-} && -z ${GPUS_PER_NODE:-}) ]]; then
        local per_node=${TASKS_PER_NODE:-} per_task=${CPUS_PER_TASK:-}
        if [[ -z $per_task ]]; then
            per_task=5
            if [[ -n ${CPUS_PER_NODE:-} && -n $per_node ]]; then
                per_task=$((CPUS_PER_NODE / per_node))
            fi
        fi
        if [[ -z $per_node && -n ${CPUS_PER_NODE:-} ]]; then
            per_node=$((CPUS_PER_NODE / per_task))
        fi
        if [[ -n $per_node ]] && ((per_node < 1 || per_task < 1)); then
            slurm_fail "$kind" "CPUS_PER_NODE=${CPUS_PER_NODE:-} leaves fewer than one core per task or one task per node"
        fi
        local tasks=${TASKS:-$per_node}
        [[ -n $tasks ]] || slurm_fail "$kind" "CPU mode needs TASKS (tasks in all), TASKS_PER_NODE or CPUS_PER_NODE"
        res=(--ntasks="$tasks")
        [[ -z $per_node ]] || res+=(--ntasks-per-node="$per_node")
        res+=(--cpus-per-task="$per_task")
        export OMP_NUM_THREADS=${OMP_NUM_THREADS:-$per_task}
    else
        local gpus_per_node=${GPUS_PER_NODE:-8}
        res=(--gres=gpu:"$gpus_per_node" --ntasks="${GPUS:-8}"
            --ntasks-per-node="$gpus_per_node"
            --cpus-per-task="${CPUS_PER_TASK:-5}")
    fi
    local -a py_args=("$config" "$target")
    if [[ $kind == train ]]; then
        py_args=("$config" --work-dir="$target")
    fi
    # SRUN_ARGS is split into words on purpose (several options in one string)
    # shellcheck disable=SC2206
    local -a cmd=(srun -p "$partition" --job-name="$job_name" "${res[@]}"
        --kill-on-bad-exit=1 ${SRUN_ARGS:-}
        python -u "$tools/$kind.py" "${py_args[@]}" --launcher=slurm "$@")
    slurm_print "${cmd[@]}"
    [[ ${DRY_RUN:-0} == 0 ]] || exit 0
    PYTHONPATH="$tools/..":$PYTHONPATH "${cmd[@]}"
    local rc=$?
    if ((rc != 0)); then
        local left="Checkpoints saved before it stay in the work dir: add --resume to continue from the last one."
        if [[ $kind == test ]]; then
            left="Rank 0 writes an --out file whole once every task has finished, so this run wrote none (an older file of that name is left as it was)."
        fi
        echo "slurm_$kind.sh: the Slurm job failed (srun exit status $rc): a task failed or was killed (srun's 'task N' lines above name it; a task that failed printed its error before them), and --kill-on-bad-exit=1 stopped the other tasks. $left" >&2
    fi
    return $rc
}
