# The main job on your own data in data/own_data (docs/own-data.md).
_base_ = './mobilenet-v2_in1k-pre-ft-stage5_1xb32-cos-8e_trashnet.py'

data_root = 'data/own_data'
dataset = dict(data_root=data_root, data_prefix='images', class_bins=None)

model = dict(head=dict(num_classes='auto'))
data_preprocessor = dict(num_classes='auto')

train_dataloader = dict(dataset=dataset)
val_dataloader = dict(dataset=dataset)
test_dataloader = dict(dataset=dataset)
