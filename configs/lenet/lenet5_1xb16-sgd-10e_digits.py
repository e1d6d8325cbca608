# LeNet-5 warm-up on scikit-learn's bundled digits (no download).
_base_ = ['./lenet5_1xb32-sgd-3e_mnist.py']

custom_imports = dict(imports=['mmext', 'mmext.datasets.digits'])

# mean/std of the digits' grey values (0-255)
data_preprocessor = dict(mean=[77.84], std=[95.89])

train_dataloader = dict(
    batch_size=16,
    num_workers=0,
    dataset=dict(
        _delete_=True,
        type='SklearnDigits',
        split='train',
        pipeline={{_base_.pipeline}}))
val_dataloader = dict(
    num_workers=0,
    dataset=dict(
        _delete_=True,
        type='SklearnDigits',
        split='test',
        test_mode=True,
        pipeline={{_base_.pipeline}}))
test_dataloader = val_dataloader

param_scheduler = dict(
    _delete_=True,
    type='MultiStepLR',
    by_epoch=True,
    milestones=[7],
    gamma=0.1)
train_cfg = dict(max_epochs=10)
default_hooks = dict(logger=dict(interval=20))
