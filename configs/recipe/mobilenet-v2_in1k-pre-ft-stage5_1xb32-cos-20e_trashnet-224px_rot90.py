# The 20-epoch / 224 px recipe + quarter turns: the square training crop is
# turned by +-90 degrees half of the time (exact, no padding), so with the
# recipe's two flips every crop is shown in one of the 8 orientations of the
# square (its symmetry group D4) with equal chance: TrashNet objects lie on a
# table photographed from above. --tta averages the same 8 orientations.
# Not better than the recipe with its 4-flip --tta; 5-fold result: README.md
# beside this file ("What did not help").
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
