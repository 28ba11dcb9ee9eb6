// The playground's training worker: runs a Session (train.ts) in chunks of ~40 ms so that Pause and Step messages
// get through, and posts the metrics, the decision-region grid and the epochs per second to the page.
import { backendInfo } from '@tensorgrad/core';
import type { Config } from './config.js';
import { type Metrics, Session, bounds } from './train.js';

export type Command =
  | { type: 'reset'; config: Config }
  | { type: 'train'; until?: number } // run (to epoch `until` included, then pause)
  | { type: 'pause' }
  | { type: 'step' };

export interface Update {
  type: 'update';
  epoch: number; // epochs run so far
  running: boolean;
  metrics: Metrics[]; // since the last update
  grid?: { n: number; cls: Uint8Array; prob: Float32Array };
  epochsPerSecond: number;
}
export interface Ready {
  type: 'ready';
  X: Float32Array;
  y: Int32Array;
  isTest: Uint8Array;
  bounds: number[];
  backend: string;
}
export type Message = Update | Ready | { type: 'error'; message: string };

const GRID = 72;
const scope = self as unknown as { postMessage(m: Message): void; onmessage: (e: { data: Command }) => void };
let session: Session | null = null;
let running = false;
let until = Infinity;
let pending: Metrics[] = [];
let lastGrid = 0;
let rate = { t: 0, epoch: 0, value: 0 };

function post(withGrid: boolean): void {
  const s = session!;
  const now = performance.now();
  if (now - rate.t > 500) {
    rate = { t: now, epoch: s.epoch, value: rate.t === 0 ? 0 : ((s.epoch - rate.epoch) * 1000) / (now - rate.t) };
  }
  const u: Update = { type: 'update', epoch: s.epoch, running, metrics: pending, epochsPerSecond: running ? rate.value : 0 };
  if (withGrid) {
    u.grid = { n: GRID, ...s.grid(GRID, bounds(s.points)) };
    lastGrid = now;
  }
  pending = [];
  scope.postMessage(u);
}

function loop(): void {
  if (!running || session === null) return;
  const t0 = performance.now();
  try {
    while (performance.now() - t0 < 40 && session.epoch <= until) pending.push(session.step());
  } catch (e) {
    running = false;
    scope.postMessage({ type: 'error', message: e instanceof Error ? `${e.name}: ${e.message}` : String(e) });
    return;
  }
  if (session.epoch > until) running = false;
  post(!running || performance.now() - lastGrid > 150);
  if (running) setTimeout(loop, 0);
}

scope.onmessage = ({ data: cmd }) => {
  try {
    if (cmd.type === 'reset') {
      running = false;
      session = new Session(cmd.config);
      pending = [];
      rate = { t: 0, epoch: 0, value: 0 };
      const info = backendInfo();
      const threads = info.threads === 2 && info.secondThread !== 'none' ? `2 threads (${info.secondThread})` : '1 thread';
      const p = session.points;
      scope.postMessage({ type: 'ready', X: p.X, y: p.y, isTest: session.isTest, bounds: bounds(p), backend: `${info.backend} · ${threads}` });
      post(true);
    } else if (session === null) {
      return;
    } else if (cmd.type === 'train') {
      until = cmd.until ?? Infinity;
      if (!running) {
        running = true;
        rate = { t: performance.now(), epoch: session.epoch, value: 0 };
        loop();
      }
    } else if (cmd.type === 'pause') {
      running = false;
      post(true);
    } else if (cmd.type === 'step') {
      running = false;
      pending.push(session.step());
      post(true);
    }
  } catch (e) {
    running = false;
    scope.postMessage({ type: 'error', message: e instanceof Error ? `${e.name}: ${e.message}` : String(e) });
  }
};
