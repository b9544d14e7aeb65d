import { CoreError } from '../errors.js';

/** Per-target progress events of a push (check → connect → custody → upload → verify → apply → done). */
export interface PushEvent {
  step: 'check' | 'connect' | 'custody' | 'upload' | 'verify' | 'apply' | 'retry' | 'done' | 'error';
  done?: number;
  total?: number;
  /** bytes per second during upload */
  rate?: number;
  attempt?: number;
  message?: string;
}

/** The refusal of a call the user cancelled (nothing more was sent; what the node had already done stays done). */
export function cancelled(): CoreError {
  return new CoreError('CANCELLED', 'Cancelled by the user.');
}
