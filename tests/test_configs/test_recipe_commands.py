"""The commands of README.md (quick start, journeys), configs/recipe/README.md,
configs/README.md's recipe for the other sets, docs/competition.md's soup and
k-fold sections and the latest k-fold logs of benchmarks/logs/ show work when
pasted: every tool accepts its arguments, every config they name
loads, and every --cfg-options key configures something.

Training the recipe itself takes minutes per epoch; its configs train and
test for one tiny epoch in test_all_configs.py, and ``--eval-only`` /
``--compare`` run end to end in test_apis/test_kfold.py.
"""
import re
import runpy
import shlex
import sys

import pytest

from helpers import REPO

MAIN = 'configs/mobilenet-v2_in1k-pre-ft-stage5_1xb32-cos-8e_trashnet.py'


def commands(doc: str, section: str) -> list:
    """``python tools/...`` commands of the bash blocks of one section, with
    line continuations joined and shell variables expanded."""
    text = (REPO / doc).read_text(encoding='utf-8')
    text = text.split(section, 1)[1].split('\n## ', 1)[0]
    found = []
    for block in re.findall(r'```bash\n(.*?)```', text, re.S):
        env = {'CONFIG': MAIN}
        for line in block.replace('\\\n', ' ').splitlines():
            line = line.split(' # ')[0].strip()
            # timed runs, as benchmarks/logs/ records them
            line = re.sub(r'^/usr/bin/time -v ', '', line)
            var = re.fullmatch(r'(\w+)=(\S+)', line)
            if var:
                env[var.group(1)] = var.group(2)
            elif line.startswith('python tools/'):
                for name, value in env.items():
                    line = re.sub(rf'\${name}\b|\b{name}\b', value, line)
                found.append(shlex.split(line)[1:])
    return found


# A section runs to the next ## heading (a log: to its end); each command
# is checked once.
SECTIONS = (
    ('configs/recipe/README.md', '## From the pretrained weights'),
    ('configs/recipe/README.md', '## Distillation'),
    ('docs/competition.md', '## Checkpoint averaging'),
    ('docs/competition.md', '### Comparing recipes'),
    # the dated k-fold logs from the flips of training on, timed runs
    ('benchmarks/logs/2026-12-01_the-main-job-after-the-k-fold.md', '#'),
    ('benchmarks/logs/2026-12-01_the-backbones-rate-1x-the-heads-instead.md',
     '#'),
    ('benchmarks/logs/2026-11-30_tta-over-the-flips-of-training-quarter.md',
     '#'),
    ('benchmarks/logs/2026-11-30_256-px-training-and-a-soup-of.md', '#'),
    ('benchmarks/logs/2026-11-30_a-second-seed-the-soups-gain-is.md', '#'),
    ('benchmarks/logs/2026-11-30_a-second-seed-for-the-256-px.md', '#'),
    ('benchmarks/logs/2026-12-01_the-backbones-rate-at-the-recipes-length.md',
     '#'),
    ('benchmarks/logs/2026-12-02_the-backbones-rate-at-the-recipes-length.md',
     '#'),
    ('benchmarks/logs/2026-12-02_30-epochs-at-256-px.md', '#'),
    ('benchmarks/logs/2026-12-02_288-px-training-crops.md', '#'),
    ('benchmarks/logs/2026-12-02_randaugment-at-30-epochs.md', '#'),
    ('benchmarks/logs/2026-12-03_milder-random-crops-at-30-epochs.md', '#'),
    ('benchmarks/logs/2026-12-03_40-epochs-at-256-px.md', '#'),
    ('benchmarks/logs/2026-12-03_a-larger-test-and-a-soup-for.md', '#'),
    ('benchmarks/logs/2026-12-03_mixup-at-30-epochs.md', '#'),
    ('benchmarks/logs/2026-12-03_cutmix-at-30-epochs.md', '#'),
    ('benchmarks/logs/2026-12-03_layer-wise-lr-decay-at-30-epochs.md', '#'),
    ('benchmarks/logs/2026-12-03_a-second-seed-for-40-epochs-the.md', '#'),
    ('benchmarks/logs/2026-12-03_samplepairing-at-30-epochs.md', '#'),
    ('configs/README.md', '## Carrying the TrashNet recipe'),
    # the README's quick start and four journeys
    ('README.md', '## Quick start'),
    ('README.md', '## Four journeys'),
)
CASES = [(doc, list(cmd))
         for doc, cmd in dict.fromkeys((doc, tuple(cmd))
                                       for doc, section in SECTIONS
                                       for cmd in commands(doc, section))]


def test_the_sections_have_commands():
    tools = [cmd[0] for _, cmd in CASES]
    assert tools.count('tools/train.py') >= 1
    assert tools.count('tools/test.py') >= 1
    assert tools.count('tools/kfold.py') >= 4
    assert tools.count('tools/prepare_data.py') >= 1
    assert tools.count('tools/model_converters/average_checkpoints.py') >= 1
    assert tools.count('tools/ensemble.py') >= 1


@pytest.mark.parametrize(
    'doc,cmd', CASES, ids=[f'{d}:{" ".join(c)[:50]}' for d, c in CASES])
def test_command_is_accepted(doc, cmd, monkeypatch):
    from mmext.apis.config import check_cfg_options, load_config
    from mmext.apis.kfold import kfold_parser
    from mmext.apis.train_test import test_parser, train_parser
    tool, argv = cmd[0], cmd[1:]
    if tool == 'tools/prepare_data.py':
        monkeypatch.setattr(sys, 'argv', cmd)
        args = runpy.run_path(str(REPO / tool))['parse_args']()
        assert args.src
        return
    if tool == 'tools/model_converters/average_checkpoints.py':
        args = runpy.run_path(str(REPO / tool))['parse_args'](argv)
        # files to average into --out, or a run's epochs picked in its dir
        assert (len(args.checkpoints) >= 2
                and args.out) or (args.work_dir and (args.last or args.best))
        return
    if tool == 'tools/ensemble.py':
        args = runpy.run_path(str(REPO / tool))['parse_args'](argv)
        assert len(args.csv) >= 2 and args.out
        return
    if tool in ('tools/demo.py', 'tools/analysis/vis_cam.py'):
        args = runpy.run_path(str(REPO / tool))['parse_args'](argv)
        assert (REPO / args.config).is_file(), f'{doc}: {args.config}'
        load_config(str(REPO / args.config))
        return
    parser = {
        'tools/train.py': train_parser,
        'tools/test.py': test_parser,
        'tools/kfold.py': kfold_parser
    }
    args = parser[tool]().parse_args(argv)
    if args.config:
        assert (REPO / args.config).is_file(), f'{doc}: {args.config}'
        cfg = load_config(str(REPO / args.config))
        options = dict(args.cfg_options or {})
        # the shared weights may be absent; the key must exist all the same
        check_cfg_options(cfg, options)
