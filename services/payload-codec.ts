// Workflow payloads (inputs, results, signals, queries, summaries, failures) are encrypted before
// they reach Temporal, so nobody with Temporal access (its UI, CLI, database or backups) reads a
// member's name, e-mail, PIN or Wi-Fi password. AES-256-GCM; the key id rides in the payload's
// metadata so several keys can be configured at once and rotated: the first encrypts, all decrypt.
// Payloads written before encryption existed (committed replay histories, running workflows) have
// no such metadata and pass through as they are.
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import type { DataConverter, Payload, PayloadCodec } from '@temporalio/common';
import proto from '@temporalio/proto';
import type { CodecKey, Config } from '../config/index.ts';

export const ENCRYPTED_ENCODING = 'binary/encrypted';
const KEY_ID = 'encryption-key-id';
const IV_BYTES = 12;
const TAG_BYTES = 16;
const ProtoPayload = proto.temporal.api.common.v1.Payload;

/**
 * The keys in use: the configured ones (the first encrypts), then one derived from SECRET_KEY,
 * which encrypts when none is configured. Deriving it means a deployment encrypts from its first
 * day with nothing more to set, and configuring keys later keeps what it wrote readable.
 */
export function codecKeys(secretKey: string, configured: CodecKey[] = []): CodecKey[] {
  const derived = Buffer.from(hkdfSync('sha256', secretKey, 'member-onboarding', 'temporal-payload-codec', 32));
  return [...configured, { id: 'secret-key', key: derived }];
}

export class AesGcmPayloadCodec implements PayloadCodec {
  readonly #byId: Map<string, Buffer>;
  readonly #current: CodecKey;
  readonly #encrypt: boolean;

  constructor(keys: CodecKey[], options: { encrypt?: boolean } = {}) {
    if (!keys.length) throw new Error('the payload codec needs at least one key');
    this.#current = keys[0]!;
    this.#encrypt = options.encrypt ?? true;
    this.#byId = new Map(keys.map((k) => [k.id, k.key]));
  }

  async encode(payloads: Payload[]): Promise<Payload[]> {
    if (!this.#encrypt) return payloads;
    return payloads.map((payload) => {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', this.#current.key, iv);
      // The whole payload is sealed, its own metadata included (the encoding says what the bytes are),
      // as the protobuf Temporal's samples and other SDKs' codec servers use.
      const plain = ProtoPayload.encode(payload).finish();
      const sealed = Buffer.concat([iv, cipher.update(plain), cipher.final(), cipher.getAuthTag()]);
      return {
        metadata: { encoding: Buffer.from(ENCRYPTED_ENCODING), [KEY_ID]: Buffer.from(this.#current.id) },
        data: sealed,
      };
    });
  }

  async decode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => {
      if (Buffer.from(payload.metadata?.encoding ?? []).toString() !== ENCRYPTED_ENCODING) return payload;
      const id = Buffer.from(payload.metadata?.[KEY_ID] ?? []).toString();
      const key = this.#byId.get(id);
      if (!key) throw new Error(`payload encrypted with key "${id}", which is not among TEMPORAL_CODEC_KEYS`);
      const sealed = Buffer.from(payload.data ?? []);
      const decipher = createDecipheriv('aes-256-gcm', key, sealed.subarray(0, IV_BYTES));
      decipher.setAuthTag(sealed.subarray(sealed.length - TAG_BYTES));
      const plain = Buffer.concat([decipher.update(sealed.subarray(IV_BYTES, sealed.length - TAG_BYTES)), decipher.final()]);
      return ProtoPayload.decode(plain);
    });
  }
}

export const failureConverterPath = fileURLToPath(new URL('../workflows/failure-converter.ts', import.meta.url));

/**
 * What every worker and client (API, CLIs, tests) converts payloads with. Failure messages and
 * stack traces may name a person (an SMTP server's "550 <alice@…>"): the failure converter moves
 * them into a payload, which the codec encrypts; workflow bundles are built with the same path.
 */
export function temporalDataConverter(keys: CodecKey[], options: { encrypt?: boolean } = {}): DataConverter {
  return { payloadCodecs: [new AesGcmPayloadCodec(keys, options)], failureConverterPath };
}

/** The data converter for this deployment's keys: TEMPORAL_CODEC_KEYS, then SECRET_KEY's. */
export const dataConverterFor = (config: Pick<Config, 'temporal'>, secretKey: string): DataConverter => temporalDataConverter(codecKeys(secretKey, config.temporal.codecKeys), { encrypt: config.temporal.encryptPayloads });
