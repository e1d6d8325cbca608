"""``tools/slurm_train.sh`` / ``slurm_test.sh`` on a real Slurm cluster.

A one-node cluster on this machine (``slurm_cluster.LocalSlurm``: munged,
slurmctld and slurmd owned by the test module; the node declares 32 CPUs so
the CPU commands of docs/deploy.md fit as written) runs the docs' CPU-mode
commands as pasted, in a folder laid out like the checkout: ``tools`` and
``mmext`` link to it, and the config the docs name is a tiny stand-in that
inherits from the real one (a small ResNet-18 on generated images, as
``test_distributed.py`` uses). The tasks meet through gloo
(``--launcher slurm`` on a machine without a GPU). The environment sets
``OMP_NUM_THREADS=1``, which the scripts keep, so the 2 tasks of 16 booked
cores share this machine's 2 real ones without oversubscribing them.

The GPU-mode ``srun`` line, which no cluster here can run, is checked
against the one the scripts always printed (``DRY_RUN=1``).
"""
import os
import re
import shlex
import shutil
import signal
import subprocess
import time
from pathlib import Path

import pandas as pd
import pytest
from slurm_cluster import PARTITION, LocalSlurm, slurm_missing
from test_distributed import N_TEST, free_port, make_config, tool_env

from helpers import REPO, run_tool

CPU_ENV = dict(GPUS_PER_NODE='0', TASKS='2', CPUS_PER_TASK='1')


def docs_cpu_commands() -> list:
    """The CPU-mode lines of the bash blocks of docs/deploy.md's Slurm
    section (train first, then test)."""
    text = (REPO / 'docs' / 'deploy.md').read_text(encoding='utf-8')
    section = text.split('\n## Slurm\n', 1)[1].split('\n## ', 1)[0]
    lines = []
    for block in re.findall(r'```bash\n(.*?)```', section, re.S):
        for line in block.replace('\\\n', ' ').splitlines():
            if line.startswith('GPUS_PER_NODE=0 '):
                lines.append(line)
    return lines


def script_args(line: str) -> list:
    """The arguments after ``bash tools/slurm_*.sh`` in a docs line."""
    words = shlex.split(line)
    return words[words.index('bash') + 2:]


def job_env(cluster: LocalSlurm, **extra) -> dict:
    """The tools' test environment (one thread per task), on the cluster,
    with a rendezvous port of its own."""
    return cluster.env(
        tool_env(),
        MASTER_PORT=str(free_port()),
        PYTHONUNBUFFERED='1',
        **extra)


def run_job(cmd: list, cluster: LocalSlurm, cwd: Path, **env) -> str:
    """Run a command that submits a job; fail with its output's tail unless
    it succeeds.

    Returns:
        Its stdout and stderr.
    """
    proc = subprocess.run(
        cmd,
        cwd=cwd,
        env=job_env(cluster, **env),
        capture_output=True,
        text=True,
        timeout=300)
    logs = proc.stdout + proc.stderr
    assert proc.returncode == 0, (
        f'{shlex.join(map(str, cmd))} failed ({proc.returncode}):\n'
        f'{logs[-5000:]}')
    return logs


@pytest.fixture(scope='module')
def cluster():
    reason = slurm_missing()
    if reason:
        pytest.skip(reason)
    local = LocalSlurm(cpus=32)
    yield local
    local.stop()


@pytest.fixture(scope='module')
def site(tmp_path_factory) -> Path:
    """A folder laid out like the checkout, with generated data and a tiny
    stand-in for the config the docs' CPU commands name."""
    root = tmp_path_factory.mktemp('slurm_site')
    for name in ('tools', 'mmext'):
        (root / name).symlink_to(REPO / name)
    from mmengine.config import Config
    config = script_args(docs_cpu_commands()[0])[2]
    real = Config.fromfile(REPO / config)
    tiny = make_config(root)  # inherits REPO/<the same config>
    assert config in tiny.read_text(), 'the docs name another config'
    (root / config).parent.mkdir(parents=True)
    (root / config).write_text(
        tiny.read_text() +
        f'train_cfg = dict(max_epochs={real.train_cfg.max_epochs})\n')
    return root


@pytest.fixture(scope='module')
def docs_train(cluster, site) -> str:
    """Run the docs' CPU training command; return its output."""
    line = docs_cpu_commands()[0]
    assert 'slurm_train.sh' in line
    return run_job(['bash', '-c', line], cluster, site)


@pytest.fixture(scope='module')
def checkpoint(site, docs_train) -> Path:
    """The checkpoint the docs' test command reads (the training's last)."""
    return site / script_args(docs_cpu_commands()[1])[3]


@pytest.mark.slow
@pytest.mark.e2e
def test_docs_cpu_training_runs_two_tasks_as_one_job(site, docs_train,
                                                     checkpoint):
    """2 tasks (32 cores / 16 per task) train as one gloo group: each sees
    half the iterations, and the checkpoint loads into a plain model."""
    import torch
    from mmengine.config import Config
    from mmengine.registry import init_default_scope
    from mmengine.runner import load_checkpoint
    from mmpretrain.registry import MODELS

    srun = [x for x in docs_train.splitlines() if x.startswith('+ srun ')][0]
    assert '--ntasks=2 --ntasks-per-node=2 --cpus-per-task=16' in srun
    assert '--gres' not in srun
    assert 'Distributed launcher: slurm' in docs_train
    assert 'GPU number: 2' in docs_train  # mmengine's name for world size
    # 16 images / (2 tasks x batch 4) = 2 iterations per epoch (1 task: 4)
    assert re.search(r'Epoch\(train\) \[10\]\[2/2\]', docs_train)
    assert not re.search(r'Epoch\(train\) \[\d+\]\[\d+/4\]', docs_train)

    state = torch.load(checkpoint, map_location='cpu', weights_only=False)
    assert state['meta']['epoch'] == 10
    cfg = Config.fromfile(site / script_args(docs_cpu_commands()[0])[2])
    init_default_scope('mmpretrain')
    model = MODELS.build(cfg.model)
    load_checkpoint(model, str(checkpoint), strict=True)  # no 'module.'


@pytest.mark.slow
@pytest.mark.e2e
def test_docs_cpu_test_csv_equals_single_process_csv(cluster, site,
                                                     checkpoint):
    """``slurm_test.sh --out preds.csv`` over 2 tasks writes the rows of the
    single-process CSV, in its order, with its scores."""
    line = docs_cpu_commands()[1]
    assert 'slurm_test.sh' in line
    logs = run_job(['bash', '-c', line], cluster, site)
    assert 'Distributed launcher: slurm' in logs
    assert f'Wrote {N_TEST} predictions' in logs
    out = site / script_args(line)[script_args(line).index('--out') + 1]

    single = site / 'single.csv'
    assert run_tool('test.py', site / script_args(line)[2], checkpoint,
                    '--work-dir', site / 'work_single', '--out', single) == 0
    single = pd.read_csv(single)
    assert len(single) == N_TEST and single['score'].nunique() > 1
    # same rows and order; labels and names exact, scores to 1e-5
    pd.testing.assert_frame_equal(
        pd.read_csv(out), single, check_exact=False, rtol=0, atol=1e-5)


@pytest.mark.slow
@pytest.mark.e2e
def test_resume_under_slurm_continues_from_the_last_checkpoint(
        cluster, site, checkpoint):
    """``--resume`` picks up the last checkpoint of the work dir: the job
    trains epoch 11 only."""
    work = site / 'work_resume'
    shutil.copytree(checkpoint.parent, work)
    (work / 'last_checkpoint').write_text(str(work / checkpoint.name))
    config = script_args(docs_cpu_commands()[0])[2]
    logs = run_job([
        'bash', 'tools/slurm_train.sh', PARTITION, 'resume', config,
        str(work), '--resume', '--cfg-options', 'train_cfg.max_epochs=11'
    ], cluster, site, **CPU_ENV)
    assert 'resumed epoch: 10' in logs
    assert re.search(r'Epoch\(train\) \[11\]\[2/2\]', logs)
    assert not re.search(r'Epoch\(train\) \[([1-9]|10)\]', logs)
    assert (work / 'epoch_11.pth').is_file()


STALL_HOOK = '''
import os
import time
from pathlib import Path

from mmengine.hooks import Hook
from mmpretrain.registry import HOOKS


@HOOKS.register_module()
class StallHook(Hook):
    """Write each task's PID; rank 1 then stalls after its first batch."""

    def __init__(self, folder):
        self.folder = Path(folder)

    def before_test(self, runner):
        (self.folder / f'rank{runner.rank}.pid').write_text(str(os.getpid()))

    def after_test_iter(self, runner, batch_idx, data_batch=None,
                        outputs=None):
        if runner.rank == 1 and batch_idx == 0:
            (self.folder / 'pid.tmp').write_text(str(os.getpid()))
            os.replace(self.folder / 'pid.tmp', self.folder / 'stalled')
            time.sleep(120)
'''


@pytest.mark.slow
@pytest.mark.e2e
def test_killed_task_ends_the_job_without_a_csv(cluster, site, checkpoint):
    """SIGKILL to one task mid-test: ``--kill-on-bad-exit`` ends the whole
    job, the script says what happened, and no CSV (or part of one) is
    left."""
    folder = site / 'kill'
    folder.mkdir()
    (site / 'stall_hook.py').write_text(STALL_HOOK)  # tools/ puts site first
    config = folder / 'stall.py'
    config.write_text(
        f"_base_ = '{site / script_args(docs_cpu_commands()[0])[2]}'\n"
        "custom_imports = dict(imports=['mmext', 'stall_hook'], "
        'allow_failed_imports=False)\n'
        f"custom_hooks = [dict(type='StallHook', folder='{folder}')]\n")
    out = folder / 'preds.csv'
    log = open(folder / 'console.log', 'w+')
    job = subprocess.Popen([
        'bash', 'tools/slurm_test.sh', PARTITION, 'killed',
        str(config),
        str(checkpoint), '--out',
        str(out)
    ],
                           cwd=site,
                           env=job_env(cluster, **CPU_ENV),
                           stdout=log,
                           stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 240
        # both tasks running (rank 1 can stall before rank 0 starts testing)
        while not ((folder / 'stalled').exists() and
                   (folder / 'rank0.pid').exists()):
            assert job.poll() is None, 'the job ended before the kill'
            assert time.monotonic() < deadline, 'rank 1 never stalled'
            time.sleep(0.2)
        os.kill(int((folder / 'stalled').read_text()), signal.SIGKILL)
        rc = job.wait(60)
    finally:
        if job.poll() is None:
            job.kill()
            job.wait()
        log.seek(0)
        logs = log.read()
        log.close()
    assert rc != 0, logs[-3000:]
    assert re.search(r'srun: error: .*task 1: Killed', logs), logs[-3000:]
    assert 'slurm_test.sh: the Slurm job failed' in logs
    assert 'wrote none' in logs
    assert not out.exists()
    assert not [p.name for p in folder.iterdir() if 'preds' in p.name]
    with pytest.raises(ProcessLookupError):  # rank 0 was stopped too
        os.kill(int((folder / 'rank0.pid').read_text()), 0)
    deadline = time.monotonic() + 30  # then the job leaves the queue
    while subprocess.run(['squeue', '-h'],
                         env=cluster.env(),
                         capture_output=True,
                         text=True).stdout.strip():
        assert time.monotonic() < deadline, 'the job is still queued'
        time.sleep(0.5)


def dry_run(script: str, *args, **env) -> list:
    """The srun command a script prints with ``DRY_RUN=1``, as words."""
    full_env = {
        k: v
        for k, v in os.environ.items()
        if k not in ('GPUS', 'GPUS_PER_NODE', 'CPUS_PER_TASK', 'TASKS',
                     'TASKS_PER_NODE', 'CPUS_PER_NODE', 'SRUN_ARGS')
    }
    proc = subprocess.run(['bash', f'tools/{script}', *args],
                          cwd=REPO,
                          env=dict(full_env, DRY_RUN='1', **env),
                          capture_output=True,
                          text=True)
    assert proc.returncode == 0, proc.stderr
    line = proc.stderr.strip()
    assert line.startswith('+ srun ')
    return shlex.split(line[2:])


def test_gpu_mode_srun_line_is_unchanged():
    """GPU mode prints the srun line the scripts have always run."""
    assert dry_run(
        'slurm_train.sh',
        'gpu',
        'r50',
        'cfg.py',
        'work_dirs/r50',
        '--auto-scale-lr',
        GPUS='16',
        SRUN_ARGS='--time=1:00:00 --mem=8G') == shlex.split(
            'srun -p gpu --job-name=r50 --gres=gpu:8 --ntasks=16 '
            '--ntasks-per-node=8 --cpus-per-task=5 --kill-on-bad-exit=1 '
            '--time=1:00:00 --mem=8G python -u tools/train.py cfg.py '
            '--work-dir=work_dirs/r50 --launcher=slurm --auto-scale-lr')
    assert dry_run(
        'slurm_test.sh',
        'gpu',
        't',
        'cfg.py',
        'e.pth',
        '--out',
        'my preds.csv',
        GPUS_PER_NODE='4',
        CPUS_PER_TASK='8') == [
            'srun', '-p', 'gpu', '--job-name=t', '--gres=gpu:4', '--ntasks=8',
            '--ntasks-per-node=4', '--cpus-per-task=8', '--kill-on-bad-exit=1',
            'python', '-u', 'tools/test.py', 'cfg.py', 'e.pth',
            '--launcher=slurm', '--out', 'my preds.csv'
        ]


@pytest.mark.parametrize(
    'env, expected',
    [
        (dict(GPUS_PER_NODE='0', CPUS_PER_NODE='32', CPUS_PER_TASK='16'),
         ['--ntasks=2', '--ntasks-per-node=2', '--cpus-per-task=16']),
        (dict(
            GPUS_PER_NODE='0',
            TASKS='4',
            CPUS_PER_NODE='32',
            CPUS_PER_TASK='16'),
         ['--ntasks=4', '--ntasks-per-node=2', '--cpus-per-task=16']),
        (dict(TASKS_PER_NODE='4', CPUS_PER_NODE='64'),
         ['--ntasks=4', '--ntasks-per-node=4', '--cpus-per-task=16']),
        # neither tasks per node nor cores per node: Slurm packs by CPUs
        (dict(GPUS_PER_NODE='0', TASKS='3',
              CPUS_PER_TASK='2'), ['--ntasks=3', '--cpus-per-task=2']),
    ])
def test_cpu_mode_sizes_tasks_by_cores(env, expected):
    """CPU mode asks for no GRES and sizes the tasks from the core counts."""
    words = dry_run('slurm_train.sh', 'cpu', 'j', 'cfg.py', 'w', **env)
    assert words[:3] == ['srun', '-p', 'cpu']
    assert words[4:4 + len(expected) +
                 1] == expected + ['--kill-on-bad-exit=1']


def test_help_and_bad_cpu_settings():
    for script in ('slurm_train.sh', 'slurm_test.sh'):
        proc = subprocess.run(['bash', f'tools/{script}', '--help'],
                              cwd=REPO,
                              capture_output=True,
                              text=True)
        assert proc.returncode == 0
        assert 'GPU partitions' in proc.stdout
        assert 'CPU partitions: GPUS_PER_NODE=0' in proc.stdout
    proc = subprocess.run(
        ['bash', 'tools/slurm_train.sh', 'cpu', 'j', 'cfg.py', 'w'],
        cwd=REPO,
        env=dict(os.environ, GPUS_PER_NODE='0', DRY_RUN='1'),
        capture_output=True,
        text=True)
    assert proc.returncode == 2
    assert 'CPU mode needs TASKS' in proc.stderr
    proc = subprocess.run(['bash', 'tools/slurm_test.sh', 'cpu'],
                          cwd=REPO,
                          capture_output=True,
                          text=True)
    assert proc.returncode == 2 and 'Usage:' in proc.stderr


def test_launcher_slurm_outside_a_job_step_says_how_to_start_it(monkeypatch):
    import torch
    from mmengine.config import Config

    from mmext.engine.cpu_distributed import setup_cpu_distributed
    from mmext.errors import ConfigError
    if torch.cuda.is_available():
        pytest.skip('with a GPU mmengine starts the slurm launcher itself')
    for var in ('SLURM_PROCID', 'SLURM_NTASKS', 'SLURM_NODELIST'):
        monkeypatch.delenv(var, raising=False)
    with pytest.raises(ConfigError, match='outside a Slurm job step') as exc:
        setup_cpu_distributed(Config(dict()), 'slurm')
    assert 'srun' in str(exc.value) and 'slurm_train.sh' in str(exc.value)
