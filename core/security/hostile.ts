/**
 * The hostile classes of issue 8 (parsing cost, XML 1.0 and names, the decoy), each built at test time
 * from the valid sample by ./build.ts, with the refusal `inspect` must answer. The classes that scale
 * take a target bundle size: the suite and the bench build them at the size the bound speaks of (10 MB)
 * and measure the built CLI in a child process (./measure.ts).
 */
import { constants, deflateRawSync, gzipSync } from 'node:zlib';
import type { ErrorCode, WarningCode } from '../errors.js';
import { assemble, chunksOf as docChunks, sample, storedPayload, tarGz, xmlPayload, type Body, type Doc, type Payload } from './build.js';

export interface Hostile {
  name: string;
  /** builds the bundle; `size` is the target bundle size in bytes for the classes that scale */
  build: (size: number) => Promise<Uint8Array>;
  /** the refusal `inspect --json` must give, or null when it must pass */
  code: ErrorCode | null;
  /** a subset of the error's details */
  details?: Record<string, unknown>;
  /** a warning the inspection must carry (when code is null) */
  warning?: WarningCode;
  /** scales with the target size */
  scales?: boolean;
  /** target sizes to build it at (default: the bound's 10 MB when it scales) */
  sizes?: number[];
}

export const MB = 1024 * 1024;
/** What the rest of the sample takes in the bundle (the scaled payload gets the remainder). */
const REST = 180 * 1024;
const OS_OPEN = '<osGroups xmlns="urn:posture-stage:os:1" version="101.6.3.0">';
const OS_HEAD = OS_OPEN + '<group name="Windows All">';
const OS_TAIL = '<os name="Windows 11 Enterprise"/></group></osGroups>';
const COND = 'posture-conditions.xml';
const COND_HEAD = '<postureConditions xmlns="urn:posture-stage:conditions:1" version="300418.0.0.0">';
const AVAS = 'avas-support-chart-windows.xml';

type Packer = 'gzip' | 'deflate';

/** A body that makes the packed payload about `size` bytes (a repeat's block, or a random body, compressed once to measure). */
function sized(body: (n: number) => Body, size: number, packer: Packer): Body {
  const probe = body(1);
  const target = Math.max(1, size - REST);
  if (probe.kind === 'repeat') {
    const unit = Buffer.from(probe.unit);
    const per = Math.max(1, Math.floor(MB / unit.length));
    const block = Buffer.concat(Array.from({ length: per }, () => unit));
    const packed = packer === 'gzip' ? gzipSync(block, { level: 9 }) : deflateRawSync(block, { finishFlush: constants.Z_FULL_FLUSH });
    return body(Math.max(1, Math.round(target / packed.length)) * per);
  }
  const one = body(MB);
  const sampleBytes = Buffer.concat([...docChunks({ head: '', body: one, tail: '' })]);
  const ratio = sampleBytes.length / gzipSync(sampleBytes, { level: 6 }).length;
  return body(Math.round(target * ratio));
}

/** osgroupsV2.tar.gz holding os-groups.xml. */
const osTar = async (d: Doc, member = 'os-groups.xml'): Promise<Payload> =>
  storedPayload('osgroupsV2.tar.gz', await tarGz([{ name: member, content: d }]));

/** A bundle whose nested os-groups.xml is `head`, a body sized to make the bundle `size` bytes, and `tail`. */
const scaledOs = async (size: number, head: string, body: (n: number) => Body, tail: string): Promise<Uint8Array> =>
  assemble([await osTar({ head, body: sized(body, size, 'gzip'), tail })]);

/** A bundle whose deflated payload `name` is scaled the same way. */
const scaledXml = async (name: string, size: number, head: string, body: (n: number) => Body, tail: string): Promise<Uint8Array> =>
  assemble([xmlPayload(name, { head, body: sized(body, size, 'deflate'), tail })]);

const repeat =
  (unit: string) =>
  (count: number): Body => ({ kind: 'repeat', unit, count });

/** The sample's own payload with a text edit. */
async function edited(name: string, edit: (xml: string) => string): Promise<Uint8Array> {
  const p = await sample();
  const xml = Buffer.from(p.payloads.get(name) as Uint8Array).toString('utf8');
  return assemble([storedPayload(name, new Uint8Array(Buffer.from(edit(xml), 'utf8')), true)]);
}

/** The sample's own payload with raw bytes spliced in before the first `at`. */
async function spliced(name: string, at: string, bytes: number[]): Promise<Uint8Array> {
  const p = await sample();
  const xml = Buffer.from(p.payloads.get(name) as Uint8Array);
  const i = xml.indexOf(at);
  return assemble([storedPayload(name, new Uint8Array(Buffer.concat([xml.subarray(0, i), Buffer.from(bytes), xml.subarray(i)])), true)]);
}

/** A bundle whose zip holds one extra (unlisted) entry named `name`. */
const extraEntry = (name: string) => assemble([], { extra: [{ name, data: new Uint8Array(Buffer.from('x')) }] });

/** The os tar with its one member named `member`. */
const tarMember = async (member: string) =>
  assemble([await osTar({ head: OS_HEAD, body: { kind: 'repeat', unit: '', count: 0 }, tail: OS_TAIL }, member)]);

/** Makes the manifest's conditions entry point at `to` (its hash and length too). */
function pointConditionsAt(manifest: string, to: Payload): string {
  return manifest.replace(
    /(<update:component>conditions<\/update:component>[\s\S]*?<update:sha256>)[0-9a-f]{64}([\s\S]*?length=")\d+(" href=")[^"]+/,
    `$1${to.sha256}$2${to.length}$3${to.name}`,
  );
}

export const HOSTILE: Hostile[] = [
  // --- issue 8 §2: parsing cost bounded
  {
    name: 'nested XML padded with whitespace between elements (valid, ~4:1)',
    code: null,
    scales: true,
    sizes: [1.2 * MB, 2 * MB, 10 * MB],
    build: (size) => scaledOs(size, OS_HEAD, (n) => ({ kind: 'whitespace', bytes: n }), OS_TAIL),
  },
  {
    name: 'nested XML padded with whitespace inside a tag (valid, ~4:1)',
    code: null,
    scales: true,
    build: (size) => scaledOs(size, OS_HEAD.slice(0, -1), (n) => ({ kind: 'whitespace', bytes: n }), '>' + OS_TAIL),
  },
  {
    name: 'nested XML padded with spaces (past the nested ratio limit)',
    code: 'ZIP_LIMIT',
    details: { entry: 'osgroupsV2.tar.gz' },
    scales: true,
    sizes: [1.2 * MB, 2 * MB, 10 * MB],
    build: (size) => scaledOs(size, OS_HEAD, repeat(' '.repeat(4096)), OS_TAIL),
  },
  {
    name: 'nested XML padded with spaces inside a tag',
    code: 'ZIP_LIMIT',
    details: { entry: 'osgroupsV2.tar.gz' },
    scales: true,
    build: (size) => scaledOs(size, OS_HEAD.slice(0, -1), repeat(' '.repeat(4096)), '>' + OS_TAIL),
  },
  {
    name: 'nested XML: elements between long runs of spaces',
    code: 'ZIP_LIMIT',
    scales: true,
    sizes: [1.2 * MB, 2 * MB, 10 * MB],
    build: (size) => scaledOs(size, OS_HEAD, repeat(' '.repeat(4096) + '<os name="W"/>'), OS_TAIL),
  },
  {
    name: 'nested gzip bomb (zeros)',
    code: 'ZIP_LIMIT',
    details: { entry: 'osgroupsV2.tar.gz' },
    scales: true,
    build: (size) => scaledOs(size, '', repeat('\0'.repeat(4096)), ''),
  },
  {
    name: 'deflated payload of spaces, small size declared (lying header)',
    code: 'ZIP_LIMIT',
    details: { entry: COND },
    scales: true,
    build: (size) => scaledXml(COND, size, COND_HEAD, repeat(' '.repeat(4096)), '</postureConditions>'),
  },
  {
    name: 'dense markup: AV/AS products',
    code: 'ZIP_LIMIT',
    details: { limit: 'maxXmlNodes' },
    scales: true,
    build: (size) =>
      scaledXml(
        AVAS,
        size,
        '<avasSupportChart xmlns="urn:posture-stage:avas:1" os="windows" version="297.0.0.0"><vendor id="1" name="V">',
        repeat('<product id="1" name="P" category="antimalware"/>'),
        '</vendor></avasSupportChart>',
      ),
  },
  {
    name: 'dense markup: conditions',
    code: 'ZIP_LIMIT',
    details: { limit: 'maxXmlNodes' },
    scales: true,
    build: (size) => scaledXml(COND, size, COND_HEAD + '<checks>', repeat('<check id="c"/>'), '</checks></postureConditions>'),
  },
  {
    name: 'dense markup: OS paths under deep groups with long names',
    code: 'ZIP_LIMIT',
    details: { limit: 'maxXmlNodes' },
    scales: true,
    build: (size) =>
      scaledOs(
        size,
        OS_OPEN + Array.from({ length: 60 }, (_, i) => `<group name="${String(i).padStart(4000, 'g')}">`).join(''),
        repeat('<os name="o"/>'),
        '</group>'.repeat(60) + '</osGroups>',
      ),
  },
  {
    name: 'dense entity references',
    code: 'ZIP_LIMIT',
    details: { limit: 'maxXmlNodes' },
    scales: true,
    build: (size) => scaledOs(size, OS_HEAD, repeat('&amp;'), OS_TAIL),
  },
  {
    name: 'many comments',
    code: 'ZIP_LIMIT',
    details: { limit: 'maxXmlNodes' },
    scales: true,
    build: (size) => scaledOs(size, OS_HEAD, repeat('<!---->'), OS_TAIL),
  },
  {
    name: 'huge attribute value',
    code: 'PAYLOAD_INVALID',
    details: { reason: 'limit', limit: 'maxMarkupChars' },
    scales: true,
    build: (size) => scaledOs(size, OS_HEAD + '<os name="', (n) => ({ kind: 'letters', bytes: n }), '"/>' + OS_TAIL),
  },
  {
    name: 'deep nesting',
    code: 'ZIP_LIMIT',
    scales: true,
    build: (size) => scaledOs(size, OS_HEAD, repeat('<group name="g">'), OS_TAIL),
  },
  {
    name: 'deep nesting (a few thousand levels)',
    code: 'PAYLOAD_INVALID',
    details: { reason: 'malformed' },
    build: () => tarOs(OS_HEAD + '<group name="g">'.repeat(5000) + '</group>'.repeat(5000) + OS_TAIL),
  },
  {
    name: 'many tiny entries',
    code: null,
    warning: 'UNLISTED_ENTRY',
    build: () =>
      assemble([], { extra: Array.from({ length: 9_990 }, (_, i) => ({ name: `extra/${i}.txt`, data: new Uint8Array([0x78]) })) }),
  },
  // --- issue 8 §3: XML 1.0, strictly
  {
    name: 'NUL in a payload',
    code: 'PAYLOAD_INVALID',
    details: { entry: COND, reason: 'char' },
    build: () => spliced(COND, '<checks>', [0]),
  },
  {
    name: 'C0 control character (U+0001)',
    code: 'PAYLOAD_INVALID',
    details: { entry: COND, reason: 'char' },
    build: () => spliced(COND, '<checks>', [1]),
  },
  {
    name: 'noncharacter U+FFFF',
    code: 'PAYLOAD_INVALID',
    details: { entry: COND, reason: 'char' },
    build: () => spliced(COND, '<checks>', [0xef, 0xbf, 0xbf]),
  },
  {
    name: 'text before <?xml',
    code: 'PAYLOAD_INVALID',
    details: { entry: COND, reason: 'declaration', offset: 1 },
    build: () => edited(COND, (x) => ' ' + x),
  },
  {
    name: 'a second byte order mark',
    code: 'PAYLOAD_INVALID',
    details: { entry: COND, reason: 'bom', offset: 3 },
    build: () => edited(COND, (x) => '\uFEFF\uFEFF' + x),
  },
  {
    name: 'an encoding other than UTF-8',
    code: 'PAYLOAD_INVALID',
    details: { entry: COND, reason: 'encoding', encoding: 'ISO-8859-1', offset: 0 },
    build: () => edited(COND, (x) => x.replace('encoding="UTF-8"', 'encoding="ISO-8859-1"')),
  },
  {
    name: 'UTF-16 payload',
    code: 'PAYLOAD_INVALID',
    details: { entry: COND, reason: 'encoding' },
    build: async () => {
      const p = await sample();
      const xml = Buffer.from(p.payloads.get(COND) as Uint8Array).toString('utf8');
      const utf16 = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(xml.replace('UTF-8', 'UTF-16'), 'utf16le')]);
      return assemble([storedPayload(COND, new Uint8Array(utf16), true)]);
    },
  },
  // --- issue 8 §3: names
  ...(
    [
      ['C1 control (U+0085)', 'notes\u0085.txt'],
      ['bidi override (U+202E)', 'readme\u202Etxt.exe'],
      ['bidi isolate (U+2066)', 'a\u2066b.txt'],
      ['trailing dot', 'notes.'],
      ['trailing space', 'notes '],
      ['folder ending in a dot', 'dir./notes.txt'],
    ] as const
  ).flatMap(([what, name]): Hostile[] => [
    { name: `zip entry name with a ${what}`, code: 'ZIP_UNSAFE_PATH', details: { entry: name }, build: () => extraEntry(name) },
    {
      name: `tar member name with a ${what}`,
      code: 'PAYLOAD_INVALID',
      details: { reason: 'unsafe-member-name', member: name },
      build: () => tarMember(name),
    },
  ]),
  // --- issue 8 §4: what was checked is what is used
  {
    name: 'decoy: the manifest points at another file while the layout name is present',
    code: 'MANIFEST_INVALID',
    details: { component: 'conditions', reason: 'decoy', entry: COND, href: 'decoy.xml' },
    build: async () => {
      const p = await sample();
      // decoy.xml holds what is checked; ISE would read posture-conditions.xml, which holds something else
      const checked = storedPayload('decoy.xml', p.payloads.get(COND) as Uint8Array, true);
      const evil = storedPayload(COND, new Uint8Array(Buffer.from('<not-what-was-checked/>')), true);
      return assemble([evil], { extra: [checked.entry], manifest: (m) => pointConditionsAt(m, checked) });
    },
  },
];

/** A bundle whose os-groups.xml is `xml`. */
async function tarOs(xml: string): Promise<Uint8Array> {
  return assemble([await osTar({ head: xml, body: { kind: 'repeat', unit: '', count: 0 }, tail: '' })]);
}
