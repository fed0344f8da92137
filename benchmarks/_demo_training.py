"""The demo's two-source training problem at a benchmark's size, shared by the training benchmarks."""
from avgas.study import StudyConfig as DemoConfig, study_datasets as demo_datasets
from avgas.worlds import build_world


def demo_training(width: int, items: int, epochs: int, workers: int = 2):
    "The demo's config resized (fp32: train.amp off), its world, two-source sets, (variant, seed) runs and steps per separator."
    dc = DemoConfig(workers=workers); e = dc.experiment
    e.separator.width, e.mix.items_per_combination, e.train.epochs, e.train.amp = width, items, epochs, False
    W = build_world(e)
    sets, _ = demo_datasets(W, dc, 2, progress=False)
    return dc, W, sets, dc.runs(), len(sets['train']) // e.train.batch_size * epochs
