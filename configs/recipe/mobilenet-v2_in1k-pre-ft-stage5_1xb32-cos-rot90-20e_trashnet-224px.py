# The 20-epoch / 224 px recipe + quarter turns (8 orientations).
_base_ = './mobilenet-v2_in1k-pre-ft-stage5_1xb32-cos-20e_trashnet-224px.py'

train_pipeline = _base_.train_pipeline[:2] + [
    dict(type='Rotate', angle=90., prob=0.5, random_negative_prob=0.5)
] + _base_.train_pipeline[2:]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))

tta_model = dict(type='AverageClsScoreTTA')
tta_pipeline = _base_.test_pipeline[:-1] + [
    dict(
        type='TestTimeAug',
        transforms=[
            [
                dict(
                    type='Rotate', angle=90., prob=1.,
                    random_negative_prob=0.),
                dict(type='RandomFlip', prob=0.)
            ],
            [
                dict(type='RandomFlip', prob=1., direction='horizontal'),
                dict(type='RandomFlip', prob=0.)
            ],
            [
                dict(type='RandomFlip', prob=1., direction='vertical'),
                dict(type='RandomFlip', prob=0.)
            ],
            [_base_.test_pipeline[-1]],
        ])
]
