/**
 * The kit's one-page `INSTALL.txt`: copy, verify, install, open the port, add the target in the app.
 * The same text ships inside the .deb and the .tar.gz (without the signer, known only when packaging).
 */
import { artifactNames, type KitArch } from './manifest.js';
import { KIT_SIG_NAMESPACE, SUMS_FILE, SUMS_SIGNATURE } from './sums.js';

export interface InstallTextOptions {
  version: string;
  arches: KitArch[];
  /** present when SHA256SUMS is signed */
  signer?: { fingerprint: string; publicKey: string };
}

/** INSTALL.txt for a kit of `version` with executables for `arches`. */
export function installText(o: InstallTextOptions): string {
  const names = o.arches.map((a) => ({ arch: a, ...artifactNames(o.version, a) }));
  const first = names[0] ?? { arch: 'x64', ...artifactNames(o.version, 'x64') };
  const perArch = names
    .map((n) => `    ${n.arch === 'x64' ? 'x86_64 ' : 'aarch64'}  ${n.deb}   ${n['tar.gz']}   ${n.executable}`)
    .join('\n');
  const verify = o.signer
    ? [
        `   The kit's SHA256SUMS is signed (namespace "${KIT_SIG_NAMESPACE}") by the key`,
        `     ${o.signer.fingerprint}`,
        `   Check that fingerprint with the person who made the kit (by phone, not from this medium), then:`,
        `     echo 'kit-signer ${o.signer.publicKey}' > allowed_signers`,
        `     ssh-keygen -Y verify -f allowed_signers -I kit-signer -n ${KIT_SIG_NAMESPACE} -s ${SUMS_SIGNATURE} < ${SUMS_FILE}`,
        `   It must print: Good "${KIT_SIG_NAMESPACE}" signature for kit-signer with ED25519 key ${o.signer.fingerprint}`,
      ]
    : [
        `   This kit is not signed. A signed kit (\`posture-stage agent package --key KEY\`) adds ${SUMS_SIGNATURE};`,
        `   check it with: ssh-keygen -Y verify -f allowed_signers -I kit-signer -n ${KIT_SIG_NAMESPACE} -s ${SUMS_SIGNATURE} < ${SUMS_FILE}`,
      ];
  const title = `Posture Stage ${o.version} - node agent kit`;
  return [
    title,
    '='.repeat(title.length),
    ``,
    `The agent runs on a Linux host in ISE's zone (a jump or staging host that the workstation can reach),`,
    `NEVER on the ISE appliance itself. It needs no Node.js, no internet and no package mirror.`,
    ``,
    `Files (pick the line for the host's CPU: uname -m):`,
    perArch,
    ``,
    `1. Copy the whole folder to the host (scp, or the removable medium), then cd into it.`,
    ``,
    `2. Verify before installing:`,
    `     sha256sum -c ${SUMS_FILE}          every line must say OK`,
    ...verify,
    ``,
    `3. Install, as root. Debian/Ubuntu:`,
    `     apt install ./${first.deb}     (or: dpkg -i ${first.deb})`,
    `   Other distributions (RHEL, …):`,
    `     tar -xzf ${first['tar.gz']} && cd posture-stage-${o.version} && ./install.sh`,
    `   Both install /usr/bin/posture-stage and the service posture-stage-agent (user posture-stage, store`,
    `   /var/lib/posture-stage-agent, settings in /etc/default/posture-stage-agent), run \`agent init\` once and`,
    `   print the certificate fingerprint and where the API token is. Upgrading is the same command with a`,
    `   newer kit: the store (states, history, tokens, keys) and your settings are kept. Removing (even`,
    `   purging) keeps the store too.`,
    `   Without a service: copy ${first.executable} to /usr/local/bin/posture-stage and run`,
    `     posture-stage agent init --store DIR && posture-stage agent serve --store DIR`,
    ``,
    `4. Open the port, to the workstation only (8443/tcp unless changed in /etc/default/posture-stage-agent):`,
    `     firewall-cmd --permanent --add-port=8443/tcp && firewall-cmd --reload     (RHEL)`,
    `     ufw allow from WORKSTATION_IP to any port 8443 proto tcp                   (Ubuntu)`,
    ``,
    `5. In the app: Targets > Add target: https://HOST:8443, the fingerprint printed at install`,
    `   (again: posture-stage agent init --store /var/lib/posture-stage-agent, which changes nothing),`,
    `   and the token from /var/lib/posture-stage-agent/token (root only). Check it answers:`,
    `     systemctl status posture-stage-agent && posture-stage agent status --store /var/lib/posture-stage-agent`,
    ``,
    `SFTP pushes instead of HTTPS need no service: push with --remote-command /usr/bin/posture-stage`,
    `(or the executable's path) and a login that may write to the store.`,
    ``,
  ].join('\n');
}
