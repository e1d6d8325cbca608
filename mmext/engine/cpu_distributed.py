"""Distributed training and testing on machines without a GPU (gloo).

mmengine 0.10.7's ``pytorch`` launcher assumes CUDA: ``init_dist`` calls
``torch.cuda.set_device`` and the runner passes ``device_ids=[LOCAL_RANK]`` to
``MMDistributedDataParallel``, which DDP refuses for a CPU module. The tools
call :func:`setup_cpu_distributed` before building the runner: on a machine
with no visible GPU it starts the gloo process group itself (mmengine then
skips its own init) and selects :class:`CPUDistributedDataParallel`. With a
GPU nothing changes. Sharding, result gathering and the CSV are mmengine's
and this project's usual code paths.

Two launchers work on the CPU: ``pytorch`` (torchrun sets ``RANK``,
``WORLD_SIZE``, ``MASTER_ADDR``/``PORT``) and ``slurm`` (``srun`` sets
``SLURM_PROCID``, ``SLURM_NTASKS``, ``SLURM_LOCALID`` and the node list; the
rendezvous is the first node of the job, port ``MASTER_PORT`` or 29500, read
by mmengine's own ``_init_dist_slurm``).

At the end of a run the tools call :func:`finish_distributed`: mmengine never
destroys the process group, and a gloo group left to the interpreter's exit
can abort the process after its work is done ("terminate called without an
active exception", SIGABRT, pytorch/pytorch#190489), which torchrun reports
as a failed job although the checkpoint or CSV was written.
"""
import os
from unittest import mock

import torch
import torch.distributed as dist
from mmengine.config import Config
from mmengine.dist.utils import _init_dist_slurm
from mmengine.model import MMDistributedDataParallel
from mmengine.registry import MODEL_WRAPPERS

from ..errors import ConfigError


@MODEL_WRAPPERS.register_module()
class CPUDistributedDataParallel(MMDistributedDataParallel):
    """``MMDistributedDataParallel`` that drops ``device_ids`` on the CPU.

    Args:
        module: The model to wrap.
        device_ids: Ignored when no GPU is visible (DDP needs None there).
        **kwargs: Passed to ``MMDistributedDataParallel``.
    """

    def __init__(self, module, device_ids=None, **kwargs):
        if not torch.cuda.is_available():
            device_ids = None
        super().__init__(module=module, device_ids=device_ids, **kwargs)


def setup_cpu_distributed(cfg: Config, launcher: str) -> bool:
    """Prepare a distributed run on the CPU, if that is what this is.

    Args:
        cfg: The merged config (``model_wrapper_cfg`` may be set here).
        launcher: ``none``, ``pytorch``, ``slurm`` or ``mpi``.

    Returns:
        True when the gloo group was started here (no GPU, a launcher set).
    """
    if launcher == 'none' or torch.cuda.is_available():
        return False
    wrapper = cfg.get('model_wrapper_cfg')
    if wrapper is None:  # mmengine's defaults for this case
        wrapper = dict(
            broadcast_buffers=False,
            find_unused_parameters=cfg.get('find_unused_parameters', False))
    if wrapper.get(
            'type',
            'MMDistributedDataParallel') in ('MMDistributedDataParallel',
                                             MMDistributedDataParallel):
        cfg.model_wrapper_cfg = dict(
            wrapper, type='CPUDistributedDataParallel')
    if dist.is_initialized():
        return False
    if launcher == 'slurm':
        init_slurm_gloo()
        return True
    if launcher != 'pytorch' or 'RANK' not in os.environ:
        raise ConfigError(
            f'--launcher {launcher} on a machine without a GPU: only the '
            'pytorch launcher (torchrun) and the slurm launcher (srun) are '
            'supported on the CPU.',
            fix='use bash tools/dist_train.sh CONFIG N (or dist_test.sh), '
            'GPUS_PER_NODE=0 bash tools/slurm_train.sh (or slurm_test.sh) '
            'on a Slurm cluster, or run on GPU nodes.')
    dist.init_process_group(backend='gloo')
    return True


def init_slurm_gloo() -> None:
    """Start the gloo group of a task that ``srun`` started.

    mmengine's ``_init_dist_slurm`` reads the rank, the world size and the
    local rank from Slurm's variables, the master address from
    ``scontrol show hostnames $SLURM_NODELIST`` (unless ``MASTER_ADDR`` is
    set) and the port from ``MASTER_PORT`` (29500 if unset); its only GPU
    call, ``torch.cuda.set_device``, is skipped here.

    Raises:
        ConfigError: Not inside a Slurm job step (no ``SLURM_PROCID``).
    """
    missing = [
        var for var in ('SLURM_PROCID', 'SLURM_NTASKS', 'SLURM_NODELIST')
        if var not in os.environ
    ]
    if missing:
        raise ConfigError(
            f'--launcher slurm outside a Slurm job step: {", ".join(missing)} '
            'not set (srun sets them for each task).',
            fix='start it with srun, e.g. GPUS_PER_NODE=0 TASKS=2 bash '
            'tools/slurm_train.sh PARTITION JOB_NAME CONFIG WORK_DIR, or use '
            '--launcher pytorch with torchrun (tools/dist_train.sh).')
    with mock.patch.object(torch.cuda, 'set_device', lambda device: None):
        _init_dist_slurm('gloo')


def finish_distributed() -> None:
    """Destroy the default process group at the end of a finished run.

    Every rank first waits at a barrier, so no rank tears its group down
    while another still gathers results; then the group (gloo or NCCL,
    whoever started it) is destroyed while the interpreter is fully alive.
    Not distributed: nothing happens. Call it only after a run that ended
    normally on every rank (after an error the peers may never arrive).
    """
    if not (dist.is_available() and dist.is_initialized()):
        return
    dist.barrier()
    dist.destroy_process_group()
