# The 16-epoch / 192 px recipe as a distillation student: each training
# image's target mixes its label with a teacher's class scores
# (LoadTeacherScores: weight 0.5, teacher softened at temperature 2; the
# recipe's label smoothing applies on top). The teacher is a cache, a
# predictions CSV of tools/test.py (tools/ensemble.py for several teachers)
# over the training images, so an ensemble of teachers costs nothing per
# step. By k-fold, tools/kfold.py --teacher writes one per fold and points
# `scores` at it; the commands for a final model are in README.md beside
# this file.
_base_ = './mobilenet-v2_in1k-pre-ft-stage5_1xb32-cos-16e_trashnet-192px.py'

train_pipeline = _base_.train_pipeline[:-1] + [
    dict(
        type='LoadTeacherScores',
        scores='work_dirs/teacher_scores.csv',
        weight=0.5,
        temperature=2.0),
    dict(type='PackInputs'),
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
