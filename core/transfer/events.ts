/** Per-target progress events of a push (check → connect → upload → verify → apply → done). */
export interface PushEvent {
  step: 'check' | 'connect' | 'upload' | 'verify' | 'apply' | 'retry' | 'done' | 'error';
  done?: number;
  total?: number;
  /** bytes per second during upload */
  rate?: number;
  attempt?: number;
  message?: string;
}

/** Receives one target's events (the target is bound by the caller). */
export type PushEventSink = (e: PushEvent) => void;
