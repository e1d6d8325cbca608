# The 30-epoch / 256 px recipe with crops of 50-100 % of the area.
_base_ = './mobilenet-v2_in1k-pre-ft-stage5_1xb32-cos-30e_trashnet-256px.py'

train_pipeline = [
    dict(t, crop_ratio_range=(0.5, 1.0))  # the recipe's: (0.25, 1.0)
    if t['type'] == 'RandomResizedCrop' else t for t in _base_.train_pipeline
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
