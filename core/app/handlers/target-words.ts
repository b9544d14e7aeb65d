/**
 * What a failed contact with a target means in the app's words (issue 12 §3/§4): the node client's errors are
 * written for the CLI ("use the token file", "--identity"); on the Targets screen the admin fixes the target
 * itself — its API token, key, password, remote command or pin — so the message says which field, and how to get
 * the right value from the node. Code and details stay as the node client gave them.
 */
import { CoreError, type ErrorJSON } from '../../errors.js';
import type { AddTarget } from '../targets-store.js';

/** Where the admin meets the error: the add/edit form (fix the field) or a saved target (edit it). */
type TargetContext = 'form' | 'saved';

/** The node client's error for target `t`, reworded for the app; `step` is the Test connection step that failed. */
export function targetErrorInWords(t: AddTarget, error: ErrorJSON, context: TargetContext, step?: string): ErrorJSON {
  const edit = context === 'saved' ? 'Edit the target and ' : '';
  const message = reword(t, error, step, edit);
  return message === error.message ? error : { ...error, message };
}

function reword(t: AddTarget, e: ErrorJSON, step: string | undefined, edit: string): string {
  const fix = (s: string) => (edit ? `${edit}${s.charAt(0).toLowerCase()}${s.slice(1)}` : s);
  if (e.code === 'AUTH_FAILED' && step !== 'store') {
    if (t.kind === 'https')
      return `The node refused the API token (401). ${fix('Enter the token the node gave: the file "token" in its store (printed when the agent was installed), or a new one from "posture-stage agent token add NAME" run on the node.')}`;
    if (/passphrase|private key|privateKey/i.test(e.message))
      return `The private key could not be opened: it needs its passphrase, or the one given is wrong. ${fix('Enter the key passphrase.')}`;
    if (t.agent)
      return `The node refused the SSH login as ${t.user} with the keys the SSH agent offers. Add the key that may log in to the agent (ssh-add on this computer), or ${edit ? 'edit the target to ' : ''}choose the key file instead.`;
    if (t.password)
      return `The node refused the SSH login as ${t.user} with this password. ${fix('Check the user name and enter the password again.')}`;
    return `The node refused the SSH login as ${t.user} with this key. Check the user name, and that the key's public half is in ~${t.user}/.ssh/authorized_keys on the node.`;
  }
  if (e.code === 'FINGERPRINT_MISMATCH' || e.code === 'HOST_KEY_MISMATCH')
    return `${e.message} If the node was reinstalled or its ${t.kind === 'https' ? 'certificate renewed' : 'host key replaced'}, check the new fingerprint on the node, then ${edit ? 'edit the target and ' : ''}use "Check the node's key" to pin it.`;
  if (e.code === 'NOT_FOUND' && step === 'store')
    return `The store path is not a node store on that host: ${e.message.replace(/\.$/, '')}. ${fix('Correct the store path (the node kit installs the store at /var/lib/posture-stage-agent).')}`;
  return e.message;
}

/** The same, as a CoreError to throw (the form's check before saving). */
export function refusalInWords(t: AddTarget, error: ErrorJSON, step?: string): CoreError {
  const worded = targetErrorInWords(t, error, 'form', step);
  return new CoreError(worded.code, worded.message, { ...(worded.details ?? {}), ...(step ? { step } : {}) });
}
