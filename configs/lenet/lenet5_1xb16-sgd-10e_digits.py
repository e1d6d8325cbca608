# LeNet-5 warm-up with no download: scikit-learn's bundled 8x8 handwritten
# digits (1,797 images; a fixed stratified 75/25 train/test split, seed 0),
# upscaled to 32x32. Same optimizer as the MNIST config (SGD momentum 0.9,
# lr 0.01, a checkpoint per epoch); batch 16 and 10 epochs because the set is
# 45x smaller than MNIST: 1,347 training images give 85 iterations per epoch,
# 850 in all (about 30 s on one CPU thread), and the lr drops 10x after
# epoch 7 so that the last epoch is not a noisy one. Measured top-1 on the 450
# test images: benchmarks/results/course.md. Note: LeNet5's classifier
# squeezes its input, so a batch of one image fails: keep batch sizes > 1.
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
