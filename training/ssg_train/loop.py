"""What every training command shares: progress lines (kimg, images/s, losses, time left), a
JSON-lines log, sample sheets and checkpoints on a cadence, and a clean stop on Ctrl-C/SIGTERM
that saves a resumable checkpoint first."""
import json
import math
import os
import signal
import time
from typing import Callable, Dict


class TrainLoop:
    def __init__(self, out: str, kimg: float, log_every: int, sheet_every_kimg: float, ckpt_every_kimg: float):
        os.makedirs(out, exist_ok=True)
        self.out = out
        self.target = int(kimg * 1000)
        self.log_every = log_every
        self.sheet_every = sheet_every_kimg * 1000
        self.ckpt_every = ckpt_every_kimg * 1000
        self.stop_requested = False
        self.log = open(os.path.join(out, 'train-log.jsonl'), 'a')

    def _on_signal(self, *_):
        if self.stop_requested:
            raise KeyboardInterrupt
        self.stop_requested = True
        print('stopping after this step and saving a checkpoint (Ctrl-C again aborts without saving)', flush=True)

    def run(self, images_seen: Callable[[], int], step: Callable[[], Dict[str, float]],
            save: Callable[[], None], sheet: Callable[[str], None]) -> bool:
        """Runs `step` until the target; returns True when it got there (False: stopped early)."""
        signal.signal(signal.SIGINT, self._on_signal)
        signal.signal(signal.SIGTERM, self._on_signal)
        t0, seen0 = time.time(), images_seen()
        last_ck = last_sheet = seen0
        steps = 0
        parent = os.getppid()
        while images_seen() < self.target and not self.stop_requested:
            if os.getppid() != parent:  # the ssg process that started us is gone
                print('the parent process exited: stopping', flush=True)
                break
            parts = step()
            steps += 1
            if not all(math.isfinite(v) for v in parts.values()):
                save()
                raise RuntimeError(f'a loss is not finite after {images_seen()} images: {parts}; the last checkpoint is kept')
            seen = images_seen()
            if steps % self.log_every == 0:
                rate = (seen - seen0) / max(time.time() - t0, 1e-6)
                left = (self.target - seen) / max(rate, 1e-6)
                print(f'kimg {seen / 1000:7.2f}  {rate:5.1f} img/s  ' + '  '.join(f'{k} {v:.4f}' for k, v in parts.items())
                      + f'  left {left / 60:.0f} min', flush=True)
                self.log.write(json.dumps({'kimg': seen / 1000, 'img_s': rate, 'time': time.time()} | parts) + '\n')
                self.log.flush()
            if seen - last_sheet >= self.sheet_every:
                last_sheet = seen
                sheet(os.path.join(self.out, f'sheet-{seen // 1000:05d}k.png'))
            if seen - last_ck >= self.ckpt_every:
                last_ck = seen
                save()
        save()
        sheet(os.path.join(self.out, 'sheet-latest.png'))
        done = images_seen() >= self.target
        print(f'saved {os.path.join(self.out, "latest.pt")} at {images_seen() / 1000:.2f} kimg'
              + ('' if done else ' (stopped early: resume with --resume)'), flush=True)
        return done
