# Main job tested with 3 scales x 4 flips (12 views).
_base_ = '../mobilenet-v2_in1k-pre-ft-stage5_1xb32-cos-8e_trashnet.py'

tta_model = dict(type='AverageClsScoreTTA')

tta_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(
        type='TestTimeAug',
        # the views are every combination of one transform from each list
        transforms=[
            [
                dict(
                    type='Compose',
                    transforms=[
                        dict(type='ResizeEdge', scale=edge, edge='short'),
                        dict(type='CenterCrop', crop_size=crop),
                    ]) for edge, crop in ((219, 192), (256, 224), (292, 256))
            ],
            [
                dict(type='RandomFlip', prob=0.),
                dict(type='RandomFlip', prob=1., direction='horizontal'),
            ],
            [
                dict(type='RandomFlip', prob=0.),
                dict(type='RandomFlip', prob=1., direction='vertical'),
            ],
            [dict(type='PackInputs')],
        ]),
]
