# The 20-epoch / 256 px recipe trained for 40 epochs.
_base_ = './mobilenet-v2_in1k-pre-ft-stage5_1xb32-cos-20e_trashnet-256px.py'

train_cfg = dict(max_epochs=40, val_interval=40)
