"""A real one-node Slurm cluster on this machine, for the Slurm tests.

:class:`LocalSlurm` writes a minimal ``slurm.conf`` into a fresh folder,
starts ``munged``, ``slurmctld`` and ``slurmd`` in the foreground as child
processes it owns (each with its own socket, ports, state and log files in
that folder; nothing of a system Slurm or munge is touched), waits until the
node is idle, and stops the three by PID. Clients reach it through
``SLURM_CONF`` (:meth:`LocalSlurm.env`).

Debian's ``slurm-wlm`` and ``munge`` packages provide the daemons
(``.ci/run`` installs them); :func:`slurm_missing` says why a cluster cannot
start here, for the tests to skip with.
"""
import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Optional

DAEMONS = ('munged', 'mungekey', 'slurmctld', 'slurmd', 'srun', 'sinfo',
           'scontrol', 'scancel')
PARTITION = 'cpu'

SLURM_CONF = """\
ClusterName=mmgarbage-test
SlurmctldHost={node}(127.0.0.1)
SlurmctldPort={ctld_port}
SlurmdPort={slurmd_port}
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
AuthInfo=socket={root}/run/munge.sock
CredType=cred/munge
StateSaveLocation={root}/state
SlurmdSpoolDir={root}/spool
SlurmctldPidFile={root}/run/slurmctld.pid
SlurmdPidFile={root}/run/slurmd.pid
SlurmctldLogFile={root}/log/slurmctld.log
SlurmdLogFile={root}/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
SlurmdParameters=config_overrides
MpiDefault=none
ReturnToService=2
KillWait=2
NodeName={node} NodeAddr=127.0.0.1 CPUs={cpus} State=UNKNOWN
PartitionName={partition} Nodes={node} Default=YES MaxTime=INFINITE State=UP
"""


def slurm_missing() -> Optional[str]:
    """Why no local cluster can start here, or None when one can."""
    absent = [name for name in DAEMONS if shutil.which(name) is None]
    if absent:
        return (f'Slurm/munge not installed ({", ".join(absent)} not found; '
                'apt-get install slurm-wlm munge, as .ci/run does)')
    if os.geteuid() != 0:
        return 'slurmd must run as root to launch tasks (SlurmdUser=root)'
    return None


def node_name() -> str:
    """This host's short name if it resolves, else ``localhost``.

    The tasks meet at the address of the job's first node name (mmengine
    resolves ``SLURM_NODELIST`` to it), so that name has to resolve.
    """
    name = socket.gethostname().split('.')[0]
    try:
        socket.gethostbyname(name)
        return name
    except OSError:
        return 'localhost'


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


class LocalSlurm:
    """A one-node Slurm cluster whose daemons this object owns.

    Args:
        cpus: The CPUs the node declares (``config_overrides``: Slurm books
            them whatever this machine has; tasks are not pinned).
        timeout: Seconds to wait for the node to become idle.
    """

    def __init__(self, cpus: int = 2, timeout: float = 60) -> None:
        # munged wants its socket folder searchable by all and no group- or
        # world-writable folder above it: a private folder under /tmp
        self.root = Path(tempfile.mkdtemp(prefix='mmgarbage-slurm-'))
        self.root.chmod(0o755)
        self.node = node_name()
        self.procs: dict = {}
        for sub in ('run', 'state', 'spool', 'log', 'munge'):
            (self.root / sub).mkdir()
        (self.root / 'munge').chmod(0o700)
        self.conf = self.root / 'slurm.conf'
        self.conf.write_text(
            SLURM_CONF.format(
                root=self.root,
                node=self.node,
                cpus=cpus,
                partition=PARTITION,
                ctld_port=_free_port(),
                slurmd_port=_free_port()))
        try:
            self._start(timeout)
        except BaseException:
            self.stop()
            raise

    def env(self, base: Optional[dict] = None, **extra) -> dict:
        """An environment pointed at the cluster.

        Args:
            base: The environment to start from (this process's by default);
                its Slurm variables are dropped, so a CI run inside a Slurm
                job does not mix the two clusters.
            **extra: More variables.

        Returns:
            ``base`` with ``SLURM_CONF`` and ``extra``.
        """
        env = {
            k: v
            for k, v in (os.environ if base is None else base).items()
            if not k.startswith('SLURM_')
        }
        env.update(SLURM_CONF=str(self.conf), **extra)
        return env

    def _spawn(self, name: str, cmd: list) -> None:
        log = open(self.root / 'log' / f'{name}.out', 'w')
        self.procs[name] = subprocess.Popen(
            cmd,
            env=self.env(),
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL)
        log.close()

    def _start(self, timeout: float) -> None:
        key, munge = self.root / 'munge' / 'munge.key', self.root / 'munge'
        subprocess.run(['mungekey', '--create', f'--keyfile={key}'],
                       check=True,
                       capture_output=True)
        self._spawn('munged', [
            'munged', '--foreground', f'--socket={self.root}/run/munge.sock',
            f'--key-file={key}', f'--pid-file={munge}/munged.pid',
            f'--log-file={munge}/munged.log', f'--seed-file={munge}/seed'
        ])
        self._wait(lambda: (self.root / 'run' / 'munge.sock').exists(),
                   timeout, 'munged')
        self._spawn('slurmctld', ['slurmctld', '-D', '-i'])
        self._spawn('slurmd', ['slurmd', '-D', '-N', self.node])
        self._wait(self._idle, timeout, 'the node to become idle')

    def _idle(self) -> bool:
        out = subprocess.run(['sinfo', '-h', '-N', '-o', '%T'],
                             env=self.env(),
                             capture_output=True,
                             text=True).stdout
        return out.strip() == 'idle'

    def _wait(self, ready, timeout: float, what: str) -> None:
        deadline = time.monotonic() + timeout
        while not ready():
            dead = [n for n, p in self.procs.items() if p.poll() is not None]
            if dead or time.monotonic() > deadline:
                raise RuntimeError(
                    f'local Slurm: waiting for {what} failed '
                    f'({", ".join(dead) or "timeout"}); logs:\n' + self.logs())
            time.sleep(0.2)

    def logs(self) -> str:
        """The tail of every daemon log (for failure messages)."""
        parts = []
        for path in sorted((self.root / 'log').iterdir()):
            text = path.read_text(errors='replace')
            parts.append(f'== {path.name}\n{text[-2000:]}')
        return '\n'.join(parts)

    def stop(self) -> None:
        """Cancel what still runs, stop the daemons by PID, remove the
        folder."""
        if 'slurmctld' in self.procs and self.procs['slurmctld'].poll(
        ) is None:
            subprocess.run(['scancel', '--full', f'--partition={PARTITION}'],
                           env=self.env(),
                           capture_output=True,
                           timeout=30)
        for name in ('slurmd', 'slurmctld', 'munged'):
            proc = self.procs.get(name)
            if proc is None or proc.poll() is not None:
                continue
            proc.terminate()
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        shutil.rmtree(self.root, ignore_errors=True)
