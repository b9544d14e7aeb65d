/**
 * Errors in the app's words: the refusals the core words for the CLI or the node's API, as the app shows
 * them — no flag to pass, no header to send — and the feed's internet text never on a node's failure.
 */
import { describe, expect, it } from 'vitest';
import { CoreError, type ErrorJSON } from '../errors.js';
import { FEED_ADVICE } from '../feed/index.js';
import { unreachable } from '../net/diagnose.js';
import { classifySshError } from '../transfer/ssh-errors.js';
import { NODE_ADVICE } from '../transfer/node-tls.js';
import { appError, appText, inAppWords } from './app-words.js';

/** What a CLI or API instruction looks like in a message. */
const CLI_OR_API = /(^|[\s(`])--[a-z]|Authorization:|Bearer|POSTURE_STAGE_/;

describe('app words', () => {
  it('says "tick Allow downgrade" where the node says "pass --allow-downgrade"', () => {
    const e = appError({
      code: 'DOWNGRADE_REFUSED',
      message:
        'The bundle is older than what the node holds (conditions 300418.0.0.0 → 280052.0.0.0); nothing was applied. Use a newer bundle, or pass --allow-downgrade if you really mean to go back.',
    });
    expect(e.message).toBe(
      'The bundle is older than what the node holds (conditions 300418.0.0.0 → 280052.0.0.0); nothing was applied. Use a newer bundle, or tick “Allow downgrade” if you really mean to go back.',
    );
  });

  it('says the node refused the token where the agent says to send an Authorization header', () => {
    const e = appError({
      code: 'UNAUTHORIZED',
      message:
        "A valid API token is required: send `Authorization: Bearer <token>` with the token from the node store's token file (or one made with `agent token add NAME`).",
    });
    expect(e.message).toMatch(/^The node refused the token\. Edit the target/);
    expect(e.message).not.toMatch(CLI_OR_API);
  });

  it('rewords the SSH login, host key, certificate and custody advice', () => {
    const cases: ErrorJSON[] = [
      classifySshError(
        Object.assign(new Error('All configured authentication methods failed'), { level: 'client-authentication' }),
        'h:22',
      ).toJSON(),
      {
        code: 'HOST_KEY_UNKNOWN',
        message: `The SSH host key of h:22 (SHA256:${'a'.repeat(43)}) is not known. Nothing was sent. Check it on the node's console, then pass --host-key SHA256:${'a'.repeat(43)} or add it to known_hosts.`,
      },
      {
        code: 'TLS_UNTRUSTED',
        message: `The certificate chain of node does not lead to a trusted root. ${NODE_ADVICE.untrustedChain ?? ''}`,
      },
      {
        code: 'CUSTODY_REQUIRED',
        message:
          'This node applies only bundles that arrive with a transfer manifest signed by a trusted signer, and bundle abc came without one; nothing was applied. Export it with `library export --key` and send the manifest with it: over HTTPS `PUT /api/v1/custody/abc`, over SFTP `inbox/abc.custody.json`, or `agent apply --custody FILE.transfer.json`.',
      },
    ];
    for (const c of cases) {
      const e = appError(c);
      expect(e.message, c.code).not.toMatch(CLI_OR_API);
      expect(e.message.length, c.code).toBeGreaterThan(40);
    }
    expect(appError(cases[0]!).message).toContain('Targets → Edit');
    expect(appError(cases[1]!).message).toContain('confirm SHA256:');
  });

  it("drops any other sentence naming a flag and gives the code's next step instead", () => {
    const e = appError({ code: 'FINGERPRINT_MISMATCH', message: 'The certificate changed. Run it with --some-new-flag to see more.' });
    expect(e.message).toBe(
      "The certificate changed. Nothing was sent. Confirm the node's new certificate fingerprint with its admin before pinning it (Targets).",
    );
  });

  it("never carries the feed's internet text on a node's failure, and keeps it for the feed", () => {
    const feedError = unreachable('tcp', 'Cannot connect to node:8443 (ECONNREFUSED).', { address: 'node:8443' }, FEED_ADVICE).toJSON();
    const onNode = appError(feedError);
    expect(onNode.message).toBe('Cannot connect to node:8443 (ECONNREFUSED).');
    expect(onNode.details?.hint).toBeUndefined();
    const onFeed = appError(feedError, { feed: true });
    expect(onFeed.message).toContain('Remote Address is not accessible');
    expect(onFeed.details?.hint).toBe(FEED_ADVICE.hint);
    expect(appText(`The chain does not lead to a trusted root. ${FEED_ADVICE.untrustedChain ?? ''}`)).not.toMatch(/cisco\.com/);
  });

  it('rewords every error and warning inside an answer and leaves everything else, and the original, as it was', () => {
    const answer = {
      targets: [
        { name: 'node --allow-downgrade', ok: true },
        {
          name: 'n2',
          ok: false,
          error: new CoreError(
            'DOWNGRADE_REFUSED',
            'Older. Use a newer bundle, or pass --allow-downgrade if you really mean to go back.',
          ).toJSON(),
        },
      ],
      log: ['agent apply --allow-downgrade'],
    };
    const copy = structuredClone(answer);
    const out = inAppWords(answer);
    expect(out.targets[1]?.error?.message).toContain('tick “Allow downgrade”');
    expect(out.targets[0]).toBe(answer.targets[0]);
    expect(out.log).toBe(answer.log);
    expect(answer).toEqual(copy);
    const clean = { a: [{ code: 'USAGE', message: 'Fine as it is.' }] };
    expect(inAppWords(clean)).toBe(clean);
  });
});
