"""Images per second of the evaluation back-ends, measured in one run on the same images.

- the synthetic world's detector (batched), on generated 64 px images;
- the real pretrained COCO YOLOv8n (int8 TFLite, ../shared/weights) through `avgas.backends.UltralyticsDetector`,
  on the same images upscaled to 640 px (what a real run feeds it), when the fixtures are present.

    python benchmarks/evaluate_throughput.py [--images 128]
"""
import argparse, time
import torch
import torch.nn.functional as F
from avgas.backends import UltralyticsDetector
from avgas.core import PAPER, ExperimentConfig, shared_dir
from avgas.generate import generate
from avgas.worlds import build_world

def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--images', type=int, default=128); a = ap.parse_args()
    W = build_world(ExperimentConfig())   # the shipped synthetic world
    pairs = W.pairs('test', n_per_class=max(1, a.images // 26 + 1))
    h = W.image_encoder.embed(torch.stack([pairs.image(i) for i in range(a.images)]))[:, None]
    ims = generate(W.generator, h, 'blend', batch_size=64)[:, 0]
    det = W.detector
    det.detect(ims[:8], PAPER.classes)
    t = time.perf_counter(); det.detect(ims, PAPER.classes); dt = time.perf_counter() - t
    print(f'synthetic detector : {a.images / dt:8.1f} images/s  ({a.images} images of {ims.shape[-1]} px, batched)')
    d = shared_dir()
    if d is None: print('COCO YOLOv8n       : skipped (needs ../shared)'); return
    coco = UltralyticsDetector(d/'weights/yolov8n_int8.tflite', prompts={'person': 'person'})
    big = F.interpolate(ims, size=640, mode='bilinear', align_corners=False)
    n = min(a.images, 32)
    coco.detect(big[:2], ['person'])
    t = time.perf_counter(); coco.detect(big[:n], ['person']); dt2 = time.perf_counter() - t
    print(f'COCO YOLOv8n int8  : {n / dt2:8.1f} images/s  ({n} images of 640 px)')
    print(f'ratio synthetic / YOLOv8n: {(a.images / dt) / (n / dt2):.1f}x')

if __name__ == '__main__':
    main()
