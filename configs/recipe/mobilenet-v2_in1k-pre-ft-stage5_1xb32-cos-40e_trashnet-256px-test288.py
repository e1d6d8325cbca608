# The 40-epoch / 256 px recipe tested at resize 320 / crop 288.
_base_ = './mobilenet-v2_in1k-pre-ft-stage5_1xb32-cos-40e_trashnet-256px.py'

test_pipeline = [
    dict(t, scale=320) if t['type'] == 'ResizeEdge' else
    dict(t, crop_size=288) if t['type'] == 'CenterCrop' else t
    for t in _base_.test_pipeline
]
val_dataloader = dict(dataset=dict(pipeline=test_pipeline))
test_dataloader = dict(dataset=dict(pipeline=test_pipeline))
