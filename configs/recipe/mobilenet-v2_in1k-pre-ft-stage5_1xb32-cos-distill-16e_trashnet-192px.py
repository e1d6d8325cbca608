# The 16-epoch / 192 px recipe as a student of cached teacher scores.
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
