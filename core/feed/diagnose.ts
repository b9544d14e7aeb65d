/**
 * The feed's words for a failed connection (core/net/diagnose.ts does the diagnosis): ISE's
 * troubleshooting text ("Remote Address is not accessible…"), the ports every hop to the internet must
 * allow (TCP 443, DNS UDP 53, NTP UDP 123) and cisco.com's root CA (seed: IdenTrust).
 */
import type { CoreError } from '../errors.js';
import {
  classifyConnectError as classify,
  unreachable as netUnreachable,
  type ConnectAdvice,
  type ConnectContext,
  type UnreachableStep,
} from '../net/diagnose.js';
import { CISCO_ROOT_CA } from './settings.js';

export { isInterruption, type ConnectContext, type UnreachableStep } from '../net/diagnose.js';

/** What the feed adds to the generic diagnosis (the app keeps it off every failure that is not the feed's: app-words.ts). */
export const FEED_ADVICE: ConnectAdvice = {
  unreachable: 'Remote Address is not accessible. Please check Update Feed URL, proxy address and proxy port are correctly configured.',
  hint: 'Every hop to the internet must allow TCP 443 (HTTPS), UDP 53 (DNS) and UDP 123 (NTP).',
  untrustedChain: `cisco.com's chain ends at "${CISCO_ROOT_CA}" (in the system store); a TLS-inspecting proxy presents its own root instead, which you must supply with --ca FILE.`,
  clock: "If the certificate is current, this computer's clock is wrong: sync it with NTP (UDP 123).",
};

/** An UNREACHABLE error of the feed, in ISE's words. */
export function unreachable(step: UnreachableStep, message: string, details: Record<string, unknown> = {}): CoreError {
  return netUnreachable(step, message, details, FEED_ADVICE);
}

/** Classifies a failed feed connection, in ISE's words. */
export function classifyConnectError(e: unknown, ctx: ConnectContext): Promise<CoreError> {
  return classify(e, { ...ctx, advice: FEED_ADVICE });
}
