# k-fold cross-validation: train K folds of a config's training set and
# report each fold's validation top-1 with mean +- std:
#   python tools/kfold.py \
#       configs/mobilenet-v2_in1k-pre-headonly_1xb32-cos-10e_trashnet.py \
#       --folds 5 [--trainval] [--seeds 0 1] [--split-seed 0]
# --trainval: folds over train + val (meta/trainval.txt, from
# tools/prepare_data.py).
# Work dirs: work_dirs/<config name>/fold_i (several seeds: seed<s>/fold_i);
# the table goes to <work dir>/kfold.md and kfold.json.
# Test-time choices without training again: the same command with
# --eval-only [--tta] [--tag NAME] [--cfg-options <test pipeline>] tests each
# fold's last checkpoint on its held-out part (<work dir>/kfold_<tag>.md,
# out-of-fold predictions in fold_i/<tag>/preds.csv) and prints the per-fold
# difference to the trained run. --soup-with OTHER_WORK_DIR [...] tests each
# fold as a uniform weight average (one model) of its checkpoint and the same
# fold's checkpoint of other recipes trained on the same folds;
# --ensemble-with OTHER_WORK_DIR [...] scores each fold by the mean class
# scores of the recipes' models (any models of the same classes).
# Distillation: a student config with a LoadTeacherScores transform, trained
# with --teacher TEACHER_WORK_DIR [...] [--teacher-tta]: before each fold
# trains, the teachers' models of the same fold score its training images
# (fold_i/teacher/scores.csv) and the student learns from those scores.
# Paired comparison of two recipes trained on the same folds:
#   python tools/kfold.py --compare A/kfold.json B/kfold.json
# Logic lives in mmext.apis.kfold (mmpretrain's KFoldDataset); the arguments
# and the report files in mmext.apis.kfold.command.
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))

from mmext.apis.kfold.command import kfold_parser, run_command  # noqa: E402
from mmext.errors import friendly_main  # noqa: E402


@friendly_main
def main(argv=None):
    print(run_command(kfold_parser().parse_args(argv)))


if __name__ == '__main__':
    main()
